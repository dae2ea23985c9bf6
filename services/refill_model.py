"""The refill-cycle model, pure: a survey prior on the log-cycle refined by the household's own intervals.

Prior (weeks):  T0 = 1 / (r / S + 1 / H)
  r  = household size × frozen meals per week   (portions eaten per week)
  S  = stock bought: usable freezer capacity C, scaled by the last purchase (fill^0.5, fill in [0.25, 1])
  H  = habit horizon (7 weeks): households restock for freshness and variety even when food is left
Learning: residuals e_i = ln(observed interval_i) − ln(T0 for the purchase that started it) update a normal
prior N(0, σ0²) on the household's log-multiplier with noise σ²:  m = Σe_i/σ² / (1/σ0² + n/σ²).
Prediction: T = T0(last purchase) × exp(m).  See docs/refill-model.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_CYCLE_DAYS = 28.0  # members who answered nothing: four weeks until their history speaks
HORIZON_WEEKS = 7.0
CAPACITY = {"small": 20.0, "medium": 70.0, "large": 120.0}  # usable portions of frozen mains
MEALS = {"1": 1.0, "2": 2.0, "3-4": 3.5, "5+": 6.0}
DEFAULT_HOUSEHOLD, DEFAULT_FREEZER, DEFAULT_MEALS = 2.6, "medium", "2"
PORTION_PRICE = 50  # NT$ per portion of a frozen main, to read a purchase amount as portions
PORTIONS_PER_PACK = 3  # when items have no price: one pack ≈ three portions
MIN_FILL, FILL_EXPONENT = 0.25, 0.5
SIGMA_PRIOR_SURVEY, SIGMA_PRIOR_DEFAULT, SIGMA_OBS = 0.35, 0.5, 0.25
MAX_RESIDUAL = math.log(2.5)  # a skipped campaign or a holiday must not drag the household too far
MERGE_DAYS = 5.0  # purchases delivered within five days of each other are one refill
MIN_DAYS, MAX_DAYS = 7.0, 90.0


@dataclass(frozen=True)
class Household:
    """Survey answers (None = not answered)."""

    size: int | None = None
    freezer: str | None = None
    meals: str | None = None

    @property
    def answered(self) -> bool:
        """Return True when any of the three questions was answered."""
        return self.size is not None or self.freezer in CAPACITY or self.meals in MEALS


@dataclass(frozen=True)
class Buy:
    """One purchase: days since some epoch, amount in NT$, packs bought."""

    day: float
    amount: int
    packs: int


@dataclass(frozen=True)
class Prediction:
    """A predicted cycle (days) and what it rests on."""

    days: float
    prior_days: float
    observations: int
    data_weight: float  # share of the log-cycle that comes from the household's own intervals


def consumption(h: Household) -> float:
    """Return portions eaten per week."""
    size = float(min(max(h.size, 1), 5)) if h.size is not None else DEFAULT_HOUSEHOLD
    return size * MEALS.get(h.meals or "", MEALS[DEFAULT_MEALS])


def capacity(h: Household) -> float:
    """Return usable freezer capacity in portions."""
    return CAPACITY.get(h.freezer or "", CAPACITY[DEFAULT_FREEZER])


def portions(buy: Buy) -> float:
    """Read a purchase as portions: by amount when priced, else by packs."""
    return buy.amount / PORTION_PRICE if buy.amount > 0 else float(buy.packs * PORTIONS_PER_PACK)


def fill(h: Household, buy: Buy | None) -> float:
    """Return the share of the usable freezer a purchase filled (1.0 without purchase data)."""
    if buy is None:
        return 1.0
    return min(1.0, max(MIN_FILL, portions(buy) / capacity(h)))


def prior_days(h: Household, buy: Buy | None = None) -> float:
    """Return the survey prior cycle in days for a household after a purchase."""
    if not h.answered:
        return DEFAULT_CYCLE_DAYS
    stock = capacity(h) * fill(h, buy) ** FILL_EXPONENT
    weeks = 1.0 / (consumption(h) / stock + 1.0 / HORIZON_WEEKS)
    return _clamp(weeks * 7.0)


def merge(buys: Sequence[Buy]) -> list[Buy]:
    """Merge purchases delivered within MERGE_DAYS into one refill dated at the later one (sorted by day)."""
    merged: list[Buy] = []
    for b in sorted(buys, key=lambda b: b.day):
        if merged and b.day - merged[-1].day < MERGE_DAYS:
            last = merged[-1]
            merged[-1] = Buy(day=b.day, amount=last.amount + b.amount, packs=last.packs + b.packs)
        else:
            merged.append(b)
    return merged


def predict(h: Household, buys: Sequence[Buy]) -> Prediction:
    """Predict the cycle that starts at the last purchase, learning from earlier intervals."""
    if len(buys) == 1:  # no interval to learn from: the prior as it is (what the general case gives, sooner)
        base = prior_days(h, buys[0])
        return Prediction(days=base, prior_days=base, observations=0, data_weight=0.0)
    history = merge(buys)
    last = history[-1] if history else None
    base = prior_days(h, last)
    residuals = [
        _clip(math.log((b.day - a.day) / prior_days(h, a)))
        for a, b in zip(history, history[1:], strict=False)
    ]
    sigma0 = SIGMA_PRIOR_SURVEY if h.answered else SIGMA_PRIOR_DEFAULT
    precision = 1 / sigma0**2 + len(residuals) / SIGMA_OBS**2
    shift = (sum(residuals) / SIGMA_OBS**2) / precision
    weight = (len(residuals) / SIGMA_OBS**2) / precision
    return Prediction(days=_clamp(base * math.exp(shift)), prior_days=base, observations=len(residuals),
                      data_weight=weight)


def bundle_portions(h: Household, days: float) -> float:
    """Return the portions a household eats in ``days`` (to size a suggested bundle)."""
    return consumption(h) * days / 7.0


def _clip(x: float) -> float:
    return max(-MAX_RESIDUAL, min(MAX_RESIDUAL, x))


def _clamp(days: float) -> float:
    return max(MIN_DAYS, min(MAX_DAYS, days))
