"""Match deposits to members' transfer claims (後五碼對帳): pure functions over plain values.

The rules, in order, for each deposit (oldest first):

1. Members with an open claim on the deposit's last five digits are the candidates.
2. One candidate: the deposit is theirs, whatever the amount (short and over are outcomes, not refusals).
3. Several candidates (two accounts ending in the same five digits): the one whose claim states the deposit's
   amount wins; failing that, the one whose remaining due equals it; failing that, the one whose name matches
   the payer's name the bank printed (``王*明``); a tie is left to the host (ambiguous).
4. No candidate: members whose remaining due equals the amount are proposed to the host, never applied (the
   payer's name narrows several such members to one); a deposit nobody can be proposed for is unclaimed.
   Interest rows are ignored.

A payer's name only ever breaks a tie between members the digits or the amount already made candidates.

A claim stays open while the money matched to it is below what it states (or, without an amount, while the
member still owes), so two deposits from one account accumulate against one member.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

DecisionKind = Literal["matched", "proposed", "ambiguous", "unclaimed", "ignored"]
ClaimState = Literal["none", "claimed", "not_found"]
PaymentStatus = Literal["unpaid", "claimed", "paid", "short", "over", "claim_not_found"]
_INTEREST = re.compile(r"利息|結息|存息|息轉")
_MASKS = "*○〇●xo"  # after NFKC and lower-casing: ＊ → *, Ｏ/O → o, Ｘ/X → x
MAX_CANDIDATES = 12


@dataclass(frozen=True, slots=True)
class Deposit:
    """A deposit waiting to be matched."""

    key: int
    amount: int
    last5: str | None
    booked_on: date
    memo: str = ""
    payer_name: str | None = None


@dataclass(frozen=True, slots=True)
class OpenClaim:
    """A member's claim that has not yet been fully matched; ``received`` is what is matched to it so far."""

    key: int
    member: int
    last5: str
    amount: int | None
    received: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one deposit."""

    deposit: int
    kind: DecisionKind
    member: int | None = None
    claim: int | None = None
    candidates: tuple[int, ...] = ()


@dataclass
class _ClaimLeft:
    claim: OpenClaim
    received: int = field(default=0)


def match(deposits: Sequence[Deposit], claims: Sequence[OpenClaim], remaining: Mapping[int, int],
          names: Mapping[int, str] | None = None) -> list[Decision]:
    """Decide each deposit against open claims and each member's remaining due (see the module rules).

    ``names`` holds the members' names (display names) for the payer-name tie-breaker. Open claims are looked up
    by their last five digits and members by what they still owe, so a statement of 100,000 rows against 10,000
    claims is matched in linear time. The decisions come in the order they are made (oldest deposit first).
    """
    names = names or {}
    owed = _Owed(remaining)
    open_claims: dict[str, list[_ClaimLeft]] = {}
    for c in claims:
        open_claims.setdefault(c.last5, []).append(_ClaimLeft(c, c.received))
    decisions: list[Decision] = []
    for deposit in sorted(deposits, key=lambda d: (d.booked_on, d.key)):
        if deposit.last5 is None and _INTEREST.search(deposit.memo):
            decisions.append(Decision(deposit.key, "ignored"))
            continue
        held = open_claims.get(deposit.last5) if deposit.last5 is not None else None
        if not held:  # most of a statement: nobody claimed these digits
            decisions.append(_propose(deposit, owed, names))
            continue
        mine = list(held)
        members = list(dict.fromkeys(c.claim.member for c in mine))
        chosen = members if len(members) == 1 else _by_amount(deposit, mine, members, owed.due)
        if len(chosen) != 1:
            chosen = _by_name(deposit, chosen or members, names) or chosen
        if len(chosen) != 1:
            decisions.append(Decision(deposit.key, "ambiguous", candidates=tuple((chosen or members)[:MAX_CANDIDATES])))
            continue
        member = chosen[0]
        theirs = [c for c in mine if c.claim.member == member]
        target = next((c for c in theirs if c.claim.amount == deposit.amount), theirs[0])
        target.received += deposit.amount
        owed.pay(member, deposit.amount)
        if owed.due.get(member, 0) <= 0 or (target.claim.amount is not None and target.received >= target.claim.amount):
            open_claims[target.claim.last5].remove(target)
        decisions.append(Decision(deposit.key, "matched", member=member, claim=target.claim.key))
    return decisions


def proposable(decisions: Sequence[Decision], amounts: Mapping[int, int], remaining: Mapping[int, int]) -> set[int]:
    """Return the amounts ``match`` could propose a deposit nobody claimed for while it made ``decisions`` (in
    order; ``amounts`` by deposit): each member's remaining due (> 0) from the start and after each match.

    Only a match changes what later deposits are decided against, and only a deposit on claimed digits is matched.
    So a deposit on unclaimed digits (not interest, not marked yet) whose amount is none of these would be
    unclaimed, and leaving it out of ``match`` changes no other decision.
    """
    due = dict(remaining)
    out = {owed for owed in due.values() if owed > 0}
    for d in decisions:
        if d.kind == "matched" and d.member is not None:
            due[d.member] = due.get(d.member, 0) - amounts[d.deposit]
            if due[d.member] > 0:
                out.add(due[d.member])
    return out


class _Owed:
    """Each member's remaining due, and the members who owe exactly a given amount (in the order given)."""

    def __init__(self, remaining: Mapping[int, int]) -> None:
        self.due: dict[int, int] = dict(remaining)
        self._order = {m: n for n, m in enumerate(self.due)}
        self._by_amount: dict[int, set[int]] = {}
        for m, due in self.due.items():
            if due > 0:
                self._by_amount.setdefault(due, set()).add(m)

    def pay(self, member: int, amount: int) -> None:
        """Take a deposit off a member's remaining due."""
        old = self.due.get(member, 0)
        if member not in self._order:
            self._order[member] = len(self._order)
        self.due[member] = old - amount
        if old > 0:
            self._by_amount[old].discard(member)
        if old - amount > 0:
            self._by_amount.setdefault(old - amount, set()).add(member)

    def owing(self, amount: int) -> tuple[int, ...]:
        """Return the members whose remaining due is exactly ``amount`` (> 0), in the order they were given."""
        return tuple(sorted(self._by_amount.get(amount, ()), key=self._order.__getitem__)) if amount > 0 else ()


