"""Apply stored webhook events one at a time: one transaction each, replies sent after commit."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

from linebot.v3.webhooks import Event
from sqlalchemy.engine import Engine

from handlers import dispatch
from handlers.batch_confirm import ConfirmationBatch
from handlers.context import EventContext, Outgoing
from handlers.files import content_wanted
from infra import inbox
from infra.config import Settings
from infra.courier import Courier
from infra.db import UnitOfWork
from infra.messenger import LineError, Messenger
from models.base import utcnow

log = logging.getLogger(__name__)
MAX_FETCHED = 4


class EventProcessor:
    """Claims the oldest pending event, runs its handler and marks it done in one transaction."""

    def __init__(
        self, engine: Engine, settings: Settings, messenger: Messenger, *, courier: Courier | None = None
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.messenger = messenger
        self.courier = courier  # sends to LINE after commit on its own thread; None = send before returning
        self.batch = ConfirmationBatch()
        self.lag_s = 0.0  # how long the last event processed had waited in the inbox (0 once the inbox is empty)
        self._fetched: dict[str, bytes | Exception] = {}  # message id -> content downloaded outside a transaction

    def process_next(self) -> bool:
        """Process one pending event; return False when none is pending (then send batched confirmations)."""
        if self._process_one():
            return True
        self.lag_s = 0.0
        if self.batch.pending:
            self._send(lambda: self.batch.flush(self.engine, self.messenger))
        return False

    def _process_one(self) -> bool:
        with UnitOfWork(self.engine) as uow:
            row = inbox.claim_next(uow)
            if row is None:
                return False
            row_id, event_id = row.id, row.webhook_event_id  # read now: a rollback expires the row
            assert row_id is not None
            self.lag_s = (utcnow() - row.received_at).total_seconds()
            try:
                raw = json.loads(row.payload)
                event = Event.from_dict(raw)
            except Exception as exc:
                log.warning("webhook event %s unreadable: %s", event_id, type(exc).__name__)
                row.error = f"unreadable: {type(exc).__name__}"
                inbox.mark_done(uow, row)
                uow.commit()
                return True
            wanted = content_wanted(event)
            if wanted is not None and wanted not in self._fetched:
                uow.rollback()  # end the transaction: download with none open, then claim this event again
                fetch = wanted
            else:
                fetch = None
                contents = {wanted: self._fetched.pop(wanted)} if wanted is not None else {}
                ctx = EventContext(
                    event=event, uow=uow, settings=self.settings, messenger=self.messenger, sent_at=row.sent_at,
                    contents=contents,
                )
                try:
                    if event is not None:
                        dispatch(ctx)
                    inbox.mark_done(uow, row)
                    uow.commit()
                except Exception as exc:
                    uow.rollback()
                    log.exception("handling webhook event %s failed", event_id)
                    # In this unit of work's next transaction: a second one opened meanwhile would wait for the write
                    # lock that this one takes again as soon as it touches the database (SQLite).
                    inbox.mark_failed_attempt(uow, row_id, f"{type(exc).__name__}: {exc}")
                    uow.commit()
                    return True
        if fetch is not None:
            self._fetch(fetch)
            return True
        full = self.batch.add(ctx.batched)
        self._send(lambda: self._after_commit(ctx, full))
        return True

    def _fetch(self, message_id: str) -> None:
        """Download a message's content for the event that wants it (kept, with any LINE error, for its handler)."""
        if len(self._fetched) >= MAX_FETCHED:  # left by events another process applied meanwhile
            self._fetched.clear()
        try:
            self._fetched[message_id] = self.messenger.content(message_id)
        except LineError as exc:
            self._fetched[message_id] = exc

    def _send(self, task: Callable[[], None]) -> None:
        """Run post-commit work (calls to LINE) on the courier, or now when there is none."""
        if self.courier is not None:
            self.courier.submit(task)
        else:
            task()

    def _after_commit(self, ctx: EventContext, full_groups: list[str]) -> None:
        """Send an event's replies and any full confirmation batches; run its after-commit tasks."""
        self.deliver(ctx.outbox)
        if full_groups:
            self.batch.flush(self.engine, self.messenger, full_groups)
        for task in ctx.after_commit:
            try:
                task()
            except Exception:
                log.exception("after-commit task failed")

    def drain(self, limit: int = 10_000) -> int:
        """Process pending events until none is left; return how many were processed."""
        done = 0
        while done < limit and self.process_next():
            done += 1
        return done

    def deliver(self, outbox: list[Outgoing]) -> None:
        """Send queued messages; a failed send is logged (the order book is already committed)."""
        deliver(self.messenger, outbox)


def deliver(messenger: Messenger, outbox: list[Outgoing]) -> None:
    """Send each queued batch by reply or push."""
    for out in outbox:
        try:
            if out.reply_token:
                messenger.reply(out.reply_token, out.messages)
            elif out.push_to:
                messenger.push(out.push_to, out.messages, retry_key=out.retry_key)
        except LineError as exc:
            log.warning("sending to LINE failed (%s): %s", exc.status, exc)


class InboxWorker:
    """A background thread per web process that drains the inbox when woken (and every second)."""

    def __init__(self, process_next: Callable[[], bool], poll_seconds: float = 1.0) -> None:
        self._process_next = process_next
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the thread once per process."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name="groupbuy-inbox", daemon=True)
            self._thread.start()

    def notify(self) -> None:
        """Wake the worker: new events were stored (cheap when it is running and already woken: once per request)."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            self.start()
        if not self._wake.is_set():
            self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread after the event in hand."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        backoff = self._poll
        while not self._stop.is_set():
            self._wake.wait(backoff)
            self._wake.clear()
            try:
                while not self._stop.is_set() and self._process_next():
                    pass
                backoff = self._poll
            except Exception:
                log.warning("inbox worker error; retrying", exc_info=True)
                backoff = min(backoff * 2, 10.0)
