"""Campaigns (開團) and their items."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import aware_field, created_field


class Campaign(SQLModel, table=True):
    """One group buy opened in a group by a host."""

    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="groups.id", index=True)
    title: str = Field(max_length=200)
    announcement: str = ""
    status: str = Field(default="open", max_length=16, index=True)  # open | closed | cancelled
    deadline: datetime | None = aware_field(nullable=True, default=None)
    delivery_date: date | None = None
    opened_by: str = Field(max_length=64)
    source_message_id: str | None = Field(default=None, max_length=64)
    opened_at: datetime = created_field()
    closed_at: datetime | None = aware_field(nullable=True, default=None)
    # After the cutoff (/到貨): when the goods arrived, and where and until when buyers pick them up.
    arrived_at: datetime | None = aware_field(nullable=True, default=None)
    pickup_place: str | None = Field(default=None, max_length=200)
    pickup_time: str | None = Field(default=None, max_length=200)  # as the host wrote it: 12/8(二) 18:00-21:00
    pickup_date: date | None = None  # the first pickup day, when one could be read (groups the shipping list)
    pickup_deadline: datetime | None = aware_field(nullable=True, default=None)  # after it, no-shows are counted


class Item(SQLModel, table=True):
    """An item of a campaign, with its code (A, B, 1…), price and optional stock limit."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    code: str = Field(max_length=8)
    name: str = Field(max_length=200)
    price: int | None = None
    stock_limit: int | None = None
    unit: str | None = Field(default=None, max_length=16)
    position: int = 0
    tiers: str = "[]"  # bundle prices as JSON [[qty, price], ...]: 2包420元 -> [[2, 420]] (services.pricing reads it)
    per_member_limit: int | None = None  # 每人限購2: the most one member may have, not stock
    minimum: int | None = None  # 滿100個成團: the campaign goes ahead only with this many confirmed
    variant_names: str = "[]"  # 口味/尺寸 choices as JSON ["原味", "辣味"] (services.variants reads it)
    variant_limits: str = "{}"  # stock per choice as JSON {"辣味": 10}, beside or instead of stock_limit
    shortage: int = 0  # /缺貨: how many fewer the supplier delivered (already cut from the order lines)
