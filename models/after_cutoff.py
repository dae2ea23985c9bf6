"""After the cutoff: who did not pick up (no-shows), who the host blocked, and notices sent once per campaign."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import aware_field, created_field


class NoShow(SQLModel, table=True):
    """A member who did not pick up a campaign's items by its pickup deadline; one row per (member, campaign)."""

    __tablename__ = "no_shows"
    __table_args__ = (UniqueConstraint("member_id", "campaign_id", name="uq_no_shows_member_campaign"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")
    campaign_id: int = Field(foreign_key="campaigns.id")
    group_id: int = Field(foreign_key="groups.id", index=True)
    qty: int = 0  # items left behind
    amount: int = 0  # NT$ of those items
    created_at: datetime = created_field()


class MemberBlock(SQLModel, table=True):
    """A member the host blocked in a group (黑名單): their comments change nothing there."""

    __tablename__ = "member_blocks"
    __table_args__ = (UniqueConstraint("group_id", "member_id", name="uq_member_blocks_group_member"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id")
    member_id: int = Field(foreign_key="members.id", index=True)
    reason: str = Field(default="", max_length=200)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_field()


class CampaignNotice(SQLModel, table=True):
    """A notice a campaign sends at most once (closing soon on a reply or as a push), recorded before sending."""

    __tablename__ = "campaign_notices"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    kind: str = Field(max_length=24)  # closing_reply | closing_push
    dedupe_key: str = Field(max_length=120, unique=True)
    retry_key: str | None = Field(default=None, max_length=36)  # X-Line-Retry-Key of a push
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed
    detail: str = Field(default="", sa_type=Text)
    created_at: datetime = created_field()
    sent_at: datetime | None = aware_field(nullable=True, default=None)
