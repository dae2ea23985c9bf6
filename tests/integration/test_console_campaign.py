"""The console's 團 pages: the book by member and by item, the waitlist, closing and the Excel file — the same
numbers as /統計, /名單 and the export."""

from __future__ import annotations

import dataclasses
import io
import re
from collections import defaultdict
from datetime import datetime

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from infra.config import Settings
from infra.db import UnitOfWork
from models import OrderChange
from services.order_export import order_rows
from tests.conftest import Webhook
from tests.factories.campaigns import TPE, at
from tests.factories.webhook import HOST_ID
from tests.fakes import FakeMessenger
from tests.integration.test_console_signin import ask_link, csrf_of, link_of, sign_in
from tests.integration.test_orders import last_reply, say

POST = """/開團
【水餃湯品團】
A. 高麗菜水餃 原味/辣味 $200/包 2包$380 辣味限量3
B. 玉米濃湯 $100/包 限量2
12/20 20:00 截單"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, public_url="https://console.example.tw")


@pytest.fixture
def signed_in(webhook: Webhook, messenger: FakeMessenger, client: FlaskClient, app: Flask) -> FlaskClient:
    app.extensions["groupbuy"].clock = lambda: datetime(2026, 12, 3, 12, 0, tzinfo=TPE)
    messenger.names.update({"U" + f"{n:032d}": name for n, name in ((1, "阿明"), (2, "小華"), (3, "陳媽媽"))})
    say(webhook, POST, HOST_ID, at(1, 10))
    say(webhook, "A 原味1 辣味2 B+1", 1, at(1, 11))
    say(webhook, "A辣味+2 B+2", 2, at(1, 12))  # 辣味: one left, one waits; B: one left, one waits
    say(webhook, "B+1", 3, at(1, 13))  # waits behind 小華
    assert sign_in(client, link_of(ask_link(webhook, messenger)))[0] == 200
    return client


def cells(html: str, table: str) -> list[list[str]]:
    body = re.search(rf'<table class="list" id="{table}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert body, table
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S)]


def test_the_book_matches_the_export_and_the_chat(signed_in: FlaskClient, webhook: Webhook,
                                                  messenger: FakeMessenger, uow: UnitOfWork) -> None:
    html = signed_in.get("/console/campaigns/1").get_data(as_text=True)
    rows = order_rows(uow)
    uow.rollback()
    confirmed: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["status"] == "confirmed":
            confirmed[r["item_code"]] += r["qty"]
    by_item = cells(html, "by-item")
    assert by_item[0][:4] == ["A 高麗菜水餃", str(confirmed["A"]), "—", "1"]
    assert by_item[1][:4] == ["・原味", "1", "", ""] and by_item[2][:4] == ["・辣味", "3", "", "1"]
    assert by_item[3][:4] == ["B 玉米濃湯", str(confirmed["B"]), "0", "2"]
    assert cells(html, "waitlist") == [["A 高麗菜水餃（辣味）", "1", "小華", "1"], ["B 玉米濃湯", "1", "小華", "1"],
                                       ["B 玉米濃湯", "2", "陳媽媽", "1"]]
    amount = sum(r["amount"] for r in rows if r["status"] == "confirmed")
    assert f'<span id="sales">${amount:,}</span>' in html
    say(webhook, "/統計", HOST_ID, at(2, 9))
    assert f"總金額 ${amount:,}" in last_reply(messenger).text
    assert "A 高麗菜水餃（辣味） ×2" in html and "尚未付款" in html  # the member's lines, as the chat words them
    say(webhook, "/叫貨", HOST_ID, at(2, 10))
    supply = re.search(r'<pre class="supply" id="supply">(.*?)</pre>', html, re.S)
    assert supply and supply.group(1) == messenger.replies[-1][1][0].text  # type: ignore[union-attr]


def test_closing_from_the_console_closes_it_for_the_chat(signed_in: FlaskClient, webhook: Webhook,
                                                         messenger: FakeMessenger) -> None:
    page = signed_in.get("/console/campaigns/1").get_data(as_text=True)
    assert signed_in.post("/console/campaigns/1/close").status_code == 400  # no CSRF token: refused
    done = signed_in.post("/console/campaigns/1/close", data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert done.status_code == 200 and "已截單" in done.get_data(as_text=True)
    say(webhook, "A原味+1", 3, at(3, 13))  # sent after the console closed it (12/3 12:00)
    assert "截單" in last_reply(messenger).text and "沒有登記" in last_reply(messenger).text
    assert 'id="close"' not in signed_in.get("/console/campaigns/1").get_data(as_text=True)


def test_the_excel_file_is_the_export(signed_in: FlaskClient) -> None:
    response = signed_in.get("/console/campaigns/1/orders.xlsx")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) >= 2  # the orders and the shipping sheet


def test_the_list_and_a_missing_campaign(signed_in: FlaskClient) -> None:
    html = signed_in.get("/console/campaigns").get_data(as_text=True)
    assert "第1團【水餃湯品團】" in html and "3 人" in html
    assert signed_in.get("/console/campaigns/99").status_code == 404


def edit_form(html: str, member: str, code: str) -> dict[str, str]:
    """Return the fields of the edit form of ``member``'s line of item ``code``."""
    block = re.search(rf'<article class="member" data-member="{member}">(.*?)</article>', html, re.S)
    assert block, member
    for form in re.findall(r'<form method="post" action="[^"]+/edit" class="edit">(.*?)</form>', block.group(1), re.S):
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form))
        if f"{code} 數量" in form:
            return fields
    raise AssertionError(f"no edit form for {member} {code}")


def test_a_host_edit_changes_the_chat_and_the_export_and_tells_the_member(
    signed_in: FlaskClient, webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork,
) -> None:
    html = signed_in.get("/console/campaigns/1").get_data(as_text=True)
    form = edit_form(html, "阿明", "B")
    pushes = len(messenger.pushes)
    done = signed_in.post("/console/campaigns/1/edit", data={**form, "qty": "0"}, follow_redirects=True)
    assert "從 1 改成 0" in done.get_data(as_text=True)
    # 阿明's B freed one: 小華, first on the waitlist, gets it; 阿明 is told with the confirmation a comment gets.
    told, promoted = messenger.pushes[pushes:]
    assert told[0] == promoted[0] and told[0].startswith("C")  # both to the group
    assert "團主幫你修改了訂單" in told[1][0].text and told[1][0].mentions == {"m": "U" + f"{1:032d}"}  # type: ignore[union-attr]
    assert "候補遞補成功" in promoted[1][0].text  # type: ignore[union-attr]
    rows = {(r["user_id"][-1], r["item_code"], r["status"]): r["qty"] for r in order_rows(uow)}
    uow.rollback()
    assert ("1", "B", "confirmed") not in rows and rows[("2", "B", "confirmed")] == 2
    say(webhook, "/統計", HOST_ID, at(2, 9))
    assert "B 玉米濃湯：2，剩 0，候補 1" in last_reply(messenger).text
    changes = uow.session.exec(select(OrderChange).where(OrderChange.action == "host")).all()
    assert [(c.delta, c.source_message_id) for c in changes] == [(-1, f"host:{HOST_ID}")]  # who changed it
    uow.rollback()
    forged = {k: v for k, v in form.items() if k != "csrf_token"}
    assert signed_in.post("/console/campaigns/1/edit", data={**forged, "qty": "5"}).status_code == 400  # no CSRF
