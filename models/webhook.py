"""The webhook inbox: every event LINE delivered, stored once by ``webhookEventId``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from models.base import aware_field, created_field


class WebhookEvent(SQLModel, table=True):
    """A received webhook event; ``status`` moves pending → done (or failed) exactly once."""

    __tablename__ = "webhook_events"
    # Claiming takes the oldest pending event: status first, then send order (migration 0004).
    __table_args__ = (Index("ix_webhook_events_claim", "status", "sent_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    webhook_event_id: str = Field(max_length=64, unique=True, index=True)
    event_type: str = Field(max_length=32)
    sent_at: datetime = aware_field()  # the event's own timestamp (claimed in this order: the claim index)
    payload: str = Field(sa_type=Text)
    status: str = Field(default="pending", max_length=16)  # pending | done | failed
    attempts: int = 0
    error: str | None = Field(default=None, max_length=500)
    received_at: datetime = created_field()
    processed_at: datetime | None = aware_field(nullable=True, default=None)
