"""The shipping list across campaigns (合併出貨): two campaigns handed out at the same pickup, one row per member,
through ``/出貨單`` (a reply, or a signed link when long) and ``groupbuy export shipping`` (json, csv, printable xlsx)."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from bot.cli import cli
from infra.db import UnitOfWork
from services.download_links import shipping_link
from services.shipping import shipping_rows
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, at
from tests.factories.webhook import HOST_ID, member_id
from tests.fakes import FakeMessenger
from tests.integration.test_credit_points import host_says
from tests.integration.test_orders import last_reply, say

SNACKS = """/開團
【年貨零食團】
A. 牛軋糖 $160/包
B. 肉乾 $300/包
12/28 20:00 截單"""
MEI, MING, HUA = member_id(1), member_id(2), member_id(3)
HERE = "取貨地點：社區管理室\n取貨時間：12/29(二) 18:00-21:00\n取貨期限 12/31"


@pytest.fixture
def two_arrived(webhook: Webhook, messenger: FakeMessenger) -> None:
    """Two campaigns arrived for the same pickup (管理室 12/29), a third member's elsewhere on another day."""
    messenger.names.update({MEI: "小美", MING: "阿明", HUA: "小華"})
    say(webhook, "/設定 回覆 安靜", HOST_ID, at(1, 9))
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    say(webhook, "A+2", 1, at(2, 9))
    say(webhook, "B+1", 2, at(2, 10))
    say(webhook, SNACKS, HOST_ID, at(2, 11))
    say(webhook, "第2團 A+1 B+1", 1, at(2, 12))
    say(webhook, "第2團 B+2", 3, at(2, 13))
    say(webhook, "/截單 1", HOST_ID, at(20, 21))
    say(webhook, "/截單 2", HOST_ID, at(28, 21))
    say(webhook, "/到貨 1\n" + HERE, HOST_ID, at(28, 22))
    say(webhook, "/到貨 2\n" + HERE, HOST_ID, at(28, 22, 1))


def rows(app: Flask) -> list[dict[str, Any]]:
    with UnitOfWork(app.extensions["groupbuy"].engine, read_only=True) as uow:
        return shipping_rows(uow)


def test_two_campaigns_at_one_pickup_give_one_row_per_member(app: Flask, webhook: Webhook, messenger: FakeMessenger,
                                                             two_arrived: None) -> None:
    host_says(webhook, "/購物金 @小美 +100 老客人", [MEI], at(29, 9))
    host_says(webhook, "/取貨 @阿明", [MING], at(29, 18))
    found = {r["display_name"]: r for r in rows(app)}
    assert set(found) == {"小美", "阿明", "小華"}
    mei = found["小美"]
    assert (mei["pickup_place"], str(mei["pickup_date"]), mei["campaigns"]) == ("社區管理室", "2026-12-29", "1,2")
    assert mei["items"] == "第1團 A 高麗菜豬肉水餃×2、第2團 A 牛軋糖×1、第2團 B 肉乾×1"
    assert (mei["qty"], mei["amount"], mei["credit_applied"], mei["due"], mei["paid"]) == (4, 820, 100, 720, False)
    assert (mei["picked_up"], mei["pickup_status"]) == (False, "pending")
    ming = found["阿明"]
    assert (ming["items"], ming["due"], ming["picked_up"], ming["pickup_status"]) == ("第1團 B 韭菜水餃×1", 200, True, "picked")
    assert found["小華"]["campaigns"] == "2" and found["小華"]["due"] == 600

    say(webhook, "/出貨單", HOST_ID, at(29, 19))
    text = last_reply(messenger).text
    assert text.startswith("🚚 合併出貨單（3 筆）")
    assert "📦 12/29(二) 社區管理室" in text
    assert "1. 小美：第1團 A 高麗菜豬肉水餃×2、第2團 A 牛軋糖×1、第2團 B 肉乾×1｜未付 $720｜未取" in text
    assert "阿明：第1團 B 韭菜水餃×1｜未付 $200｜已取" in text


