"""best_price: the cheapest mix of single units and bundle prices for exactly qty units."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.pricing import best_price
from parsers.tiers import Tier


@pytest.mark.parametrize(
    ("unit", "tiers", "qty", "expected"),
    [
        (220, [Tier(2, 420)], 3, 640),  # 420 + 220
        (220, [Tier(2, 420)], 4, 840),
        (220, [Tier(2, 420)], 1, 220),
        (350, [Tier(3, 999)], 3, 999),
        (350, [Tier(3, 999)], 5, 1699),
        (120, [Tier(6, 600)], 6, 600),  # 買5送1
        (120, [Tier(6, 600)], 7, 720),
        (80, [Tier(2, 150)], 5, 380),
        (100, [Tier(2, 190), Tier(3, 270)], 5, 460),  # 270 + 190
        (100, [Tier(2, 190), Tier(3, 270)], 4, 370),  # 270 + 100 beats 190 + 190
        (100, [], 0, 0),
        (100, [Tier(10, 900)], 3, 300),  # a bundle larger than qty does not apply
    ],
)
def test_best_price_examples(unit: int, tiers: list[Tier], qty: int, expected: int) -> None:
    assert best_price(unit, tiers, qty) == expected


# A bundle never costs less than one unit fewer bought singly (2 for 420 at 220 each: 420 >= 220), as hosts price them;
# a bundle cheaper than that would make buying one more cheaper than buying fewer.
@st.composite
def priced(draw: st.DrawFn) -> tuple[int, list[Tier]]:
    unit = draw(st.integers(min_value=1, max_value=2000))
    tiers = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        qty = draw(st.integers(min_value=2, max_value=8))
        price = draw(st.integers(min_value=(qty - 1) * unit, max_value=qty * unit))
        tiers.append(Tier(qty, price))
    return unit, tiers


@given(priced(), st.integers(min_value=0, max_value=40))
def test_never_above_unit_price_times_qty(deal: tuple[int, list[Tier]], qty: int) -> None:
    unit, tiers = deal
    assert best_price(unit, tiers, qty) <= unit * qty


@given(priced(), st.integers(min_value=0, max_value=40))
def test_monotone_in_qty(deal: tuple[int, list[Tier]], qty: int) -> None:
    unit, tiers = deal
    assert best_price(unit, tiers, qty) <= best_price(unit, tiers, qty + 1)


@given(st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=60))
def test_no_tiers_is_unit_times_qty(unit: int, qty: int) -> None:
    assert best_price(unit, [], qty) == unit * qty


def _brute_force(unit: int, tiers: list[Tier], qty: int) -> int:
    """Try every count of every bundle, the rest bought singly."""
    best = unit * qty
    for counts in product(range(qty + 1), repeat=len(tiers)):
        used = sum(count * tier.qty for count, tier in zip(counts, tiers, strict=True))
        if used <= qty:
            total = sum(count * tier.price for count, tier in zip(counts, tiers, strict=True)) + (qty - used) * unit
            best = min(best, total)
    return best


@given(
    st.integers(min_value=1, max_value=500),
    st.lists(st.builds(Tier, st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=2000)), max_size=3),
    st.integers(min_value=0, max_value=9),
)
def test_matches_brute_force(unit: int, tiers: list[Tier], qty: int) -> None:
    assert best_price(unit, tiers, qty) == _brute_force(unit, tiers, qty)
