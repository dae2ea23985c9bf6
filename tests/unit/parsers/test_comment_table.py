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
    """A campaign item as the comment parser sees it."""

    code: str
    name: str


CAMPAIGNS = {
    name: tuple(Item(code, title) for code, title in items)
    for name, items in json.loads((CORPUS / "campaigns.json").read_text(encoding="utf-8")).items()
}


def _intent(word: str) -> Intent:
    """Read add:A:2, cancel:A or cancel:- into an Intent."""
    action, item, *qty = word.split(":")
    return Intent(action, None if item == "-" else item, int(qty[0]) if qty else None)  # type: ignore[arg-type]


def _expected(spec: str) -> CommentResult:
    """Read the expected-result column of the table."""
    words = spec.split()
    if words[0] == "none":
        return CommentResult("none")
    if words[0] == "order":
        return CommentResult("order", tuple(_intent(w) for w in words[1:]))
    reason, rest = words[1], words[2:]
    candidates: tuple[str, ...] = ()
    if rest and rest[-1].startswith("["):
        candidates = tuple(rest.pop()[1:-1].split(","))
    return CommentResult("ask", tuple(_intent(w) for w in rest), reason, candidates)


def _cases() -> list[Any]:
    """Load the table rows as pytest params named by campaign and text."""
    rows = []
    for number, line in enumerate((CORPUS / "comments.tsv").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        campaign, text, expected = line.split("\t")
        text = text.replace("\\n", "\n")
        rows.append(pytest.param(campaign, text, expected, id=f"{number}-{campaign}-{text[:20]}"))
    return rows


CASES = _cases()


def test_table_is_large_and_covers_every_campaign() -> None:
    assert len(CASES) >= 250
    assert {case.values[0] for case in CASES} == set(CAMPAIGNS)


@pytest.mark.parametrize(("campaign", "text", "expected"), CASES)
def test_comment(campaign: str, text: str, expected: str) -> None:
    assert parse_comment(text, CAMPAIGNS[campaign]) == _expected(expected)


@pytest.mark.parametrize(("campaign", "text", "expected"), CASES[::7])
def test_compiled_parser_agrees_with_parse_comment(campaign: str, text: str, expected: str) -> None:
    assert CommentParser(CAMPAIGNS[campaign]).parse(text) == parse_comment(text, CAMPAIGNS[campaign])
