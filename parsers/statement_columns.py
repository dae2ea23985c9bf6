"""Find the header row of a bank statement table and map each column to what it holds."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from parsers.statement_errors import Layout, MissingColumns, StatementError
from parsers.statement_table import Row, is_blank

HEADER_SCAN_ROWS = 80
_MAX_HEADER_LEN = 16

# A header name names a role: exact names first, then the first rule whose word the name contains.
_EXACT = {
    "借/貸": "dc", "借貸": "dc", "借貸別": "dc", "收支": "dc", "收/支": "dc", "收支別": "dc", "存提": "dc",
    "存/提": "dc", "存提別": "dc", "d/c": "dc", "dr/cr": "dc", "金額": "amount", "交易金額": "amount",
    "時間": "time", "交易時間": "time", "存款": "in", "提款": "out", "提": "out", "存": "in", "支": "out",
    "收": "in", "摘要": "summary", "說明": "summary",
    "date": "date", "time": "time", "amount": "amount", "balance": "balance", "deposit": "in",
    "withdrawal": "out", "description": "summary", "memo": "memo", "remarks": "memo", "remark": "memo",
    "note": "memo", "account": "account",
}
_CONTAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("balance", ("餘額", "結餘", "結存", "balance")),
    ("account", ("帳號", "帳戶", "账号", "卡號", "account")),
    ("name", ("戶名", "匯款人", "存款人", "付款人", "轉出人", "payer")),
    ("memo", ("備註", "附言", "註記", "附註", "備考", "交易資訊", "對方資訊", "訊息", "對方", "memo", "remark")),
    ("date", ("日期", "交易日", "帳務日", "記帳日", "入帳日", "作帳日", "date")),
    ("time", ("時間", "time")),
    ("out", ("支出", "提款", "提出", "支取", "轉出", "借方", "扣款", "付出", "提領", "withdraw", "debit")),
    ("in", ("存入", "收入", "轉入", "存款", "貸方", "收款", "入帳", "deposit", "credit")),
    ("amount", ("金額", "amount")),
    ("summary", ("摘要", "說明", "交易類別", "交易種類", "交易項目", "交易名稱", "交易代號", "用途", "內容",
                 "description")),
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
    name: tuple[int, ...] = field(default=())


@dataclass(frozen=True)
class Header:
    """Where a table's header is (0-based index of its last row) and what its columns hold."""

    index: int
    columns: Columns
    fingerprint: str
    names: tuple[str, ...] = ()


def header_name(cell: object) -> str:
    """Normalise a header cell: half-width, lower case, no spaces, no ``(元)``-style notes."""
    text = unicodedata.normalize("NFKC", str(cell or "")).lower()
    return re.sub(r"\s|\(.*?\)|\[.*?\]|[*:：#.]", "", text)


def role_of(name: str) -> str | None:
    """Tell what a header name holds (``date``, ``in``, ``memo`` …) or None."""
    if not name or len(name) > _MAX_HEADER_LEN or name[0].isdigit():
        return None
    if name in _EXACT:
        return _EXACT[name]
    for role, words in _CONTAINS:
        if any(word in name for word in words):
            return role
    return None


def fingerprint_of(row: Row) -> str:
    """Return a short stable id of a header row's layout (its normalised names in order)."""
    names = "|".join(header_name(cell) if isinstance(cell, str) else "" for cell in row).rstrip("|")
    return hashlib.sha256(names.encode("utf-8")).hexdigest()[:16]


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


def _mapped(roles: dict[str, list[int]], mapping: Mapping[str, int]) -> dict[str, list[int]]:
    """Apply the host's column mapping over the roles read from the names."""
    taken = set(mapping.values())
    out = {role: [i for i in indexes if i not in taken] for role, indexes in roles.items()}
    for role, index in mapping.items():
        out[role] = [index] if index >= 0 else []  # a negative index: the host says the file has no such column
    return {role: indexes for role, indexes in out.items() if indexes}


