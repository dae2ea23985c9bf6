"""The fake platform answers the real line-bot-sdk like LINE does: replies, pushes, quota, retry keys."""

from __future__ import annotations

import uuid

import pytest
from fakeline_people import GROUP, HOST, MEI, STRANGER, post_raw
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException

from bot.fakeline import FakeLinePlatform, FakeLineServer


def test_reply_is_accepted_and_recorded_in_the_chat(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    event = platform.events.text("A+2", user_id=MEI, group_id=GROUP)
    quote = event["message"]["quoteToken"]

    response = messaging.reply_message(
        ReplyMessageRequest(reply_token=event["replyToken"], messages=[TextMessage(text="小美 A×2 已登記", quote_token=quote)])
    )

    assert response.sent_messages[0].id
    assert platform.texts_to(GROUP) == ["小美 A×2 已登記"]
    assert len(platform.replies) == 1
    assert platform.replies[0].messages[0]["quoteToken"] == quote
    assert platform.usage == 0  # replies are free


def test_reply_token_is_single_use(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    token = platform.events.text("+1", user_id=MEI, group_id=GROUP)["replyToken"]
    messaging.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="ok")]))

    with pytest.raises(ApiException) as caught:
        messaging.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="again")]))

    assert caught.value.status == 400
    assert "Invalid reply token" in caught.value.body
    assert platform.texts_to(GROUP) == ["ok"]


def test_reply_token_never_issued_is_refused(messaging: MessagingApi) -> None:
    with pytest.raises(ApiException) as caught:
        messaging.reply_message(ReplyMessageRequest(reply_token="made-up", messages=[TextMessage(text="hi")]))
    assert caught.value.status == 400


def test_reply_token_expires_after_a_minute(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    token = platform.events.text("+1", user_id=MEI, group_id=GROUP)["replyToken"]
    platform.advance_clock(61)
    with pytest.raises(ApiException) as caught:
        messaging.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="late")]))
    assert caught.value.status == 400


def test_unknown_quote_token_is_a_violation(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    token = platform.events.text("+1", user_id=MEI, group_id=GROUP)["replyToken"]
    with pytest.raises(ApiException) as caught:
        messaging.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="ok", quote_token="nope")]))
    assert caught.value.status == 400
    assert platform.violations[0].details[0]["property"] == "messages[0].quoteToken"


def test_push_to_group_counts_every_member(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    messaging.push_message(PushMessageRequest(to=GROUP, messages=[TextMessage(text="明天到貨"), TextMessage(text="記得取貨")]))

    assert platform.usage == 4  # four members, however many message objects
    assert messaging.get_message_quota_consumption().total_usage == 4
    assert platform.texts_to(GROUP) == ["明天到貨", "記得取貨"]
    assert len(platform.pushes) == 1


def test_push_over_quota_is_429_and_not_delivered(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    platform.set_quota(5)
    messaging.push_message(PushMessageRequest(to=GROUP, messages=[TextMessage(text="1")]))

    with pytest.raises(ApiException) as caught:
        messaging.push_message(PushMessageRequest(to=GROUP, messages=[TextMessage(text="2")]))

    assert caught.value.status == 429
    assert "You have reached your monthly limit." in caught.value.body
    assert platform.texts_to(GROUP) == ["1"]
    assert "429" in platform.timeline(GROUP)[-1].message["text"]
    assert platform.usage == 4


def test_quota_endpoint_reports_limit_or_none(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    quota = messaging.get_message_quota()
    assert (quota.type.value, quota.value) == ("limited", 200)
    platform.set_quota(None)
    assert messaging.get_message_quota().type.value == "none"


def test_push_to_user_who_blocked_the_bot_is_not_delivered_nor_counted(
    platform: FakeLinePlatform, messaging: MessagingApi
) -> None:
    messaging.push_message(PushMessageRequest(to=STRANGER, messages=[TextMessage(text="hi")]))
    assert platform.usage == 0
    assert platform.messages_to(STRANGER) == []


def test_multicast_counts_each_user_and_refuses_groups(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    messaging.multicast(MulticastRequest(to=[HOST, MEI], messages=[TextMessage(text="補貨囉")]))
    assert platform.usage == 2
    assert platform.texts_to(MEI) == ["補貨囉"]

    with pytest.raises(ApiException) as caught:
        messaging.multicast(MulticastRequest(to=[GROUP], messages=[TextMessage(text="x")]))
    assert caught.value.status == 400


def test_multicast_over_500_users_is_rejected(platform: FakeLinePlatform, server: FakeLineServer) -> None:
    users = [f"U{i:032d}" for i in range(501)]
    status, answer = post_raw(server, "/v2/bot/message/multicast", {"to": users, "messages": [{"type": "text", "text": "x"}]})
    assert status == 400
    assert answer["message"].startswith("The request body has")
    assert platform.usage == 0


def test_retry_key_repeat_is_409_and_sent_once(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    key = str(uuid.uuid4())
    first = messaging.push_message_with_http_info(
        PushMessageRequest(to=MEI, messages=[TextMessage(text="提醒付款")]), x_line_retry_key=key
    )

    with pytest.raises(ApiException) as caught:
        messaging.push_message(PushMessageRequest(to=MEI, messages=[TextMessage(text="提醒付款")]), x_line_retry_key=key)

    assert caught.value.status == 409
    assert caught.value.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert platform.texts_to(MEI) == ["提醒付款"]
    assert platform.usage == 1


def test_wrong_access_token_is_401(server: FakeLineServer) -> None:
    with (
        ApiClient(Configuration(host=server.base_url, access_token="wrong")) as client,
        pytest.raises(ApiException) as caught,
    ):
        MessagingApi(client).get_message_quota()
    assert caught.value.status == 401
    assert "Authentication failed" in caught.value.body


def test_push_to_unknown_chat_is_400(messaging: MessagingApi) -> None:
    with pytest.raises(ApiException) as caught:
        messaging.push_message(PushMessageRequest(to="U" + "9" * 32, messages=[TextMessage(text="x")]))
    assert caught.value.status == 400


def test_reset_forgets_traffic_but_keeps_setup(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    messaging.push_message(PushMessageRequest(to=MEI, messages=[TextMessage(text="x")]))
    platform.reset()
    assert (platform.requests, platform.usage, platform.messages_to(MEI)) == ([], 0, [])
    assert messaging.get_profile(MEI).display_name == "小美"
