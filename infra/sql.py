"""SQL spelled for both databases where they differ in cost, not in meaning."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Integer, String, any_, bindparam, func, inspect, literal, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from infra.id_chunks import chunks

# psycopg turns a statement into PostgreSQL's form once and caches it only up to 50 parameters and 4 KB; a longer
# one (an IN list of 500 ids) is parsed again on every execution, milliseconds each.


def one_of(dialect: str, column: Any, values: Collection[int] | Collection[str]) -> ColumnElement[bool]:
    """Return ``column IN values``; on PostgreSQL ``column = ANY(:array)``: one parameter, however many values."""
    if dialect != "postgresql":
        return column.in_(list(values))
    items = list(values)
    kind = String() if items and isinstance(items[0], str) else Integer()
    return column == any_(literal(items, ARRAY(kind)))


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
