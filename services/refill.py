"""Refill prediction for stored members: their survey answers and purchases fed to ``refill_model``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from infra.db import UnitOfWork
from models import Member
from services import refill_model
from services.purchases import Purchase, purchases
from services.refill_model import Buy, Household, Prediction

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Forecast:
    """When a member's household is predicted to need a refill, and why."""

    member_id: int
    household: Household
    last: Purchase
    purchases: int
    prediction: Prediction
    next_at: datetime

    @property
    def cycle_days(self) -> float:
        """Return the predicted cycle length in days."""
        return self.prediction.days


class Surveyed(Protocol):
    """What a forecast reads of a member: a stored ``Member``, or the planner's lighter row of the same columns."""

    @property
    def id(self) -> int | None: ...

    @property
    def household_size(self) -> int | None: ...

    @property
    def freezer_size(self) -> str | None: ...

    @property
    def meals_per_week(self) -> str | None: ...


def household_of(member: Surveyed) -> Household:
    """Return a member's survey answers as a model household."""
    return Household(size=member.household_size, freezer=member.freezer_size, meals=member.meals_per_week)


def as_buy(purchase: Purchase) -> Buy:
    """Translate a stored purchase to the model's plain value."""
    day = (purchase.at - EPOCH).total_seconds() / 86400
    return Buy(day=day, amount=purchase.amount, packs=sum(purchase.items.values()))


def forecast_from(member: Surveyed, history: Sequence[Purchase]) -> Forecast | None:
    """Return the forecast for a member given their purchases (None without any)."""
    if not history or member.id is None:
        return None
    return forecast_for(member.id, household_of(member), history)


def forecast_for(member_id: int, household: Household, history: Sequence[Purchase]) -> Forecast:
    """Return the forecast for a household given its purchases (at least one)."""
    prediction = refill_model.predict(household, [as_buy(p) for p in history])
    last = max(history, key=lambda p: (p.at, p.campaign_id))
    return Forecast(
        member_id=member_id, household=household, last=last, purchases=len(history), prediction=prediction,
        next_at=last.at + timedelta(days=prediction.days),
    )


def forecast(uow: UnitOfWork, member: Member) -> Forecast | None:
    """Return a member's refill forecast (None until they have bought something)."""
    if member.id is None:
        return None
    return forecast_from(member, purchases(uow, member_id=member.id))


def next_refill_at(uow: UnitOfWork, member: Member) -> datetime | None:
    """Return when the member's household is predicted to run out (None without purchases)."""
    result = forecast(uow, member)
    return None if result is None else result.next_at
