"""Webhook events built by the fake parse with line-bot-sdk's own parser, under a real signature."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fakeline_people import GROUP, HOST, MEI, MING, SECRET
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import (
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    JoinEvent,
    LeaveEvent,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEditedEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
)
from werkzeug.wrappers import Request, Response

from bot.fakeline import EventFactory, FakeLinePlatform, Mention, WebhookSender, encode, sign, webhook_body
from bot.fakeline.openapi import OpenApiValidator, default_spec_path
from bot.fakeline.server import serving
from bot.fakeline.ulid import is_ulid

SAMPLE_PATH = "/work/shared/line-samples/webhook-events.json"


def _all_events(factory: EventFactory) -> list[dict[str, Any]]:
    """Return one event of every kind the builders make."""
    text = "@小美 A+2"
    return [
        factory.text(text, user_id=HOST, group_id=GROUP, mentions=[Mention.of(text, "小美", MEI)]),
        factory.text("我的訂單", user_id=MEI),
        factory.file("statement.csv", 120, user_id=HOST),
        factory.image(user_id=MEI, group_id=GROUP),
        factory.unsend("1234", user_id=MEI, group_id=GROUP),
        factory.message_edited("1234", "A+3", user_id=MEI, group_id=GROUP),
        factory.follow(MEI),
        factory.unfollow(MEI),
        factory.join(GROUP),
        factory.leave(GROUP),
        factory.member_joined(GROUP, [MING]),
        factory.member_left(GROUP, [MING]),
        factory.postback("action=confirm&campaign=3", user_id=MEI, group_id=GROUP),
    ]


EXPECTED = [
    MessageEvent,
    MessageEvent,
    MessageEvent,
    MessageEvent,
    UnsendEvent,
    MessageEditedEvent,
    FollowEvent,
    UnfollowEvent,
    JoinEvent,
    LeaveEvent,
    MemberJoinedEvent,
    MemberLeftEvent,
    PostbackEvent,
]


def test_sdk_parser_accepts_every_event_under_the_right_signature(platform: FakeLinePlatform) -> None:
    raw = encode(webhook_body(_all_events(platform.events))).decode("utf-8")

    events = WebhookParser(SECRET).parse(raw, sign(raw.encode("utf-8"), SECRET))

    assert [type(e) for e in events] == EXPECTED
    text, dm, file, image = (e.message for e in events[:4])  # type: ignore[attr-defined]
    assert isinstance(text, TextMessageContent) and text.mention.mentionees[0].user_id == MEI
    assert isinstance(dm, TextMessageContent) and events[1].source.type == "user"
    assert isinstance(file, FileMessageContent) and file.file_name == "statement.csv"
    assert isinstance(image, ImageMessageContent)
    assert events[5].message.text == "A+3"  # type: ignore[attr-defined]


def test_sdk_parser_rejects_a_wrong_signature(platform: FakeLinePlatform) -> None:
    raw = encode(webhook_body([platform.events.text("+1", user_id=MEI, group_id=GROUP)])).decode("utf-8")
    with pytest.raises(InvalidSignatureError):
        WebhookParser(SECRET).parse(raw, sign(raw.encode("utf-8"), "another-secret"))


WEBHOOK_SPEC = default_spec_path().with_name("webhook.yml")


@pytest.mark.skipif(not WEBHOOK_SPEC.is_file(), reason=f"LINE's webhook spec not found at {WEBHOOK_SPEC}")
def test_events_validate_against_lines_webhook_spec(platform: FakeLinePlatform) -> None:
    with WEBHOOK_SPEC.open(encoding="utf-8") as fh:
        validator = OpenApiValidator(yaml.safe_load(fh))
    events = _all_events(platform.events)
    edited = [e for e in events if e["type"] == "messageEdited"]
    others = [e for e in events if e["type"] != "messageEdited"]

    assert validator.errors("#/components/schemas/CallbackRequest", webhook_body(others)) == []
    # This snapshot of webhook.yml lacks messageEdited; its body is a message event's, so check it as one.
    assert validator.errors("#/components/schemas/MessageEvent", edited[0]) == []


def test_events_have_the_shape_of_lines_own_sample(platform: FakeLinePlatform) -> None:
    try:
        with open(SAMPLE_PATH, encoding="utf-8") as fh:
            samples = json.load(fh)["events"]
    except FileNotFoundError:
        pytest.skip(f"LINE sample events not found at {SAMPLE_PATH}")
    sample_keys = {(e["type"], e.get("message", {}).get("type")): set(e) for e in samples}
    for event in _all_events(platform.events):
        key = (event["type"], event.get("message", {}).get("type"))
        if key in sample_keys:
            assert set(event) == sample_keys[key], key


def test_each_event_has_a_fresh_ulid_and_a_registered_reply_token(platform: FakeLinePlatform) -> None:
    events = _all_events(platform.events)
    ids = [e["webhookEventId"] for e in events]
    assert all(is_ulid(i) for i in ids) and len(set(ids)) == len(ids)
    assert all(e["mode"] == "active" and e["deliveryContext"] == {"isRedelivery": False} for e in events)
    with_tokens = [e for e in events if "replyToken" in e]
    assert {e["type"] for e in events if "replyToken" not in e} == {"unsend", "unfollow", "leave", "memberLeft"}
    assert platform.use_reply_token(with_tokens[0]["replyToken"]) == GROUP
    assert platform.use_reply_token(with_tokens[1]["replyToken"]) == MEI


def test_timestamp_is_settable(platform: FakeLinePlatform) -> None:
    event = platform.events.text("+1", user_id=MEI, group_id=GROUP, timestamp_ms=1_764_300_000_000)
    assert event["timestamp"] == 1_764_300_000_000
    assert event["webhookEventId"].startswith("01KB")  # the ULID encodes the same time


def test_message_edited_is_group_only() -> None:
    with pytest.raises(ValueError):
        EventFactory().message_edited("1", "x", user_id=MEI, group_id="")


class _Recorder:
    """A tiny webhook endpoint that remembers what it received."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.received.append((request.get_data(), request.headers.get("X-Line-Signature", "")))
        return Response("OK")(environ, start_response)


@pytest.fixture
def bot() -> Iterator[tuple[str, _Recorder]]:
    """Serve a recording webhook endpoint."""
    recorder = _Recorder()
    with serving(recorder) as url:
        yield f"{url}/callback", recorder


def test_sender_signs_and_redelivers_the_same_events(platform: FakeLinePlatform, bot: tuple[str, _Recorder]) -> None:
    url, recorder = bot
    sender = WebhookSender(url, SECRET)
    first = sender.send(platform.events.text("A+1", user_id=MEI, group_id=GROUP), platform.events.follow(MING))

    again = sender.redeliver(first.body)

    assert (first.status, again.status) == (200, 200)
    parser = WebhookParser(SECRET)
    original, redelivered = (parser.parse(raw.decode(), signature) for raw, signature in recorder.received)
    assert [e.webhook_event_id for e in original] == [e.webhook_event_id for e in redelivered]
    assert [e.reply_token for e in original] == [e.reply_token for e in redelivered]
    assert [e.delivery_context.is_redelivery for e in redelivered] == [True, True]
    assert [e.delivery_context.is_redelivery for e in original] == [False, False]
