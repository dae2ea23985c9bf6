"""Benchmark the money parsers: payment reports/second and statement rows/second (CSV and XLSX)."""

from __future__ import annotations

import logging
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from parsers.payment import parse_payment
from parsers.statement import parse_statement
from tests.factories.statements import StatementRow, with_balances, write_statement

log = logging.getLogger("bench.parsers_money")

REPORTS = [
    "已匯款 後五碼12345 金額540",
    "匯款完成，末五碼：54321，$720",
    "已轉帳 帳號後5碼 00888 共1,250元",
    "已匯款\n後五碼：12345\n金額：540",
    "已匯款540元",
    "A+2 B+1",
    "請問匯款帳號是？",
    "謝謝團主，今天的高麗菜很好吃！",
]


def bench_payments(seconds: float = 1.0) -> float:
    """Return payment comments parsed per second, in process."""
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in REPORTS:
            parse_payment(text)
        count += len(REPORTS)
    return count / (time.perf_counter() - start)


def big_rows(n: int) -> list[StatementRow]:
    """Return ``n`` plausible statement rows: mostly transfers in, some withdrawals."""
    start = date(2026, 1, 1)
    rows = [
        StatementRow(
            start + timedelta(days=i // 20),
            100 + (i * 37) % 5000,
            "out" if i % 10 == 0 else "in",
            payer=None if i % 10 == 0 else f"{822000000000 + i:016d}",
            summary="ATM提款" if i % 10 == 0 else "跨行轉入",
        )
        for i in range(n)
    ]
    return with_balances(rows, opening=10_000_000)


def bench_statement(fmt: str, rows: list[StatementRow]) -> tuple[float, float]:
    """Return (rows/second, seconds) to parse a statement of ``rows`` in ``fmt``."""
    data = write_statement(bank="cathay", fmt=fmt, rows=rows)  # type: ignore[arg-type]
    start = time.perf_counter()
    parsed = parse_statement(data)
    elapsed = time.perf_counter() - start
    assert len(parsed.transactions) == len(rows)
    return len(rows) / elapsed, elapsed


def main() -> None:
    """Run every benchmark and log the figures."""
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    log.info("payment reports: %.0f/s", bench_payments())
    rows = big_rows(5_000)
    for fmt in ("csv", "xlsx"):
        rate, elapsed = bench_statement(fmt, rows)
        log.info("statement %s, %d rows: %.0f rows/s (%.2f s)", fmt, len(rows), rate, elapsed)


if __name__ == "__main__":
    main()