def _by_amount(deposit: Deposit, mine: Sequence[_ClaimLeft], members: Sequence[int], owed: Mapping[int, int]) -> list[int]:
    """Narrow same-last5 candidates by amount: the stated claim amount first, then the remaining due."""
    stated = [m for m in members if any(c.claim.member == m and c.claim.amount == deposit.amount for c in mine)]
    if stated:
        return stated
    return [m for m in members if owed.get(m, 0) == deposit.amount]


def _by_name(deposit: Deposit, members: Sequence[int], names: Mapping[int, str]) -> list[int]:
    """Return the one candidate whose name matches the payer's printed name, else []."""
    if not deposit.payer_name:
        return []
    found = [m for m in members if name_matches(deposit.payer_name, names.get(m))]
    return found if len(found) == 1 else []


def name_matches(printed: str, name: str | None) -> bool:
    """Tell whether a bank's payer name (``王小明``, masked ``王*明`` / ``王Ｏ明``) fits a member's name."""
    if not name:
        return False
    printed, name = _plain_name(printed), _plain_name(name)
    if len(printed) < 2 or not name:
        return False
    pattern = "".join("." if ch in _MASKS else re.escape(ch) for ch in printed)
    if "." in pattern:
        return pattern.strip(".") != "" and re.search(pattern, name) is not None
    return printed in name or (len(name) >= 2 and name in printed)


def _plain_name(text: str) -> str:
    """Fold a name to half-width letters and CJK, without spaces, emoji or punctuation (masks kept)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum() or ch in _MASKS)


def _propose(deposit: Deposit, owed: _Owed, names: Mapping[int, str]) -> Decision:
    """Propose members whose remaining due equals an unclaimed deposit; else it is unclaimed."""
    exact = owed.owing(deposit.amount)
    if len(exact) > 1 and (named := _by_name(deposit, exact, names)):
        exact = tuple(named)
    if exact:
        return Decision(deposit.key, "proposed", candidates=exact[:MAX_CANDIDATES])
    return Decision(deposit.key, "unclaimed")


def allocate(dues: Sequence[tuple[int, int]], pinned: Mapping[int, int], free: int) -> dict[int | None, int]:
    """Spread a member's money over their campaigns ``[(campaign, due)]`` (oldest first).

    Money pinned to a campaign stays there; the rest fills the oldest campaigns first and any overflow goes
    to the newest. With no campaign at all, the money is reported under ``None``.
    """
    out: dict[int | None, int] = {cid: pinned.get(cid, 0) for cid, _due in dues}
    left = free + sum(v for cid, v in pinned.items() if cid not in out)
    for cid, due in dues:
        take = max(0, min(left, due - out[cid]))
        out[cid] += take
        left -= take
    if left:
        last: int | None = dues[-1][0] if dues else None
        out[last] = out.get(last, 0) + left
    return out


def status_of(due: int, received: int, claim: ClaimState) -> PaymentStatus:
    """Return the payment status of what is due against what was received and the claim's state."""
    if received > 0:
        return "paid" if received == due else ("short" if received < due else "over")
    if claim == "not_found":
        return "claim_not_found"
    return "claimed" if claim == "claimed" else "unpaid"
