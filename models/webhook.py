"""The webhook inbox: every event LINE delivered, stored once by ``webhookEventId``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from models.base import aware_field, created_field


class WebhookEvent(SQLModel, table=True):
    """A received webhook event; ``status`` moves pending → done (or failed) exactly once.

    On PostgreSQL (and an in-memory SQLite database) the table is in the main database and an event is marked done
    in the transaction of its effects. A SQLite file keeps its inbox in a file of its own beside it
    (``infra.inbox_db``), so that the webhook's inserts never wait for the worker's batches; there this table in the
    main file stays empty and :class:`AppliedEvent` makes the batch and its "done" one.
    """

    __tablename__ = "webhook_events"
    # A worker finds the oldest pending event (0004), then claims a batch of that chat's pending events in send
    # order (0008).
    __table_args__ = (
        Index("ix_webhook_events_claim", "status", "sent_at", "id"),
        Index("ix_webhook_events_claim_chat", "status", "chat_key", "sent_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    webhook_event_id: str = Field(max_length=64, unique=True, index=True)
    event_type: str = Field(max_length=32)
    chat_key: str = Field(default="", max_length=64)  # the group, room or user the event came from ("" when none)
    sent_at: datetime = aware_field()  # the event's own timestamp (claimed in this order: the claim index)
    payload: str = Field(sa_type=Text)
    status: str = Field(default="pending", max_length=16)  # pending | done | failed
    attempts: int = 0
    error: str | None = Field(default=None, max_length=500)
    received_at: datetime = created_field()
    processed_at: datetime | None = aware_field(nullable=True, default=None)


class AppliedEvent(SQLModel, table=True):
    """An event applied to this database while its inbox (a SQLite file of its own) may still call it pending.

    Written in the transaction of the event's effects; the worker marks the event done in the inbox after commit and
    then deletes this row. A worker stopped in between finds the row when it claims the event again, and only marks
    it done: nothing is applied twice.
    """

    __tablename__ = "applied_events"

    webhook_event_id: str = Field(max_length=64, primary_key=True)
    applied_at: datetime = created_field()


class OwedConfirmation(SQLModel, table=True):
    """An order confirmation a member is owed: written with the order change, deleted once LINE accepted it.

    A worker stopped between commit and reply leaves the row, and the next reply in that chat carries it (folded,
    naming the member and their current order); so does a reply token too old to use.
    """

    __tablename__ = "owed_confirmations"

    id: int | None = Field(default=None, primary_key=True)
    chat_key: str = Field(max_length=64, index=True)  # the LINE group (or room) id
    user_id: str = Field(max_length=64)
    member_id: int
    campaign_id: int
    reply_token: str | None = Field(default=None, max_length=255)  # of the comment being confirmed
    token_at: datetime = aware_field()  # when LINE delivered that token (it is good for about a minute)
    created_at: datetime = created_field()
