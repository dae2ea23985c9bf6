"""The order book: order lines (one per comment that added quantity), the ledger of changes, and what each
message asked for (so a late-arriving earlier message can be put back in send order)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel

from models.base import aware_field, created_field


class OrderLine(SQLModel, table=True):
    """Quantity one comment asked for of one item; stock is allocated to lines in send order."""

    __tablename__ = "order_lines"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaigns.id", index=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    qty: int = 0  # what the member still wants from this line
    confirmed_qty: int = 0  # of qty, what stock was allocated to; the rest is waitlisted (候補)
    source_message_id: str | None = Field(default=None, max_length=64, index=True)
    sent_at: datetime = aware_field(index=True)  # the webhook event timestamp: when the member sent it
    note: str | None = Field(default=None, max_length=200)  # what the member wrote beside the order: 不要辣
    variant: str | None = Field(default=None, max_length=40)  # the choice of an item with variants: 辣味
    # 代訂: a line placed for someone else. For a group member it is theirs (member_id) and ordered_by is who
    # placed it; for anyone else it stays the placer's (who owes it) with the guest's name.
    guest_name: str | None = Field(default=None, max_length=60)
    ordered_by: int | None = Field(default=None, foreign_key="members.id", index=True)
    pickup_status: str = Field(default="pending", max_length=16)  # pending | picked | no_show
    picked_up_at: datetime | None = aware_field(nullable=True, default=None)
    created_at: datetime = created_field()


class OrderChange(SQLModel, table=True):
    """One change to one line, tied to the message that caused it (so unsend/edit can undo it)."""

    __tablename__ = "order_changes"

    id: int | None = Field(default=None, primary_key=True)
    line_id: int | None = Field(default=None, foreign_key="order_lines.id", index=True, nullable=False)
    # The line changed: set it instead of line_id for a line not yet flushed (both go in the next flush, batched).
    line: OrderLine | None = Relationship(sa_relationship=relationship(OrderLine, lazy="raise"))
    delta: int
    action: str = Field(max_length=16)  # add | set | remove | cancel | revert | host
    source_message_id: str | None = Field(default=None, max_length=64, index=True)
    reverted: bool = False
    created_at: datetime = created_field()


class OrderRequest(SQLModel, table=True):
    """What one message asked of one campaign's book, as read (intents as JSON), in force until unsent or edited.

    When a member's message arrives after their later ones were applied (LINE redelivers a body only after it
    failed), those later requests are undone and replayed after it, so the book follows send order.
    """

    __tablename__ = "order_requests"
    # A comment looks up the member's requests sent after it in this campaign (migration 0005).
    __table_args__ = (Index("ix_order_requests_member_sent", "campaign_id", "member_id", "sent_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=64, unique=True, index=True)
    campaign_id: int = Field(foreign_key="campaigns.id")
    member_id: int = Field(foreign_key="members.id")
    sent_at: datetime = aware_field()  # when the member sent it (an edit: when they edited it)
    intents: str = Field(sa_type=Text)  # [[action, item code or null, qty or null], ...]
    created_at: datetime = created_field()
