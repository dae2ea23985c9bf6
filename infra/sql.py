"""SQL spelled for both databases where they differ in cost, not in meaning."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    Table,
    any_,
    bindparam,
    cast,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel

from infra.id_chunks import chunks

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


def id_lists(dialect: str, ids: Iterable[int]) -> Iterator[list[int]]:
    """Yield the distinct ids, sorted, in lists for ``one_of``: ``id_chunks.chunks`` of them, on PostgreSQL all in one
    (one array parameter however many: a query per 900 ids was a round trip and a scan each)."""
    if dialect != "postgresql":
        yield from chunks(ids)
        return
    ordered = sorted(set(ids))
    if ordered:
        yield ordered


def update_by_id(session: Session, model: type[Any], rows: Sequence[Mapping[str, Any]]) -> None:
    """Set each row's values on the ``model`` row of its ``id`` (every row the same keys), in one statement.

    SQLite: one executemany. PostgreSQL: one ``UPDATE ... FROM unnest(arrays)`` (psycopg's executemany sends
    one statement per row: 10,000 rows took half a second). The objects of these rows the session holds take the
    values as stored (as if loaded after the UPDATE); changes of theirs not yet flushed are flushed first.
    """
    if not rows:
        return
    session.flush()
    table = model.__table__
    keys = [key for key in rows[0] if key != "id"]
    if session.get_bind().dialect.name == "postgresql":
        arrays = (literal([row[key] for row in rows], ARRAY(table.c[key].type)) for key in ["id", *keys])
        new = func.unnest(*arrays).table_valued("id", *keys).render_derived(name="new")
        session.execute(update(table).where(table.c.id == new.c.id).values({key: new.c[key] for key in keys}))
    else:  # bound as "row_id" and "new_<key>": an UPDATE's own column names are taken by its SET clause
        names = {"id": "row_id", **{key: f"new_{key}" for key in keys}}
        stmt = update(table).where(table.c.id == bindparam("row_id")).values({key: bindparam(names[key]) for key in keys})
        session.execute(stmt, [{names[key]: value for key, value in row.items()} for row in rows])
    mapper = inspect(model)
    held = session.identity_map
    for row in rows:
        obj = held.get(mapper.identity_key_from_primary_key((row["id"],)))
        if obj is not None:
            for key in keys:
                set_committed_value(obj, key, row[key])
