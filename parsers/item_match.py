"""Resolve what a member typed (a code, a number, a partial or misspelt name) to item codes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

from parsers.text import match_key


class ItemLike(Protocol):
    """Anything with an item code and a name (AnnouncedItem, a database row, ...).

    An item may also carry ``variants`` (a tuple of choice names: 原味, 辣味, 紅色, S); it is read with
    ``getattr(item, "variants", ())``, so rows without the attribute are items without variants.
    """

    @property
    def code(self) -> str:
        """Return the item code (A, B, 1, ...)."""

    @property
    def name(self) -> str:
        """Return the item name as the host wrote it."""


@dataclass(frozen=True)
class Match:
    """Outcome of resolving one reference: an item, several candidates, nothing, or only filler."""

    kind: Literal["item", "ambiguous", "unknown", "filler", "variant"]
    codes: tuple[str, ...] = ()
    variant: str | None = None  # kind "item": the chosen variant's name; kind "variant": the key typed, offered by codes


FILLER = Match("filler")
UNKNOWN = Match("unknown")

# Words around an order that carry no item: politeness, "me too", particles, forms of address.
_FILLER_WORDS = """
我 我也 也 我們 同 同上 幫我 幫 把 將 麻煩 麻煩了 謝謝 謝謝你 謝謝妳 謝啦 謝囉
感謝 感恩 謝 拜託 唷 喔 哦 囉 啦 呀 吧 哈 哈哈 嗯 了 的 好 好的 好喔
一下 先 再 還 還是 團主 老闆 老闆娘 闆娘 請 給我 給 你 妳 您 大大 姐 姊
哥 抱歉 不好意思 對不起 跟 跟團 跟上 加購 追加 買 訂 我家 家裡 一樣 一起
喊 喊單 單 下單 收到 讚 棒 呦 齁 耶 欸 哇 嗨 早安 午安 晚安 想吃 好想吃
好吃 好好吃 想要 需要 來 來個 再來 還要 這個 那個 ok okay thx
thanks tks pls plz lol haha ya yes 囉唆 這次 這團
也要 呢 吼 唷唷 嘿 嘿嘿 感謝團主 辛苦了 辛苦 沒問題 份量 數量 報名 我報名 報名一位 樓上 上面
"""
_FILLERS = sorted(_FILLER_WORDS.split(), key=len, reverse=True)
_FILLER_ALT = "|".join(re.escape(word.upper()) for word in _FILLERS)
_LEAD = re.compile(f"^(?:{_FILLER_ALT})+")
_TRAIL = re.compile(f"(?:{_FILLER_ALT})+$")
_VARIANT_SUFFIX = re.compile(r"(?:口味|風味|味|顏色|色|款|尺寸|號|碼)$")
_SPEC = re.compile(r"\(.*?\)|\[.*?\]|\d+(?:入|G|KG|克|公克|公斤|ML|CC|片|顆|粒)(?:/\w)?")


def strip_fillers(span: str) -> str:
    """Remove filler words from both ends of a span."""
    return _TRAIL.sub("", _LEAD.sub("", span))


def strip_leading_fillers(span: str) -> str:
    """Remove filler words from the start of a span."""
    return _LEAD.sub("", span)


def strip_trailing_fillers(span: str) -> str:
    """Remove filler words from the end of a span."""
    return _TRAIL.sub("", span)


def _longest_common_run(a: str, b: str) -> int:
    """Return the length of the longest common substring of a and b."""
    for size in range(min(len(a), len(b)), 0, -1):
        for start in range(len(a) - size + 1):
            if a[start : start + size] in b:
                return size
    return 0


class ItemMatcher:
    """Map references to the item codes of one campaign."""

    def __init__(self, items: Sequence[ItemLike]) -> None:
        """Index the campaign's codes, positions and name keys."""
        self.codes: tuple[str, ...] = tuple(item.code.upper() for item in items)
        self._numeric = all(code.isdigit() for code in self.codes)
        self.keys: tuple[str, ...] = tuple(match_key(item.name) for item in items)
        cores = []
        for key in self.keys:
            core = match_key(_SPEC.sub("", key)) or key
            cores.append(core)
        self.cores: tuple[str, ...] = tuple(cores)
        self._exact: dict[str, str] = {}
        for code, key, core in zip(self.codes, self.keys, self.cores, strict=True):
            self._exact.setdefault(key, code)
            self._exact.setdefault(core, code)
        self._cache: dict[str, Match] = {}
        self.variants: dict[str, tuple[str, ...]] = {}
        self.variant_keys: dict[str, list[tuple[str, str]]] = {}  # key or short form -> [(code, variant)]
        for code, item in zip(self.codes, items, strict=True):
            names = tuple(getattr(item, "variants", ()) or ())
            self.variants[code] = names
            for variant in names:
                key = match_key(variant)
                short = _VARIANT_SUFFIX.sub("", key)
                for form in {key, short} - {""}:
                    self.variant_keys.setdefault(form, []).append((code, variant))

    def variant_words(self) -> list[str]:
        """Return the variant keys and short forms worth giving the lexer (CJK ones; letters come as codes)."""
        return [form for form in self.variant_keys if not form.isascii()]

    def by_variant(self, text: str) -> Match | None:
        """Resolve a variant name or its short form (辣 for 辣味, 紅 for 紅色, S) to the items offering it."""
        key = match_key(text)
        found = self.variant_keys.get(key)
        if not found:
            return None
        return Match("variant", tuple(dict.fromkeys(code for code, _ in found)), key)

    def variant_for(self, code: str, key: str) -> str | None:
        """Return the name of this item's variant that a variant key names (None if the item has none such)."""
        for form_code, name in self.variant_keys.get(key, ()):
            if form_code == code:
                return name
        return None

    def by_code(self, code: str) -> Match:
        """Resolve a letter code (A, B, ...)."""
        if code in self.codes:
            return Match("item", (code,))
        return UNKNOWN

    def by_number(self, number: int) -> Match:
        """Resolve a number reference: a numeric code, else the n-th item (1-based)."""
        text = str(number)
        if text in self.codes:
            return Match("item", (text,))
        if not self._numeric and 1 <= number <= len(self.codes):
            return Match("item", (self.codes[number - 1],))
        return UNKNOWN

    def by_name(self, span: str) -> Match:
        """Resolve a run of text that may name an item, fully, partly or with typos."""
        found = self._cache.get(span)
        if found is None:
            found = self._resolve(span)
            if len(self._cache) < 10_000:
                self._cache[span] = found
        return found

    def _resolve(self, span: str) -> Match:
        """Resolve a span without the cache."""
        key = match_key(span)
        if key in self._exact:
            return Match("item", (self._exact[key],))
        key = strip_fillers(key)
        if not key:
            return FILLER
        if key in self._exact:
            return Match("item", (self._exact[key],))
        return self._by_coverage(key) or self._by_common_run(key) or self._by_fuzzy(key) or UNKNOWN

    def _by_coverage(self, key: str) -> Match | None:
        """Pick the items containing most of what was typed, in order (水餃 fits every 水餃)."""
        needed = 1.0 if len(key) <= 2 else 0.66
        scored: list[tuple[float, bool, str]] = []
        for code, name in zip(self.codes, self.cores, strict=True):
            coverage = LCSseq.similarity(key, name) / len(key)
            if coverage >= needed:
                scored.append((coverage, key in name, code))
        if not scored:
            return None
        best = max(scored)[:2]
        top = tuple(code for coverage, contiguous, code in scored if (coverage, contiguous) == best)
        return Match("item", top) if len(top) == 1 else Match("ambiguous", top)

    def _by_common_run(self, key: str) -> Match | None:
        """Find an item whose name shares the longest run (two characters or more) with a long span."""
        if len(key) < 5:
            return None
        runs = [_longest_common_run(core, key) for core in self.cores]
        best = max(runs, default=0)
        if best < 2 or runs.count(best) > 1:
            return None
        return Match("item", (self.codes[runs.index(best)],))

    def _by_fuzzy(self, key: str) -> Match | None:
        """Fall back to a fuzzy match for typos in short spans."""
        if len(key) < 3:
            return None
        found = process.extractOne(key, self.cores, scorer=fuzz.ratio, processor=None, score_cutoff=70)
        if found is None:
            return None
        return Match("item", (self.codes[found[2]],))
