"""Read one announcement line as an item: label, name, price, stock limit, unit, pack size."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from parsers.announcement_qualifiers import find_inline_variants, find_minimum, find_per_member
from parsers.comment_lexer import UNITS
from parsers.text import CN_NUMERAL, cn_to_int, fold_width
from parsers.tiers import PACK, Tier, buy_get_tiers, find_tiers

_U = f"[{UNITS}雙]"
_AMOUNT = r"\d{1,3}(?:,\d{3})+|\d+"

_PRICE = re.compile(
    rf"""
    (?P<per>[一每單])\s*(?P<pu>{_U})\s*(?:只要|特價|售價)?\s*(?:NT)?\$?\s*(?P<pa>{_AMOUNT})(?!\d|,\d|\s*(?:{_U}|入))\s*元?
    | (?:單買\s*|單價\s*)?(?:NT\s*\$?|\$)\s*(?P<da>{_AMOUNT})(?:\s*元)?(?:\s*/\s*(?:一|每)?\s*(?P<du>{_U}))?
    | (?P<ya>{_AMOUNT})\s*元(?:\s*/\s*(?:一|每)?\s*(?P<yu>{_U}))?
    | (?:售價|特價|團購價|團價|優惠價|價格|價錢|單價)\s*[:=]?\s*(?:NT)?\$?\s*(?P<ka>{_AMOUNT})(?:\s*/\s*(?P<ku>{_U}))?
    | (?P<sa>{_AMOUNT})\s*/\s*(?P<su>{_U})
    """,
    re.VERBOSE,
)
_NO_PRICE = re.compile(r"時價|價格另洽|另洽|私訊報價|私訊詢價|請私訊")
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
      | (?P<n>\d{1,2})\s*(?:[.、:)號]|\s)(?!\d)
    )\s*""",
    re.VERBOSE | re.IGNORECASE,
)
_BULLET = re.compile(r"^[^\w(#$]+")
# Lines that are never items (instructions, payment, totals), even with a label and a price.
_NEVER = re.compile(
    r"例:|例如|範例|舉例|留言|喊單|下單方式|訂購方式|匯款|轉帳|帳號|帳戶|戶名|銀行|郵局|付款|運費|"
    r"截單|收單|截止|結單|合計|總計|小計|總共|滿\s*\d+|未滿|門檻|(?<!免)費|郵寄|郵資|便利箱|店到店|超商|批價|關稅|包材"
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
    full_name: str = ""  # the name with its pack size kept, for telling apart 5斤裝 and 10斤裝
    variants: tuple[str, ...] = ()
    tiers: tuple[Tier, ...] = ()
    per_member_limit: int | None = None
    minimum: int | None = None
    variant_limits: tuple[tuple[str, int], ...] = ()  # 原味/辣味 … 辣味限量3: the limit is the variant's

    def merged_with(self, other: ItemLine) -> ItemLine:
        """Take price, limit, unit and the rest from a continuation line."""
        return replace(
            self,
            price=self.price if self.price is not None else other.price,
            limit=self.limit if self.limit is not None else other.limit,
            unit=self.unit or other.unit,
            spec=self.spec or other.spec,
            variants=self.variants or other.variants,
            tiers=self.tiers or other.tiers,
            per_member_limit=self.per_member_limit if self.per_member_limit is not None else other.per_member_limit,
            minimum=self.minimum if self.minimum is not None else other.minimum,
            variant_limits=self.variant_limits or other.variant_limits,
        )


def _amount(text: str) -> int:
    """Read an amount written with thousands separators."""
    return int(text.replace(",", ""))


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace the given spans with spaces, keeping every other index in place."""
    chars = list(text)
    for begin, end in spans:
        for index in range(max(begin, 0), min(end, len(chars))):
            chars[index] = " "
    return "".join(chars)


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Tell whether span overlaps any of spans."""
    return any(span[0] < e and s < span[1] for s, e in spans)


def read_item_line(folded: str, original: str) -> ItemLine | None:
    """Read a line (folded to half-width Traditional, plus the original) as an item, or None."""
    # Work on the folded form for patterns; cut names from the half-width original when aligned.
    source = fold_width(original)
    if len(source) != len(folded):
        source = folded
    upper = folded.upper()
    per_member, per_span = find_per_member(upper)
    minimum, minimum_span = find_minimum(upper)
    masks = [span for span in (per_span, minimum_span) if span is not None]
    masked = _blank(upper, masks)
    if _NEVER.search(masked):
        return None
    bullet = _BULLET.match(masked)
    start = bullet.end() if bullet else 0
    label, kind = None, None
    found = _LABEL.match(masked, start)
    if found is not None:
        raw = found.group("p") or found.group("l") or found.group("n")
        label = raw.upper()
        kind = "number" if raw.isdigit() else "letter"
        start = found.end()
    body = masked[start:]
    spans = [(b - start, e - start) for b, e in masks if b >= start]
    limit, limit_unit = _limit(body, spans)
    limit_span = spans[-1] if limit is not None else None
    pack = next((m for m in PACK.finditer(body) if not _overlaps(m.span(), spans)), None)
    bundles = [t for t in find_tiers(body) if not _overlaps(t.span, spans) and not (pack and _overlaps(t.span, [pack.span()]))]
    hidden = [t.span for t in bundles] + ([pack.span()] if pack else [])
    price, unit = _price(_blank(body, hidden), spans)
    spans.extend(hidden)
    tiers: list[Tier] = []
    spec_text: str | None = None
    if pack is not None:
        pack_amount = _amount(pack.group("pa")) if pack.group("pa") else None
        if price is not None and pack_amount is not None:
            tiers.append(Tier(int(pack.group("pq")), pack_amount))  # 一條80元，一組2條150元
        else:
            price = price if price is not None else pack_amount
            spec_text = source[start:][pack.start("pack") : pack.end("pack")].replace(" ", "")
            unit = unit or pack.group("pu")
    if bundles:
        if price is None:
            first = bundles.pop(0)
            price = first.price
            spec_text = spec_text or source[start:][first.span[0] : first.span[1]].split("$")[0].strip()
        tiers.extend(dict.fromkeys(Tier(t.qty, t.price) for t in bundles))
        unit = unit or next((t.unit for t in bundles if t.unit != "入"), None)
    if price is not None:
        extra, extra_spans = buy_get_tiers(body, price)
        tiers.extend(extra)
        spans.extend(extra_spans)
    if price is None and label is None and limit is None and spec_text is None:
        return None
    spans.extend(m.span() for m in _NO_PRICE.finditer(body))
    if _UNLESS_LABELED.search(masked) and (label is None or price is None):
        return None
    variants, variant_span = find_inline_variants(_blank(body, spans))
    if variant_span is not None:
        spans.append(variant_span)
        variants = tuple(source[start:][variant_span[0] : variant_span[1]].replace(" ", "").replace("／", "/")
                         .replace("/", "、").split("、")) if len(source) == len(folded) else variants
    variant_limits: tuple[tuple[str, int], ...] = ()
    if limit is not None and limit_span is not None and variants:
        before = body[: limit_span[0]].rstrip()
        owner = next((v for v in variants if before.endswith(fold_width(v).upper())), None)
        if owner is not None:  # 辣味限量3: that flavour's stock, not the item's
            variant_limits, limit = ((owner, limit),), None
            spans.append((len(before) - len(owner), limit_span[1]))
    spec_span, spec_unit = (None, None) if spec_text else _spec(body, spans)
    spec_whole = spans[-1] if spec_span else None
    spec = spec_text or (source[start:][spec_span[0] : spec_span[1]].replace(" ", "") if spec_span else None)
    name = _name(source[start:], spans)
    if not name and variant_span is not None:
        spans.remove(variant_span)
        variants = ()
        name = _name(source[start:], spans)
    if not name and price is None and limit is None and spec is None:
        return None
    if name and price is None and label is None:
        return None  # a bare limit with words around it is prose, not an item
    full_name = _name(source[start:], [span for span in spans if span != spec_whole]) if spec_whole else name
    return ItemLine(
        label, kind, name, price, limit, unit or limit_unit or spec_unit, spec,
        full_name=full_name, variants=variants, tiers=tuple(tiers), per_member_limit=per_member, minimum=minimum,
        variant_limits=variant_limits,
    )


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
        begin, end = match.span()
        begin += len(body[begin:end]) - len(body[begin:end].lstrip())  # the blank before 限量 is no part of it
        spans.append((begin, end))
        return number, match.group("u")
    return None, None


def _spec(body: str, spans: list[tuple[int, int]]) -> tuple[tuple[int, int] | None, str | None]:
    """Find a pack size such as 50顆/包, 10入 or 500g; return where it is and its unit."""
    for match in _SPEC.finditer(body):
        if any(s <= match.start("spec") < e for s, e in spans):
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
    name = _NAME_TRIM.sub("", re.sub(r"[\U0001F000-\U0001FAFF\u2600-\u27BF]+", "", name)).strip()
    return name if any(ch.isalnum() for ch in name) else ""
