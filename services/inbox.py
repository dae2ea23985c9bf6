"""The webhook inbox: store each event once, then claim pending events one at a time."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db import UnitOfWork
from models import WebhookEvent
from models.base import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Recorded:
    """What storing a webhook body did."""

    stored: int
    duplicates: int
    malformed: int


def validate_event(raw: Any) -> str | None:
    """Return why a raw event cannot be stored, or None when it is well-formed."""
    if not isinstance(raw, Mapping):
        return "event is not an object"
    event_id = raw.get("webhookEventId")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 64:
        return "missing webhookEventId"
    if not isinstance(raw.get("type"), str):
        return "missing type"
    ts = raw.get("timestamp")
    if not isinstance(ts, int) or isinstance(ts, bool) or ts <= 0:
        return "missing timestamp"
    return None


def event_time(raw: Mapping[str, Any]) -> datetime:
    """Return when the user acted (the event's ``timestamp``, ms since epoch) as aware UTC."""
    return datetime.fromtimestamp(int(raw["timestamp"]) / 1000, UTC)


def record(uow: UnitOfWork, events: Iterable[Any]) -> Recorded:
    """Insert well-formed events, ignoring ones already stored (same ``webhookEventId``)."""
    stored = duplicates = malformed = 0
    insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
    for raw in events:
        problem = validate_event(raw)
        if problem:
            malformed += 1
            log.warning("skipped malformed webhook event: %s", problem)
            continue
        stmt = (
            insert(WebhookEvent)
            .values(
                webhook_event_id=raw["webhookEventId"],
                event_type=str(raw["type"])[:32],
                sent_at=event_time(raw),
                payload=json.dumps(raw, ensure_ascii=False),
                status="pending",
                attempts=0,
                received_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["webhook_event_id"])
        )
        result = uow.session.execute(stmt)
        if getattr(result, "rowcount", 1) == 0:
            duplicates += 1
        else:
            stored += 1
    return Recorded(stored=stored, duplicates=duplicates, malformed=malformed)


def claim_next(uow: UnitOfWork) -> WebhookEvent | None:
    """Lock and return the oldest pending event (by send time), or None when there is none."""
    stmt = (
        select(WebhookEvent)
        .where(WebhookEvent.status == "pending")  # type: ignore[arg-type]
        .order_by(WebhookEvent.sent_at, WebhookEvent.id)  # type: ignore[arg-type]
        .limit(1)
    )
    if uow.dialect == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return uow.session.execute(stmt).scalars().first()


def mark_done(uow: UnitOfWork, row: WebhookEvent) -> None:
    """Mark an event processed (in the same transaction as its effects)."""
    row.status = "done"
    row.attempts += 1
    row.processed_at = utcnow()
    uow.session.add(row)


def mark_failed_attempt(uow: UnitOfWork, row_id: int, error: str) -> None:
    """Count a failed attempt; after MAX_ATTEMPTS the event is parked as failed."""
    row = uow.session.get(WebhookEvent, row_id)
    if row is None:
        return
    row.attempts += 1
    row.error = error[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
    uow.session.add(row)


def pending_count(uow: UnitOfWork) -> int:
    """Return how many events wait to be processed."""
    from sqlalchemy import func

    stmt = select(func.count()).select_from(WebhookEvent).where(WebhookEvent.status == "pending")  # type: ignore[arg-type]
    return int(uow.session.execute(stmt).scalar_one())


def requeue_failed(uow: UnitOfWork) -> int:
    """Put failed events back in the queue (after a fix); return how many."""
    stmt = (
        update(WebhookEvent)
        .where(WebhookEvent.status == "failed")  # type: ignore[arg-type]
        .values(status="pending", attempts=0)
    )
    return int(getattr(uow.session.execute(stmt), "rowcount", 0))
