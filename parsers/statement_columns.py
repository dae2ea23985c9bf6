"""Find the header row of a bank statement and map each column to what it holds."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from parsers.statement_errors import StatementError
from parsers.statement_read import Row

HEADER_SCAN_ROWS = 60
_MAX_HEADER_LEN = 16

# (role, words): the first rule whose word a header contains decides the role; exact-name rules come first.
_EXACT = {
    "借/貸": "dc", "借貸": "dc", "借貸別": "dc", "收支": "dc", "收/支": "dc", "收支別": "dc", "存提": "dc",
    "存/提": "dc", "存提別": "dc", "D/C": "dc", "金額": "amount", "交易金額": "amount", "時間": "time",
    "交易時間": "time", "存款": "in", "提款": "out", "摘要": "summary", "說明": "summary",
}
_CONTAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("balance", ("餘額", "結餘", "結存")),
    ("account", ("帳號", "帳戶", "账号", "卡號")),
    ("memo", ("備註", "附言", "註記", "附註", "備考", "交易資訊", "對方資訊", "訊息", "戶名", "對方")),
    ("date", ("日期", "交易日", "帳務日", "記帳日", "入帳日", "作帳日")),
    ("time", ("時間",)),
    ("out", ("支出", "提款", "提出", "支取", "轉出", "借方", "扣款", "付出", "提領")),
    ("in", ("存入", "收入", "轉入", "存款", "貸方", "收款", "入帳")),
    ("amount", ("金額",)),
    ("summary", ("摘要", "說明", "交易類別", "交易種類", "交易項目", "交易名稱", "交易代號", "用途", "內容")),
)
_SINGLE_ROLES = ("date", "time", "out", "in", "amount", "dc", "balance")


@dataclass(frozen=True)
class Columns:
    """Indexes of the columns a statement row is read from."""

    date: int
    time: int | None = None
    out: int | None = None
    in_: int | None = None
    amount: int | None = None
    dc: int | None = None
    balance: int | None = None
    summary: tuple[int, ...] = field(default=())
    account: tuple[int, ...] = field(default=())
    memo: tuple[int, ...] = field(default=())


def header_name(cell: object) -> str:
    """Normalise a header cell: half-width, no spaces, no ``(元)``-style notes."""
    text = unicodedata.normalize("NFKC", str(cell or ""))
    return re.sub(r"\s|\(.*?\)|\[.*?\]|[*:：#]", "", text)


def role_of(name: str) -> str | None:
    """Tell what a header name holds (``date``, ``in``, ``memo`` …) or None."""
    if not name or len(name) > _MAX_HEADER_LEN:
        return None
    if name in _EXACT:
        return _EXACT[name]
    for role, words in _CONTAINS:
        if any(word in name for word in words):
            return role
    return None


def _roles(row: Row) -> dict[str, list[int]]:
    """Group a row's column indexes by the role their header names."""
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(row):
        if not isinstance(cell, str):
            continue
        role = role_of(header_name(cell))
        if role is not None:
            found.setdefault(role, []).append(index)
    return found


def _pick_date(row: Row, indexes: Sequence[int]) -> int:
    """Prefer the 交易日期 column over 帳務日期 when a bank gives both."""
    for index in indexes:
        if "交易" in header_name(row[index]):
            return index
    return indexes[0]


def find_header(rows: Sequence[Row]) -> tuple[int, Columns]:
    """Return the 0-based index of the header row and its column map, or raise StatementError."""
    best: tuple[int, int, dict[str, list[int]]] | None = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        roles = _roles(row)
        has_money = any(role in roles for role in ("in", "out", "amount"))
        if "date" in roles and has_money:
            return index, _columns(row, roles)
        if len(roles) >= 2 and (best is None or len(roles) > best[1]):
            best = (index, len(roles), roles)
    if best is None:
        raise StatementError(
            "找不到交易明細的表頭列（例如「交易日期」「存入金額」「餘額」）。"
            "請確認上傳的是網路銀行匯出的交易明細 CSV 或 Excel 檔。"
        )
    row_number, _, roles = best[0] + 1, best[1], best[2]
    if "date" not in roles:
        raise StatementError(
            f"第 {row_number} 列的表頭缺少「交易日期」欄（或「帳務日期」「日期」）。"
            "請重新匯出含交易日期的明細後再上傳。"
        )
    raise StatementError(
        f"第 {row_number} 列的表頭缺少金額欄（「存入金額」「支出金額」或「金額」）。"
        "請重新匯出含存入與支出金額的完整明細後再上傳。"
    )


def _columns(row: Row, roles: dict[str, list[int]]) -> Columns:
    """Build the column map from a header row's roles."""
    single = {role: roles[role][0] for role in _SINGLE_ROLES if role in roles}
    single["date"] = _pick_date(row, roles["date"])
    return Columns(
        date=single["date"],
        time=single.get("time"),
        out=single.get("out"),
        in_=single.get("in"),
        amount=single.get("amount"),
        dc=single.get("dc"),
        balance=single.get("balance"),
        summary=tuple(roles.get("summary", ())),
        account=tuple(roles.get("account", ())),
        memo=tuple(roles.get("memo", ())),
    )
