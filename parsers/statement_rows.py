"""Read the rows below a statement's header into transactions: dates, signed amounts, memos and payers."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Literal

from parsers.statement_cells import (
    last5_from_account,
    last5_from_memo,
    last5_standalone,
    parse_amount,
    parse_date,
    parse_time,
    payer_name,
    plain,
)
from parsers.statement_columns import Columns, Header
from parsers.statement_errors import StatementError
from parsers.statement_preamble import row_text
from parsers.statement_table import Cell, Row, is_blank

Direction = Literal["in", "out"]
_FOOTER = re.compile(r"合計|總計|小計|共計|累計|筆數|共\s*\d+\s*筆|以下空白|本頁|頁次")
_NO_PAYER = re.compile(r"利息|結息|存息|息轉|手續費|服務費|年費|郵資|跨行費|掛號費|管理費")
_IN_WORDS = ("貸", "存", "收", "入")
_OUT_WORDS = ("借", "支", "提", "出", "付", "扣")
_IN_CODES = ("+", "C", "CR")
_OUT_CODES = ("-", "D", "DR")


@dataclass(frozen=True)
class Transaction:
    """One line of a bank statement: a deposit (with the payer's last five digits when known) or a debit."""

    date: date
    amount: int
    direction: Direction
    last5: str | None
    memo: str
    balance: int | None
    row_number: int
    time: time | None = None
    payer_name: str | None = None

    @property
    def fingerprint(self) -> str:
        """Return a stable sha256 of the transaction's content, to make re-imports idempotent."""
        payload = json.dumps(
            [
                self.date.isoformat(),
                self.time.isoformat() if self.time else None,
                self.amount,
                self.direction,
                self.last5,
                self.balance,
                self.memo,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def read_transactions(rows: Sequence[Row], header: Header) -> list[Transaction]:
    """Read the rows below a header; a row holding only a memo continues the transaction above it."""
    found: list[Transaction] = []
    follows = False  # the previous row was a transaction or a continuation of one
    for index in range(header.index + 1, len(rows)):
        row = tuple(plain(cell) if isinstance(cell, str) else cell for cell in rows[index])  # half-width once
        tx = _transaction(row, index + 1, header.columns)
        if tx is not None:
            found.append(tx)
            follows = True
        elif follows and found and (extra := _continuation(row, header.columns)):
            found[-1] = _continued(found[-1], extra, row, header.columns)
        else:
            follows = False
    return found


def _continuation(row: Row, columns: Columns) -> str:
    """Return the text of a row that carries only memo text (no date, no money), else ""."""
    if not is_blank(cell_at(row, columns.date)):
        return ""
    money = (columns.in_, columns.out, columns.amount, columns.balance)
    if any(not is_blank(cell_at(row, i)) for i in money if i is not None):
        return ""
    if _FOOTER.search(row_text(row)):
        return ""
    return " ".join(_texts(row, columns.summary + columns.memo + columns.account + columns.name))


def _continued(tx: Transaction, extra: str, row: Row, columns: Columns) -> Transaction:
    """Add a continuation row's text to a transaction (and the payer found in it, if still unknown)."""
    memo = f"{tx.memo} {extra}".strip()
    last5 = tx.last5
    if last5 is None and tx.direction == "in" and not _NO_PAYER.search(memo):
        last5 = _payer(row, columns)
    name = tx.payer_name or next((n for n in map(payer_name, _texts(row, columns.name)) if n), None)
    return replace(tx, memo=memo, last5=last5, payer_name=name)


def cell_at(row: Row, index: int | None) -> Cell:
    """Return the cell at ``index``, or None when the row is short or there is no such column."""
    return row[index] if index is not None and index < len(row) else None


def _text(row: Row, index: int | None) -> str:
    """Return the cell at ``index`` as text; the row's text cells are already half-width (see _transactions)."""
    cell = row[index] if index is not None and index < len(row) else None
    return cell if isinstance(cell, str) else plain(cell)


def _transaction(row: Row, number: int, columns: Columns) -> Transaction | None:
    """Read one data row; None for blank, footer, repeated-header and balance-only rows."""
    if all(cell is None or cell == "" for cell in row):
        return None
    date_cell = cell_at(row, columns.date)
    labels = [_text(row, i) for i in (0, 1, 2, columns.date, *columns.summary) if i not in columns.memo]
    if _FOOTER.search(" ".join(labels)):
        return None
    when = parse_date(date_cell)
    if when is None:
        if any(ch.isdigit() for ch in plain(date_cell)) and _has_money(row, columns):
            raise StatementError(
                f"第 {number} 列的日期「{plain(date_cell)[:20]}」看不懂。"
                "請改用網路銀行原始匯出的檔案，不要在 Excel 裡修改後再存檔。"
            )
        return None  # a title, disclaimer, print date or page number below the table
    signed = _signed_amount(row, number, columns)
    if not signed:
        return None
    direction: Direction = "in" if signed > 0 else "out"
    memo = _memo(row, columns)
    moment = parse_time(cell_at(row, columns.time)) if columns.time is not None else None
    return Transaction(
        date=when[0],
        amount=abs(signed),
        direction=direction,
        last5=_payer(row, columns) if direction == "in" and not _NO_PAYER.search(memo) else None,
        memo=memo,
        payer_name=next((n for n in map(payer_name, _texts(row, columns.name)) if n), None)
        if direction == "in" else None,
        balance=_balance(row, columns),
        row_number=number,
        time=moment or when[1],
    )


def _has_money(row: Row, columns: Columns) -> bool:
    """Tell whether a row holds a readable, non-zero amount in its money columns."""
    for index in (columns.in_, columns.out, columns.amount):
        try:
            if index is not None and parse_amount(cell_at(row, index)):
                return True
        except ValueError:
            continue
    return False


def _amount(row: Row, index: int | None, number: int) -> int | None:
    """Read an amount cell, turning a bad value into a StatementError that names the row."""
    cell = cell_at(row, index)
    try:
        return parse_amount(cell)
    except ValueError:
        raise StatementError(
            f"第 {number} 列的金額「{plain(cell)[:20]}」看不懂。"
            "請改用網路銀行原始匯出的檔案，不要在 Excel 裡修改後再存檔。"
        ) from None


def _signed_amount(row: Row, number: int, columns: Columns) -> int | None:
    """Return the row's amount, positive for money in and negative for money out."""
    deposit = abs(_amount(row, columns.in_, number) or 0)
    withdrawal = abs(_amount(row, columns.out, number) or 0)
    if deposit and withdrawal:
        raise StatementError(
            f"第 {number} 列同時有存入和支出金額，無法判斷方向。請改用網路銀行原始匯出的檔案。"
        )
    if deposit or withdrawal:
        return deposit or -withdrawal
    amount = _amount(row, columns.amount, number)
    if not amount:
        return None
    mark = _text(row, columns.dc).upper()
    if mark in _OUT_CODES or any(word in mark for word in _OUT_WORDS):
        return -abs(amount)
    if mark in _IN_CODES or any(word in mark for word in _IN_WORDS):
        return abs(amount)
    return amount


def _balance(row: Row, columns: Columns) -> int | None:
    """Read the running balance; None when absent or unreadable (it is informative only)."""
    if columns.balance is None or _text(row, columns.balance) == "":
        return None
    try:
        return parse_amount(cell_at(row, columns.balance))
    except ValueError:
        return None


def _texts(row: Row, indexes: Sequence[int]) -> list[str]:
    """Return the non-empty texts of the given columns."""
    return [text for text in (_text(row, i) for i in indexes) if text]


def _memo(row: Row, columns: Columns) -> str:
    """Join the summary, memo and counter-account cells into one memo line."""
    parts: list[str] = []
    for text in _texts(row, columns.summary + columns.memo + columns.name + columns.account):
        if text not in parts:
            parts.append(text)
    return " ".join(parts)


def _payer(row: Row, columns: Columns) -> str | None:
    """Find the payer's last five account digits in the account, memo or summary columns."""
    for text in _texts(row, columns.account):
        if found := last5_from_account(text):
            return found
    for text in _texts(row, columns.memo + columns.summary):
        if found := last5_from_memo(text):
            return found
    for text in _texts(row, columns.memo):
        if found := last5_standalone(text):
            return found
    return None
