"""Where a member's credit goes: released, over-payments, applied oldest campaign first (services.credit_plan)."""

from __future__ import annotations

from services.credit_plan import Line, Stored, plan


def test_no_credit_and_exact_money_changes_nothing() -> None:
    result = plan([(1, 540)], {}, 540, Stored())
    assert result.lines == (Line(1, 540, 0, 540, 0),)
    assert not result.pending and result.balance == 0


def test_money_beyond_every_due_becomes_credit_on_the_campaign_it_was_left_on() -> None:
    result = plan([(1, 180)], {}, 200, Stored())
    assert result.over_payment == {1: 20} and result.balance == 20
    assert result.lines == (Line(1, 180, 0, 200, 20),)
    assert result.lines[0].remaining == 0


def test_stored_over_payment_is_not_counted_twice_and_pays_the_next_campaign() -> None:
    stored = Stored(converted={1: 20}, balance=20)
    result = plan([(1, 180), (2, 300)], {}, 200, stored)
    assert result.over_payment == {} and result.applied == {2: 20}
    assert result.lines == (Line(1, 180, 0, 200, 20), Line(2, 300, 20, 0, 0))
    assert result.lines[1].to_pay == 280 and result.balance == 0


def test_credit_pays_the_oldest_campaign_still_owing_and_the_rest_stays() -> None:
    result = plan([(1, 100), (2, 300), (3, 50)], {}, 100, Stored(balance=500))
    assert result.applied == {2: 300, 3: 50} and result.balance == 150


def test_credit_applied_beyond_a_due_that_dropped_is_released() -> None:
    stored = Stored(applied={1: 100, 9: 40}, balance=0)  # campaign 9 was cancelled
    result = plan([(1, 60)], {}, 0, stored)
    assert result.released == {1: 40, 9: 40}
    assert result.lines == (Line(1, 60, 60, 0, 0),) and result.balance == 80


def test_paying_the_full_due_despite_credit_applied_turns_the_difference_into_credit() -> None:
    stored = Stored(applied={1: 100}, balance=0)
    result = plan([(1, 540)], {}, 540, stored)
    assert result.over_payment == {1: 100} and result.balance == 100
    assert result.lines[0].remaining == 0


def test_money_with_no_campaign_is_credit_on_its_own_line() -> None:
    result = plan([], {}, 300, Stored())
    assert result.over_payment == {None: 300}
    assert result.lines == (Line(None, 0, 0, 300, 300),)


def test_pinned_money_that_became_credit_is_taken_from_the_pinned_campaign() -> None:
    stored = Stored(converted={1: 50}, balance=50)
    result = plan([(1, 100), (2, 200)], {1: 150}, 0, stored)
    assert result.over_payment == {} and result.applied == {2: 50}
    assert [line.paid for line in result.lines] == [100, 0]
