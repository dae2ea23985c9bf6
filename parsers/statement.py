"""Read a bank statement file (CSV, XLSX, XLS, HTML or XML "Excel", any Taiwanese bank's layout) into transactions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from parsers.statement_cells import parse_date
from parsers.statement_columns import Header, find_header
from parsers.statement_errors import MissingColumns, StatementError
from parsers.statement_preamble import PdfStatement, detect_account, detect_bank
from parsers.statement_read import read_tables
from parsers.statement_rows import Transaction, cell_at, read_transactions
from parsers.statement_table import Row, Table, is_blank

__all__ = ["MissingColumns", "PdfStatement", "Statement", "StatementError", "Transaction", "parse_statement"]

Format = Literal["csv", "xlsx", "xls", "html"]


@dataclass(frozen=True)
class Statement:
    """A parsed statement: its transactions in file order, the bank and the host's own account."""

    transactions: tuple[Transaction, ...]
    bank: str | None
    account: str | None
    format: Format = "csv"
    header_row: int = 1
    layout: str = ""  # the header's fingerprint, the key of a host's column mapping
    has_payer_column: bool = True
    columns: tuple[str, ...] = ()  # the header's names as shown, for the host's /對帳欄位 mapping


def parse_statement(data: bytes, filename: str | None = None,
                    layouts: Mapping[str, Mapping[str, int]] | None = None) -> Statement:
    """Parse statement bytes (format judged from the content; ``filename`` is only a hint for the bank).

    ``layouts`` holds the column mappings hosts gave for headers the reader could not map itself.
    When a file has several tables (sheets, HTML tables), the one with the most movements is read.
    """
    try:
        tables, kind = read_tables(data)
    except PdfStatement as exc:
        raise PdfStatement(detect_bank([], filename)) from exc
    found: list[tuple[int, Table, Header, list[Transaction]]] = []
    refusals: list[tuple[int, StatementError]] = []  # the most telling first: a bad row, a header short of a column
    for order, table in enumerate(tables):
        try:
            header = _settled(table.rows, find_header(table.rows, layouts, table.name))
        except StatementError as exc:
            refusals.append((1 if isinstance(exc, MissingColumns) else 0, exc))
            continue
        try:
            found.append((order, table, header, read_transactions(table.rows, header)))
        except StatementError as exc:
            refusals.append((2, exc))
    if not found:
        refusal = max(refusals, key=lambda r: r[0])[1]
        if isinstance(refusal, MissingColumns):
            raise MissingColumns(refusal.layout, detect_bank(_all_rows(tables), filename))
        raise refusal
    order, table, header, transactions = max(found, key=lambda f: (len(f[3]), -f[0]))
    context = [*table.rows[: header.index], *(row for other in tables if other is not table for row in other.rows[:40])]
    columns = header.columns
    return Statement(
        transactions=tuple(transactions),
        bank=detect_bank(context, filename),
        account=detect_account(context),
        format=kind,  # type: ignore[arg-type]
        header_row=header.index + 1,
        layout=header.fingerprint,
        has_payer_column=bool(columns.account or columns.memo or columns.name),
        columns=header.names,
    )


def _settled(rows: Sequence[Row], header: Header) -> Header:
    """Read a 時間 column that holds whole dates (兆豐's 交易時間) as the date column."""
    columns = header.columns
    if columns.time is None:
        return header
    sample = [cell_at(row, columns.time) for row in rows[header.index + 1 : header.index + 21]]
    sample = [cell for cell in sample if not is_blank(cell)]
    dated = [found for found in map(parse_date, sample) if found is not None]
    if sample and len(dated) * 2 > len(sample):
        return replace(header, columns=replace(columns, date=columns.time, time=None))
    return header


def _all_rows(tables: Sequence[Table]) -> list[Row]:
    """Return the first rows of every table, where a bank names itself."""
    return [row for table in tables for row in table.rows[:40]]
