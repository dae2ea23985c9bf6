"""The refill-cycle model: survey anchors, purchase scaling, learning from intervals (pure, no database)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from services.refill_model import (
    DEFAULT_CYCLE_DAYS,
    MAX_DAYS,
    MERGE_DAYS,
    MIN_DAYS,
    Buy,
    Household,
    merge,
    predict,
    prior_days,
)

FAMILY = Household(4, "medium", "3-4")
SINGLE = Household(1, "small", "1")
households = st.builds(
    Household,
    st.one_of(st.none(), st.integers(1, 5)),
    st.sampled_from([None, "small", "medium", "large"]),
    st.sampled_from([None, "1", "2", "3-4", "5+"]),
)


def regular(cycle: float, n: int, amount: int = 2000) -> list[Buy]:
    """Return n purchases exactly ``cycle`` days apart."""
    return [Buy(day=k * cycle, amount=amount, packs=10) for k in range(n)]


def test_survey_anchors_from_the_domain_brief() -> None:
    assert 14 <= prior_days(FAMILY) <= 28
    assert 28 <= prior_days(SINGLE) <= 42
    assert 14 <= prior_days(FAMILY, Buy(0, 2500, 12)) <= 28
    assert 28 <= prior_days(SINGLE, Buy(0, 600, 3)) <= 42


def test_members_without_answers_get_four_weeks() -> None:
    assert prior_days(Household()) == DEFAULT_CYCLE_DAYS
    assert predict(Household(), [Buy(0, 500, 2)]).days == DEFAULT_CYCLE_DAYS


def test_a_smaller_purchase_runs_out_sooner_and_unpriced_items_count_by_packs() -> None:
    assert prior_days(FAMILY, Buy(0, 800, 4)) < prior_days(FAMILY, Buy(0, 3000, 12))
    assert prior_days(FAMILY, Buy(0, 0, 2)) < prior_days(FAMILY, Buy(0, 0, 20))


def test_learning_follows_the_household_after_a_few_purchases() -> None:
    one = predict(FAMILY, regular(35, 2))
    three = predict(FAMILY, regular(35, 4))
    assert one.prior_days < 25
    assert abs(three.days - 35) < abs(one.days - 35) < abs(one.prior_days - 35)
    assert abs(three.days - 35) <= 4 and three.data_weight > 0.8


def test_purchases_a_few_days_apart_are_one_refill() -> None:
    merged = merge([Buy(0, 500, 2), Buy(3, 700, 3), Buy(30, 400, 2)])
    assert [(b.day, b.amount) for b in merged] == [(3, 1200), (30, 400)]


def test_one_odd_interval_does_not_drag_the_prediction_far() -> None:
    steady = predict(FAMILY, regular(20, 4))
    holiday = predict(FAMILY, [*regular(20, 3), Buy(40 + 200, 2000, 10)])
    assert holiday.days < steady.days * 2


@given(households, st.integers(0, 20000), st.integers(0, 40))
def test_prior_is_bounded(h: Household, amount: int, packs: int) -> None:
    assert MIN_DAYS <= prior_days(h, Buy(0, amount, packs)) <= MAX_DAYS


@given(households, st.integers(100, 5000), st.integers(100, 5000))
def test_buying_more_never_shortens_the_prior(h: Household, a: int, b: int) -> None:
    small, large = sorted((a, b))
    assert prior_days(h, Buy(0, small, 1)) <= prior_days(h, Buy(0, large, 1)) + 1e-9


@given(st.integers(1, 5), st.sampled_from(["small", "medium", "large"]), st.sampled_from(["1", "2", "3-4", "5+"]))
def test_more_people_or_more_meals_never_lengthens_the_prior(size: int, freezer: str, meals: str) -> None:
    order = ["1", "2", "3-4", "5+"]
    h = Household(size, freezer, meals)
    if size < 5:
        assert prior_days(Household(size + 1, freezer, meals)) <= prior_days(h)
    if meals != "5+":
        assert prior_days(Household(size, freezer, order[order.index(meals) + 1])) <= prior_days(h)


@given(households, st.floats(10, 80), st.integers(2, 8))
def test_prediction_lies_between_prior_and_observed_and_moves_toward_the_data(
    h: Household, cycle: float, n: int
) -> None:
    buys = regular(cycle, n)
    p = predict(h, buys)
    low, high = sorted((p.prior_days, cycle))
    assert low - 1e-6 <= p.days <= high + 1e-6 or p.days in (MIN_DAYS, MAX_DAYS)
    more = predict(h, regular(cycle, n + 1))
    assert abs(math.log(more.days / cycle)) <= abs(math.log(p.days / cycle)) + 1e-9
    assert 0 < p.data_weight < more.data_weight < 1


@given(households, st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 20), st.integers(0, 20),
       st.floats(0, MERGE_DAYS - 0.01))
def test_one_purchase_predicts_what_two_merged_into_one_predict(
    h: Household, a: int, b: int, pa: int, pb: int, gap: float
) -> None:
    merged = predict(h, [Buy(100.0, a, pa), Buy(100.0 + gap, b, pb)])  # the general path, one refill after merging
    assert predict(h, [Buy(100.0 + gap, a + b, pa + pb)]) == merged
