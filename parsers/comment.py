"""Read a member's group comment as order intents for the campaign's items."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from parsers.comment_lexer import NOT_QUANTITY, Token, compile_lexer, tokenize
from parsers.item_match import FILLER, ItemLike, ItemMatcher, Match
from parsers.text import match_key, normalize

__all__ = ["LARGE_QTY", "CommentParser", "CommentResult", "Intent", "ItemLike", "parse_comment"]

Action = Literal["add", "set", "remove", "cancel"]
LARGE_QTY = 50  # a quantity above this is confirmed with the member before it is recorded
_LONG_SPAN = 6  # unresolved text longer than this is chit-chat, not an unknown item name


@dataclass(frozen=True)
class Intent:
    """One change a member asks for: add/set/remove qty of an item, or cancel."""

    action: Action
    item: str | None
    qty: int | None


@dataclass(frozen=True)
class CommentResult:
    """What to do with a comment: record intents, ask the member, or stay silent."""

    status: Literal["order", "ask", "none"]
    intents: tuple[Intent, ...] = ()
    reason: str | None = None
    candidates: tuple[str, ...] = ()


NONE = CommentResult("none")

# Anything that could start an order; comments without one are chit-chat.
_TRIGGER = re.compile(r"[\d+\-*×X零一二兩三四五六七八九十]|取消|不要|不用|不訂|退訂|刪|移除|撤單|改|要|訂|購")
# Payment reports and similar messages that mention numbers but are never orders.
_NOT_ORDER = re.compile(r"匯款|匯了|已匯|轉帳|轉了|已轉|已付|付款了|後五碼|末五碼|後5碼|末5碼|帳號末|帳號後")
# Questions and opinions: "請問..." starts one; "嗎", "?" end one.
_QUESTION_START = re.compile(r"請問|想問|問一下|問問|覺得|認為|認同|同意|贊成|附議|說得對|說的對|聽說")
_QUESTION_END = re.compile(
    r"\?|嗎|呢|怎麼|怎樣|如何|多少|什麼|甚麼|何時|哪裡|哪裏|哪個|可否|能否|有沒有|是不是|會不會|可不可以|能不能|還有貨|有貨"
)
_CLAUSE_BREAK = re.compile(r"[\s,、。;!~]")


@dataclass
class _Pair:
    """An intent under construction, with how its item reference resolved."""

    action: Action
    match: Match | None  # None: no item given
    qty: int | None


@dataclass
class _State:
    """Grammar state while walking the tokens of one comment."""

    pairs: list[_Pair] = field(default_factory=list)
    items: list[Match] = field(default_factory=list)
    qty: tuple[str, int] | None = None
    mode: Action | None = None  # persistent: "改 A2 B3", "取消 A B"
    once: Action | None = None  # for the next pair only: "A改3", "A取消"
    last: str = ""
    want: bool = False
    each: bool = False
    junk: bool = False
    cancel_done: bool = False


class CommentParser:
    """A comment parser compiled for one campaign's items."""

    def __init__(self, items: Sequence[ItemLike]) -> None:
        """Compile the lexer and item matcher for these items."""
        self.matcher = ItemMatcher(items)
        self.codes = self.matcher.codes
        names = [match_key(item.name) for item in items] + list(self.matcher.cores)
        self._lexer = compile_lexer(names)

    def parse(self, text: str) -> CommentResult:
        """Read one comment."""
        if not text or len(text) > 500:
            return NONE
        folded = normalize(text)
        if not _TRIGGER.search(folded) or _NOT_ORDER.search(folded):
            return NONE
        folded = NOT_QUANTITY.sub(" ", folded)
        order_part, questioned = _cut_question(folded)
        if not order_part.strip():
            return NONE
        state = self._walk(tokenize(order_part, self._lexer))
        if questioned and (state.junk or not state.pairs):
            return NONE
        return self._result(state)

    def _walk(self, tokens: list[Token]) -> _State:
        """Turn tokens into pairs of item reference and quantity."""
        state = _State()
        for token in tokens:
            kind = token.kind
            if kind == "pos":  # a bare number before an operator: "A 改成 2 +1 B", "2+1"
                kind = "num" if state.last != "cancel" and _expects_qty(state) else "ref"
            if kind == "sep":
                if state.mode == "cancel" and state.items:  # "取消A B+1": A is cancelled, B is added
                    self._on_cancel(state)
                    state.cancel_done, state.mode = True, None
                continue
            if kind in ("code", "ref", "name", "span", "word"):
                match = self._match(token)
                if match is FILLER:
                    continue
                if match.kind == "unknown" and kind in ("span", "word") and len(token.text) > _LONG_SPAN:
                    state.junk = True
                    continue
                self._on_item(state, match)
            elif kind == "qty":
                self._on_qty(state, token.op, token.number)
            elif kind == "num" and state.last == "cancel":
                self._on_item(state, self.matcher.by_number(token.number))
            elif kind == "num":
                if _expects_qty(state):
                    self._on_qty(state, "n", token.number)
                else:
                    state.junk = True
            elif kind == "set":
                if state.items:
                    state.once = "set"
                else:
                    state.mode = "set"
            elif kind == "cancel":
                self._on_cancel(state)
            elif kind == "each":
                state.each = True
            elif kind == "all":
                state.items = [Match("item", (code,)) for code in self.codes]
            elif kind == "want":
                state.want = True
            elif kind == "junk":
                state.junk = True
            state.last = "item" if kind in ("code", "ref", "name", "span", "word") else kind
        self._finish(state)
        return state

    def _match(self, token: Token) -> Match:
        """Resolve an item-reference token."""
        if token.kind == "code":
            return self.matcher.by_code(token.text)
        if token.kind in ("ref", "pos"):
            return self.matcher.by_number(token.number)
        return self.matcher.by_name(token.text)

    def _on_item(self, state: _State, match: Match) -> None:
        """Handle an item reference: complete a waiting quantity or wait for one."""
        if state.qty is not None and not state.items:
            op, number = state.qty
            state.qty = None
            self._emit(state, [match], op, number)
            return
        if state.qty is not None:  # "+2 A B+1": the first quantity had no item of its own
            op, number = state.qty
            state.qty = None
            self._emit(state, state.items, op, number)
            state.items = []
        if not any(existing.codes == match.codes and match.kind == "item" for existing in state.items):
            state.items.append(match)

    def _on_qty(self, state: _State, op: str, number: int) -> None:
        """Handle a quantity: complete waiting items or wait for an item."""
        if state.items:
            self._emit(state, state.items, op, number)
            state.items = []
            state.each = False
            return
        if state.qty is not None:
            self._emit(state, [], *state.qty)
        state.qty = (op, number)

    def _on_cancel(self, state: _State) -> None:
        """Handle a cancel word before or after its items."""
        if state.items:
            for match in state.items:
                state.pairs.append(_Pair("cancel", match, None))
            state.items = []
        else:
            state.mode = "cancel"

    def _emit(self, state: _State, matches: list[Match], op: str, number: int) -> None:
        """Record one pair per item (or one without an item) with the current mode."""
        action: Action = state.once or state.mode or ("remove" if op == "-" else "add")
        if action == "cancel":  # "取消A+1" takes back that one
            action = "remove"
        state.once = None
        if action in ("add", "remove") and number == 0:
            return
        targets: list[Match | None] = list(matches) if matches else [None]
        for match in targets:
            state.pairs.append(_Pair(action, match, number))

    def _finish(self, state: _State) -> None:
        """Flush what is still waiting at the end of the comment."""
        if state.qty is not None:
            self._emit(state, state.items, *state.qty)
            state.items = []
        if state.mode == "cancel" or state.once == "cancel" or (state.cancel_done and not state.qty):
            for match in state.items:
                state.pairs.append(_Pair("cancel", match, None))
            if not state.pairs:
                state.pairs.append(_Pair("cancel", None, None))
        elif state.want and not state.pairs:
            for match in state.items:
                state.pairs.append(_Pair("add", match, 1))

    def _result(self, state: _State) -> CommentResult:
        """Turn resolved pairs into the public result."""
        if not state.pairs:
            return NONE
        if state.junk and all(pair.match is None or pair.match.kind != "item" for pair in state.pairs):
            return NONE
        intents: list[Intent] = []
        reason: str | None = None
        candidates: tuple[str, ...] = ()
        for pair in state.pairs:
            item, problem, offered = self._settle(pair)
            intents.append(Intent(pair.action, item, pair.qty))
            if problem and reason is None:
                reason, candidates = problem, offered
        if reason is None and any(intent.qty is not None and intent.qty > LARGE_QTY for intent in intents):
            reason = "large_qty"
        if reason is None:
            return CommentResult("order", tuple(intents))
        return CommentResult("ask", tuple(intents), reason, candidates)

    def _settle(self, pair: _Pair) -> tuple[str | None, str | None, tuple[str, ...]]:
        """Return the item code, the problem (if any) and the codes to offer for one pair."""
        match = pair.match
        if match is None:
            if pair.action == "cancel":
                return None, None, ()
            if len(self.codes) == 1:
                return self.codes[0], None, ()
            return None, "which_item", self.codes
        if match.kind == "item":
            return match.codes[0], None, ()
        if match.kind == "ambiguous":
            return None, "ambiguous_item", match.codes
        return None, "unknown_item", self.codes


def _expects_qty(state: _State) -> bool:
    """Whether a plain number here is a quantity: right after items, a set word or "各"."""
    return state.last in ("item", "set", "each") and (bool(state.items) or state.last == "set")


def _cut_question(text: str) -> tuple[str, bool]:
    """Return the part of text before any question or opinion, and whether one was cut off."""
    start = _QUESTION_START.search(text)
    end = _QUESTION_END.search(text)
    if start is None and end is None:
        return text, False
    cut = len(text)
    if start is not None:
        cut = start.start()
    if end is not None and end.start() < cut:
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, end.start())]
        cut = breaks[-1] if breaks else 0
    return text[:cut], True


@lru_cache(maxsize=256)
def _compiled(items: tuple[tuple[str, str], ...]) -> CommentParser:
    """Return the cached parser for one campaign's (code, name) pairs."""
    return CommentParser([_Item(code, name) for code, name in items])


@dataclass(frozen=True)
class _Item:
    """A minimal ItemLike used as the cache key's materialised form."""

    code: str
    name: str


def parse_comment(text: str, items: Sequence[ItemLike]) -> CommentResult:
    """Read one comment against a campaign's items, reusing a parser compiled for them."""
    return _compiled(tuple((item.code, item.name) for item in items)).parse(text)
