"""後五碼對帳 through signed webhooks: claims in the group, statements sent to the bot, decisions, export."""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlmodel import select

from bot.cli import cli
from infra.db import UnitOfWork
from infra.messages import Text
from models import BankTransaction
from services import directory
from services.payment_report import payment_rows
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, at
from tests.factories.statements import StatementRow, with_balances, write_statement
from tests.factories.webhook import HOST_ID, body, file_event, follow_event, member_id, text_event
from tests.fakes import FakeMessenger

DEC3 = date(2026, 12, 3)
ORDERS = {  # member: (comment, due)
    1: ("A+3", 540), 2: ("B+2", 400), 3: ("A+1", 180), 4: ("C+2", 500), 5: ("A+2", 360), 6: ("B+1", 200),
    7: ("A+3", 540), 8: ("A+3", 540), 9: ("B+3", 600), 10: ("A+2 B+1", 560), 13: ("B+1 C+1", 450),
}
CLAIMS = {  # member: report
    1: "已匯款 後五碼12345 540元",
    2: "匯款完成 末五碼 22222 共400",
    3: "已轉帳 後五碼33333 180元",
    4: "已匯款 後五碼44444 500元",
    5: "已匯款 後五碼55555 360元",
    6: "已匯款 後五碼55555 200元",
    7: "已匯款 後五碼77777 540元",
    8: "已匯款，後五碼77777，540元",
    10: "已轉帳 後五碼10101",
}


def row(amount: int, last5: str | None, minute: int, summary: str = "跨行轉入") -> StatementRow:
    """Return a deposit on Dec 3 from an account ending in ``last5``."""
    payer = f"00001234567{last5}" if last5 else None
    return StatementRow(DEC3, amount, payer=payer, summary=summary, time=time(10, minute))


FIRST = [
    row(540, "12345", 1), row(350, "22222", 2), row(200, "33333", 3), row(200, "55555", 4),
    row(360, "55555", 5), row(540, "77777", 6), row(600, "99999", 7), row(300, "10101", 8),
    row(1250, "00888", 9), row(450, "13131", 10),
    StatementRow(date(2026, 12, 4), 3000, direction="out", summary="ATM提款"),
    StatementRow(date(2026, 12, 4), 12, summary="利息存入"),
]
SECOND = FIRST + [StatementRow(date(2026, 12, 5), 260, payer="0000123456710101", summary="跨行轉入")]


def say(webhook: Webhook, text: str, who: int | str, ts: int, group: bool = True) -> None:
    """Post a text from a member (int) or user id (str), in the group or 1:1."""
    user = member_id(who) if isinstance(who, int) else who
    event = text_event(text, user_id=user, ts=ts) if group else text_event(text, user_id=user, group_id=None, ts=ts)
    assert webhook.post(body(event)).status_code == 200


def send_file(webhook: Webhook, messenger: FakeMessenger, data: bytes, name: str, who: str = HOST_ID,
              group_id: str | None = None, ts: int | None = None) -> None:
    """Send a file message whose content the fake data API serves (sent now, or at ``ts``)."""
    message_id = f"9{len(messenger.contents):017d}"
    messenger.contents[message_id] = data
    event = file_event(message_id, name, len(data), user_id=who, group_id=group_id, ts=ts)
    assert webhook.post(body(event)).status_code == 200


def number(uow: UnitOfWork, n: int) -> int:
    """Return the member number (/對帳 指定 uses it) of test member ``n``."""
    member = directory.find_member(uow, member_id(n))
    assert member is not None and member.id is not None
    found = member.id
    uow.rollback()
    return found


def deposits(uow: UnitOfWork) -> int:
    """Return how many deposits are stored."""
    count = len(uow.session.exec(select(BankTransaction)).all())
    uow.rollback()
    return count


def last_reply(messenger: FakeMessenger) -> Text:
    """Return the last text the bot replied."""
    message = messenger.replies[-1][1][-1]
    assert isinstance(message, Text)
    return message


def statuses(uow: UnitOfWork) -> dict[Any, Any]:
    """Return {user_id or ("deposit", amount): status} from the export rows."""
    rows = payment_rows(uow)
    uow.rollback()  # end the read transaction: on SQLite it holds the write lock
    return {(r["user_id"] or ("deposit", r["received"])): (r["status"], r["due"], r["received"]) for r in rows}


@pytest.fixture
def ordered(webhook: Webhook, messenger: FakeMessenger) -> None:
    """Open the hot-pot campaign; members order and report their transfers in the group."""
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    for n, (comment, _due) in ORDERS.items():
        say(webhook, comment, n, at(2, 9, n))
    for n, report in CLAIMS.items():
        say(webhook, report, n, at(3, 9, n))


def test_claim_is_recorded_quoted_with_what_is_due(webhook: Webhook, messenger: FakeMessenger, ordered: None) -> None:
    say(webhook, "已匯款 後五碼11111 540元", 1, at(3, 12))
    reply = last_reply(messenger)
    assert reply.quote_token and reply.mentions == {"m": member_id(1)}
    assert "後五碼 11111、$540" in reply.text and "第1團【冬季火鍋團】應付 $540" in reply.text


