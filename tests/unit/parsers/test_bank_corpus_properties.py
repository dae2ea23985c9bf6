"""Property tests over the bank corpus: what surrounds the movements never changes the movements read.

Dropping or reordering preamble and footer lines, the token written on the empty amount side, the after-hours
``*`` mark (玉山, 兆豐) and (for CSV banks) the encoding are varied; the movements must equal those read from the
bank's own rendering, which equal the corpus' expected movements.
"""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.statement import parse_statement
from tests.factories.bank_files import line_counts, movements, render
from tests.factories.bank_layouts import BANKS, expected_movements

PLACEHOLDERS = ("", " ", "-", "−", "－", "—", "\xa0")
ENCODINGS = ("utf-8", "utf-8-sig", "cp950", "big5", "utf-16", "utf-16-le", "utf-16-be")
def _read(key: str, data: bytes) -> list[dict[str, object]]:
    return movements(parse_statement(data, BANKS[key].filename))


@cache
def baseline(key: str) -> list[dict[str, object]]:
    """The movements read from the bank's own rendering."""
    found = _read(key, render(key))
    assert len(found) == 8
    return found


def _lines(n: int) -> st.SearchStrategy[list[int]]:
    """Some of ``n`` lines, in any order."""
    return st.lists(st.integers(0, n - 1), unique=True, max_size=n) if n else st.just([])


def _writable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@st.composite
def variants(draw: st.DrawFn, key: str, encoding: str | None = None) -> tuple[list[int], list[int], str]:
    """Which preamble and footer lines, in what order, and the empty-side token (one the encoding can write)."""
    pre, foot = line_counts(key)
    bank = BANKS[key]
    tokens = [p for p in PLACEHOLDERS if bank.kind != "csv" or _writable(p, encoding or bank.encoding)]
    return draw(_lines(pre)), draw(_lines(foot)), draw(st.sampled_from(tokens))


@pytest.mark.parametrize("key", sorted(BANKS))
@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_preamble_footer_and_placeholder_never_change_the_movements(key: str, data: st.DataObject) -> None:
    preamble, footer, blank = data.draw(variants(key))
    rendered = render(key, preamble=preamble, footer=footer, blank=blank, stars=data.draw(st.booleans()))
    assert _read(key, rendered) == baseline(key)


@cache
def _encodable(key: str, encoding: str) -> bool:
    try:
        render(key, encoding=encoding)
    except UnicodeEncodeError:
        return False
    return True


CSV_BANKS = sorted(key for key, bank in BANKS.items() if bank.kind == "csv")


@pytest.mark.parametrize("key", CSV_BANKS)
@settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_csv_encoding_never_changes_the_movements(key: str, data: st.DataObject) -> None:
    encoding = data.draw(st.sampled_from([e for e in ENCODINGS if _encodable(key, e)]))
    preamble, footer, blank = data.draw(variants(key, encoding))
    rendered = render(key, preamble=preamble, footer=footer, blank=blank, encoding=encoding)
    assert _read(key, rendered) == baseline(key)


def test_every_csv_bank_is_tried_in_big5_or_utf_16() -> None:
    for key in CSV_BANKS:
        assert _encodable(key, "utf-16-le")
    assert sum(_encodable(key, "big5") for key in CSV_BANKS) >= 5


@pytest.mark.parametrize("key", sorted(BANKS))
def test_the_baseline_is_the_expected_reading(key: str) -> None:
    """The bank's own rendering reads as what a correct reader finds."""
    assert baseline(key) == expected_movements(key)