def _merged(upper: Row, lower: Row) -> Row:
    """Combine a two-row header cell by cell (a merged 金額 over 支出/存入, or 交易 over 日期)."""
    width = max(len(upper), len(lower))
    cells = []
    for i in range(width):
        top = upper[i] if i < len(upper) else None
        bottom = lower[i] if i < len(lower) else None
        if is_blank(bottom):
            cells.append(top)
        elif is_blank(top) or role_of(header_name(bottom)) is not None:
            cells.append(bottom)
        else:
            cells.append(f"{top}{bottom}")
    return tuple(cells)


def _wordy(row: Row) -> bool:
    """Tell whether a row could be (part of) a header: words only, no dates or amounts."""
    cells = [c for c in row if not is_blank(c)]
    return bool(cells) and all(isinstance(c, str) and not re.search(r"\d", c) for c in cells)


def _complete(roles: Mapping[str, list[int]]) -> bool:
    """Tell whether a header names a date and where deposits are (a 存入 or a 金額 column)."""
    return "date" in roles and ("in" in roles or "amount" in roles)


def find_header(rows: Sequence[Row], layouts: Mapping[str, Mapping[str, int]] | None = None,
                table: str = "") -> Header:
    """Return the header of a table, or raise (MissingColumns when a header lacks a needed column).

    ``layouts`` maps a header fingerprint to the columns the host named for it (role → 0-based index).
    """
    layouts = layouts or {}
    best: tuple[int, int, int, Row] | None = None
    scan = rows[:HEADER_SCAN_ROWS]
    for index, row in enumerate(scan):
        candidates = [(index, row)]
        below = _roles(scan[index + 1]) if index + 1 < len(scan) and _wordy(scan[index + 1]) else {}
        if below:
            merged = (index + 1, _merged(row, scan[index + 1]))
            above = _roles(row)
            split = ("in" in below or "out" in below) and not ("in" in above or "out" in above)  # 金額 over 支出/存入
            if split:
                candidates = [merged, *candidates]
            elif not _complete(below):
                candidates.append(merged)
        for at, cells in candidates:
            roles = _roles(cells)
            mapping = layouts.get(fingerprint_of(cells))
            if mapping:
                roles = _mapped(roles, mapping)
            if _complete(roles):
                return Header(at, _columns(cells, roles), fingerprint_of(cells), _names(cells))
            texts = sum(1 for c in cells if isinstance(c, str) and c and role_of(header_name(c)) is not None)
            words = sum(1 for c in cells if isinstance(c, str) and 0 < len(c) <= _MAX_HEADER_LEN and not c[0].isdigit())
            if (texts >= 2 or (texts and words >= 3)) and (best is None or (texts, words) > (best[1], best[2])):
                best = (at, texts, words, cells)
    if best is None:
        raise StatementError(
            "找不到交易明細的表頭列（例如「交易日期」「存入金額」「餘額」）。"
            "請確認上傳的是網路銀行匯出的交易明細 CSV 或 Excel 檔。"
        )
    at, _, _, cells = best
    roles = _roles(cells)
    missing = tuple(m for m, ok in (("date", "date" in roles), ("money", "in" in roles or "amount" in roles)) if not ok)
    names = _names(cells)
    unnamed = tuple(i for i, name in enumerate(names) if name and role_of(header_name(name)) is None)
    raise MissingColumns(Layout(fingerprint_of(cells), at + 1, table, names, missing, unnamed, "account" in roles))


def _names(row: Row) -> tuple[str, ...]:
    """Return a header row's names as shown (blank for cells that hold no text)."""
    return tuple(str(c).replace("\n", " ") if isinstance(c, str) else "" for c in row)


def _pick_date(row: Row, indexes: Sequence[int]) -> int:
    """Prefer the 交易日期 column over 帳務日期 when a bank gives both."""
    for index in indexes:
        if "交易" in header_name(row[index]):
            return index
    return indexes[0]


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
        name=tuple(roles.get("name", ())),
    )
