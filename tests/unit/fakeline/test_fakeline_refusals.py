"""Every reply request is recorded with when the platform answered it and, when refused, why."""

from __future__ import annotations

import pytest
from fakeline_people import GROUP, MEI, post_raw
from linebot.v3.messaging import MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.messaging.exceptions import ApiException

from bot.fakeline import FakeLinePlatform, FakeLineServer


def refused(messaging: MessagingApi, token: str, *, quote_token: str | None = None) -> None:
    """Send a reply that LINE must refuse."""
    message = TextMessage(text="hi", quote_token=quote_token)
    with pytest.raises(ApiException) as caught:
        messaging.reply_message(ReplyMessageRequest(reply_token=token, messages=[message]))
    assert caught.value.status == 400


def test_an_accepted_reply_carries_the_platform_time_and_no_refusal(
    platform: FakeLinePlatform, messaging: MessagingApi,
) -> None:
    platform.advance_clock(1000)  # the platform's clock, not the machine's
    token = platform.events.text("A+1", user_id=MEI, group_id=GROUP)["replyToken"]
    before = platform.now()
    messaging.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="ok")]))
    [reply] = platform.replies
    assert before <= reply.at <= platform.now()
    assert reply.refusal is None and platform.refused_replies == []


def test_refusals_say_why_expired_used_unknown_or_invalid(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    old = platform.events.text("A+1", user_id=MEI, group_id=GROUP)["replyToken"]
    platform.advance_clock(61)
    refused(messaging, old)
    used = platform.events.text("B+1", user_id=MEI, group_id=GROUP)["replyToken"]
    messaging.reply_message(ReplyMessageRequest(reply_token=used, messages=[TextMessage(text="ok")]))
    refused(messaging, used)
    refused(messaging, "never-issued")
    fresh = platform.events.text("C+1", user_id=MEI, group_id=GROUP)["replyToken"]
    refused(messaging, fresh, quote_token="not-a-quote-token")

    assert [r.refusal for r in platform.refused_replies] == ["expired", "used", "unknown", "invalid"]
    assert all(r.at >= platform.now() - 5 for r in platform.refused_replies)
    assert len(platform.replies) == 1
    # the invalid request did not spend the token
    messaging.reply_message(ReplyMessageRequest(reply_token=fresh, messages=[TextMessage(text="ok")]))
    assert len(platform.replies) == 2


def test_a_restarted_token_gets_a_full_window_from_now(platform: FakeLinePlatform) -> None:
    early = platform.events.text("A+1", user_id=MEI, group_id=GROUP)["replyToken"]
    late = platform.events.text("A+2", user_id=MEI, group_id=GROUP)["replyToken"]
    platform.advance_clock(50)
    platform.restart_reply_tokens([late, "never-issued"])
    platform.advance_clock(20)
    assert platform.redeem_reply_token(early) == (None, "expired")
    assert platform.redeem_reply_token(late) == (GROUP, None)
    assert platform.redeem_reply_token(late) == (None, "used")
    assert platform.redeem_reply_token("never-issued") == (None, "unknown")


def test_a_refusal_of_another_kind_is_other(platform: FakeLinePlatform, server: FakeLineServer) -> None:
    token = platform.events.text("A+1", user_id=MEI, group_id=GROUP)["replyToken"]
    body = {"replyToken": token, "messages": [{"type": "text", "text": "hi"}]}
    assert post_raw(server, "/v2/bot/message/reply", body, token="wrong-access-token")[0] == 401
    assert [r.refusal for r in platform.refused_replies] == ["other"]
    assert platform.redeem_reply_token(token) == (GROUP, None)  # still unused
