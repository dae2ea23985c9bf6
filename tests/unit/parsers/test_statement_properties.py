"""Property tests: random rows round-trip through every layout; random bytes raise only StatementError."""

from __future__ import annotations

from datetime import date, time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.statement import StatementError, parse_statement
from tests.factories.statements import LAYOUTS, StatementRow, with_balances, write_statement

rows = st.builds(
    StatementRow,
    date=st.dates(min_value=date(2011, 1, 1), max_value=date(2099, 12, 31)),
    amount=st.integers(min_value=1, max_value=2_000_000),
    direction=st.sampled_from(["in", "out"]),
    payer=st.from_regex(r"\A[0-9]{10,14}\Z") | st.none(),
    summary=st.sampled_from(["跨行轉入", "轉帳", "ATM", "網銀轉出", ""]),
    note=st.sampled_from(["", "王小明", "A+2 B+1", "團購"]),
    time=st.times(min_value=time(0, 0, 1)).map(lambda t: t.replace(microsecond=0)) | st.none(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.lists(rows, min_size=1, max_size=12),
    bank=st.sampled_from(sorted(LAYOUTS)),
    fmt=st.sampled_from(["csv", "xlsx"]),
    numbers_as_text=st.booleans(),
)
def test_random_rows_round_trip(body: list[StatementRow], bank: str, fmt: str, numbers_as_text: bool) -> None:
    filled = with_balances(body, opening=5_000_000)
    data = write_statement(bank=bank, fmt=fmt, rows=filled, numbers_as_text=numbers_as_text)  # type: ignore[arg-type]
    parsed = parse_statement(data).transactions
    assert [(t.date, t.amount, t.direction, t.last5, t.balance) for t in parsed] == [
        (r.date, r.amount, r.direction, r.last5, r.balance) for r in filled
    ]


@settings(max_examples=300)
@given(st.binary(max_size=2_000))
def test_random_bytes_raise_only_statement_error(data: bytes) -> None:
    try:
        parse_statement(data)
    except StatementError as exc:
        assert str(exc)


@settings(max_examples=100)
@given(st.binary(max_size=500))
def test_random_zip_like_bytes_raise_only_statement_error(data: bytes) -> None:
    try:
        parse_statement(b"PK\x03\x04" + data)
    except StatementError as exc:
        assert str(exc)


@settings(max_examples=200)
@given(st.text(max_size=400))
def test_random_text_raises_only_statement_error(text: str) -> None:
    for encoding in ("utf-8", "utf-8-sig"):
        try:
            parse_statement(text.encode(encoding, errors="replace"))
        except StatementError as exc:
            assert str(exc)


@settings(max_examples=150)
@given(
    cells=st.lists(
        st.lists(
            st.sampled_from(["交易日期", "存入", "支出", "2026/12/02", "115/1/1", "1,250", "-", "", "$5", "x"]),
            min_size=1,
            max_size=6,
        ),
        max_size=8,
    )
)
def test_random_tables_raise_only_statement_error(cells: list[list[str]]) -> None:
    text = "\n".join(",".join(row) for row in cells)
    try:
        parse_statement(text.encode())
    except StatementError as exc:
        assert str(exc)
