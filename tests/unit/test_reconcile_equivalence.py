"""The indexed matcher decides exactly as the plain one it replaced (kept here as the reference)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services import reconcile
from services.reconcile import Decision, Deposit, OpenClaim, _by_amount, _by_name, _ClaimLeft, match


def reference_match(deposits: Sequence[Deposit], claims: Sequence[OpenClaim], remaining: Mapping[int, int],
                    names: Mapping[int, str] | None = None) -> list[Decision]:
    """The matcher before indexing: every deposit scans every open claim and every member's due."""
    names = names or {}
    owed = dict(remaining)
    open_claims = [_ClaimLeft(c, c.received) for c in claims]
    decisions: list[Decision] = []
    for deposit in sorted(deposits, key=lambda d: (d.booked_on, d.key)):
        if deposit.last5 is None and reconcile._INTEREST.search(deposit.memo):
            decisions.append(Decision(deposit.key, "ignored"))
            continue
        mine = [c for c in open_claims if deposit.last5 is not None and c.claim.last5 == deposit.last5]
        members = list(dict.fromkeys(c.claim.member for c in mine))
        if not members:
            exact = tuple(m for m, due in owed.items() if due > 0 and due == deposit.amount)
            if len(exact) > 1 and (named := _by_name(deposit, exact, names)):
                exact = tuple(named)
            kind = "proposed" if exact else "unclaimed"
            decisions.append(Decision(deposit.key, kind, candidates=exact[: reconcile.MAX_CANDIDATES]))
            continue
        chosen = members if len(members) == 1 else _by_amount(deposit, mine, members, owed)
        if len(chosen) != 1:
            chosen = _by_name(deposit, chosen or members, names) or chosen
        if len(chosen) != 1:
            decisions.append(Decision(deposit.key, "ambiguous",
                                      candidates=tuple((chosen or members)[: reconcile.MAX_CANDIDATES])))
            continue
        member = chosen[0]
        theirs = [c for c in mine if c.claim.member == member]
        target = next((c for c in theirs if c.claim.amount == deposit.amount), theirs[0])
        target.received += deposit.amount
        owed[member] = owed.get(member, 0) - deposit.amount
        if owed[member] <= 0 or (target.claim.amount is not None and target.received >= target.claim.amount):
            open_claims.remove(target)
        decisions.append(Decision(deposit.key, "matched", member=member, claim=target.claim.key))
    return decisions


LAST5 = st.sampled_from(["12345", "54321", "00001", None])
AMOUNT = st.sampled_from([180, 360, 540, 200, 900, 1])
NAMES = st.sampled_from(["王小明", "王*明", "陳美", "林", None])
DAY = date(2026, 12, 2)

deposits = st.lists(st.tuples(AMOUNT, LAST5, st.integers(0, 3), st.sampled_from(["", "利息"]), NAMES), max_size=25)
claims = st.lists(st.tuples(st.integers(1, 6), st.sampled_from(["12345", "54321", "00001"]),
                            st.one_of(st.none(), AMOUNT), st.sampled_from([0, 0, 180])), max_size=12)
dues = st.dictionaries(st.integers(1, 8), st.sampled_from([0, 180, 360, 540, 900, -20]), max_size=8)
names = st.dictionaries(st.integers(1, 8), st.sampled_from(["王小明", "王大明", "陳美美", "林"]), max_size=8)


@settings(max_examples=400, deadline=None)
@given(deposits, claims, dues, names)
def test_the_indexed_matcher_decides_as_the_reference(raw_deposits, raw_claims, remaining, member_names) -> None:  # type: ignore[no-untyped-def]
    ds = [Deposit(n, amount, last5, DAY + timedelta(days=day), memo, payer)
          for n, (amount, last5, day, memo, payer) in enumerate(raw_deposits, 1)]
    cs = [OpenClaim(n, member, last5, amount, received) for n, (member, last5, amount, received) in enumerate(raw_claims, 1)]
    assert match(ds, cs, remaining, member_names) == reference_match(ds, cs, remaining, member_names)
