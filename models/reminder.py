"""Reminders and other pushes the scheduler sends, recorded before sending."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import aware_field, created_field


class ReminderSent(SQLModel, table=True):
    """A scheduled push to one member; the unique key makes each reminder happen once."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    kind: str = Field(max_length=24)  # refill | tip | winback | vip | nps
    dedupe_key: str = Field(max_length=200)
    retry_key: str = Field(max_length=36)  # X-Line-Retry-Key (UUID) sent with the push
    due_at: datetime = aware_field()
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed | skipped
    detail: str = ""
    created_at: datetime = created_field()
    sent_at: datetime | None = aware_field(nullable=True, default=None)


class Setting(SQLModel, table=True):
    """A host-changeable setting (quiet hours, push budget, lifecycle switches), per group or global."""

    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(default="global", max_length=64)
    key: str = Field(max_length=64)
    value: str = ""
