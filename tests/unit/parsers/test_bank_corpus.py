"""The bank-statement corpus (issue #20): one download per bank, laid out as the bank exports it.

Each fixture in tests/fixtures/statements must parse to exactly its expected movements, bank and format, and
must still be what the factory renders (tests/factories/bank_files.py), so fixtures and factory cannot drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers.statement import parse_statement
from parsers.statement_read import read_tables
from tests.factories.bank_files import expected, movements, render
from tests.factories.bank_layouts import BANKS

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "statements"
EXPECTED = sorted((CORPUS / "expected").glob("*.json"))

# Parser bugs the corpus shows (parsers/ is not changed here); each case turns into a failure once fixed.
KNOWN_BUGS: dict[str, str] = {}  # bank -> why its fixture does not read right yet (strict xfail)


def _case(path: Path) -> Any:
    key = path.stem
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[key])] if key in KNOWN_BUGS else []
    return pytest.param(key, id=key, marks=marks)


CASES = [_case(path) for path in EXPECTED]


def _load(key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CORPUS / "expected" / f"{key}.json").read_text(encoding="utf-8"))
    return data


def test_the_corpus_has_one_download_per_bank() -> None:
    assert sorted(path.stem for path in EXPECTED) == sorted(BANKS)
    files = {path.name for path in CORPUS.iterdir() if path.is_file()} - {"SOURCES.md"}
    assert files == {bank.filename for bank in BANKS.values()}
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    for bank in BANKS.values():
        assert f"`{bank.filename}`" in sources


@pytest.mark.parametrize("key", CASES)
def test_fixture_parses_to_its_expected_movements(key: str) -> None:
    want = _load(key)
    statement = parse_statement((CORPUS / want["file"]).read_bytes(), want["file"])
    assert movements(statement) == want["movements"]
    assert (statement.bank, statement.format) == (want["bank"], want["format"])


@pytest.mark.parametrize("key", [pytest.param(key, id=key) for key in sorted(BANKS)])
def test_expected_json_is_what_the_factory_states(key: str) -> None:
    assert _load(key) == expected(key)


@pytest.mark.parametrize("key", [pytest.param(key, id=key) for key in sorted(BANKS) if BANKS[key].kind not in ("xls", "xlsx")])
def test_text_fixture_is_what_the_factory_renders(key: str) -> None:
    assert (CORPUS / BANKS[key].filename).read_bytes() == render(key)


@pytest.mark.parametrize("key", [pytest.param(key, id=key) for key in sorted(BANKS) if BANKS[key].kind in ("xls", "xlsx")])
def test_workbook_fixture_reads_like_the_factory_rendering(key: str) -> None:
    """Workbooks carry timestamps, so compare the cells they hold and what they read as, not their bytes."""
    bank = BANKS[key]
    old, new = read_tables((CORPUS / bank.filename).read_bytes()), read_tables(render(key))
    assert [(t.name, t.rows) for t in old[0]] == [(t.name, t.rows) for t in new[0]] and old[1] == new[1]
    committed = parse_statement((CORPUS / bank.filename).read_bytes(), bank.filename)
    fresh = parse_statement(render(key), bank.filename)
    assert movements(committed) == movements(fresh)
    assert (committed.bank, committed.format, committed.account) == (fresh.bank, fresh.format, fresh.account)
