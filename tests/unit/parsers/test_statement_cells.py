"""Cell readers of the statement parser: dates, times, amounts, payer digits, header roles."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from parsers.statement_cells import (
    last5_from_account,
    last5_from_memo,
    parse_amount,
    parse_date,
    parse_time,
)
from parsers.statement_columns import header_name, role_of
from parsers.statement_read import Cell

D = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("115/12/02", (D, None)),
        ("115/12/2", (D, None)),
        ("1151202", (D, None)),
        (1151202, (D, None)),
        ("20261202", (D, None)),
        ("2026/12/02", (D, None)),
        ("2026-12-02", (D, None)),
        ("2026.12.02", (D, None)),
        ("２０２６／１２／０２", (D, None)),
        ("民國115年12月2日", (D, None)),
        ("2026/12/02 10:15", (D, time(10, 15))),
        ("2026/12/02 10:15:30", (D, time(10, 15, 30))),
        ("115/12/02 下午 02:05", (D, time(14, 5))),
        ("1151202 101530", (D, time(10, 15, 30))),
        (datetime(2026, 12, 2, 9, 30), (D, time(9, 30))),
        (datetime(2026, 12, 2), (D, None)),
        (D, (D, None)),
        (46358.5, (D, time(12, 0))),
        ("2026/02/30", None),
        ("合計", None),
        ("", None),
        (None, None),
        ("12345", None),
        (3.5, None),
    ],
)
def test_parse_date(cell: Cell, want: tuple[date, time | None] | None) -> None:
    assert parse_date(cell) == want


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("10:15", time(10, 15)),
        ("10:15:30", time(10, 15, 30)),
        ("101530", time(10, 15, 30)),
        ("1015", time(10, 15)),
        ("下午 02:05", time(14, 5)),
        ("上午 12:05", time(0, 5)),
        (time(8, 1), time(8, 1)),
        ("", None),
        ("25:00", None),
    ],
)
def test_parse_time(cell: Cell, want: time | None) -> None:
    assert parse_time(cell) == want


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("1,250", 1250),
        ("$1,250.00", 1250),
        ("NT$1,250", 1250),
        ("1250元", 1250),
        ("-300", -300),
        ("(300)", -300),
        ("300-", -300),
        ("+540", 540),
        ("１，２５０", 1250),
        (1250, 1250),
        (1250.0, 1250),
        (12.5, 13),
        ("0", 0),
        ("", None),
        ("-", None),
        (None, None),
        ("　", None),
    ],
)
def test_parse_amount(cell: Cell, want: int | None) -> None:
    assert parse_amount(cell) == want


@pytest.mark.parametrize("cell", ["五百", "abc", "1,2,3,x", "12-34", float("nan")])
def test_parse_amount_refuses_non_amounts(cell: Cell) -> None:
    with pytest.raises(ValueError):
        parse_amount(cell)


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("(812)****12345", "12345"),
        ("822-0000123456712345", "12345"),
        ("822*********12345", "12345"),
        ("*****12345", "12345"),
        ("12345", "12345"),
        ("00888", "00888"),
        ("0000100888", "00888"),
        ("12345(812)", "12345"),
        ("", None),
        ("1234", None),
        ("(812)", None),
    ],
)
def test_last5_from_account(cell: Cell, want: str | None) -> None:
    assert last5_from_account(cell) == want


@pytest.mark.parametrize(
    ("cell", "want"),
    [
        ("跨行轉入 (812)****12345", "12345"),
        ("王小明 0000123456712345", "12345"),
        ("後五碼12345", "12345"),
        ("822-0000123456700888 A+2", "00888"),
        ("ATM 轉入", None),
        ("2026/12/02 第12345號", None),
        ("", None),
    ],
)
def test_last5_from_memo(cell: Cell, want: str | None) -> None:
    assert last5_from_memo(cell) == want


@pytest.mark.parametrize(
    ("header", "role"),
    [
        ("交易日期", "date"),
        ("帳務日期", "date"),
        ("日期", "date"),
        ("交易日", "date"),
        ("交易時間", "time"),
        ("摘要", "summary"),
        ("說明", "summary"),
        ("交易說明", "summary"),
        ("支出金額", "out"),
        ("提款", "out"),
        ("提出", "out"),
        ("支出", "out"),
        ("存入金額", "in"),
        ("存款", "in"),
        ("存入", "in"),
        ("收入", "in"),
        ("餘額", "balance"),
        ("結餘", "balance"),
        ("存款餘額", "balance"),
        ("備註", "memo"),
        ("附言", "memo"),
        ("對方帳號", "account"),
        ("轉出入帳號", "account"),
        ("對方帳號(後五碼)", "account"),
        ("金額", "amount"),
        ("交易金額(元)", "amount"),
        ("借/貸", "dc"),
        ("支出金額 (NT$)", "out"),
        ("序號", None),
        ("", None),
    ],
)
def test_header_roles(header: str, role: str | None) -> None:
    assert role_of(header_name(header)) == role
