"""Benchmark bank-statement files as a host sends them: a 50,000-row statement in every format, and hostile files.

User-visible result first: every movement read right (count, deposits with the payer's last five digits, the sum
of deposits) and the seconds until the reader is done, per format (an XLSX with formulas goes the slower openpyxl
way); then how fast oversized files and a zip bomb disguised as XLSX are refused, with the message the host gets.
Run: ``python bench/statements.py [--rows N] [--runs N] [--memory]``.
"""

from __future__ import annotations

import argparse
import csv
import html
import io
import logging
import sys
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.parsers_money import big_rows
from parsers.statement import StatementError, parse_statement
from parsers.statement_table import MAX_BYTES
from tests.factories.statements import StatementRow, write_statement

log = logging.getLogger("bench.statements")


def as_table(rows: list[StatementRow]) -> list[list[str]]:
    """Return the Cathay layout's cells (title, preamble, header, rows, footer) as text."""
    text = write_statement(bank="cathay", rows=rows, encoding="utf-8").decode("utf-8")
    return [list(line) for line in csv.reader(io.StringIO(text))]


def as_xls(table: list[list[str]]) -> bytes:
    """Render the table as a legacy Excel 97-2003 workbook."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("交易明細")
    for r, line in enumerate(table):
        for c, cell in enumerate(line):
            sheet.write(r, c, cell)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_html(table: list[list[str]]) -> bytes:
    """Render the table as the HTML page some banks serve with an .xls name."""
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c) or '&nbsp;'}</td>" for c in line) + "</tr>\n" for line in table)
    page = f'<html><head><meta charset="utf-8"></head><body><table border="1">\n{body}</table></body></html>'
    return page.encode("utf-8")


def formats(rows: list[StatementRow]) -> dict[str, bytes]:
    """Return the statement in every format the reader takes."""
    table = as_table(rows)
    return {
        "csv utf-8": write_statement(bank="cathay", rows=rows, encoding="utf-8"),
        "csv big5": write_statement(bank="cathay", rows=rows, encoding="cp950"),
        "csv utf-16": write_statement(bank="cathay", rows=rows, encoding="utf-16"),
        "xlsx": write_statement(bank="cathay", fmt="xlsx", rows=rows),
        "xlsx formulas": with_formula(write_statement(bank="cathay", fmt="xlsx", rows=rows)),
        "xls": as_xls(table),
        "html .xls": as_html(table),
    }


def with_formula(data: bytes) -> bytes:
    """Return the workbook with one formula cell, so it is read by the openpyxl path (formulas' texts)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    sheet.cell(row=1, column=12, value='="x"')
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bomb(unpacked_mb: int = 200) -> bytes:
    """Return an XLSX-looking zip whose one sheet unpacks to ``unpacked_mb`` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"0" * (1024 * 1024)
            for _ in range(unpacked_mb):
                sheet.write(chunk)
    return out.getvalue()


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Return (seconds, result or the exception raised)."""
    start = time.perf_counter()
    try:
        result: object = fn()
    except StatementError as exc:
        result = exc
    return time.perf_counter() - start, result


def main() -> None:
    """Print, per format, whether every movement was read and how long it took; then the refusals."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per format")
    parser.add_argument("--memory", action="store_true", help="also trace the peak memory of one run per format")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    rows = big_rows(args.rows)
    want_in = sum(r.amount for r in rows if r.direction == "in")
    want_payers = sum(1 for r in rows if r.last5)
    log.info("statement of %d rows (%d deposits with a payer, NT$%s in)", len(rows), want_payers, f"{want_in:,}")
    log.info("%-14s %7s %10s %8s %6s %22s", "format", "size", "movements", "payers", "right", "seconds min/median/max")
    for name, data in formats(rows).items():
        runs = [timed(lambda data=data: parse_statement(data, "statement")) for _ in range(args.runs)]  # type: ignore[misc]
        parsed = runs[0][1]
        if isinstance(parsed, StatementError):
            log.info("%-14s refused: %s", name, parsed)
            continue
        txs = parsed.transactions  # type: ignore[attr-defined]
        got_in = sum(t.amount for t in txs if t.direction == "in")
        right = len(txs) == len(rows) and got_in == want_in and sum(1 for t in txs if t.last5) == want_payers
        seconds = sorted(run[0] for run in runs)
        log.info("%-14s %6.1fM %10d %8d %6s %9.2f / %.2f / %.2f", name, len(data) / 1e6, len(txs),
                 sum(1 for t in txs if t.last5), "yes" if right else "NO", seconds[0], seconds[len(seconds) // 2],
                 seconds[-1])
        if args.memory:
            tracemalloc.start()
            parse_statement(data, "statement")
            log.info("%-14s peak traced memory %.0f MB (a separate, slower run)", "", tracemalloc.get_traced_memory()[1] / 1e6)
            tracemalloc.stop()
    bomb = zip_bomb()
    for name, data in (("zip bomb (200 MB unpacked)", bomb), ("oversized CSV", b"x" * (MAX_BYTES + 1))):
        seconds, outcome = timed(lambda data=data: parse_statement(data))  # type: ignore[misc]
        log.info("%s, %.1f MB sent: refused in %.0f ms: %s", name, len(data) / 1e6, seconds * 1000, outcome)


if __name__ == "__main__":
    main()
