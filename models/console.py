"""Sign-in links to the host's console: one-time, short-lived, bound to one host."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import aware_field, created_field


class ConsoleToken(SQLModel, table=True):
    """A sign-in link's token, stored as its SHA-256 (the link itself is never stored)."""

    __tablename__ = "console_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    host_user_id: str = Field(max_length=64, index=True)
    expires_at: datetime = aware_field()
    used_at: datetime | None = aware_field(nullable=True, default=None)
    created_at: datetime = created_field()
