"""The console's 今日 page: its numbers are the exports' numbers (same services), at the host's moment."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from infra.config import Settings
from infra.db import UnitOfWork
from services.order_export import order_rows
from services.payment_report import payment_rows
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, TPE, at
from tests.factories.statements import with_balances, write_statement
from tests.factories.webhook import HOST_ID, member_id
from tests.fakes import FakeMessenger
from tests.integration.test_console_signin import ask_link, link_of, sign_in
from tests.integration.test_orders import say
from tests.integration.test_payments import row, send_file


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, public_url="https://console.example.tw")


def figure(html: str, name: str) -> int:
    found = re.search(rf'id="{name}">([^<]+)<', html)
    assert found, name
    return int(re.sub(r"[^\d-]", "", found.group(1)))


def test_today_shows_what_the_exports_show(webhook: Webhook, messenger: FakeMessenger, client: FlaskClient,
                                           app: Flask, uow: UnitOfWork) -> None:
    app.extensions["groupbuy"].clock = lambda: datetime(2026, 12, 20, 17, 30, tzinfo=TPE)  # 2.5 h before the cutoff
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    say(webhook, "A+3 C+2", 1, at(2, 9))  # 540 + 500
    say(webhook, "B+1", 2, at(2, 10))  # 200
    say(webhook, "C+28", 3, at(2, 11))  # C sold out: 30
    say(webhook, "已匯款 後五碼12345 1040元", 1, at(3, 9))
    send_file(webhook, messenger, write_statement(bank="post", rows=with_balances([row(1040, "12345", 1)])), "a.csv")

    status, html = sign_in(client, link_of(ask_link(webhook, messenger)))
    assert status == 200
    payments = payment_rows(uow)
    orders = order_rows(uow)
    uow.rollback()
    assert figure(html, "to-collect") == sum(r["due"] for r in payments) == 540 + 500 + 200 + 28 * 250
    assert figure(html, "received") == sum(r["received"] for r in payments) == 1040
    assert figure(html, "unpaid") == 200 + 28 * 250
    assert "第1團【冬季火鍋團】" in html and "2 小時 30 分後截單" in html and "3 人下單" in html
    assert f"${sum(r['amount'] for r in orders if r['status'] == 'confirmed'):,}" in html
    assert "C 手工蛋捲：剩 0" in html
    assert member_id(1) not in html  # LINE user ids never show; names do
