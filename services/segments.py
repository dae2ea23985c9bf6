"""RFM scores and lifecycle segments (pure functions over purchase counts, spend and recency)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")

AT_RISK_DAYS = 45
DORMANT_DAYS = 90
VIP_PURCHASES = 3
# English key → zh-TW label, in the order hosts read them.
SEGMENTS: dict[str, str] = {
    "new": "新客",
    "active": "活躍",
    "vip": "熟客VIP",
    "at_risk": "流失風險",
    "dormant": "沉睡",
}
NO_PURCHASE_LABEL = "尚未下單"
_ALIASES = {"熟客": "vip", "vip": "vip", "regular": "vip", "流失": "at_risk", "at-risk": "at_risk", "atrisk": "at_risk",
            "沉睡客": "dormant", "新": "new", "新會員": "new"}


@dataclass(frozen=True)
class Rfm:
    """Recency, frequency and monetary scores, 1 (lowest) to 5 (best)."""

    r: int
    f: int
    m: int

    def __str__(self) -> str:
        return f"R{self.r} F{self.f} M{self.m}"


def segment(purchase_count: int, days_since_last: int) -> str | None:
    """Return the segment key for a member (None when they never bought)."""
    if purchase_count <= 0:
        return None
    if days_since_last >= DORMANT_DAYS:
        return "dormant"
    if days_since_last >= AT_RISK_DAYS:
        return "at_risk"
    if purchase_count >= VIP_PURCHASES:
        return "vip"
    return "new" if purchase_count == 1 else "active"


def segment_key(text: str) -> str | None:
    """Return the segment key named by a zh-TW label or English key (``沉睡``, ``dormant``), else None."""
    name = unicodedata.normalize("NFKC", text).strip().lower()
    for key, label in SEGMENTS.items():
        if name in (key, label.lower()):
            return key
    return _ALIASES.get(name)


def quintile_scores(values: Mapping[K, float], *, higher_is_better: bool = True) -> dict[K, int]:
    """Score each value 1–5 by mid-percentile rank: 1 + ⌊5 × (worse + ties/2) / n⌋ (ties share a score)."""
    n = len(values)
    scores: dict[K, int] = {}
    for key, value in values.items():
        worse = sum(1 for v in values.values() if (v < value if higher_is_better else v > value))
        ties = sum(1 for v in values.values() if v == value)
        scores[key] = min(5, 1 + (5 * (2 * worse + ties)) // (2 * n))
    return scores


def rfm_scores(
    recency_days: Mapping[K, int], frequency: Mapping[K, int], monetary: Mapping[K, int]
) -> dict[K, Rfm]:
    """Return RFM scores for members with at least one purchase (the three maps share their keys)."""
    r = quintile_scores(recency_days, higher_is_better=False)
    f = quintile_scores(frequency)
    m = quintile_scores(monetary)
    return {key: Rfm(r=r[key], f=f[key], m=m[key]) for key in recency_days}
