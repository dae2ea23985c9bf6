"""Table-driven comment cases from corpus/comments.tsv, across several kinds of campaign."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from parsers.comment import CommentParser, CommentResult, Intent, parse_comment

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Item:
    """A campaign item as the comment parser sees it (variants optional, as on database rows)."""

    code: str
    name: str
    variants: tuple[str, ...] = ()


CAMPAIGNS = {
    name: tuple(Item(row[0], row[1], tuple(row[2]) if len(row) > 2 else ()) for row in items)
    for name, items in json.loads((CORPUS / "campaigns.json").read_text(encoding="utf-8")).items()
}
TABLES = ("comments.tsv", "comments_wave2.tsv")
_KEYS = {"v": "variant", "for": "for_name", "note": "note"}


def _intent(word: str) -> Intent:
    """Read add:A:2, cancel:A, add:C:- (no qty) or add:A:1:v=辣味:for=小明:note=不要辣 into an Intent."""
    action, item, *rest = word.split(":")
    qty: int | None = None
    extra: dict[str, str] = {}
    for part in rest:
        if "=" in part:
            key, value = part.split("=", 1)
            extra[_KEYS[key]] = value
        elif part != "-":
            qty = int(part)
    return Intent(action, None if item == "-" else item, qty, **extra)  # type: ignore[arg-type]


def _expected(spec: str) -> CommentResult:
    """Read the expected-result column of the table."""
    words = spec.split()
    if words[0] == "none":
        return CommentResult("none")
    if words[0] == "order":
        return CommentResult("order", tuple(_intent(w) for w in words[1:]))
    if words[0] == "same":
        return CommentResult("same", tuple(_intent(w) for w in words[2:]), words[1])
    reason, rest = words[1], words[2:]
    candidates: tuple[str, ...] = ()
    if rest and rest[-1].startswith("["):
        candidates = tuple(rest.pop()[1:-1].split(","))
    return CommentResult("ask", tuple(_intent(w) for w in rest), reason, candidates)


def _cases(table: str) -> list[Any]:
    """Load one table's rows as pytest params named by table line, campaign and text."""
    rows = []
    for number, line in enumerate((CORPUS / table).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        campaign, text, expected = line.split("\t")
        text = text.replace("\\n", "\n")
        rows.append(pytest.param(campaign, text, expected, id=f"{table[:-4]}:{number}-{campaign}-{text[:20]}"))
    return rows


CASES = [case for table in TABLES for case in _cases(table)]
WAVE2 = _cases("comments_wave2.tsv")


def _campaign(column: str) -> tuple[tuple[Item, ...], bool]:
    """Read the campaign column: a campaign name, with @quoted when the comment quotes another member's order."""
    name, _, flag = column.partition("@")
    return CAMPAIGNS[name], flag == "quoted"


def test_table_is_large_and_covers_every_campaign() -> None:
    assert len(CASES) >= 550
    assert len(WAVE2) >= 300
    assert {case.values[0].partition("@")[0] for case in CASES} == set(CAMPAIGNS)


@pytest.mark.parametrize(("campaign", "text", "expected"), CASES)
def test_comment(campaign: str, text: str, expected: str) -> None:
    items, quoted = _campaign(campaign)
    assert parse_comment(text, items, quoted=quoted) == _expected(expected)


@pytest.mark.parametrize(("campaign", "text", "expected"), CASES[::7])
def test_compiled_parser_agrees_with_parse_comment(campaign: str, text: str, expected: str) -> None:
    items, quoted = _campaign(campaign)
    assert CommentParser(items).parse(text, quoted=quoted) == parse_comment(text, items, quoted=quoted)
