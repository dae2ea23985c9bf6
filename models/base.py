"""Shared column types and helpers for the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class AwareDateTime(TypeDecorator[datetime]):
    """Store datetimes as UTC and always hand back timezone-aware values (SQLite included)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; naive values are refused so no local time slips in."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what the database returns."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def aware_field(*, nullable: bool = False, index: bool = False, **kwargs: Any) -> Any:
    """Declare a timezone-aware timestamp column."""
    return Field(sa_type=AwareDateTime(), nullable=nullable, index=index, **kwargs)


def created_field() -> Any:
    """Declare a ``created_at``-style column defaulting to now."""
    return Field(default_factory=utcnow, sa_type=AwareDateTime(), nullable=False)
