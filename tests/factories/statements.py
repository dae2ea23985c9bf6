"""Write bank-statement exports (CSV or XLSX) in the shapes Taiwanese online banks use, for tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal

from openpyxl import Workbook

Cell = str | int | datetime | None


@dataclass(frozen=True)
class StatementRow:
    """One transaction as a test states it; each bank layout renders it its own way."""

    date: date
    amount: int
    direction: Literal["in", "out"] = "in"
    payer: str | None = None  # the payer's full account number; rendered masked or not by the layout
    summary: str = ""
    note: str = ""
    balance: int | None = None
    time: time | None = None

    @property
    def last5(self) -> str | None:
        """Return what a parser should find as the payer's last five digits."""
        return self.payer[-5:] if self.payer and self.direction == "in" else None


@dataclass(frozen=True)
class Layout:
    """How one bank lays out its export: title rows, header names, default encoding, cell rendering."""

    title: str
    preamble: tuple[tuple[str, ...], ...]
    header: tuple[str, ...]
    render: Callable[[StatementRow, bool], list[Cell]]
    encoding: str = "utf-8-sig"


def _money(value: int | None, blank: str = "") -> str:
    """Render an amount the Taiwanese way, ``1,250``."""
    return blank if value is None else f"{value:,}"


def _roc(day: date, sep: str = "/") -> str:
    """Render a date with the ROC year, ``115/12/02`` (or ``1151202`` with no separator)."""
    return f"{day.year - 1911:03d}{sep}{day.month:02d}{sep}{day.day:02d}"


def _split(row: StatementRow) -> tuple[int | None, int | None]:
    """Return (withdrawal, deposit) with None for the empty side."""
    return (row.amount, None) if row.direction == "out" else (None, row.amount)


def _num(value: int | None, typed: bool, blank: str = "") -> Cell:
    """Return an amount as a number (typed XLSX) or as text."""
    if typed:
        return value
    return _money(value, blank)


def _cathay(row: StatementRow, typed: bool) -> list[Cell]:
    out, inn = _split(row)
    day: Cell = datetime.combine(row.date, time()) if typed else row.date.strftime("%Y/%m/%d")
    info = f"(812)****{row.payer[-5:]}" if row.payer else ""
    return [
        day,
        day,
        row.summary,
        _num(out, typed),
        _num(inn, typed),
        _num(row.balance, typed),
        info,
        row.note,
    ]


def _esun(row: StatementRow, typed: bool) -> list[Cell]:
    out, inn = _split(row)
    moment = datetime.combine(row.date, row.time or time(9, 0))
    day: Cell = moment if typed else moment.strftime("%Y/%m/%d %H:%M:%S")
    account = f"822-{row.payer}" if row.payer else ""
    return [day, row.summary, _num(out, typed), _num(inn, typed), _num(row.balance, typed), account, row.note]


def _post(row: StatementRow, typed: bool) -> list[Cell]:
    out, inn = _split(row)
    clock = (row.time or time(9, 0)).strftime("%H%M%S")
    account = f"*****{row.payer[-5:]}" if row.payer else ""
    return [
        _roc(row.date, ""),
        clock,
        row.summary,
        _num(out or 0, typed),
        _num(inn or 0, typed),
        _num(row.balance, typed),
        row.note,
        account,
    ]


def _ctbc(row: StatementRow, typed: bool) -> list[Cell]:
    clock = (row.time or time(9, 0)).strftime("%H:%M")
    mark = "借" if row.direction == "out" else "貸"
    amount: Cell = row.amount if typed else f"${row.amount:,}.00"
    last5 = row.payer[-5:] if row.payer else ""
    return [_roc(row.date), clock, row.summary, mark, amount, _num(row.balance, typed), last5, row.note]


def _taishin(row: StatementRow, typed: bool) -> list[Cell]:
    signed = row.amount if row.direction == "in" else -row.amount
    note = " ".join(part for part in (f"822*********{row.payer[-5:]}" if row.payer else "", row.note) if part)
    amount: Cell = signed if typed else f"{signed:,}"
    return [row.date.isoformat(), row.summary, amount, _num(row.balance, typed), note]


def _fubon(row: StatementRow, typed: bool) -> list[Cell]:
    out, inn = _split(row)
    memo = " ".join(part for part in (f"(012)00{row.payer}" if row.payer else "", row.note) if part)
    day: Cell = datetime.combine(row.date, time()) if typed else row.date.strftime("%Y-%m-%d")
    return [day, row.summary, _num(out, typed, "-"), _num(inn, typed, "-"), _num(row.balance, typed), memo]


