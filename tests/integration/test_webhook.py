"""The webhook route: signatures, batches, malformed events, redelivery, health."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlmodel import func, select

from infra.db import UnitOfWork
from models import Group, Member, WebhookEvent
from tests.conftest import Webhook
from tests.factories.webhook import GROUP_ID, HOST_ID, body, member_id, sign, text_event
from tests.fakes import FakeMessenger

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "line-samples" / "webhook-events.json"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "webhook-events.json"


def count_events(uow: UnitOfWork) -> int:
    """Return how many events the inbox holds."""
    return uow.session.exec(select(func.count()).select_from(WebhookEvent)).one()


def test_valid_signature_is_accepted_and_stored(webhook: Webhook, inbox_uow: UnitOfWork) -> None:
    resp = webhook.post(body(text_event("大家好")))
    assert resp.status_code == 200
    assert count_events(inbox_uow) == 1


@pytest.mark.parametrize(
    "signature",
    ["", "bm90IGEgc2lnbmF0dXJl", sign(b'{"events": []}', "test-channel-secret-0123456789ab")],
    ids=["missing", "forged", "signature-of-another-body"],
)
def test_bad_signature_is_rejected_and_nothing_stored(
    webhook: Webhook, inbox_uow: UnitOfWork, messenger: FakeMessenger, signature: str
) -> None:
    resp = webhook.post(body(text_event("/說明")), signature=signature)
    assert resp.status_code == 400
    assert count_events(inbox_uow) == 0
    assert messenger.replies == []


def test_signature_with_another_secret_is_rejected(webhook: Webhook, inbox_uow: UnitOfWork) -> None:
    raw = body(text_event("/說明"))
    resp = webhook.post(raw, signature=sign(raw, "someone-elses-secret"))
    assert resp.status_code == 400
    assert count_events(inbox_uow) == 0


def test_signature_header_is_read_case_insensitively(client, inbox_uow: UnitOfWork) -> None:  # type: ignore[no-untyped-def]
    raw = body(text_event("hi"))
    resp = client.post(
        "/callback", data=raw, headers={"x-line-signature": sign(raw, "test-channel-secret-0123456789ab")}
    )
    assert resp.status_code == 200
    assert count_events(inbox_uow) == 1


def test_connection_check_with_no_events(webhook: Webhook, inbox_uow: UnitOfWork) -> None:
    resp = webhook.post(b'{"destination": "Uxxx", "events": []}')
    assert resp.status_code == 200
    assert count_events(inbox_uow) == 0


@pytest.mark.parametrize("raw", [b"not json", b'{"destination": "U1"}', b'{"events": {"a": 1}}'])
def test_malformed_body_gets_a_clear_400(webhook: Webhook, raw: bytes) -> None:
    resp = webhook.post(raw)
    assert resp.status_code == 400
    assert "malformed" in resp.get_json()["error"]


def test_one_malformed_event_does_not_fail_the_batch(
    webhook: Webhook, inbox_uow: UnitOfWork, messenger: FakeMessenger
) -> None:
    good1 = text_event("/說明", user_id=member_id(1))
    broken = {"type": "message", "timestamp": "yesterday"}  # no webhookEventId, bad timestamp
    odd = text_event("/說明", user_id=member_id(2))
    odd["message"] = {"type": "text"}  # the SDK cannot read it: no id, no text
    good2 = text_event("/說明", user_id=member_id(3))
    resp = webhook.post(body(good1, broken, odd, good2))
    assert resp.status_code == 200
    assert count_events(inbox_uow) == 3  # the event without an id cannot be stored
    assert [token for token, _ in messenger.replies] == [good1["replyToken"], good2["replyToken"]]


def test_redelivery_is_a_no_op(webhook: Webhook, inbox_uow: UnitOfWork, messenger: FakeMessenger) -> None:
    event = text_event("/說明", user_id=member_id(7))
    assert webhook.post(body(event)).status_code == 200
    again = copy.deepcopy(event)
    again["deliveryContext"]["isRedelivery"] = True
    assert webhook.post(body(again)).status_code == 200
    assert count_events(inbox_uow) == 1
    assert len(messenger.replies) == 1


def test_help_answers_members_and_hosts_differently(webhook: Webhook, messenger: FakeMessenger) -> None:
    webhook.post(body(text_event("/說明", user_id=member_id(1))))
    webhook.post(body(text_event("/說明", user_id=HOST_ID)))
    member_text, host_text = messenger.reply_texts()
    assert "【團主指令】" in host_text
    assert "【團主指令】" not in member_text
    assert "/說明" in member_text


def test_member_trying_a_host_command_is_told_no(webhook: Webhook, messenger: FakeMessenger) -> None:
    webhook.post(body(text_event("/管理員 新增", user_id=member_id(1))))
    (reply,) = messenger.reply_texts()
    assert "只有團主" in reply


def test_unknown_command_from_host_gets_help_pointer(webhook: Webhook, messenger: FakeMessenger) -> None:
    webhook.post(body(text_event("/亂打的指令", user_id=HOST_ID)))
    (reply,) = messenger.reply_texts()
    assert "/說明" in reply and "亂打的指令" in reply


@pytest.mark.parametrize("text", ["今天天氣真好", "哈哈哈", "請問什麼時候到貨？", "👍"])
def test_chit_chat_gets_no_reply(webhook: Webhook, messenger: FakeMessenger, text: str) -> None:
    assert webhook.post(body(text_event(text, user_id=member_id(4)))).status_code == 200
    assert messenger.replies == []


def test_sender_and_group_are_remembered_with_display_name(
    webhook: Webhook, uow: UnitOfWork, messenger: FakeMessenger
) -> None:
    messenger.names[member_id(5)] = "王媽媽"
    webhook.post(body(text_event("嗨", user_id=member_id(5))))
    member = uow.session.exec(select(Member).where(Member.line_user_id == member_id(5))).one()
    assert member.display_name == "王媽媽"
    assert uow.session.exec(select(Group).where(Group.line_group_id == GROUP_ID)).one() is not None


def test_host_can_add_a_host_by_mention(webhook: Webhook, messenger: FakeMessenger) -> None:
    webhook.post(body(text_event("/管理員 新增 @阿明", user_id=HOST_ID, mentions=[member_id(9)])))
    assert "已新增 1 位團主" in messenger.reply_texts()[-1]
    webhook.post(body(text_event("/說明", user_id=member_id(9))))
    assert "【團主指令】" in messenger.reply_texts()[-1]


def sample_events() -> list[dict]:
    """Return every event of LINE's sample body (shared copy, else the recorded fixture)."""
    path = SAMPLES if SAMPLES.exists() else FIXTURE
    return json.loads(path.read_text(encoding="utf-8"))["events"]


