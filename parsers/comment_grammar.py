"""The comment grammar: walk a comment's tokens into pairs of item reference, quantity, variant and person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from parsers.comment_lexer import Token
from parsers.comment_people import clean_name, person_of
from parsers.item_match import FILLER, ItemMatcher, Match, strip_fillers
from parsers.text import match_key

Action = Literal["add", "set", "remove", "cancel", "same"]
_LONG_SPAN = 6  # unresolved text longer than this is chit-chat, not an unknown item name
_ITEM_KINDS = ("code", "ref", "name", "span", "word")


@dataclass(slots=True)
class Pair:
    """An intent under construction, with how its item reference resolved, its line and its person."""

    action: Action
    match: Match | None  # None: no item given
    qty: int | None
    line: int = 0
    who: str | None = None


@dataclass(slots=True)
class State:
    """Grammar state while walking the tokens of one comment."""

    pairs: list[Pair] = field(default_factory=list)
    items: list[Match] = field(default_factory=list)
    qty: tuple[str, int] | None = None
    mode: Action | None = None  # persistent: "改 A2 B3", "取消 A B"
    once: Action | None = None  # for the next pair only: "A改3", "A取消"
    last: str = ""
    want: bool = False
    each: bool = False
    junk: bool = False
    cancel_done: bool = False
    listing: bool = False  # under a 下單 header: items named without a quantity are one each
    bare_refs: bool = True  # a line of item numbers alone orders one of each
    line: int = 0
    who_from: int = 0  # pairs before this index have their person settled
    line_who: str | None = None  # a name written before this line's orders
    block_who: str | None = None  # a name on a line of its own, for the lines below it
    expect_name: bool = False  # after 代訂 with nothing else: the next span is the name
    refs_only: bool = True  # this line so far holds only item numbers (#3, 3號, 3.) and fillers
    last_item: str | None = None  # the item an unattached variant refers back to: "A 原味2 辣味1"
    swap_from: list[Match] | None = None  # "把B換成C": B, waiting for C
    behind: list[Pair] = field(default_factory=list)  # orders before a marked name, if nothing follows it
    latin_name: bool = False  # a person named in Latin letters (its case is restored from the comment)


class Walker:
    """Walk the tokens of comments for one campaign's matcher."""

    def __init__(self, matcher: ItemMatcher) -> None:
        """Keep the matcher the references resolve against."""
        self.matcher = matcher
        self.codes = matcher.codes
        self._code_set = set(matcher.codes)
        self._names = set(matcher.keys) | set(matcher.cores)
        self._people: dict[str, tuple[str | None, str, bool, bool]] = {}  # span -> person_of(span), not filler

    def walk(self, tokens: Sequence[Token], *, listing: bool = False, bare_refs: bool = True) -> State:
        """Turn tokens into pairs of item reference and quantity.

        ``listing``: under a 下單 header, items named without a quantity are one each; ``bare_refs``: so are
        lines holding only item numbers (``#3``, ``#2 #4``), unless a question was cut off the comment.
        """
        state = State(listing=listing, bare_refs=bare_refs)
        for index, token in enumerate(tokens):
            kind = token.kind
            if kind == "pos":  # a bare number before an operator: "A 改成 2 +1 B", "2+1"
                kind = "num" if state.last != "cancel" and _expects_qty(state) else "ref"
            elif kind == "dot":  # "3. 2盒": item 3, unless it follows an item: "A 2."
                kind = "num" if _expects_qty(state) else "ref"
            elif kind == "num" and not _expects_qty(state) and state.last != "cancel" and _count_follows(tokens, index):
                kind = "ref"  # "3 2盒", numbered posts
            if kind == "sep":
                self._on_sep(state, token)
                continue
            if kind != "ref" and kind not in ("span", "name", "word") and kind != "sep":
                state.refs_only = False
            if kind in _ITEM_KINDS:
                self._on_reference(state, token, kind)
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
            elif kind == "swap":
                if state.items:
                    state.swap_from, state.items = state.items, []
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
            state.last = "item" if kind in _ITEM_KINDS else kind
        self._end_line(state)
        self._finish(state)
        return state

    def _on_sep(self, state: State, token: Token) -> None:
        """A separator: it ends a cancel list ("取消A B+1") and, at a line break, the line."""
        if state.mode == "cancel" and state.items:  # "取消A B+1": A is cancelled, B is added
            self._on_cancel(state)
            state.cancel_done, state.mode = True, None
        if token.text:
            self._end_line(state)

    def _on_reference(self, state: State, token: Token, kind: str) -> None:
        """Resolve a reference token: items, a variant, a person, filler or junk."""
        if kind == "span":
            if self._on_span(state, token.text):
                return
        elif kind != "ref":
            state.refs_only = False
        for match in self._resolve(token, kind):
            if match is FILLER:
                continue
            if match.kind == "unknown" and kind == "word":
                name, _, _ = person_of(token.text, self.is_item)
                if name:
                    state.latin_name = True
                    self._on_person(state, name)
                    continue
            if match.kind == "unknown" and kind in ("span", "word") and len(token.text) > _LONG_SPAN:
                state.junk = True
                continue
            if match.kind == "variant":
                self._on_variant(state, match)
            else:
                self._on_item(state, match)

    def _on_span(self, state: State, text: str) -> bool:
        """Handle a CJK span that holds a person (with the item after it); return True when fully handled."""
        if state.expect_name:
            state.expect_name = False
            named = clean_name(text)
            if named and not self.is_item(text):
                self._on_person(state, named)
                return True
        found = self._people.get(text)
        if found is None:
            found = (*person_of(text, self.is_item), bool(strip_fillers(text)))
            if len(self._people) < 10_000:
                self._people[text] = found
        name, rest, marked, worded = found
        if name == "":
            state.expect_name = True
            return True
        if name is None and not marked:
            if worded:
                state.refs_only = False
            return False
        if name is not None:
            self._on_person(state, name, marked=marked)
        if rest:
            state.refs_only = False
            match = self.matcher.by_name(rest)
            if match is not FILLER:
                self._on_item(state, match) if match.kind != "variant" else self._on_variant(state, match)
        return True

    def _resolve(self, token: Token, kind: str) -> list[Match]:
        """Resolve an item-reference token to one or more matches."""
        if kind == "code":
            found = self.matcher.by_code(token.text)
            return [found if found.kind == "item" else self.matcher.by_variant(token.text) or found]
        if kind == "ref":
            return [self.matcher.by_number(token.number)]
        if kind == "word":
            letters = token.text
            if len(set(letters)) == len(letters) and set(letters) <= self._code_set:  # "ＢＣ各+2"
                return [Match("item", (letter,)) for letter in letters]
            return [self.matcher.by_variant(letters) or self.matcher.by_name(letters)]
        if kind == "name":
            key = match_key(token.text)
            variant = None if key in self._names else self.matcher.by_variant(key)
            if variant is not None:
                return [variant]
        return [self.matcher.by_name(token.text)]

    def is_item(self, text: str) -> bool:
        """Whether text (fillers aside) names an item or a variant outright: used to split names from items."""
        key = strip_fillers(match_key(text))
        if not key:
            return False
        if key in self.matcher.keys or self.matcher.by_variant(key) is not None:
            return True
        if len(key) >= 2 and any(key in core for core in self.matcher.cores):
            return True
        return len(set(key)) == len(key) and set(key) <= self._code_set

    def _on_person(self, state: State, name: str, *, marked: bool = False) -> None:
        """A name: it closes this line's orders before it ("A+2 小明") or opens those after it ("小明 A+2").

        A marked name (幫小明) opens the orders after it ("A+1 幫小明 B+1": B is 小明's); only with none after it on
        its line does it close those before it ("A+1 幫小明").
        """
        open_pairs = [pair for pair in state.pairs[state.who_from:] if pair.who in (None, state.block_who)]
        if marked and open_pairs:
            state.behind = open_pairs
            state.who_from = len(state.pairs)
            state.line_who = name
        elif open_pairs and state.line_who is None:
            for pair in open_pairs:
                pair.who = name
            state.who_from = len(state.pairs)
        else:
            state.line_who = name

    def _on_variant(self, state: State, match: Match) -> None:
        """A variant: it completes the item before it ("A辣"), the last item ("A 原味2 辣味1") or stands alone."""
        assert match.variant is not None
        for index in range(len(state.items) - 1, -1, -1):
            pending = state.items[index]
            if pending.kind == "item" and pending.variant is None and pending.codes[0] in match.codes:
                state.items[index] = self._with_variant(pending.codes[0], match.variant)
                return
        if not state.items and state.qty is None and state.last_item in match.codes:
            assert state.last_item is not None
            state.items.append(self._with_variant(state.last_item, match.variant))
            return
        alone = self._with_variant(match.codes[0], match.variant) if len(match.codes) == 1 else match
        self._on_item(state, alone)

    def _with_variant(self, code: str, key: str) -> Match:
        """Return the match of one item with the variant a key names."""
        return Match("item", (code,), self.matcher.variant_for(code, key))

    def _on_item(self, state: State, match: Match) -> None:
        """Handle an item reference: complete a waiting quantity or wait for one."""
        if state.items and match.kind == "item":  # "辣味水餃": the variant waited for its item
            pending = state.items[-1]
            if pending.kind == "variant" and match.codes[0] in pending.codes and pending.variant is not None:
                state.items[-1] = self._with_variant(match.codes[0], pending.variant)
                return
            if pending.kind == "item" and pending.codes == match.codes and match.variant is None:
                return
        if state.once == "set" and state.items and state.qty is None and state.last == "set":  # "A改成B"
            state.swap_from, state.items, state.once = state.items, [], None
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
        if not any(existing.codes == match.codes and existing.variant == match.variant and match.kind == "item"
                   for existing in state.items):
            state.items.append(match)

    def _on_qty(self, state: State, op: str, number: int) -> None:
        """Handle a quantity: complete waiting items or wait for an item."""
        if state.items:
            self._emit(state, state.items, op, number)
            state.items = []
            state.each = False
            return
        if state.qty is not None:
            self._emit(state, [], *state.qty)
        state.qty = (op, number)

    def _on_cancel(self, state: State) -> None:
        """Handle a cancel word before or after its items."""
        if state.items:
            for match in state.items:
                self._pair(state, "cancel", match, None)
            state.items = []
        else:
            state.mode = "cancel"

    def _pair(self, state: State, action: Action, match: Match | None, qty: int | None) -> None:
        """Record one pair on the current line, for the person named so far."""
        state.pairs.append(Pair(action, match, qty, state.line, state.line_who or state.block_who))
        if match is not None and match.kind == "item" and self.matcher.variants.get(match.codes[0]):
            state.last_item = match.codes[0]

    def _emit(self, state: State, matches: list[Match], op: str, number: int | None) -> None:
        """Record one pair per item (or one without an item) with the current mode."""
        if state.swap_from is not None:
            for match in state.swap_from:
                self._pair(state, "cancel", match, None)
            state.swap_from = None
        action: Action = state.once or state.mode or ("remove" if op == "-" else "add")
        if action == "cancel":  # "取消A+1" takes back that one
            action = "remove"
        state.once = None
        if action in ("add", "remove") and number == 0:
            return
        targets: list[Match | None] = list(matches) if matches else [None]
        for target in targets:
            self._pair(state, action, target, number)

    def _end_line(self, state: State) -> None:
        """Close a line: items named alone (#3, a list under 下單, a swap) are ordered, names carry down."""
        if state.qty is not None and not state.items and state.line_who is not None:  # "小明 +1\n小華 +2"
            self._emit(state, [], *state.qty)
            state.qty = None
        if state.items and state.qty is None and state.mode != "cancel" and state.once != "cancel":
            if state.swap_from is not None:
                self._emit(state, state.items, "+", None)
                state.items = []
            elif state.listing or (state.bare_refs and state.refs_only and not state.junk):
                self._emit(state, state.items, "+", 1)
                state.items = []
        if state.line_who is not None and len(state.pairs) == state.who_from and not state.items:
            if state.behind:  # "A+1 幫小明": the name closes the orders before it
                for pair in state.behind:
                    pair.who = state.line_who
            else:
                state.block_who = state.line_who
        state.behind = []
        state.line_who = None
        state.who_from = len(state.pairs)
        state.refs_only = True
        state.line += 1

    def _finish(self, state: State) -> None:
        """Flush what is still waiting at the end of the comment."""
        if state.qty is not None:
            self._emit(state, state.items, *state.qty)
            state.items = []
        if state.mode == "cancel" or state.once == "cancel" or (state.cancel_done and not state.qty):
            for match in state.items:
                self._pair(state, "cancel", match, None)
            if not state.pairs:
                self._pair(state, "cancel", None, None)
        elif state.want and not state.pairs:
            for match in state.items:
                self._pair(state, "add", match, 1)


def _expects_qty(state: State) -> bool:
    """Whether a plain number here is a quantity: right after items, a set word or "各"."""
    return state.last in ("item", "set", "each") and (bool(state.items) or state.last == "set")


def _count_follows(tokens: Sequence[Token], index: int) -> bool:
    """Whether the next token after separators is a count with a unit ("3 2盒": 3 is an item)."""
    for token in tokens[index + 1 :]:
        if token.kind == "sep":
            if token.text:
                return False
            continue
        return token.kind == "qty" and token.op == "n"
    return False