LAYOUTS: dict[str, Layout] = {
    "cathay": Layout(
        "國泰世華商業銀行 存款交易明細查詢",
        (("帳號：", "0125****3456"), ("查詢期間：", "2026/11/01 ~ 2026/12/31"), ()),
        ("交易日期", "帳務日期", "說明", "提出", "存入", "餘額", "交易資訊", "備註"),
        _cathay,
    ),
    "esun": Layout(
        "玉山銀行 臺幣活期存款交易明細",
        (("帳號", "0987-654-321012"), ("幣別", "TWD")),
        ("交易日期", "摘要", "支出", "存入", "餘額", "轉出入帳號", "備註"),
        _esun,
        encoding="utf-8",
    ),
    "post": Layout(
        "中華郵政股份有限公司 存簿儲金交易明細",
        (("帳號：0001234-0123456",), ("列印日期：", "115/12/31")),
        ("交易日期", "交易時間", "摘要", "支出金額", "存入金額", "餘額", "備註", "對方帳號"),
        _post,
        encoding="cp950",
    ),
    "ctbc": Layout(
        "中國信託商業銀行 帳戶往來明細",
        (("帳號 ************3456",), ("查詢區間 115/11/01-115/12/31",)),
        ("日期", "時間", "摘要", "借/貸", "金額", "餘額", "對方帳號(後五碼)", "附言"),
        _ctbc,
        encoding="big5",
    ),
    "taishin": Layout("", (), ("帳務日期", "交易說明", "金額", "結餘", "附言"), _taishin, encoding="utf-8"),
    "fubon": Layout(
        "台北富邦銀行 帳戶明細",
        (("帳號", "6001-****-7788"),),
        ("交易日", "摘要", "提款", "存款", "餘額", "備註"),
        _fubon,
    ),
}
BANK_NAMES = {
    "cathay": "國泰世華銀行",
    "esun": "玉山銀行",
    "post": "中華郵政",
    "ctbc": "中國信託",
    "taishin": None,
    "fubon": "台北富邦銀行",
}
BANK_ACCOUNTS = {
    "cathay": "0125****3456",
    "esun": "0987-654-321012",
    "post": "0001234-0123456",
    "ctbc": "************3456",
    "taishin": None,
    "fubon": "6001-****-7788",
}


def with_balances(rows: Sequence[StatementRow], opening: int = 10_000) -> list[StatementRow]:
    """Fill in running balances from an opening balance."""
    balance = opening
    filled = []
    for row in rows:
        balance += row.amount if row.direction == "in" else -row.amount
        filled.append(replace(row, balance=balance))
    return filled


def sample_rows() -> list[StatementRow]:
    """Return a month of typical rows: transfers in, equal twin deposits, interest, a fee, a withdrawal."""
    d = date(2026, 12, 2)
    return with_balances(
        [
            StatementRow(d, 540, payer="0000123456712345", summary="跨行轉入", time=time(10, 15)),
            StatementRow(
                d, 1250, payer="0001234500888", summary="轉帳存入", note="王小明 A+2", time=time(11, 2)
            ),
            StatementRow(d, 540, payer="0000123456754321", summary="ATM轉入", time=time(12, 30)),
            StatementRow(d, 540, payer="0000123456754321", summary="ATM轉入", time=time(12, 30)),
            StatementRow(date(2026, 12, 3), 10500, payer="8080808012399", summary="網銀轉入"),
            StatementRow(date(2026, 12, 3), 15, summary="跨行轉帳手續費", direction="out"),
            StatementRow(date(2026, 12, 4), 3000, summary="ATM提款", direction="out"),
            StatementRow(date(2026, 12, 21), 12, summary="利息存入"),
        ]
    )


def write_statement(
    path: Path | str | None = None,
    *,
    bank: str = "cathay",
    fmt: Literal["csv", "xlsx"] = "csv",
    encoding: str | None = None,
    rows: Sequence[StatementRow] | None = None,
    numbers_as_text: bool = False,
    footer: bool = True,
) -> bytes:
    """Render a statement in ``bank``'s layout as CSV or XLSX bytes, and write them to ``path`` if given."""
    layout = LAYOUTS[bank]
    body = list(sample_rows() if rows is None else rows)
    data = (
        _xlsx(layout, body, typed=not numbers_as_text, footer=footer)
        if fmt == "xlsx"
        else _csv(layout, body, encoding or layout.encoding, footer=footer)
    )
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _footer(layout: Layout, rows: Sequence[StatementRow]) -> list[Cell]:
    """Return a 合計 row like the ones banks append."""
    total = sum(row.amount for row in rows if row.direction == "in")
    cells: list[Cell] = ["合計", f"共 {len(rows)} 筆", f"{total:,}"]
    return cells + [""] * (len(layout.header) - 3)


def _table(layout: Layout, rows: Sequence[StatementRow], *, typed: bool, footer: bool) -> list[list[Cell]]:
    """Return every row of the export: title, preamble, header, data, footer."""
    table: list[list[Cell]] = []
    if layout.title:
        table.append([layout.title])
    table.extend(list(line) for line in layout.preamble)
    table.append(list(layout.header))
    table.extend(layout.render(row, typed) for row in rows)
    if footer:
        table.append(_footer(layout, rows))
    return table


def _csv(layout: Layout, rows: Sequence[StatementRow], encoding: str, *, footer: bool) -> bytes:
    """Render the table as CSV text in the given encoding, with Windows line ends like bank exports."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for line in _table(layout, rows, typed=False, footer=footer):
        writer.writerow(["" if cell is None else cell for cell in line])
    return buffer.getvalue().encode(encoding)


def _xlsx(layout: Layout, rows: Sequence[StatementRow], *, typed: bool, footer: bool) -> bytes:
    """Render the table as an XLSX workbook with a merged title cell above the preamble."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "交易明細"
    for line in _table(layout, rows, typed=typed, footer=footer):
        sheet.append(line)
    if layout.title:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(layout.header))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
