"""A statement the reader cannot map: the host names its columns once in chat, and that layout just works after."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from infra.db import UnitOfWork
from parsers.statement_table import MAX_BYTES
from tests.conftest import Webhook
from tests.factories.campaigns import at
from tests.factories.webhook import GROUP_ID, HOST_ID, body, file_event, member_id
from tests.fakes import FakeMessenger
from tests.integration.test_payments import deposits, last_reply, ordered, say, send_file, statuses

__all__ = ["ordered"]  # the fixture, imported for these tests


def unknown_layout(*rows: tuple[date, int, str]) -> bytes:
    """Return a Big5 CSV whose money and account columns have names no bank list knows."""
    lines = ["某某銀行 帳戶往來明細", "交易日期,摘要,入金,出金,餘額,匯款帳戶資料"]
    for day, amount, payer in rows:
        lines.append(f"{day:%Y/%m/%d},跨行轉入,{amount},,{10_000 + amount},812-*******{payer}")
    lines.append("合計,,,,,")
    return "\r\n".join(lines).encode("cp950")


def no_payer_layout() -> bytes:
    """Return a statement whose deposits show no payer account anywhere."""
    return "交易日期,摘要,存入,支出,餘額\r\n2026/12/03,轉入,540,,10540\r\n2026/12/03,轉入,400,,10940\r\n".encode()


def test_host_names_the_columns_once_and_the_next_file_of_that_layout_reads(
        webhook: Webhook, messenger: FakeMessenger, ordered: None, uow: UnitOfWork) -> None:
    send_file(webhook, messenger, unknown_layout((date(2026, 12, 3), 540, "12345")), "明細.csv", ts=at(3, 20))
    refusal = last_reply(messenger).text
    assert "C「入金」" in refusal and "F「匯款帳戶資料」" in refusal and "/對帳欄位 存入=C" in refusal
    assert deposits(uow) == 0

    say(webhook, "/對帳欄位 存入=C 支出=D 帳號=F", HOST_ID, at(3, 21), group=False)
    assert "🏦 對帳完成" in last_reply(messenger).text
    assert statuses(uow)[member_id(1)] == ("paid", 540, 540)

    # The next file of that layout needs nothing more from the host.
    send_file(webhook, messenger, unknown_layout((date(2026, 12, 4), 400, "22222")), "明細2.csv", ts=at(4, 20))
    assert "🏦 對帳完成" in last_reply(messenger).text
    assert statuses(uow)[member_id(2)] == ("paid", 400, 400)
    assert deposits(uow) == 2


def test_a_wrong_mapping_says_what_is_still_wrong_and_remembers_nothing(
        webhook: Webhook, messenger: FakeMessenger, ordered: None, uow: UnitOfWork) -> None:
    data = unknown_layout((date(2026, 12, 3), 540, "12345"))
    send_file(webhook, messenger, data, "明細.csv", ts=at(3, 20))
    say(webhook, "/對帳欄位 存入=Q", HOST_ID, at(3, 21), group=False)
    assert "沒有「Q」這一欄" in last_reply(messenger).text
    say(webhook, "/對帳欄位 帳號=F", HOST_ID, at(3, 21), group=False)
    assert "照這樣指定還是讀不懂" in last_reply(messenger).text
    send_file(webhook, messenger, data, "明細.csv", ts=at(3, 22))  # nothing was remembered: still refused
    assert "/對帳欄位 存入=C" in last_reply(messenger).text
    assert deposits(uow) == 0


def test_a_file_without_payer_accounts_asks_before_importing(
        webhook: Webhook, messenger: FakeMessenger, ordered: None, uow: UnitOfWork) -> None:
    send_file(webhook, messenger, no_payer_layout(), "明細.csv", ts=at(3, 20))
    asked = last_reply(messenger).text
    assert "看不到匯款人的帳號" in asked and "/對帳欄位 沒有帳號" in asked
    assert deposits(uow) == 0
    say(webhook, "/對帳欄位 沒有帳號", HOST_ID, at(3, 21), group=False)
    assert "🏦 對帳完成" in last_reply(messenger).text and "需要你決定" in last_reply(messenger).text
    assert deposits(uow) == 2
    send_file(webhook, messenger, no_payer_layout(), "明細.csv", ts=at(3, 22))  # known now: imported at once, nothing twice
    assert "2 筆之前匯入過" in last_reply(messenger).text


NOT_NOW = [  # (who, in 1:1, text, the reply says)
    (HOST_ID, True, "/對帳欄位 存入=C", "目前沒有等你指定欄位的對帳單"),
    (HOST_ID, True, "/對帳欄位", "用法：/對帳欄位 存入=E 帳號=H"),
    (1, False, "/對帳欄位 存入=C", "只有團主"),
]


@pytest.mark.parametrize(("who", "direct", "text", "answer"), NOT_NOW)
def test_mapping_needs_a_held_file_and_a_host(webhook: Webhook, messenger: FakeMessenger, ordered: None,
                                              who: str | int, direct: bool, text: str, answer: str) -> None:
    say(webhook, text, who, at(3, 21), group=not direct)
    assert answer in last_reply(messenger).text


def test_pdf_and_screenshots_are_answered_with_what_to_download(webhook: Webhook, messenger: FakeMessenger) -> None:
    send_file(webhook, messenger, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "國泰世華對帳單_202612.pdf")
    reply = last_reply(messenger).text
    assert "讀不了 PDF" in reply and "國泰世華銀行網路銀行" in reply and "Excel 或 CSV" in reply
    send_file(webhook, messenger, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "screenshot.png")
    assert "讀不了截圖" in last_reply(messenger).text


def test_the_file_is_downloaded_with_no_transaction_open(webhook: Webhook, messenger: FakeMessenger, ordered: None,
                                                         uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    writers: list[bool] = []
    served = messenger.content

    def content(message_id: str) -> bytes:
        """Serve the file after checking that another writer can commit right now (no write lock is held)."""
        with UnitOfWork(uow.engine, lock_timeout_s=0.5) as other:
            other.session.execute(text("UPDATE settings SET value = value WHERE 1 = 0"))
            if other.engine.dialect.name == "postgresql":
                idle = other.session.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%'")).scalar_one()
                assert idle == 0, "a transaction stayed open during the download"
            other.commit()
        writers.append(True)
        return served(message_id)

    monkeypatch.setattr(messenger, "content", content)
    send_file(webhook, messenger, unknown_layout((date(2026, 12, 3), 540, "12345")), "明細.csv", ts=at(3, 20))
    assert writers == [True]
    assert "/對帳欄位 存入=C" in last_reply(messenger).text  # and the event was then applied with the file


def test_a_file_over_the_size_limit_is_refused_before_it_is_downloaded(
        webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch) -> None:
    downloads: list[str] = []
    monkeypatch.setattr(messenger, "content", lambda message_id: downloads.append(message_id) or b"")
    event = file_event("9000000000000000001", "一年份明細.csv", MAX_BYTES + 1, user_id=HOST_ID, ts=at(3, 20))
    assert webhook.post(body(event)).status_code == 200
    assert "檔案太大了（上限 20MB）" in last_reply(messenger).text and "縮短查詢期間" in last_reply(messenger).text
    assert downloads == [] and deposits(uow) == 0


SCREENSHOTS = [  # (who, in a group, the reply says — None: no reply)
    (HOST_ID, False, "我讀不了截圖"),
    (member_id(1), False, "已匯款 後五碼12345 540元"),
    (member_id(1), True, None),  # photos in the group are the group's business
]


@pytest.mark.parametrize(("who", "in_group", "answer"), SCREENSHOTS)
def test_a_screenshot_gets_told_what_to_send_instead(webhook: Webhook, messenger: FakeMessenger, who: str,
                                                     in_group: bool, answer: str | None) -> None:
    event = file_event("9000000000000000002", "x", 10, user_id=who, group_id=GROUP_ID if in_group else None)
    event["message"] = {"type": "image", "id": "9000000000000000002", "contentProvider": {"type": "line"},
                        "quoteToken": "q" * 40}
    assert webhook.post(body(event)).status_code == 200
    if answer is None:
        assert messenger.replies == []
    else:
        assert answer in last_reply(messenger).text
