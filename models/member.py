"""Members (LINE users), their tags and survey answers."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import aware_field, created_field


class Member(SQLModel, table=True):
    """A LINE user known to the bot, in any group or 1:1."""

    __tablename__ = "members"

    id: int | None = Field(default=None, primary_key=True)
    line_user_id: str = Field(max_length=64, unique=True, index=True)
    display_name: str | None = Field(default=None, max_length=200)
    profile_fetched_at: datetime | None = aware_field(nullable=True, default=None)
    is_friend: bool = False  # has added the bot as a friend (follow); pushes only go to friends
    reminders_opt_out: bool = False
    household_size: int | None = None  # 1..5 (5 = five or more)
    freezer_size: str | None = Field(default=None, max_length=8)  # small | medium | large
    meals_per_week: str | None = Field(default=None, max_length=8)  # "1" | "2" | "3-4" | "5+"
    survey_step: str | None = Field(default=None, max_length=32)  # question awaiting an answer, if any
    survey_completed_at: datetime | None = aware_field(nullable=True, default=None)
    survey_invited_at: datetime | None = aware_field(nullable=True, default=None)  # last "add me as a friend" invite
    birthday_month: int | None = None
    created_at: datetime = created_field()


class MemberTag(SQLModel, table=True):
    """A tag on a member: from the survey, the host, or proposed from the member's own words."""

    __tablename__ = "member_tags"
    __table_args__ = (UniqueConstraint("member_id", "tag"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    tag: str = Field(max_length=50)
    source: str = Field(default="host", max_length=16)  # survey | host | proposed
    accepted: bool = True  # proposed tags wait for the host
    added_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_field()


class SurveyAnswer(SQLModel, table=True):
    """One answer to one onboarding question (the history; the member row holds the latest)."""

    __tablename__ = "survey_answers"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    question: str = Field(max_length=32)  # household_size | freezer_size | meals_per_week | nps
    answer: str | None = Field(default=None, max_length=64)  # None = skipped
    answered_at: datetime = created_field()
