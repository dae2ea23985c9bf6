"""SQL spelled for both databases where they differ in cost, not in meaning."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Integer, String, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

# psycopg turns a statement into PostgreSQL's form once and caches it only up to 50 parameters and 4 KB; a longer
# one (an IN list of 500 ids) is parsed again on every execution, milliseconds each.


def one_of(dialect: str, column: Any, values: Collection[int] | Collection[str]) -> ColumnElement[bool]:
    """Return ``column IN values``; on PostgreSQL ``column = ANY(:array)``: one parameter, however many values."""
    if dialect != "postgresql":
        return column.in_(list(values))
    items = list(values)
    kind = String() if items and isinstance(items[0], str) else Integer()
    return column == any_(literal(items, ARRAY(kind)))
