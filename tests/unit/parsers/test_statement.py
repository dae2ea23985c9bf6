"""parse_statement on exports in each bank's layout, encoding and file format."""

from __future__ import annotations

import codecs
import io
import zipfile
from datetime import date, time

import pytest

from parsers.statement import Statement, StatementError, Transaction, parse_statement
from tests.factories.statements import (
    BANK_ACCOUNTS,
    BANK_NAMES,
    LAYOUTS,
    StatementRow,
    sample_rows,
    with_balances,
    write_statement,
)

BANKS = sorted(LAYOUTS)


def expected(rows: list[StatementRow]) -> list[tuple[object, ...]]:
    """Return what the parser should read back: date, amount, direction, last5, balance."""
    return [(r.date, r.amount, r.direction, r.last5, r.balance) for r in rows]


def seen(statement: Statement) -> list[tuple[object, ...]]:
    """Return the comparable fields of parsed transactions."""
    return [(t.date, t.amount, t.direction, t.last5, t.balance) for t in statement.transactions]


@pytest.mark.parametrize("bank", BANKS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("numbers_as_text", [False, True])
def test_every_layout_reads_back_the_rows(bank: str, fmt: str, numbers_as_text: bool) -> None:
    data = write_statement(bank=bank, fmt=fmt, numbers_as_text=numbers_as_text)  # type: ignore[arg-type]
    statement = parse_statement(data)
    assert seen(statement) == expected(sample_rows())
    assert statement.bank == BANK_NAMES[bank]
    assert statement.account == BANK_ACCOUNTS[bank]
    assert statement.format == fmt


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp950", "big5", "utf-16"])
@pytest.mark.parametrize("bank", ["post", "ctbc", "cathay"])
def test_csv_encodings_are_detected(bank: str, encoding: str) -> None:
    data = write_statement(bank=bank, encoding=encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)
    statement = parse_statement(data)
    assert seen(statement) == expected(sample_rows())
    assert statement.bank == BANK_NAMES[bank]


def test_format_is_judged_by_content_not_name() -> None:
    xlsx = write_statement(bank="esun", fmt="xlsx")
    csv = write_statement(bank="esun", fmt="csv")
    assert parse_statement(xlsx, filename="statement.csv").format == "xlsx"
    assert parse_statement(csv, filename="statement.xlsx").format == "csv"


def test_row_numbers_count_title_and_preamble_rows() -> None:
    statement = parse_statement(write_statement(bank="cathay"))
    # title, 帳號, 查詢期間, a blank row, then the header on row 5.
    assert statement.header_row == 5
    assert [t.row_number for t in statement.transactions] == list(range(6, 6 + len(sample_rows())))


def test_xlsx_row_numbers_match_csv() -> None:
    rows_csv = [t.row_number for t in parse_statement(write_statement(bank="post")).transactions]
    rows_xlsx = [t.row_number for t in parse_statement(write_statement(bank="post", fmt="xlsx")).transactions]
    assert rows_csv == rows_xlsx


def test_footer_totals_are_skipped() -> None:
    with_footer = parse_statement(write_statement(bank="fubon", footer=True))
    without = parse_statement(write_statement(bank="fubon", footer=False))
    assert with_footer.transactions == without.transactions


def test_interest_fees_and_withdrawals_have_no_payer() -> None:
    statement = parse_statement(write_statement(bank="cathay"))
    by_memo = {t.memo: t for t in statement.transactions}
    assert by_memo["利息存入"].last5 is None and by_memo["利息存入"].direction == "in"
    assert by_memo["跨行轉帳手續費"].direction == "out"
    assert by_memo["ATM提款"].direction == "out" and by_memo["ATM提款"].last5 is None


def test_interest_with_digits_in_memo_still_has_no_payer() -> None:
    rows = [StatementRow(date(2026, 12, 21), 12, summary="利息存入", note="0000123456712345", balance=100)]
    (item,) = parse_statement(write_statement(bank="cathay", rows=rows)).transactions
    assert item.last5 is None


def test_leading_zero_last5_is_kept() -> None:
    statement = parse_statement(write_statement(bank="post", fmt="xlsx"))
    assert "00888" in {t.last5 for t in statement.transactions}


def test_times_are_read_when_the_bank_gives_them() -> None:
    for fmt in ("csv", "xlsx"):
        first = parse_statement(write_statement(bank="esun", fmt=fmt)).transactions[0]
        assert first.time == time(10, 15)
    assert parse_statement(write_statement(bank="post")).transactions[0].time == time(10, 15)
    assert parse_statement(write_statement(bank="taishin")).transactions[0].time is None


def test_memo_carries_summary_note_and_account() -> None:
    second = parse_statement(write_statement(bank="cathay")).transactions[1]
    assert second.memo == "轉帳存入 (812)****00888 王小明 A+2"


def test_equal_twin_deposits_differ_by_fingerprint() -> None:
    items = parse_statement(write_statement(bank="cathay")).transactions
    twins = [t for t in items if t.amount == 540 and t.last5 == "54321"]
    assert len(twins) == 2
    assert twins[0].fingerprint != twins[1].fingerprint


def test_fingerprint_is_stable_across_reimports_and_formats() -> None:
    first = parse_statement(write_statement(bank="esun")).transactions
    again = parse_statement(write_statement(bank="esun")).transactions
    xlsx = parse_statement(write_statement(bank="esun", fmt="xlsx")).transactions
    assert [t.fingerprint for t in first] == [t.fingerprint for t in again] == [t.fingerprint for t in xlsx]
    assert all(len(t.fingerprint) == 64 for t in first)


def test_fingerprint_ignores_row_number() -> None:
    item = Transaction(date(2026, 12, 2), 540, "in", "12345", "跨行轉入", 10540, 7)
    moved = Transaction(date(2026, 12, 2), 540, "in", "12345", "跨行轉入", 10540, 9)
    other = Transaction(date(2026, 12, 2), 540, "in", "12345", "跨行轉入", 11080, 9)
    assert item.fingerprint == moved.fingerprint != other.fingerprint


def test_five_digit_amounts_are_not_payers() -> None:
    rows = with_balances([StatementRow(date(2026, 12, 2), 10500, payer="0000123456712345", summary="轉入")])
    (item,) = parse_statement(write_statement(bank="ctbc", rows=rows)).transactions
    assert (item.amount, item.last5) == (10500, "12345")


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    """Encode a hand-written CSV."""
    return text.replace("\n", "\r\n").encode(encoding)


def test_excel_text_wrapped_cells_and_dollar_amounts() -> None:
    data = _csv('日期,摘要,存入,支出,餘額,對方帳號\n="2026/12/02",轉入,"$1,250.00",,"$11,250.00",="(812)****00123"\n')
    (item,) = parse_statement(data).transactions
    assert (item.amount, item.balance, item.last5) == (1250, 11250, "00123")


def test_semicolon_and_tab_delimiters() -> None:
    for sep in (";", "\t"):
        data = _csv(
            sep.join(["交易日期", "說明", "存入金額", "支出金額", "結餘"])
            + "\n"
            + sep.join(["2026-12-02 08:30", "轉入", "540", "", "540"])
            + "\n"
        )
        (item,) = parse_statement(data).transactions
        assert (item.date, item.time, item.amount) == (date(2026, 12, 2), time(8, 30), 540)


def test_signed_amount_and_debit_credit_columns() -> None:
    data = _csv(
        "交易日期,摘要,收支,金額,餘額\n115/12/02,轉入,存入,540,1540\n115/12/03,提款,支出,500,1040\n"
        "115/12/04,轉入,,+300,1340\n115/12/05,扣款,,(200),1140\n"
    )
    items = parse_statement(data).transactions
    assert [(t.direction, t.amount) for t in items] == [("in", 540), ("out", 500), ("in", 300), ("out", 200)]


def test_prefers_transaction_date_over_posting_date() -> None:
    data = _csv("帳務日期,交易日期,摘要,存入,支出\n2026/12/03,2026/12/02,轉入,540,\n")
    assert parse_statement(data).transactions[0].date == date(2026, 12, 2)


def test_rows_without_amounts_and_repeated_headers_are_skipped() -> None:
    data = _csv(
        "交易日期,摘要,存入,支出,餘額\n2026/12/01,上期餘額,,,1000\n交易日期,摘要,存入,支出,餘額\n"
        ",,,,\n2026/12/02,轉入,540,,1540\n"
    )
    items = parse_statement(data).transactions
    assert [(t.row_number, t.amount) for t in items] == [(5, 540)]


def test_memo_five_digits_when_bank_prints_only_last5() -> None:
    data = _csv("交易日期,摘要,存入,支出,附言\n2026/12/02,跨行轉入,540,,王小明12345\n")
    assert parse_statement(data).transactions[0].last5 == "12345"


def _without_styles(data: bytes) -> bytes:
    """Strip an XLSX's style sheet, as some bank exports ship: dates then arrive as Excel serial numbers."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == "xl/styles.xml":
                body = b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
            target.writestr(info, body)
    return out.getvalue()


def test_styleless_workbook_reads_without_warnings() -> None:
    # pytest runs with filterwarnings=error, so an openpyxl style warning leaking out fails this test.
    statement = parse_statement(_without_styles(write_statement(bank="esun", fmt="xlsx")))
    assert seen(statement) == expected(sample_rows())
    assert statement.transactions[0].time == time(10, 15)


ERRORS: list[tuple[bytes, str]] = [
    (b"", "空的"),
    (b"   \r\n ", "空的"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "舊版 Excel（.xls）檔打不開"),
    (b"PK\x03\x04garbage", "Excel 檔案打不開"),
    (b"%PDF-1.7\n\x00\x01\x02\xff", "我讀不了 PDF"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "讀不了截圖"),
    (b"\x00\x01\x02\x03\xff\xfe\x00garbage", "不是 CSV"),
    ("王小明,你好\n今天天氣很好\n".encode(), "找不到交易明細的表頭列"),
    ("摘要,存入金額,餘額\n轉入,540,540\n".encode(), "認不出哪一欄是交易日期。這個檔案沒有這一欄"),
    ("交易日期,摘要,餘額\n2026/12/02,轉入,540\n".encode(), "認不出哪一欄是存入金額"),
    ("交易日期,摘要,入金,餘額,匯款帳戶資料\n2026/12/02,轉入,540,540,812-***12345\n".encode(),
     "A「交易日期」、B「摘要」、C「入金」、D「餘額」、E「匯款帳戶資料」，但我認不出哪一欄是存入金額（或金額）。"
     "請告訴我是哪一欄，例如：/對帳欄位 存入=C（"),
    ("交易日期,摘要,存入,支出\n2026/12/02,轉入,五百,\n".encode(), "第 2 列的金額「五百」"),
    ("交易日期,摘要,存入,支出\n2026/13/45,轉入,540,\n".encode(), "第 2 列的日期「2026/13/45」"),
    ("交易日期,摘要,存入,支出\n2026/12/02,轉入,540,540\n".encode(), "同時有存入和支出"),
]


@pytest.mark.parametrize(("data", "message"), ERRORS)
def test_unreadable_files_raise_statement_error(data: bytes, message: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(data)
    assert message in str(caught.value)
    assert "請" in str(caught.value)  # every message tells the host what to do next


def test_empty_workbook_is_refused() -> None:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    with pytest.raises(StatementError, match="沒有任何資料"):
        parse_statement(buffer.getvalue())
