"""The webhook inbox: store each event once, then claim one chat's pending events at a time, in send order."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.engine import Connection, Dialect
from sqlmodel import col

from infra.db import UnitOfWork
from infra.sql import one_of
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


def chat_of(raw: Mapping[str, Any]) -> str:
    """Return the group, room or user an event came from ("" when it names none): its events are applied in order."""
    source = raw.get("source")
    if not isinstance(source, Mapping):
        return ""
    key = source.get("groupId") or source.get("roomId") or source.get("userId") or ""
    return str(key)[:64]


def event_time(raw: Mapping[str, Any]) -> datetime:
    """Return when the user acted (the event's ``timestamp``, ms since epoch) as aware UTC."""
    return datetime.fromtimestamp(int(raw["timestamp"]) / 1000, UTC)


ROWS_PER_STATEMENT = 500  # 6 parameters a row, well under SQLite's 32,766
_COLUMNS = ("webhook_event_id", "event_type", "chat_key", "sent_at", "payload", "received_at")  # sent as parameters
# The same for every new row: written into the SQL, so that a row takes only the parameters above.
_CONSTANTS = (("status", "'pending'"), ("attempts", "0"))


@dataclass(frozen=True)
class Prepared:
    """A webhook body's rows, ready to insert (built before the write transaction, to keep it short)."""

    rows: list[dict[str, Any]]
    malformed: int


def prepare(events: Iterable[Any]) -> Prepared:
    """Validate a body's events and turn the well-formed ones into inbox rows."""
    rows: list[dict[str, Any]] = []
    malformed = 0
    received = utcnow()
    for raw in events:
        problem = validate_event(raw)
        if problem:
            malformed += 1
            log.warning("skipped malformed webhook event: %s", problem)
            continue
        rows.append({
            "webhook_event_id": raw["webhookEventId"], "event_type": str(raw["type"])[:32], "chat_key": chat_of(raw),
            "sent_at": event_time(raw), "payload": json.dumps(raw, ensure_ascii=False), "received_at": received,
        })
    return Prepared(rows, malformed)


def insert_bodies(conn: Connection, bodies: Sequence[Prepared]) -> list[Recorded]:
    """Insert the rows of several bodies (in ``conn``'s transaction); return what happened to each body.

    An event id already stored, or seen earlier in the same call, counts as a duplicate of the body that repeats it.
    """
    rows = [row for body in bodies for row in body.rows]
    inserted: set[str] = set()
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        inserted.update(_insert_rows(conn, rows[start : start + ROWS_PER_STATEMENT]))
    results = []
    for body in bodies:
        stored = 0
        for row in body.rows:
            if row["webhook_event_id"] in inserted:
                inserted.discard(row["webhook_event_id"])  # a second copy in the same call is a duplicate
                stored += 1
        results.append(Recorded(stored, len(body.rows) - stored, body.malformed))
    return results


def _insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> list[str]:
    """``INSERT … ON CONFLICT DO NOTHING`` the rows in one statement; return the ids inserted.

    The webhook's hot path: written as driver SQL (with the columns' own bind processors) and run on the driver's
    cursor, because building and running the ORM/Core statement costs several times the insert itself. PostgreSQL
    returns the inserted ids with the insert (one round trip). SQLite would hand each returned row over in a call of
    its own, and in a busy web process every call into SQLite passes the interpreter lock to another thread; so
    there the count of inserted rows says whether all were new, and only when some were not does a second statement
    read which ones (they got the rowids just below the last one inserted: the insert holds the write lock).
    """
    if not rows:
        return []
    processors = _bind_processors(conn.dialect)
    params = tuple(process(row[name]) if process else row[name] for row in rows for name, process in processors)
    sqlite = conn.dialect.name == "sqlite"
    cursor = conn.connection.cursor()  # the driver's cursor, inside ``conn``'s transaction
    try:
        cursor.execute(_insert_sql(conn.dialect.paramstyle, len(rows), returning=not sqlite), params)
        if not sqlite:
            return [row[0] for row in cursor.fetchall()]
        inserted = cursor.rowcount
        if inserted == len(rows):
            return [row["webhook_event_id"] for row in rows]
        if inserted <= 0:
            return []
        last = cursor.lastrowid
        cursor.execute(f"SELECT json_group_array(webhook_event_id) FROM {WebhookEvent.__tablename__} "
                       "WHERE id BETWEEN ? AND ?", (last - inserted + 1, last))
        found = cursor.fetchone()
        return list(json.loads(found[0])) if found and found[0] else []
    finally:
        cursor.close()


@functools.lru_cache(maxsize=8)
def _bind_processors(dialect: Dialect) -> list[tuple[str, Callable[[Any], Any] | None]]:
    """Return each inbox column's bind processor on ``dialect`` (the same for every insert)."""
    table = WebhookEvent.__table__  # type: ignore[attr-defined]
    return [(name, table.c[name].type.bind_processor(dialect)) for name in _COLUMNS]


@functools.lru_cache(maxsize=64)
def _insert_sql(paramstyle: str, count: int, *, returning: bool) -> str:
    """Return the driver SQL inserting ``count`` inbox rows (returning the ids inserted, if asked).

    With ``returning`` (PostgreSQL) the rows go through a ``NOT EXISTS`` first. A redelivered event whose row a
    worker's batch is marking done would otherwise make the unique-index check wait for that batch to commit — and
    with it every request of the webhook's group commit. The snapshot read never waits; ``ON CONFLICT`` still
    catches two copies stored at the same moment.
    """
    mark = "?" if paramstyle == "qmark" else "%s"
    table = WebhookEvent.__tablename__
    columns = ", ".join([*_COLUMNS, *(name for name, _ in _CONSTANTS)])
    conflict = " ON CONFLICT (webhook_event_id) DO NOTHING"
    if not returning:
        values = "(" + ", ".join([mark] * len(_COLUMNS) + [value for _, value in _CONSTANTS]) + ")"
        return f"INSERT INTO {table} ({columns}) VALUES {', '.join([values] * count)}{conflict}"
    values = "(" + ", ".join([mark] * len(_COLUMNS)) + ")"
    picked = ", ".join([*(f"v.{name}" for name in _COLUMNS), *(value for _, value in _CONSTANTS)])
    return (f"INSERT INTO {table} ({columns}) SELECT {picked} FROM (VALUES {', '.join([values] * count)}) "
            f"AS v ({', '.join(_COLUMNS)}) WHERE NOT EXISTS (SELECT 1 FROM {table} w "
            f"WHERE w.webhook_event_id = v.webhook_event_id){conflict} RETURNING webhook_event_id")


CHAT_LOCKS = 0x67627579  # PostgreSQL advisory lock namespace ("gbuy"): a chat's events are applied by one worker
CANDIDATE_EVENTS = 500  # a PostgreSQL worker tries the chats of this many oldest pending events, oldest first


def claim_batch(uow: UnitOfWork, limit: int) -> list[WebhookEvent]:
    """Return up to ``limit`` pending events of one chat, in send order; no other worker takes that chat meanwhile.

    The chat whose oldest pending event is oldest goes first. A member's ``A+1`` and then ``A改3`` must be applied in
    that order, and a limited item is given out in send order: one chat's events are applied by one worker at a
    time. SQLite's write lock makes every transaction take turns anyway; on PostgreSQL each chat has a
    transaction-scoped advisory lock, so workers apply different chats side by side and skip a chat another one
    holds. The events are read after the lock is taken: a batch another worker committed meanwhile is not repeated.
    """
    if uow.dialect != "postgresql":
        chat = uow.session.execute(_in_send_order("pending", 1).with_only_columns(col(WebhookEvent.chat_key))).scalar()
    else:
        chat = None
        oldest = _in_send_order("pending", CANDIDATE_EVENTS).with_only_columns(col(WebhookEvent.chat_key))
        for key in dict.fromkeys(uow.session.execute(oldest).scalars()):
            taken = uow.session.execute(text("SELECT pg_try_advisory_xact_lock(:space, hashtext(:key))"),
                                        {"space": CHAT_LOCKS, "key": key}).scalar()
            if taken:
                chat = key
                break
    if chat is None:
        return []
    batch = _in_send_order("pending", limit).where(col(WebhookEvent.chat_key) == chat)
    return list(uow.session.execute(batch).scalars())


def _in_send_order(status: str, limit: int) -> Select[WebhookEvent]:
    """Return the query for the oldest ``limit`` events in ``status``, in send order (the claim index's order)."""
    return (
        select(WebhookEvent)
        .where(WebhookEvent.status == status)  # type: ignore[arg-type]
        .order_by(WebhookEvent.sent_at, WebhookEvent.id)  # type: ignore[arg-type]
        .limit(limit)
    )


def mark_done(uow: UnitOfWork, row: WebhookEvent) -> None:
    """Mark an event processed (in the same transaction as its effects)."""
    row.status = "done"
    row.attempts += 1
    row.processed_at = utcnow()
    uow.session.add(row)


def mark_all_done(uow: UnitOfWork, row_ids: Sequence[int]) -> None:
    """Mark a batch's applied events processed in one statement (in the transaction of their effects)."""
    if not row_ids:
        return
    uow.session.execute(
        update(WebhookEvent)
        .where(one_of(uow.dialect, WebhookEvent.id, row_ids))
        .values(status="done", attempts=WebhookEvent.attempts + 1, processed_at=utcnow())
        .execution_options(synchronize_session=False)  # the batch's rows are not read again in this transaction
    )


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


def status_counts(uow: UnitOfWork) -> dict[str, int]:
    """Return how many stored events are pending, done and failed."""
    stmt = select(WebhookEvent.status, func.count()).group_by(WebhookEvent.status)  # type: ignore[call-overload]
    counts = {"pending": 0, "done": 0, "failed": 0}
    counts.update({status: int(n) for status, n in uow.session.execute(stmt).all()})
    return counts


def failed_events(uow: UnitOfWork, limit: int) -> list[WebhookEvent]:
    """Return up to ``limit`` events parked as failed, in the order they are applied once requeued."""
    return list(uow.session.execute(_in_send_order("failed", limit)).scalars())


def requeue_failed(uow: UnitOfWork) -> int:
    """Put failed events back in the queue (after a fix) with fresh attempts; return how many."""
    stmt = (
        update(WebhookEvent)
        .where(WebhookEvent.status == "failed")  # type: ignore[arg-type]
        .values(status="pending", attempts=0, error=None)
    )
    return int(getattr(uow.session.execute(stmt), "rowcount", 0))


def has_pending(uow: UnitOfWork) -> bool:
    """Tell whether any event waits to be applied (a cheap look along the claim index; no lock taken)."""
    stmt = _in_send_order("pending", 1).with_only_columns(text("1"))
    return uow.session.execute(stmt).first() is not None
