"""Bodies LINE would reject are rejected: SDK models, documented limits, and the official OpenAPI spec."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from fakeline_people import GROUP, MEI, post_raw

from bot.fakeline import FakeLinePlatform, FakeLineServer, RequestValidator
from bot.fakeline.openapi import OpenApiValidator, default_spec_path, default_validator, explicit_discriminators

REPLY = "/v2/bot/message/reply"
needs_spec = pytest.mark.skipif(
    default_validator() is None,
    reason=f"LINE's OpenAPI spec not found at {default_spec_path()} (set GROUPBUY_LINE_OPENAPI_DIR)",
)


def _quick_reply(*labels: str) -> dict[str, Any]:
    """Return a quickReply object with message actions."""
    items = [{"type": "action", "action": {"type": "message", "label": lb, "text": lb}} for lb in labels]
    return {"items": items}


BAD_MESSAGES = {
    "unknown message type": [{"type": "fax", "text": "hi"}],
    "text over 5,000 UTF-16 units": [{"type": "text", "text": "😀" * 2501}],
    "empty text": [{"type": "text", "text": ""}],
    "six messages": [{"type": "text", "text": "x"}] * 6,
    "14 quick reply items": [{"type": "text", "text": "x", "quickReply": _quick_reply(*"ABCDEFGHIJKLMN")}],
    "quick reply label over 20": [{"type": "text", "text": "x", "quickReply": _quick_reply("一" * 21)}],
    "message action without text": [
        {
            "type": "text",
            "text": "x",
            "quickReply": {"items": [{"type": "action", "action": {"type": "message", "label": "A"}}]},
        }
    ],
    "postback data over 300": [
        {
            "type": "text",
            "text": "x",
            "quickReply": {"items": [{"type": "action", "action": {"type": "postback", "label": "A", "data": "d" * 301}}]},
        }
    ],
    "flex without altText": [{"type": "flex", "contents": {"type": "bubble"}}],
    "buttons template with 5 actions": [
        {
            "type": "template",
            "altText": "x",
            "template": {"type": "buttons", "text": "t", "actions": [{"type": "message", "label": "a", "text": "a"}] * 5},
        }
    ],
}


@pytest.mark.parametrize("messages", BAD_MESSAGES.values(), ids=BAD_MESSAGES.keys())
def test_invalid_reply_bodies_are_400_and_recorded(
    platform: FakeLinePlatform, server: FakeLineServer, messages: list[dict[str, Any]]
) -> None:
    token = platform.events.text("+1", user_id=MEI, group_id=GROUP)["replyToken"]

    status, answer = post_raw(server, REPLY, {"replyToken": token, "messages": messages})

    assert status == 400
    assert answer["details"]
    assert len(platform.violations) == 1
    assert platform.messages_to(GROUP) == []


def test_valid_rich_reply_passes_every_check(platform: FakeLinePlatform, server: FakeLineServer) -> None:
    token = platform.events.text("+1", user_id=MEI, group_id=GROUP)["replyToken"]
    messages = [
        {
            "type": "textV2",
            "text": "{mei} 已登記 A×2",
            "substitution": {"mei": {"type": "mention", "mentionee": {"type": "user", "userId": MEI}}},
            "quickReply": _quick_reply("我的訂單", "取消"),
        },
        {
            "type": "flex",
            "altText": "訂單明細",
            "contents": {
                "type": "bubble",
                "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "A 高麗菜 ×2"}]},
            },
        },
    ]
    status, _ = post_raw(server, REPLY, {"replyToken": token, "messages": messages})
    assert status == 200
    assert platform.violations == []


def test_sdk_check_alone_catches_unknown_type() -> None:
    result = RequestValidator(use_default_spec=False).validate(REPLY, '{"replyToken": "t", "messages": [{"type": "fax"}]}')
    assert result.sdk and not result.openapi


@needs_spec
def test_openapi_check_catches_subtype_errors() -> None:
    validator = default_validator()
    assert validator is not None
    body = {"replyToken": "t", "messages": [{"type": "sticker", "packageId": "1"}]}
    errors = validator.errors("#/components/schemas/ReplyMessageRequest", body)
    assert {"message": "'stickerId' is a required property", "property": "messages[0]"} in errors


@needs_spec
def test_without_the_discriminator_rewrite_subtypes_go_unchecked() -> None:
    with default_spec_path().open(encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    body = {"replyToken": "t", "messages": [{"type": "text"}]}  # a text message without text
    ref = "#/components/schemas/ReplyMessageRequest"

    assert OpenApiValidator(spec, rewrite_discriminators=False).errors(ref, body) == []
    assert OpenApiValidator(spec).errors(ref, body) == [{"message": "'text' is a required property", "property": "messages[0]"}]


@needs_spec
def test_openapi_check_runs_on_the_wire(platform: FakeLinePlatform, server: FakeLineServer) -> None:
    token = platform.events.text("+1", user_id=MEI, group_id=GROUP)["replyToken"]
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "diagonal", "contents": []}}
    body = {"replyToken": token, "messages": [{"type": "flex", "altText": "x", "contents": bubble}]}

    status, answer = post_raw(server, REPLY, body)

    assert status == 400
    assert {
        "message": "'diagonal' is not one of ['horizontal', 'vertical', 'baseline']",
        "property": "messages[0].contents.body.layout",
    } in answer["details"]
    assert platform.validator.validate(REPLY, json.dumps(body)).openapi


@needs_spec
def test_a_case_only_the_openapi_check_catches(platform: FakeLinePlatform, server: FakeLineServer) -> None:
    body = {"to": [MEI], "messages": [{"type": "text", "text": "x"}], "customAggregationUnits": ["bad unit!"]}

    result = platform.validator.validate("/v2/bot/message/multicast", json.dumps(body))
    status, answer = post_raw(server, "/v2/bot/message/multicast", body)

    assert (result.sdk, result.limits) == ((), ())
    assert result.openapi == (
        {"message": "'bad unit!' does not match '^[a-zA-Z0-9_]{1,30}$'", "property": "customAggregationUnits[0]"},
    )
    assert status == 400 and platform.violations[0].source == "openapi"
    assert platform.usage == 0


def test_explicit_discriminators_keep_subtypes_extending_the_base() -> None:
    schemas = {
        "Pet": {
            "type": "object",
            "properties": {"kind": {"type": "string"}},
            "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}},
        },
        "Cat": {"allOf": [{"$ref": "#/components/schemas/Pet"}, {"required": ["meow"]}]},
    }
    spec = {"components": {"schemas": schemas}, "paths": {}}
    rewritten = explicit_discriminators(schemas)

    assert rewritten["Cat"]["allOf"][0] == {"$ref": "#/components/schemas/Pet__base"}
    validator = OpenApiValidator(spec)
    assert validator.errors("#/components/schemas/Pet", {"kind": "cat"})
    assert validator.errors("#/components/schemas/Pet", {"kind": "dog"})
    assert validator.errors("#/components/schemas/Pet", {"kind": "cat", "meow": 1}) == []


def test_own_limit_checks_catch_what_sdk_and_spec_let_through() -> None:
    """On every body tried, the SDK models were at least as strict as the spec; both miss these."""
    message = {"type": "image", "originalContentUrl": "http://x/a.jpg", "previewImageUrl": "https://x/a.jpg"}
    body = json.dumps({"replyToken": "t", "messages": [message]})

    result = RequestValidator().validate(REPLY, body)

    assert (result.sdk, result.openapi) == ((), ())
    assert [d["property"] for d in result.limits] == ["messages[0].originalContentUrl"]


def test_a_refused_reply_shows_a_notice_in_its_chat(platform: FakeLinePlatform, server: FakeLineServer) -> None:
    token = platform.events.text("+1", user_id=MEI, group_id=GROUP)["replyToken"]

    post_raw(server, REPLY, {"replyToken": token, "messages": [{"type": "text", "text": ""}]})

    (notice,) = platform.timeline(GROUP)
    assert notice.via == "system" and "LINE 拒絕了機器人的訊息" in notice.message["text"]
    assert platform.messages_to(GROUP) == []
