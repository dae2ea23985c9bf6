"""What a quantity of an item costs: single units and the item's bundle prices, cheapest mix first."""

from __future__ import annotations

import json
from collections.abc import Sequence

from models import Item
from parsers.pricing import best_price
from parsers.tiers import Tier


def tiers_of(item: Item) -> tuple[Tier, ...]:
    """Return an item's bundle prices (stored as JSON [[qty, price], ...])."""
    try:
        return tuple(Tier(int(qty), int(price)) for qty, price in json.loads(item.tiers or "[]"))
    except (TypeError, ValueError):
        return ()


def encode_tiers(tiers: Sequence[Tier]) -> str:
    """Return bundle prices as stored on an item."""
    return json.dumps([[tier.qty, tier.price] for tier in tiers])


def amount(item: Item, qty: int) -> int:
    """Return what ``qty`` of the item costs one member (3 bags at 220 with 2 for 420 -> 640)."""
    if qty <= 0 or item.price is None:
        return 0
    tiers = tiers_of(item)
    return best_price(item.price, tiers, qty) if tiers else qty * item.price
