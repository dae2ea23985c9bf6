"""Profiles, RFM and segments over a realistic seven-month history; /會員, /分群, member lists, export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from linebot.v3.messaging import ReplyMessageRequest
from openpyxl import load_workbook

from bot.cli import cli
from infra.db import UnitOfWork
from infra.messages import Flex, Text
from infra.messenger import to_sdk
from services import profiles, purchases
from services.segments import Rfm
from tests.conftest import Webhook
from tests.factories.orders import add_campaign, add_member, add_order, ms, taipei
from tests.factories.webhook import HOST_ID, body, member_id, text_event
from tests.fakes import FakeMessenger

NOW = taipei(2026, 11, 20, 12)
NAMES = {1: "王媽媽", 2: "陳先生", 3: "林小姐", 4: "張太太", 5: "李伯伯", 6: "黃小姐", 7: "吳先生", 8: "周同學",
         9: "鄭阿姨", 10: "許小弟"}
EXPECTED_SEGMENTS = {1: "vip", 2: "vip", 3: "new", 4: "active", 5: "at_risk", 6: "dormant", 7: "dormant", 8: None,
                     9: "new", 10: None}
# Hand-computed (mid-percentile quintiles over the 8 buyers; see tests/unit/test_segments.py for the formula).
EXPECTED_RFM = {1: Rfm(4, 5, 5), 2: Rfm(4, 4, 5), 3: Rfm(4, 1, 2), 4: Rfm(4, 3, 3), 5: Rfm(2, 4, 3),
                6: Rfm(1, 3, 1), 7: Rfm(1, 1, 4), 9: Rfm(5, 1, 1)}
EXPECTED_SPENT = {1: 1260, 2: 1500, 3: 240, 4: 720, 5: 750, 6: 180, 7: 1040, 8: 0, 9: 220, 10: 0}


@pytest.fixture
def history(uow: UnitOfWork) -> dict[int, int]:
    """Seven monthly campaigns (May–Nov 2026), a cancelled one, a deadline-only one; return n → member row id."""
    m = {n: add_member(uow, n, name) for n, name in NAMES.items()}
    monthly = {month: add_campaign(uow, f"{month}月冷凍團", delivery=date(2026, month, 10)) for month in range(5, 12)}
    for month in range(5, 12):
        add_order(uow, monthly[month], m[1], {"A": 1})  # 王媽媽 buys every month
    for month in (9, 10, 11):
        add_order(uow, monthly[month], m[2], {"B": 2})
    add_order(uow, monthly[11], m[3], {"A": 1, "C": 1})
    add_order(uow, monthly[11], m[3], {"B": 2}, confirmed={"B": 0})  # waitlisted: not bought
    add_order(uow, monthly[10], m[4], {"A": 2})
    add_order(uow, monthly[11], m[4], {"A": 3}, confirmed={"A": 2})  # one of three waitlisted
    for month in (6, 7, 9):
        add_order(uow, monthly[month], m[5], {"B": 1})
    add_order(uow, monthly[5], m[6], {"C": 1})
    add_order(uow, monthly[7], m[6], {"C": 2})
    add_order(uow, monthly[8], m[7], {"A": 3, "B": 2})
    cancelled = add_campaign(uow, "取消的團", delivery=date(2026, 11, 15), status="cancelled")
    add_order(uow, cancelled, m[8], {"A": 5})
    add_order(uow, monthly[11], m[8], {"C": 1}, confirmed={"C": 0})
    noodles = add_campaign(uow, "牛肉麵團", deadline=taipei(2026, 11, 18, 20), items={"A": ("紅燒牛肉麵", 220)})
    add_order(uow, noodles, m[9], {"A": 1})
    m[10].household_size, m[10].freezer_size, m[10].meals_per_week = 2, "small", "1"
    uow.commit()
    return {n: member.id for n, member in m.items() if member.id is not None}


def host_says(webhook: Webhook, text: str, mentions: list[str] | None = None) -> None:
    """Send a host command at NOW."""
    event = text_event(text, user_id=HOST_ID, ts=ms(NOW), mentions=mentions)
    assert webhook.post(body(event)).status_code == 200


def last(messenger: FakeMessenger) -> Text | Flex:
    """Return the last replied message."""
    return messenger.replies[-1][1][-1]


def test_purchases_follow_the_definition(uow: UnitOfWork, history: dict[int, int]) -> None:
    bought = purchases.purchases(uow, member_id=history[4])
    assert [(p.at.date(), p.amount, p.items) for p in bought] == [
        (date(2026, 10, 10), 360, {"手工水餃": 2}), (date(2026, 11, 10), 360, {"手工水餃": 2}),
    ]
    assert bought[0].at.utcoffset() is not None and bought[0].at.hour == 0
    assert purchases.purchases(uow, member_id=history[8]) == []
    (noodle,) = purchases.purchases(uow, member_id=history[9])
    assert noodle.at == taipei(2026, 11, 18, 20) and noodle.amount == 220
    assert len(purchases.purchases(uow)) == 7 + 3 + 1 + 2 + 3 + 2 + 1 + 1


def test_segments_rfm_and_profile_fields(uow: UnitOfWork, history: dict[int, int]) -> None:
    everyone = profiles.build_profiles(uow, now=NOW)
    by_n = {n: everyone[mid] for n, mid in history.items()}
    assert {n: p.segment for n, p in by_n.items()} == EXPECTED_SEGMENTS
    assert {n: p.rfm for n, p in by_n.items() if p.rfm} == EXPECTED_RFM
    assert {n: p.spent for n, p in by_n.items()} == EXPECTED_SPENT
    wang = by_n[1]
    assert (wang.orders, wang.items, wang.avg_interval_days, wang.recency_days) == (7, {"手工水餃": 7}, 30.7, 10)
    assert wang.first_order_at is not None and wang.first_order_at.date() == date(2026, 5, 10)
    assert by_n[7].items == {"手工水餃": 3, "舒肥雞胸": 2} and by_n[7].recency_days == 102
    assert by_n[5].recency_days == 71 and by_n[6].recency_days == 133
    assert by_n[10].orders == 0 and by_n[10].segment_label == "尚未下單" and by_n[10].next_refill_at is None
    assert profiles.repurchase_rate(everyone) == 5 / 8


def test_segment_sizes_command(webhook: Webhook, messenger: FakeMessenger, history: dict[int, int]) -> None:
    host_says(webhook, "/分群")
    reply = last(messenger)
    assert isinstance(reply, Text)
    for line in ("新客：2 位", "活躍：1 位", "熟客VIP：2 位", "流失風險：1 位", "沉睡：2 位", "尚未下單：3 位"):
        assert line in reply.text  # 尚未下單 counts 周同學, 許小弟 and the host
    assert "回購率" in reply.text and "62%" in reply.text
    assert [q.text for q in reply.quick_replies][-1] == "/會員 分群:沉睡"


@pytest.mark.parametrize("args", ["分群:沉睡", "分群：沉睡", "分群:dormant"])
def test_member_list_by_segment(
    webhook: Webhook, messenger: FakeMessenger, history: dict[int, int], args: str
) -> None:
    host_says(webhook, f"/會員 {args}")
    text = last(messenger).text  # type: ignore[union-attr]
    assert "沉睡" in text and "2 位" in text
    assert "黃小姐（2 次，NT$180" in text and "吳先生（1 次，NT$1,040" in text
    assert "王媽媽" not in text


def test_member_list_by_tag_full_width_colon(
    webhook: Webhook, messenger: FakeMessenger, history: dict[int, int]
) -> None:
    host_says(webhook, "/標籤 @陳先生 常加班", mentions=[member_id(2)])
    host_says(webhook, "/標籤 @李伯伯 常加班", mentions=[member_id(5)])
    host_says(webhook, "/會員 標籤：常加班")
    text = last(messenger).text  # type: ignore[union-attr]
    assert "常加班" in text and "2 位" in text and "陳先生" in text and "李伯伯" in text and "王媽媽" not in text
    host_says(webhook, "/會員 分群:不存在")
    assert "沒有「不存在」這個分群" in last(messenger).text  # type: ignore[union-attr]


def test_list_members_by_filter_says_false_for_other_args(
    webhook: Webhook, messenger: FakeMessenger, history: dict[int, int]
) -> None:
    from handlers.commands.members import FILTER

    assert FILTER.match("第3團") is None and FILTER.match("未付款") is None
    assert FILTER.match("標籤：常加班") is not None


def test_profile_card_is_valid_flex(webhook: Webhook, messenger: FakeMessenger, history: dict[int, int]) -> None:
    from bot.fakeline.validation import RequestValidator

    host_says(webhook, "/標籤 @王媽媽 家有長輩控鹽", mentions=[member_id(1)])
    host_says(webhook, "/會員 @王媽媽", mentions=[member_id(1)])
    card = last(messenger)
    assert isinstance(card, Flex)
    assert card.alt_text.startswith("王媽媽：熟客VIP")
    flat = json.dumps(card.contents, ensure_ascii=False)
    for expected in ("R4 F5 M5", "7 次", "NT$1,260", "2026/05/10", "2026/11/10", "約 30.7 天", "手工水餃×7", "家有長輩控鹽"):
        assert expected in flat
    raw = ReplyMessageRequest(reply_token="x" * 32, messages=[to_sdk(card)]).to_json()
    result = RequestValidator().validate("/v2/bot/message/reply", raw)
    assert result.ok, result.details


def test_profile_card_by_name_and_refusals(
    webhook: Webhook, messenger: FakeMessenger, history: dict[int, int]
) -> None:
    host_says(webhook, "/會員 許小弟")
    card = last(messenger)
    assert isinstance(card, Flex) and "尚未下單" in card.alt_text
    assert "2人" in json.dumps(card.contents, ensure_ascii=False)
    host_says(webhook, "/會員 沒這個人")
    assert "找不到" in last(messenger).text  # type: ignore[union-attr]
    for command in ("/會員 @王媽媽", "/分群", "/會員 分群:沉睡"):
        webhook.post(body(text_event(command, user_id=member_id(3), mentions=[member_id(1)])))
        assert "只有團主" in last(messenger).text  # type: ignore[union-attr]


def test_export_members_in_three_formats(
    history: dict[int, int], uow: UnitOfWork, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uow.rollback()
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    columns = ["user_id", "display_name", "tags", "household_size", "freezer_size", "meals_per_week", "meals_label",
               "orders", "spent", "last_order_at", "next_refill_at", "segment", "reminders_opt_out", "is_friend",
               "credit", "points", "no_shows", "blocked"]
    result = runner.invoke(cli, ["export", "members", "--format", "json", "--now", "2026-11-20T12:00"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [list(r) for r in rows] == [columns] * 10
    by_user = {r["user_id"]: r for r in rows}
    assert {n: by_user[member_id(n)]["segment"] for n in NAMES} == EXPECTED_SEGMENTS
    assert {n: by_user[member_id(n)]["spent"] for n in NAMES} == EXPECTED_SPENT
    assert by_user[member_id(1)]["last_order_at"].startswith("2026-11-10")
    assert by_user[member_id(10)]["freezer_size"] == "small"
    assert (by_user[member_id(10)]["meals_per_week"], by_user[member_id(10)]["meals_label"]) == (1, "1")
    assert (by_user[member_id(10)]["no_shows"], by_user[member_id(10)]["blocked"]) == (0, False)

    result = runner.invoke(cli, ["export", "members", "--format", "csv", "--now", "2026-11-20"])
    parsed = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert parsed[0].keys() == set(columns) and len(parsed) == 10
    assert {r["display_name"]: r["segment"] for r in parsed}["李伯伯"] == "at_risk"
    assert {r["display_name"]: r["orders"] for r in parsed}["王媽媽"] == "7"

    out = tmp_path / "members.xlsx"
    result = runner.invoke(cli, ["export", "members", "--format", "xlsx", "--output", str(out), "--now", "2026-11-20"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["members"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == columns and len(values) == 11
    wang = next(v for v in values if v[1] == "王媽媽")
    assert (wang[7], wang[8], wang[11]) == (7, 1260, "vip")
