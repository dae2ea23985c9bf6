"""LINE groups the bot is in, the hosts who run them, and group membership."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import aware_field, created_field


class Group(SQLModel, table=True):
    """A LINE group chat the bot has joined."""

    __tablename__ = "groups"

    id: int | None = Field(default=None, primary_key=True)
    line_group_id: str = Field(max_length=64, unique=True, index=True)
    name: str | None = Field(default=None, max_length=200)
    active: bool = True  # False after the bot leaves or is removed
    # How the bot confirms orders: "quote" (reply quoting each comment), "batch" (one summary), "silent".
    reply_mode: str = Field(default="quote", max_length=16)
    # Whether the bot may push (costs quota) when no reply token is at hand, e.g. a waitlist promotion.
    allow_push: bool = True
    created_at: datetime = created_field()


class Host(SQLModel, table=True):
    """A LINE user allowed to run admin commands (besides GROUPBUY_ADMINS)."""

    __tablename__ = "hosts"

    id: int | None = Field(default=None, primary_key=True)
    line_user_id: str = Field(max_length=64, unique=True, index=True)
    added_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_field()


class GroupMember(SQLModel, table=True):
    """A member seen in a group, with the display name LINE shows there."""

    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id", index=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    joined_at: datetime = created_field()
    left_at: datetime | None = aware_field(nullable=True, default=None)
