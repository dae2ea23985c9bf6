"""SQL spelled for both databases where they differ in cost, not in meaning."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, Table, any_, cast, func, insert, literal, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel

# psycopg turns a statement into PostgreSQL's form once and caches it only up to 50 parameters and 4 KB; a longer
# one (an IN list of 500 ids) is parsed again on every execution, milliseconds each. On SQLite an IN list binds one
# parameter per value, each named by SQLAlchemy and bound on every execution (~3.5 µs a value: a clock tick binds
# ~185,000), at most 999 of them on builds before 3.32.
LISTED = 100  # SQLite: up to this many values an IN list; more are one JSON parameter


def one_of(dialect: str, column: Any, values: Collection[int] | Collection[str]) -> ColumnElement[bool]:
    """Return ``column IN values``; with one parameter however many values on PostgreSQL (``column = ANY(:array)``)
    and for long lists on SQLite (``column IN (SELECT value FROM json_each(:json))``, which keeps the index)."""
    items = list(values)
    if not items:
        return column.in_([])  # false (an empty array would need the column's type on PostgreSQL)
    if dialect != "postgresql":
        if len(items) <= LISTED:
            return column.in_(items)
        listed = func.json_each(literal(json.dumps(items, ensure_ascii=False), String())).table_valued("value")
        return column.in_(select(listed.c.value))
    kind = String() if isinstance(items[0], str) else Integer()
    return column == any_(literal(items, ARRAY(kind)))


def insert_returning(conn: Connection, model: type[SQLModel], rows: Sequence[Mapping[str, Any]],
                     returning: Sequence[str]) -> list[Row[Any]]:
    """Insert ``rows`` (dicts of the same columns) into a model's table; return their ``returning`` columns, in no
    set order. Values are JSON's own kinds (text, numbers, booleans, None) or aware timestamps.

    PostgreSQL: one ``INSERT … SELECT FROM json_populate_recordset(NULL::table, :rows)``, the rows one JSON
    parameter (a VALUES list of 500 rows is 4,000 parameters, which psycopg parses again on every execution, and
    text arrays cost psycopg a regular expression per element); elsewhere a plain executemany.
    """
    if not rows:
        return []
    table: Table = model.__table__  # type: ignore[attr-defined]
    back = [table.c[name] for name in returning]
    if conn.dialect.name != "postgresql":
        return list(conn.execute(insert(table).returning(*back), list(rows)).all())
    names = list(rows[0])
    stamps = [name for name in names if isinstance(getattr(table.c[name].type, "impl", table.c[name].type), DateTime)]
    doc = json.dumps([{**row, **{name: _utc_text(row[name]) for name in stamps}} for row in rows], ensure_ascii=False)
    record: ColumnElement[Any] = literal_column(f"NULL::{conn.dialect.identifier_preparer.format_table(table)}")
    source = func.json_populate_recordset(record, cast(literal(doc, String()), JSON)).table_valued(*names)
    stmt = insert(table).from_select(names, select(*(source.c[name] for name in names))).returning(*back)
    return list(conn.execute(stmt).all())


def _utc_text(value: datetime | None) -> str | None:
    """Return a timestamp as UTC ISO text, for PostgreSQL to read back from JSON (aware ones only)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime stored; use an aware datetime")
    return value.astimezone(UTC).isoformat()
