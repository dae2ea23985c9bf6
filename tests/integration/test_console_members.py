"""The console's 會員 pages: the table and its filters show what the members export shows; a member's page shows
their purchases and each reminder with what followed it."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from bot.cli.export_members import member_rows
from infra.config import Settings
from infra.db import UnitOfWork
from models import Member, ReminderSent
from services import directory, tags
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, TPE, at
from tests.factories.webhook import HOST_ID, member_id
from tests.fakes import FakeMessenger
from tests.integration.test_console_signin import ask_link, link_of, sign_in
from tests.integration.test_orders import say

NOW = datetime(2026, 12, 28, 12, 0, tzinfo=TPE)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, public_url="https://console.example.tw")


@pytest.fixture
def console(webhook: Webhook, messenger: FakeMessenger, client: FlaskClient, app: Flask, uow: UnitOfWork) -> FlaskClient:
    app.extensions["groupbuy"].clock = lambda: NOW
    messenger.names.update({member_id(1): "小美", member_id(2): "阿明", member_id(3): "陳媽媽"})
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    say(webhook, "A+3", 1, at(2, 9))
    say(webhook, "B+1", 2, at(2, 10))
    say(webhook, "大家好", 3, at(2, 11))
    say(webhook, "/截單", HOST_ID, at(3, 9))
    mei = directory.find_member(uow, member_id(1))
    assert mei is not None and mei.id is not None
    tags.add_tag(uow, mei, "常加班", added_by=HOST_ID)
    uow.session.add(ReminderSent(member_id=mei.id, kind="refill", dedupe_key="k1", retry_key="r1", status="sent",
                                 due_at=datetime(2026, 12, 15, 10, tzinfo=TPE), sent_at=datetime(2026, 12, 15, 10, tzinfo=TPE)))
    uow.commit()
    assert sign_in(client, link_of(ask_link(webhook, messenger)))[0] == 200
    return client


def names(html: str) -> list[str]:
    return re.findall(r'<article class="member-row">\s*<h3><a href="[^"]+">([^<]+)</a>', html)


def test_the_table_shows_what_the_export_shows(console: FlaskClient, uow: UnitOfWork) -> None:
    html = console.get("/console/members").get_data(as_text=True)
    exported = {r["display_name"]: r for r in member_rows(uow, now=NOW)}
    uow.rollback()
    assert set(names(html)) >= {"小美", "阿明", "陳媽媽"}
    mei = exported["小美"]
    assert f"{mei['orders']} 次・${mei['spent']:,}" in html and mei["spent"] == 540
    assert "常加班" in html and "尚未下單" in html  # 陳媽媽 never bought


@pytest.mark.parametrize(("query", "expected"), [
    ("tag=常加班", ["小美"]), ("segment=新客", ["小美", "阿明"]), ("segment=尚未下單", ["陳媽媽"]), ("tag=不存在", []),
])
def test_filters_by_tag_and_segment(console: FlaskClient, query: str, expected: list[str]) -> None:
    html = console.get(f"/console/members?{query}").get_data(as_text=True)
    assert sorted(n for n in names(html) if n in {"小美", "阿明", "陳媽媽"}) == sorted(expected)


def test_a_member_page_shows_purchases_and_what_followed_a_reminder(console: FlaskClient, uow: UnitOfWork) -> None:
    mei = uow.session.exec(select(Member).where(Member.line_user_id == member_id(1))).one()
    html = console.get(f"/console/members/{mei.id}").get_data(as_text=True)
    uow.rollback()
    assert "第1團【冬季火鍋團】" in html and "$540" in html
    # The reminder on 12/15 10:00 was followed by the campaign delivered 12/25 (9 whole days later).
    assert "補貨提醒" in html and "之後下單：第1團【冬季火鍋團】$540，9 天後" in html
    assert console.get("/console/members/9999").status_code == 404