def test_export_shipping_cli_writes_json_csv_and_a_printable_sheet_per_pickup(
    app: Flask, webhook: Webhook, messenger: FakeMessenger, two_arrived: None, database_url: str, tmp_path: Path
) -> None:
    say(webhook, "/到貨 2\n取貨地點：7-11 文心門市\n取貨時間：12/30 15:00後", HOST_ID, at(29, 8))  # campaign 2 moves
    runner = CliRunner()
    env = {"DATABASE_URL": database_url}
    result = runner.invoke(cli, ["export", "shipping", "--format", "json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(r["display_name"], r["pickup_place"], r["campaigns"]) for r in data] == [
        ("小美", "社區管理室", "1"), ("阿明", "社區管理室", "1"), ("小美", "7-11 文心門市", "2"), ("小華", "7-11 文心門市", "2"),
    ]
    assert data[2]["pickup_date"] == "2026-12-30" and data[2]["pickup_time"] == "12/30 15:00後"

    result = runner.invoke(cli, ["export", "shipping", "--format", "csv"], env=env)
    table = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert table[0]["items"] == "第1團 A 高麗菜豬肉水餃×2" and table[0]["paid"] == "False" and table[0]["due"] == "360"

    out = tmp_path / "出貨單.xlsx"
    result = runner.invoke(cli, ["export", "shipping", "--format", "xlsx", "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["12-29(二) 社區管理室", "12-30(三) 7-11 文心門市"]
    sheet = book["12-30(三) 7-11 文心門市"]
    assert [c.value for c in sheet[1]] == ["#", "成員", "品項", "件數", "金額", "購物金折抵", "應付", "付款", "取貨", "簽收"]
    assert [c.value for c in sheet[2]][:8] == [1, "小美", "第2團 A 牛軋糖×1\n第2團 B 肉乾×1", 2, 460, None, 460, "未付"]
    assert [c.value for c in sheet[4]][:7] == [None, "合計", None, 4, 1060, None, 1060]
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4 and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
    assert runner.invoke(cli, ["export", "shipping", "--format", "xlsx"], env=env).exit_code == 2
    assert runner.invoke(cli, ["export", "shipping", "--group", "Cnope"], env=env).exit_code == 2


def test_the_orders_export_carries_pickup_status(app: Flask, webhook: Webhook, messenger: FakeMessenger,
                                                 two_arrived: None, database_url: str) -> None:
    host_says(webhook, "/取貨 @小美", [MEI], at(29, 18))
    result = CliRunner().invoke(cli, ["export", "orders", "--format", "csv"], env={"DATABASE_URL": database_url})
    table = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert {(r["user_id"], r["campaign_id"], r["item_code"], r["pickup_status"]) for r in table} == {
        (MEI, "1", "A", "picked"), (MING, "1", "B", "pending"), (MEI, "2", "A", "picked"), (MEI, "2", "B", "picked"),
        (HUA, "2", "B", "pending"),
    }


def test_a_long_shipping_list_comes_as_a_signed_link(app: Flask, client: FlaskClient, webhook: Webhook,
                                                     messenger: FakeMessenger, two_arrived: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers import pickup_messages

    monkeypatch.setattr(pickup_messages, "MAX_UNITS", 60)  # three members already need several messages
    say(webhook, "/出貨單", HOST_ID, at(29, 19))
    replied = messenger.replies[-1][1]
    assert len(replied) <= 5 and "groupbuy export shipping --format xlsx" in last_reply(messenger).text
    rt = app.extensions["groupbuy"]
    rt.settings = dataclasses.replace(rt.settings, public_url="https://bot.example.tw")
    rt.processor.settings = rt.settings
    say(webhook, "/出貨單", HOST_ID, at(29, 19, 1))
    link = re.search(r"https://bot\.example\.tw(\S+)", last_reply(messenger).text)
    assert link is not None and "每個取貨點一頁" in last_reply(messenger).text
    resp = client.get(link.group(1))
    assert resp.status_code == 200 and resp.data[:2] == b"PK"
    assert load_workbook(io.BytesIO(resp.data)).sheetnames == ["12-29(二) 社區管理室"]
    assert client.get(link.group(1).replace("group=1", "group=2")).status_code == 403
    assert client.get(shipping_link("", rt.settings.channel_secret, 1, now=0)).status_code == 410


def test_members_are_refused_the_shipping_list(webhook: Webhook, messenger: FakeMessenger, two_arrived: None) -> None:
    say(webhook, "/出貨單", 1, at(29, 19))
    assert "只有團主可以使用「/出貨單」" in last_reply(messenger).text
