"""Where a member's credit (購物金) goes: pure functions over plain values.

A member's money position has three parts: what each campaign costs (the due), the deposits matched to the
member, and the credit ledger. The rules, applied in this order:

1. Credit applied to a campaign never exceeds its due: when a due drops (a cancelled line, a shortage), the
   difference is released back to the credit balance; credit on a cancelled campaign is released in full.
2. Money that became credit (an over-payment) is no longer deposit money: it is taken out of the free deposits
   first, then out of money pinned to a campaign.
3. The remaining deposits fill each campaign's due after credit, oldest first (``reconcile.allocate``); what is
   left over is a new over-payment and becomes credit, recorded against the campaign it was left on.
4. The credit balance then pays what the deposits did not: the oldest campaign still owing first.

``plan`` returns both the position (per campaign: due, credit applied, money received, money that became credit)
and the ledger rows that would make the stored ledger agree with it; ``services.settlement`` writes those rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from services.reconcile import allocate


@dataclass(frozen=True)
class Stored:
    """What a member's credit ledger holds, summed: per campaign, and the balance."""

    applied: Mapping[int, int] = field(default_factory=dict)  # campaign → credit applied, net of releases
    converted: Mapping[int | None, int] = field(default_factory=dict)  # campaign → deposits that became credit
    balance: int = 0


@dataclass(frozen=True)
class Line:
    """One campaign's position; ``campaign`` None holds money with no campaign to go to."""

    campaign: int | None
    due: int
    credit: int = 0  # credit applied
    received: int = 0  # deposits counted here, including what became credit
    to_credit: int = 0  # of ``received``, what became credit

    @property
    def to_pay(self) -> int:
        """Return the due after credit."""
        return self.due - self.credit

    @property
    def paid(self) -> int:
        """Return the deposit money that paid this campaign (what became credit excluded)."""
        return self.received - self.to_credit

    @property
    def remaining(self) -> int:
        """Return what is still to be paid."""
        return self.to_pay - self.paid


@dataclass(frozen=True)
class Plan:
    """A member's position and the ledger rows still to write (campaign → NT$)."""

    lines: tuple[Line, ...]
    balance: int  # credit left after everything below
    released: Mapping[int, int] = field(default_factory=dict)
    over_payment: Mapping[int | None, int] = field(default_factory=dict)
    applied: Mapping[int, int] = field(default_factory=dict)

    @property
    def pending(self) -> bool:
        """Return True when the stored ledger lags behind this position."""
        return bool(self.released or self.over_payment or self.applied)


def plan(dues: Sequence[tuple[int, int]], pinned: Mapping[int, int], free: int, stored: Stored) -> Plan:
    """Return the member's position over ``dues`` ``[(campaign, due)]`` (oldest first); see the module rules."""
    due_of = dict(dues)
    applied = dict(stored.applied)
    balance = stored.balance
    released: dict[int, int] = {}
    for cid, amount in stored.applied.items():  # rule 1
        excess = amount - max(due_of.get(cid, 0), 0)
        if excess > 0:
            released[cid] = excess
            applied[cid] = amount - excess
            balance += excess
    pinned_left, free_left = _without_converted(pinned, free, sum(stored.converted.values()))  # rule 2
    to_pay = [(cid, due - applied.get(cid, 0)) for cid, due in dues]
    spread = allocate(to_pay, pinned_left, free_left)  # rule 3
    over: dict[int | None, int] = {}
    paid: dict[int, int] = {}
    for cid, owed in to_pay:
        got = spread.get(cid, 0)
        paid[cid] = min(got, max(owed, 0))
        if got > paid[cid]:
            over[cid] = got - paid[cid]
    if spread.get(None):
        over[None] = spread[None]
    balance += sum(over.values())
    new_applied: dict[int, int] = {}
    for cid, owed in to_pay:  # rule 4
        take = min(balance, owed - paid[cid])
        if take > 0:
            new_applied[cid] = take
            applied[cid] = applied.get(cid, 0) + take
            balance -= take
    return Plan(_lines(dues, applied, paid, over, stored.converted), balance, released, over, new_applied)


def _without_converted(pinned: Mapping[int, int], free: int, converted: int) -> tuple[dict[int, int], int]:
    """Take money that became credit out of the deposits: free money first, then pinned (newest first)."""
    pinned_left = dict(pinned)
    take = min(free, converted)
    free -= take
    converted -= take
    for cid in sorted(pinned_left, reverse=True):
        if converted <= 0:
            break
        take = min(pinned_left[cid], converted)
        pinned_left[cid] -= take
        converted -= take
    return pinned_left, free


def _lines(dues: Sequence[tuple[int, int]], applied: Mapping[int, int], paid: Mapping[int, int],
           over: Mapping[int | None, int], converted: Mapping[int | None, int]) -> tuple[Line, ...]:
    """Build the position lines; money that became credit on a campaign no longer due shows on the None line."""
    out = []
    for cid, due in dues:
        to_credit = over.get(cid, 0) + converted.get(cid, 0)
        out.append(Line(cid, due, applied.get(cid, 0), paid[cid] + to_credit, to_credit))
    live = {cid for cid, _due in dues}
    loose = over.get(None, 0) + sum(v for cid, v in converted.items() if cid is None or cid not in live)
    if loose:
        out.append(Line(None, 0, 0, loose, loose))
    return tuple(out)
