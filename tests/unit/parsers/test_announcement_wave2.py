"""The second corpus of announcements: real hosts' layouts, each with its expected parse written by hand.

Items list only the fields that differ from the defaults (no limit, unit, spec, variants, tiers, cap or minimum);
problems list, per problem in order, fragments its sentence must hold.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.cli.parse_chat import announcement_json
from parsers.announcement import parse_announcement

CORPUS = json.loads((Path(__file__).parent / "corpus" / "announcements_wave2.json").read_text(encoding="utf-8"))
NOW = "2026-11-20T09:00:00+08:00"  # a Friday morning
ITEM_DEFAULTS: dict[str, Any] = {
    "limit": None, "unit": None, "spec": None, "variants": [], "tiers": [], "per_member_limit": None, "minimum": None,
}


def _expected_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill the default fields and write tiers the way the JSON contract does."""
    filled = []
    for item in items:
        full = {**ITEM_DEFAULTS, **item}
        full.pop("variant_limits", None)
        full["tiers"] = [{"qty": qty, "price": price} for qty, price in full["tiers"]]
        filled.append(full)
    return filled


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_wave2_post(name: str) -> None:
    case = CORPUS[name]
    parsed = parse_announcement("\n".join(case["text"]), datetime.fromisoformat(case.get("now", NOW)))
    got = announcement_json(parsed)
    expected = case["expected"]
    assert got["title"] == expected["title"]
    assert got["items"] == _expected_items(expected["items"])
    assert got["deadline"] == expected["deadline"]
    assert got["delivery_date"] == expected["delivery_date"]
    limits = [[list(pair) for pair in item.variant_limits] for item in parsed.items]
    assert limits == [item.get("variant_limits", []) for item in expected["items"]]
    wanted = expected.get("problems", [])
    assert len(parsed.problems) == len(wanted), parsed.problems
    for sentence, fragments in zip(parsed.problems, wanted, strict=True):
        assert all(fragment in sentence for fragment in fragments), (sentence, fragments)


def test_wave2_has_at_least_sixty_posts() -> None:
    assert len(CORPUS) >= 60