def test_claim_needs_an_order_and_the_last_five_digits(webhook: Webhook, messenger: FakeMessenger,
                                                       ordered: None, uow: UnitOfWork) -> None:
    say(webhook, "已匯款 後五碼12121 300元", 20, at(3, 12))
    assert "還沒有找到你的訂單" in last_reply(messenger).text
    say(webhook, "已匯款 540元", 1, at(3, 12))
    assert "後五碼" in last_reply(messenger).text and "已匯款 後五碼12345 540元" in last_reply(messenger).text
    assert last_reply(messenger).quote_token
    assert member_id(20) not in statuses(uow)


def test_statement_upload_reconciles_every_outcome(webhook: Webhook, messenger: FakeMessenger,
                                                   ordered: None, uow: UnitOfWork) -> None:
    assert webhook.post(body(follow_event(member_id(9)))).status_code == 200
    say(webhook, "/對帳 通知 開", HOST_ID, at(3, 20), group=False)
    csv_big5 = write_statement(bank="post", rows=with_balances(FIRST))  # cp950, ROC dates, *****12345
    send_file(webhook, messenger, csv_big5, "交易明細.csv")
    summary = last_reply(messenger)
    assert "讀到 12 筆交易、11 筆入帳，新增 11 筆" in summary.text
    assert "✅ 已付清（3 人）" in summary.text  # members 1, 5 and 6
    assert "⚠️ 少付（2 人）" in summary.text and "應付$400 已收$350 差$50" in summary.text
    assert "💸 多付，多的錢已轉為購物金、下次自動折抵（1 人）" in summary.text and "多$20（已轉為購物金）" in summary.text
    assert "❓ 回報了但帳上找不到（1 人）" in summary.text and "後五碼44444" in summary.text
    assert "$1,250 後五碼00888" in summary.text and "$12" not in summary.text
    assert "🤔 需要你決定（3 筆）" in summary.text and "同後五碼、同金額" in summary.text

    got = statuses(uow)
    assert got[member_id(1)] == ("paid", 540, 540)
    assert got[member_id(2)] == ("short", 400, 350)
    assert got[member_id(3)] == ("over", 180, 200)
    assert got[member_id(4)] == ("claim_not_found", 500, 0)
    assert got[member_id(5)] == ("paid", 360, 360)  # same last5 as member 6: the amounts decided
    assert got[member_id(6)] == ("paid", 200, 200)
    assert got[member_id(7)] == got[member_id(8)] == ("claimed", 540, 0)  # a tie: the host is asked
    assert got[member_id(9)] == ("unpaid", 600, 0)  # exact-due deposit only proposed
    assert got[member_id(10)] == ("short", 560, 300)
    assert got[("deposit", 1250)] == ("unclaimed_deposit", None, 1250)
    assert got[("deposit", 600)] == ("unclaimed_deposit", None, 600)

    # The tie: the buttons give the deposit to one of the two; the host picks member 8.
    buttons = {b.label: b.text for b in summary.quick_replies}
    tie = next(text for label, text in buttons.items() if f"(#{number(uow, 8)})" in label)
    assert tie is not None and tie.startswith("/對帳 指定 ")
    say(webhook, tie, HOST_ID, at(3, 21), group=False)
    assert "已算給" in last_reply(messenger).text and "應付$540 已收$540" in last_reply(messenger).text
    # The proposal for member 9's exact due is next: accepting it confirms member 9 by push (a friend, notify on).
    proposal = last_reply(messenger).quick_replies
    accept = next(b.text for b in proposal if f"(#{number(uow, 9)})" in b.label)
    pushes_before = len(messenger.pushes)
    say(webhook, accept or "", HOST_ID, at(3, 22), group=False)
    assert "🤔 需要你決定（1 筆）" in last_reply(messenger).text  # member 13's exact due, still unclaimed
    assert len(messenger.pushes) == pushes_before + 1
    to, messages, retry_key = messenger.pushes[-1]
    assert to == member_id(9) and retry_key and "已確認收到你的匯款" in messages[0].text  # type: ignore[union-attr]

    # Member 13 reports after the statement: the proposed deposit becomes theirs and the reply says so.
    say(webhook, "已匯款 後五碼13131 450元", 13, at(4, 9))
    assert "已在帳上找到你的匯款" in last_reply(messenger).text

    # Re-importing the same statement counts nothing twice.
    count = deposits(uow)
    before = statuses(uow)
    send_file(webhook, messenger, csv_big5, "交易明細.csv")
    assert "新增 0 筆（11 筆之前匯入過，不重複計算）" in last_reply(messenger).text
    assert deposits(uow) == count
    assert statuses(uow) == before

    # An overlapping XLSX export (preamble rows above the table) adds only the new deposit: partial payments add up.
    send_file(webhook, messenger, write_statement(bank="post", fmt="xlsx", rows=with_balances(SECOND)), "明細.xlsx")
    assert "新增 1 筆" in last_reply(messenger).text
    got = statuses(uow)
    assert got[member_id(10)] == ("paid", 560, 560)
    assert got[member_id(7)] == ("claim_not_found", 540, 0)
    assert [got[member_id(n)] for n in (8, 9, 13)] == [("paid", 540, 540), ("paid", 600, 600), ("paid", 450, 450)]
    assert [k for k in got if isinstance(k, tuple)] == [("deposit", 1250)]

    say(webhook, "/未付", HOST_ID, at(5, 9), group=False)
    unpaid = last_reply(messenger).text
    assert "未付清名單（3 人，共 $1,090）" in unpaid and "還差 $50" in unpaid and "還差 $500（回報了但帳上找不到）" in unpaid


