"""The console's 對帳 page: a statement uploaded in the browser reconciles exactly as one sent in LINE, a tie is
resolved by choosing the member, and the settled member is told in LINE."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from infra.config import Settings
from infra.db import UnitOfWork
from tests.conftest import Webhook
from tests.factories.campaigns import TPE, at
from tests.factories.statements import with_balances, write_statement
from tests.factories.webhook import HOST_ID, body, follow_event, member_id
from tests.fakes import FakeMessenger
from tests.integration.test_console_signin import ask_link, csrf_of, link_of, sign_in
from tests.integration.test_payments import FIRST, number, ordered, say, send_file, statuses  # noqa: F401 (fixture)

EXPECTED = {
    member_id(1): ("paid", 540, 540), member_id(2): ("short", 400, 350), member_id(3): ("over", 180, 200),
    member_id(4): ("claim_not_found", 500, 0), member_id(7): ("claimed", 540, 0), member_id(8): ("claimed", 540, 0),
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, public_url="https://console.example.tw")


@pytest.fixture
def console(webhook: Webhook, messenger: FakeMessenger, client: FlaskClient, app: Flask, ordered: None) -> FlaskClient:  # noqa: F811
    app.extensions["groupbuy"].clock = lambda: datetime(2026, 12, 4, 9, 0, tzinfo=TPE)
    assert sign_in(client, link_of(ask_link(webhook, messenger)))[0] == 200
    return client


def upload(console: FlaskClient, data: bytes, name: str = "交易明細.csv") -> str:
    page = console.get("/console/payments").get_data(as_text=True)
    done = console.post("/console/payments/upload", data={"csrf_token": csrf_of(page), "statement": (io.BytesIO(data), name)},
                        content_type="multipart/form-data", follow_redirects=True)
    assert done.status_code == 200
    return done.get_data(as_text=True)


@pytest.mark.parametrize("route", ["chat", "console"])
def test_an_upload_reconciles_as_a_file_sent_in_line(route: str, webhook: Webhook, messenger: FakeMessenger,
                                                     console: FlaskClient, uow: UnitOfWork) -> None:
    statement = write_statement(bank="post", rows=with_balances(FIRST))
    if route == "chat":
        send_file(webhook, messenger, statement, "交易明細.csv")
        text = messenger.replies[-1][1][-1].text  # type: ignore[union-attr]
    else:
        text = upload(console, statement)
    got = statuses(uow)
    assert {k: got[k] for k in EXPECTED} == EXPECTED
    assert "✅ 已付清" in text and "⚠️ 少付（2 人）" in text


def test_a_tie_is_given_to_the_member_the_host_chooses_and_they_are_told(
    webhook: Webhook, messenger: FakeMessenger, console: FlaskClient, uow: UnitOfWork,
) -> None:
    assert webhook.post(body(follow_event(member_id(8)))).status_code == 200  # a friend: can be told by push
    say(webhook, "/對帳 通知 開", HOST_ID, at(3, 20), group=False)  # the host lets payment confirmations push
    html = upload(console, write_statement(bank="post", rows=with_balances(FIRST)))
    assert "請你決定" in html
    tie = re.search(r'<article class="deposit" id="tx-(\d+)">.*?</article>', html, re.S)
    assert tie
    buttons = re.findall(r'name="member" value="(\d+)">算給 ', tie.group(0))
    eight = str(number(uow, 8))
    assert eight in buttons and len(buttons) == 2  # the two members who reported the same transfer
    pushes = len(messenger.pushes)
    done = console.post("/console/payments/decide",
                        data={"csrf_token": csrf_of(html), "tx": tie.group(1), "member": eight}, follow_redirects=True)
    assert "已算給" in done.get_data(as_text=True)
    assert statuses(uow)[member_id(8)] == ("paid", 540, 540)
    assert len(messenger.pushes) == pushes + 1 and messenger.pushes[-1][0] == member_id(8)
    again = console.post("/console/payments/decide",
                         data={"csrf_token": csrf_of(html), "tx": tie.group(1), "member": eight}, follow_redirects=True)
    assert "已經對到成員了" in again.get_data(as_text=True)  # pressed twice: nothing doubles
    assert len(messenger.pushes) == pushes + 1


def test_a_file_it_cannot_read_says_what_to_do(console: FlaskClient) -> None:
    html = upload(console, "這不是對帳單\n只是一些字\n".encode(), "notes.csv")
    assert "讀不懂這個對帳單" in html
    page = console.get("/console/payments").get_data(as_text=True)
    refused = console.post("/console/payments/upload", data={"statement": (io.BytesIO(b"x"), "a.csv")},
                           content_type="multipart/form-data")
    assert refused.status_code == 400 and "上傳並對帳" in page
