"""The shape every statement reader returns: tables of rows of plain cells, cleaned the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from parsers.statement_errors import StatementError

Cell = str | int | float | datetime | date | time | None
Row = tuple[Cell, ...]

MAX_BYTES = 20 * 1024 * 1024  # a bank file this large is a year of a busy account; more is not a statement
MAX_ROWS = 200_000
MAX_CELL = 10_000
# Excel's ways of keeping a value as text: ="00123", =T("00123"), ="" and a leading apostrophe.
_FORMULA_TEXT = re.compile(r'^=\s*(?:T\s*\(\s*)?"(.*)"\s*\)?$', re.DOTALL)
_FORMULA_NUMBER = re.compile(r"^=\s*([+-]?\d+(?:\.\d+)?)$")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_UNTIDY = re.compile(r"^[\s='\u00a0\u3000]|[\s\u00a0\u3000]$|[\r\n\t\u00a0\u3000]|  ")


@dataclass(frozen=True)
class Table:
    """One sheet or HTML table of a file: its name (for messages) and its rows, row 1 first."""

    name: str
    rows: list[Row]


def clean_text(text: str) -> str:
    """Tidy one text cell: unwrap Excel text formulas, trim, fold runs of spaces, keep line breaks."""
    if not _UNTIDY.search(text):
        return text  # the common cell: nothing to do
    text = text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_CELL]
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    if text.startswith("="):
        if match := _FORMULA_TEXT.match(text):
            return clean_text(match.group(1).replace('""', '"'))
        if match := _FORMULA_NUMBER.match(text):
            return match.group(1)
    if text.startswith("'") and len(text) > 1 and text[1:2].isdigit():
        return text[1:]
    return text


def too_many_rows() -> StatementError:
    """Return the error for a table longer than any statement."""
    return StatementError(f"檔案超過 {MAX_ROWS:,} 列，不像一份交易明細。請在網路銀行縮短查詢期間後再匯出上傳。")


def is_blank(cell: Cell) -> bool:
    """Tell whether a cell holds nothing."""
    return cell is None or (isinstance(cell, str) and not cell.strip())