def test_only_hosts_upload_statements_and_group_files_are_ignored(webhook: Webhook, messenger: FakeMessenger,
                                                                  ordered: None, uow: UnitOfWork) -> None:
    data = write_statement(bank="post", rows=with_balances(FIRST))
    send_file(webhook, messenger, data, "a.csv", who=member_id(1))
    assert "只有團主可以上傳" in last_reply(messenger).text
    replies = len(messenger.replies)
    send_file(webhook, messenger, data, "a.csv", group_id="Cgroup00000000000000000000000001")
    assert len(messenger.replies) == replies
    assert deposits(uow) == 0


def test_unreadable_file_gets_the_problem_named(webhook: Webhook, messenger: FakeMessenger) -> None:
    send_file(webhook, messenger, "大家好，這不是對帳單\n".encode(), "notes.csv")
    assert last_reply(messenger).text.startswith("讀不懂這個對帳單：找不到交易明細的表頭列")
    send_file(webhook, messenger, b"PK\x03\x04broken", "x.xlsx")
    assert "Excel 檔案打不開" in last_reply(messenger).text


def test_a_vanished_file_asks_to_send_it_again(webhook: Webhook, messenger: FakeMessenger) -> None:
    assert webhook.post(body(file_event("404404", "a.csv", 10, user_id=HOST_ID))).status_code == 200
    assert "請再傳一次" in last_reply(messenger).text


def test_host_commands_show_state_and_refuse_bad_input(webhook: Webhook, messenger: FakeMessenger,
                                                       ordered: None) -> None:
    say(webhook, "/對帳", HOST_ID, at(3, 20))
    assert "🏦 對帳狀態" in last_reply(messenger).text and "還沒付清：11 人" in last_reply(messenger).text
    say(webhook, "/對帳 指定 abc", HOST_ID, at(3, 20), group=False)
    assert "用法：/對帳 指定 入帳編號 成員編號" in last_reply(messenger).text
    say(webhook, "/對帳 指定 999 1", HOST_ID, at(3, 20), group=False)
    assert "找不到入帳編號 #999" in last_reply(messenger).text
    say(webhook, "/對帳", 1, at(3, 20))
    assert "只有團主" in last_reply(messenger).text


def test_cli_reconcile_and_export(webhook: Webhook, ordered: None, database_url: str, tmp_path: Any,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = tmp_path / "statement.csv"
    write_statement(path, bank="ctbc", rows=with_balances(FIRST))  # Big5, ROC dates, a 後五碼 column
    runner = CliRunner()
    result = runner.invoke(cli, ["reconcile", str(path)])
    assert result.exit_code == 0, result.output
    assert "新增 11 筆" in result.output and "✅ 已付清（3 人）" in result.output
    again = runner.invoke(cli, ["reconcile", str(path)])
    assert "新增 0 筆" in again.output

    result = runner.invoke(cli, ["export", "payments", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    by_user = {r["user_id"]: r for r in rows if r["user_id"]}
    assert by_user[member_id(1)] == {
        "campaign_id": 1, "user_id": member_id(1), "display_name": None, "due": 540, "claimed_last5": "12345",
        "claimed_amount": 540, "received": 540, "status": "paid", "credit_applied": 0,
    }
    assert [r["status"] for r in rows if r["user_id"] is None] == ["unclaimed_deposit"] * 3
    csv_out = runner.invoke(cli, ["export", "payments", "--format", "csv", "--campaign", "1"])
    assert csv_out.output.lstrip("\ufeff").startswith(
        "campaign_id,user_id,display_name,due,claimed_last5,claimed_amount,received,status")
    out = tmp_path / "payments.xlsx"
    assert runner.invoke(cli, ["export", "payments", "--format", "xlsx", "--output", str(out)]).exit_code == 0
    sheet = load_workbook(out).active
    assert sheet is not None and sheet["H1"].value == "status"

    bad = tmp_path / "bad.csv"
    bad.write_text("hello")
    result = runner.invoke(cli, ["reconcile", str(bad)])
    assert result.exit_code != 0 and "找不到交易明細的表頭列" in result.output
