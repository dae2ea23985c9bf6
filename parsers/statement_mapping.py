"""Read a host's column mapping for a statement layout: ``/對帳欄位 存入=E 帳號=H`` (pure; no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from parsers.statement_columns import header_name
from parsers.statement_errors import ROLE_NAMES, letter

ALIASES = {
    **ROLE_NAMES,
    "交易日期": "date", "日": "date", "交易時間": "time", "存款": "in", "收入": "in", "入帳": "in",
    "存入金額": "in", "提款": "out", "支出金額": "out", "提出": "out", "交易金額": "amount",
    "借貸別": "dc", "收支": "dc", "對方帳號": "account", "後五碼": "account", "帳戶": "account",
    "姓名": "name", "匯款人": "name", "附言": "memo", "說明": "summary",
}
_PAIR = re.compile(r"([^\s=,，、;；]+)\s*[=:]\s*([^\s,，、;；]+)")
_LETTERS = re.compile(r"^[A-Z]{1,2}$")
USAGE = "用法：/對帳欄位 存入=E 帳號=H（欄位名稱=Excel 欄位字母）。可用的欄位：" + "、".join(ROLE_NAMES) + "。"


class MappingError(ValueError):
    """The host's mapping text cannot be read; ``str(exc)`` says how to write it."""


def parse_mapping(text: str, names: Sequence[str]) -> dict[str, int]:
    """Turn ``存入=E 帳號=H`` into ``{"in": 4, "account": 7}`` for a header of ``names``.

    A column may be given by its letter (``E``), its number (``5``) or its header name (``入金``).
    """
    text = unicodedata.normalize("NFKC", text).replace("＝", "=")
    pairs = _PAIR.findall(text)
    if not pairs:
        raise MappingError(USAGE)
    mapping: dict[str, int] = {}
    for word, ref in pairs:
        role = ALIASES.get(word.strip())
        if role is None:
            raise MappingError(f"看不懂欄位「{word[:10]}」。{USAGE}")
        index = _column(ref, names)
        if index is None:
            shown = "、".join(f"{letter(i)}「{n}」" for i, n in enumerate(names) if n)
            raise MappingError(f"這份檔案沒有「{ref[:10]}」這一欄。它的欄位是：{shown}。請用欄位字母，例如 {word}=C。")
        if index in mapping.values():
            raise MappingError(f"{letter(index)} 欄被指定了兩次，請每一欄只對一個名稱。")
        mapping[role] = index
    return mapping


def _column(ref: str, names: Sequence[str]) -> int | None:
    """Resolve a column reference to a 0-based index within the header, or None."""
    upper = ref.strip().upper()
    width = max(len(names), 1)
    if _LETTERS.match(upper):
        index = 0
        for ch in upper:
            index = index * 26 + (ord(ch) - ord("A") + 1)
        return index - 1 if index - 1 < width else None
    if upper.isdigit():
        number = int(upper)
        return number - 1 if 1 <= number <= width else None
    wanted = header_name(ref)
    found = [i for i, name in enumerate(names) if name and header_name(name) == wanted]
    return found[0] if len(found) == 1 else None

