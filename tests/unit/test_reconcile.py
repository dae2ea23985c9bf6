"""The matching rules of 後五碼對帳, over plain values."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.reconcile import Decision, Deposit, OpenClaim, allocate, match, name_matches, status_of

DAY = date(2026, 12, 2)


def dep(key: int, amount: int, last5: str | None, memo: str = "") -> Deposit:
    """Return a deposit on the test day."""
    return Deposit(key, amount, last5, DAY, memo)


def kinds(decisions: list[Decision]) -> dict[int, tuple[str, int | None, tuple[int, ...]]]:
    """Return {deposit: (kind, member, candidates)}."""
    return {d.deposit: (d.kind, d.member, d.candidates) for d in decisions}


def test_one_claimant_gets_the_deposit_whatever_the_amount() -> None:
    claims = [OpenClaim(1, member=10, last5="12345", amount=540)]
    assert kinds(match([dep(1, 500, "12345")], claims, {10: 540})) == {1: ("matched", 10, ())}


def test_same_last5_is_decided_by_the_claimed_amount() -> None:
    claims = [OpenClaim(1, 10, "54321", 540), OpenClaim(2, 20, "54321", 900)]
    decided = match([dep(1, 900, "54321"), dep(2, 540, "54321")], claims, {10: 540, 20: 900})
    assert kinds(decided) == {1: ("matched", 20, ()), 2: ("matched", 10, ())}
    assert {d.deposit: d.claim for d in decided} == {1: 2, 2: 1}


def test_same_last5_without_amounts_is_decided_by_the_due() -> None:
    claims = [OpenClaim(1, 10, "54321", None), OpenClaim(2, 20, "54321", None)]
    assert kinds(match([dep(1, 900, "54321")], claims, {10: 540, 20: 900})) == {1: ("matched", 20, ())}


def test_a_tie_is_left_to_the_host() -> None:
    claims = [OpenClaim(1, 10, "54321", 540), OpenClaim(2, 20, "54321", 540)]
    assert kinds(match([dep(1, 540, "54321")], claims, {10: 540, 20: 540})) == {1: ("ambiguous", None, (10, 20))}


def test_unclaimed_deposit_equal_to_a_due_is_only_proposed() -> None:
    decided = match([dep(1, 720, "99999"), dep(2, 333, "88888")], [], {10: 540, 20: 720, 30: 0})
    assert kinds(decided) == {1: ("proposed", None, (20,)), 2: ("unclaimed", None, ())}


def test_interest_is_ignored_and_a_cash_deposit_is_unclaimed() -> None:
    decided = match([dep(1, 12, None, "利息存入"), dep(2, 100, None, "現金存入")], [], {10: 540})
    assert kinds(decided) == {1: ("ignored", None, ()), 2: ("unclaimed", None, ())}


def test_partial_payments_accumulate_on_one_claim() -> None:
    claims = [OpenClaim(1, 10, "12345", None)]
    decided = match([dep(1, 300, "12345"), dep(2, 240, "12345"), dep(3, 540, "12345")], claims, {10: 540})
    assert [d.kind for d in decided] == ["matched", "matched", "unclaimed"]


def test_a_claim_with_an_amount_stays_open_until_reached() -> None:
    claims = [OpenClaim(1, 10, "12345", 1000, received=600)]
    decided = match([dep(1, 400, "12345"), dep(2, 50, "12345")], claims, {10: 2000})
    assert [d.kind for d in decided] == ["matched", "unclaimed"]


def test_once_one_twin_is_paid_the_other_deposit_is_clear() -> None:
    claims = [OpenClaim(1, 10, "54321", 540), OpenClaim(2, 20, "54321", 900)]
    decided = match([dep(1, 540, "54321"), dep(2, 500, "54321")], claims, {10: 540, 20: 900})
    assert kinds(decided) == {1: ("matched", 10, ()), 2: ("matched", 20, ())}


def test_allocate_fills_oldest_first_and_overflow_goes_to_the_newest() -> None:
    assert allocate([(1, 500), (2, 300)], {}, 600) == {1: 500, 2: 100}
    assert allocate([(1, 500), (2, 300)], {}, 1000) == {1: 500, 2: 500}
    assert allocate([(1, 500), (2, 300)], {2: 300}, 200) == {1: 200, 2: 300}
    assert allocate([], {}, 50) == {None: 50}


def test_status_of() -> None:
    assert status_of(540, 540, "none") == "paid"
    assert status_of(540, 500, "claimed") == "short"
    assert status_of(540, 600, "none") == "over"
    assert status_of(540, 0, "claimed") == "claimed"
    assert status_of(540, 0, "not_found") == "claim_not_found"
    assert status_of(540, 0, "none") == "unpaid"


@given(
    dues=st.lists(st.integers(0, 5000), max_size=5),
    pinned=st.dictionaries(st.integers(0, 6), st.integers(0, 3000), max_size=3),
    free=st.integers(0, 20000),
)
def test_allocate_never_loses_or_invents_money(dues: list[int], pinned: dict[int, int], free: int) -> None:
    spread = allocate(list(enumerate(dues)), pinned, free)
    assert sum(spread.values()) == free + sum(pinned.values())
    assert all(v >= 0 for v in spread.values())


@given(st.lists(st.tuples(st.integers(1, 3000), st.sampled_from(["11111", "22222", None])), max_size=8))
def test_every_deposit_gets_exactly_one_decision(rows: list[tuple[int, str | None]]) -> None:
    claims = [OpenClaim(1, 10, "11111", 540), OpenClaim(2, 20, "11111", 540), OpenClaim(3, 30, "22222", None)]
    deposits = [dep(n, amount, last5) for n, (amount, last5) in enumerate(rows)]
    decided = match(deposits, claims, {10: 540, 20: 540, 30: 900})
    assert sorted(d.deposit for d in decided) == list(range(len(rows)))
    assert all((d.kind == "matched") == (d.member is not None) for d in decided)


NAMED = [  # (printed by the bank, member's display name, fits)
    ("王*明", "王小明", True), ("王Ｏ明", "王小明🍓", True), ("王○明", "Amy 王大明", True), ("王小明", "王小明", True),
    ("王*明", "陳小明", False), ("林*", "林姐", True), ("*", "王小明", False), ("王小明", None, False),
    ("ＣＨＥＮ", "chen", True), ("陳美玲", "陳先生", False),
]


@pytest.mark.parametrize(("printed", "name", "fits"), NAMED)
def test_payer_names_match_masked_and_plain(printed: str, name: str | None, fits: bool) -> None:
    assert name_matches(printed, name) is fits


def test_the_payer_name_breaks_a_tie_between_same_last5_claimants() -> None:
    claims = [OpenClaim(1, 10, "54321", None), OpenClaim(2, 20, "54321", None)]
    deposit = Deposit(1, 700, "54321", DAY, "", payer_name="陳*玲")
    tied = match([dep(1, 700, "54321")], claims, {10: 540, 20: 900}, {10: "王小明", 20: "陳美玲"})
    assert kinds(tied) == {1: ("ambiguous", None, (10, 20))}
    named = match([deposit], claims, {10: 540, 20: 900}, {10: "王小明", 20: "陳美玲"})
    assert kinds(named) == {1: ("matched", 20, ())}


def test_a_name_alone_never_matches() -> None:
    deposit = Deposit(1, 700, "99999", DAY, "", payer_name="王小明")
    decided = match([deposit], [OpenClaim(1, 10, "12345", 700)], {10: 540}, {10: "王小明"})
    assert kinds(decided) == {1: ("unclaimed", None, ())}


def test_the_payer_name_narrows_a_proposal_but_it_stays_a_proposal() -> None:
    deposit = Deposit(1, 540, None, DAY, "", payer_name="王*明")
    decided = match([deposit], [], {10: 540, 20: 540}, {10: "王小明", 20: "陳美玲"})
    assert kinds(decided) == {1: ("proposed", None, (10,))}
