"""The amount due for a quantity: the cheapest mix of single units and bundle prices."""

from __future__ import annotations

from collections.abc import Sequence

from parsers.tiers import Tier

__all__ = ["best_price"]


def best_price(unit_price: int, tiers: Sequence[Tier], qty: int) -> int:
    """Return the cheapest total for exactly qty units (3 at 220 with 2 for 420 -> 640)."""
    if qty <= 0:
        return 0
    usable = [tier for tier in tiers if 0 < tier.qty <= qty]
    best = [0] * (qty + 1)
    for count in range(1, qty + 1):
        cheapest = best[count - 1] + unit_price
        for tier in usable:
            if tier.qty <= count:
                cheapest = min(cheapest, best[count - tier.qty] + tier.price)
        best[count] = cheapest
    return best[qty]
