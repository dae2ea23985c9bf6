"""Items with variants (口味/尺寸/顏色): the choices an item offers and the stock of each, as stored on the item."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from models import Item


def names_of(item: Item) -> tuple[str, ...]:
    """Return an item's variant names, in the post's order (stored as JSON ["原味", "辣味"])."""
    try:
        return tuple(str(name) for name in json.loads(item.variant_names or "[]"))
    except (TypeError, ValueError):
        return ()


def limits_of(item: Item) -> dict[str, int]:
    """Return the stock of each limited variant (stored as JSON {"辣味": 10}); variants not named are unlimited."""
    try:
        return {str(name): int(n) for name, n in json.loads(item.variant_limits or "{}").items()}
    except (AttributeError, TypeError, ValueError):
        return {}


def encode_names(names: Sequence[str]) -> str:
    """Return variant names as stored on an item."""
    return json.dumps(list(names), ensure_ascii=False)


def encode_limits(limits: Iterable[tuple[str, int]] | Mapping[str, int]) -> str:
    """Return per-variant stock as stored on an item."""
    pairs = limits.items() if isinstance(limits, Mapping) else limits
    return json.dumps(dict(pairs), ensure_ascii=False)


def is_limited(item: Item) -> bool:
    """Return True when some stock of the item is limited (the item's, or one variant's)."""
    return item.stock_limit is not None or bool(limits_of(item))


@dataclass(frozen=True)
class Choices:
    """An item as the comment parser reads it: code, name and variant names."""

    code: str
    name: str
    variants: tuple[str, ...] = ()


def for_parser(items: Iterable[Item]) -> list[Choices]:
    """Return a campaign's items as the comment parser reads them (variants included)."""
    return [Choices(item.code, item.name, names_of(item)) for item in items]
