"""Read one announcement line as an item: label, name, price, stock limit, unit, pack size."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from parsers.comment_lexer import UNITS
from parsers.text import CN_NUMERAL, cn_to_int, fold_width

_U = f"[{UNITS}]"
_AMOUNT = r"\d{1,3}(?:,\d{3})+|\d+"

_PRICE = re.compile(
    rf"""
    (?P<per>[一每單])\s*(?P<pu>{_U})\s*(?:只要|特價|售價)?\s*(?:NT)?\$?\s*(?P<pa>{_AMOUNT})\s*元?
    | (?:NT\s*\$?|\$)\s*(?P<da>{_AMOUNT})(?:\s*元)?(?:\s*/\s*(?:一|每)?\s*(?P<du>{_U}))?
    | (?P<ya>{_AMOUNT})\s*元(?:\s*/\s*(?:一|每)?\s*(?P<yu>{_U}))?
    | (?:售價|特價|團購價|團價|優惠價|價格|價錢|單價)\s*[:=]?\s*(?P<ka>{_AMOUNT})(?:\s*/\s*(?P<ku>{_U}))?
    | (?P<sa>{_AMOUNT})\s*/\s*(?P<su>{_U})
    """,
    re.VERBOSE,
)
_OLD_PRICE = re.compile(r"(?:原價|市價|定價|門市價|建議售價|官網價)\s*[:=]?\s*(?:NT)?\$?\s*[\d,]+\s*元?")
_LIMIT = re.compile(
    rf"""
    \(?\s*(?:限量|限|僅|只有|剩|數量)\s*[:=]?\s*(?P<n>\d+|{CN_NUMERAL})\s*(?P<u>{_U})?\s*\)?
    """,
    re.VERBOSE,
)
_SPEC = re.compile(
    rf"""\(?\s*(?P<spec>\d+(?:\.\d+)?\s*(?:入|G|KG|克|公克|公斤|斤|ML|CC|L|片|顆|粒|隻|條|尾|個|包)
    (?:\s*[/／]\s*(?P<su>{_U}))?(?:\s*[±~]\s*\d+\s*(?:G|克))?)\s*\)?""",
    re.VERBOSE | re.IGNORECASE,
)
_LABEL = re.compile(
    r"""^\s*(?:
        \(\s*(?P<p>[A-Z]|\d{1,2})\s*\)
      | (?P<l>[A-Z])\s*(?:[.、:)\-]|\s)(?![A-Z])
      | (?P<n>\d{1,2})\s*(?:[.、:)]|\s)(?!\d)
    )\s*""",
    re.VERBOSE | re.IGNORECASE,
)
_BULLET = re.compile(r"^[^\w(#]+")
# Lines that are never items (instructions, payment, totals), even with a label and a price.
_NEVER = re.compile(
    r"例:|例如|範例|舉例|留言|喊單|下單方式|訂購方式|匯款|轉帳|帳號|帳戶|戶名|銀行|郵局|付款|運費|"
    r"截單|收單|截止|結單|合計|總計|小計|總共|滿\s*\d+|未滿|門檻"
)
# Lines that are items only when labeled (A. ...) and priced.
_UNLESS_LABELED = re.compile(
    r"取貨|面交|自取|領取|發放|出貨|到貨|寄出|配送|宅配|免運|地址|電話|注意|備註|說明|大家好|哈囉|時間|地點|"
    r"請於|請在|請大家|售完為止|先搶先贏|統一|優惠碼|LINE|歡迎"
)
_NAME_TRIM = re.compile(r"^[\s\-:|/,、~*·•=]+|[\s\-:|/,、~*·•=+(]+$")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|【\s*】|\[\s*\]")


@dataclass(frozen=True)
class ItemLine:
    """What one line says about an item before codes are assigned."""

    label: str | None
    label_kind: str | None  # "letter" | "number" | None
    name: str
    price: int | None
    limit: int | None
    unit: str | None
    spec: str | None

    def merged_with(self, other: ItemLine) -> ItemLine:
        """Take price, limit and unit from a continuation line."""
        return replace(
            self,
            price=self.price if self.price is not None else other.price,
            limit=self.limit if self.limit is not None else other.limit,
            unit=self.unit or other.unit,
            spec=self.spec or other.spec,
        )


def _amount(text: str) -> int:
    """Read an amount written with thousands separators."""
    return int(text.replace(",", ""))


def read_item_line(folded: str, original: str) -> ItemLine | None:
    """Read a line (folded to half-width Traditional, plus the original) as an item, or None."""
    if _NEVER.search(folded):
        return None
    # Work on the folded form for patterns; cut names from the half-width original when aligned.
    source = fold_width(original)
    if len(source) != len(folded):
        source = folded
    upper = folded.upper()
    bullet = _BULLET.match(upper)
    start = bullet.end() if bullet else 0
    label, kind = None, None
    found = _LABEL.match(upper, start)
    if found is not None:
        raw = found.group("p") or found.group("l") or found.group("n")
        label = raw.upper()
        kind = "number" if raw.isdigit() else "letter"
        start = found.end()
    body = upper[start:]
    spans: list[tuple[int, int]] = []
    price, unit = _price(body, spans)
    limit, limit_unit = _limit(body, spans)
    if price is None and label is None and limit is None:
        return None
    if _UNLESS_LABELED.search(folded) and (label is None or price is None):
        return None
    spec_span, spec_unit = _spec(body, spans)
    spec = source[start:][spec_span[0] : spec_span[1]].replace(" ", "") if spec_span else None
    name = _name(source[start:], spans)
    if not name and price is None and limit is None:
        return None
    if name and price is None and label is None:
        return None  # a bare limit with words around it is prose, not an item
    return ItemLine(label, kind, name, price, limit, unit or limit_unit or spec_unit, spec)


def _price(body: str, spans: list[tuple[int, int]]) -> tuple[int | None, str | None]:
    """Find the selling price (not a crossed-out 原價) and its unit."""
    for old in _OLD_PRICE.finditer(body):
        spans.append(old.span())
    chosen = None
    for match in _PRICE.finditer(body):
        if any(s <= match.start() < e for s, e in spans):
            continue
        spans.append(match.span())
        if chosen is None or body[max(0, match.start() - 4) : match.start()].strip().endswith(("特價", "團購價")):
            chosen = match
    if chosen is None:
        return None, None
    amount = next(chosen.group(g) for g in ("pa", "da", "ya", "ka", "sa") if chosen.group(g))
    unit = next((chosen.group(g) for g in ("pu", "du", "yu", "ku", "su") if chosen.group(g)), None)
    return _amount(amount), unit


def _limit(body: str, spans: list[tuple[int, int]]) -> tuple[int | None, str | None]:
    """Find a stock limit (限量30包, (限量25), 限15盒), not a per-person 限購."""
    for match in _LIMIT.finditer(body):
        if body[match.start() : match.end()].lstrip("( ").startswith(("限購", "限時")):
            continue
        word = body[match.start() : match.start("n")]
        if "限" not in word and match.group("u") is None:
            continue  # "剩 3" without a unit is too vague
        number = cn_to_int(match.group("n"))
        if number is None:
            continue
        spans.append(match.span())
        return number, match.group("u")
    return None, None


def _spec(body: str, spans: list[tuple[int, int]]) -> tuple[tuple[int, int] | None, str | None]:
    """Find a pack size such as 50顆/包, 10入 or 500g; return where it is and its unit."""
    for match in _SPEC.finditer(body):
        if any(s <= match.start() < e for s, e in spans):
            continue
        spans.append(match.span())
        return match.span("spec"), match.group("su")
    return None, None


def _name(source: str, spans: list[tuple[int, int]]) -> str:
    """Cut the matched price, limit and spec parts out of the line; what remains is the name."""
    keep = [True] * len(source)
    for begin, end in spans:
        for index in range(begin, min(end, len(source))):
            keep[index] = False
    pieces = "".join(ch if ok else "\x00" for ch, ok in zip(source, keep, strict=True)).split("\x00")
    name = max((piece for piece in pieces), key=lambda piece: len(_NAME_TRIM.sub("", piece)), default="")
    name = _EMPTY_BRACKETS.sub("", name)
    name = re.sub(r"\s+", " ", _NAME_TRIM.sub("", name)).strip()
    return _NAME_TRIM.sub("", re.sub(r"[\U0001F000-\U0001FAFF\u2600-\u27BF]+", "", name)).strip()