def test_every_sample_event_type_is_accepted_without_error(webhook: Webhook, inbox_uow: UnitOfWork) -> None:
    events = sample_events()
    for n, event in enumerate(events):
        event["webhookEventId"] = f"01SAMPLE{n:018d}"  # the sample reuses one id for all
    resp = webhook.post(body(*events))
    assert resp.status_code == 200
    rows = inbox_uow.session.exec(select(WebhookEvent)).all()
    assert len(rows) == len(events)
    assert {r.status for r in rows} == {"done"}
    assert {r.event_type for r in rows} >= {"message", "follow", "unfollow", "join", "leave", "postback",
                                             "memberJoined", "memberLeft", "unsend", "messageEdited"}


def test_healthz(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_the_webhook_and_health_check_open_no_session_the_console_does(app) -> None:  # type: ignore[no-untyped-def]
    from flask import request

    sessions = app.session_interface
    for path in ("/callback", "/healthz"):  # LINE's calls carry no cookie: no signing serializer is built for them
        with app.test_request_context(path, method="POST"):
            assert sessions.open_session(app, request) is None
    with app.test_request_context("/console/", headers={"Cookie": "groupbuy_console=forged"}):
        opened = sessions.open_session(app, request)
        assert opened is not None and not opened  # a forged cookie opens an empty session, as Flask's own does
