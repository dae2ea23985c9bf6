"""Apply stored webhook events in batches, one chat at a time: one transaction a batch, replies sent after commit."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from linebot.v3.webhooks import Event
from sqlalchemy.engine import Engine

from handlers import closing_notice, confirmations, dispatch
from handlers.context import EventContext, Outgoing
from handlers.files import content_wanted
from handlers.senders import look_up_senders
from infra.config import Settings
from infra.courier import Courier
from infra.db import UnitOfWork
from infra.inbox_db import Claim, InboxDb, inbox_for
from infra.messenger import LineError, Messenger
from models import WebhookEvent
from models.base import utcnow

log = logging.getLogger(__name__)
MAX_FETCHED = 4
BATCH = 50  # events of one chat claimed for one transaction
BATCH_BUDGET_S = 0.25  # and applied for at most this long: the batch's confirmations wait for its commit
RECOVER_EVERY_S = 1.0  # an idle processor looks this often for confirmations a stopped worker left unsent


class _Failed(Exception):
    """A handler raised while its batch was applied without savepoints."""


class EventProcessor:
    """Claims a batch of one chat's pending events, applies each through its handler, and commits them together.

    A batch is applied straight on; if a handler raises, it is applied again with every event in a savepoint of
    the batch's transaction: the one whose handler raises is rolled back alone and counted as a failed attempt, the
    others commit. The confirmations are planned once the whole batch is applied
    (handlers.confirmations), so that a folded reply states the order book that commits. After commit the replies go
    to LINE from the courier's threads, side by side.
    """

    def __init__(
        self, engine: Engine, settings: Settings, messenger: Messenger, *, courier: Courier | None = None,
        batch_size: int = BATCH, batch_budget_s: float = BATCH_BUDGET_S, inbox: InboxDb | None = None,
    ) -> None:
        self.engine = engine
        self.inbox = inbox or inbox_for(engine)
        self.settings = settings
        self.messenger = messenger
        self.courier = courier  # sends to LINE after commit on its own threads; None = send before returning
        self.batch_size = batch_size
        self.batch_budget_s = batch_budget_s
        self._fetched: dict[str, bytes | Exception] = {}  # message id -> content downloaded outside a transaction
        self._lock = threading.Lock()
        self._busy: set[int] = set()  # owed confirmations on their way to LINE
        self._settled: set[int] = set()  # accepted by LINE, deleted in the next transaction
        self._deferred: list[Callable[[UnitOfWork], None]] = []  # small writes learned after commit (names)
        self._recovered_at = 0.0

    def process_next(self) -> bool:
        """Apply one batch of pending events; return False when none is pending (then tidy up)."""
        return self._next() is not None

    def drain(self, limit: int = 10_000) -> int:
        """Apply pending events until none is left (or ``limit`` were); return how many were applied."""
        done = 0
        while done < limit and (handled := self._next()) is not None:
            done += handled
        return done

    def _next(self) -> int | None:
        """Apply a batch and return how many events it handled; None (after tidying up) when none is pending."""
        handled = self._apply_batch()
        if handled is None:
            self.tidy()
        return handled

    def _apply_batch(self) -> int | None:
        try:
            return self._batch(isolated=False)
        except _Failed:  # a handler raised: the whole transaction was rolled back; again, each event on its own
            return self._batch(isolated=True)

    def _batch(self, *, isolated: bool) -> int | None:
        """Claim and apply a batch in one transaction; return how many events it handled (None: none pending).

        First every event is applied straight on (no savepoint: a round trip each way on PostgreSQL); when one
        raises, :class:`_Failed` rolls it all back and the batch is applied again ``isolated``: each event in a
        savepoint, the failing one rolled back alone and counted.
        """
        fetch: str | None = None
        used: list[str] = []  # downloaded contents the batch's events took (kept until the batch commits)
        with UnitOfWork(self.engine) as uow:
            settled, deferred = self._catch_up(uow)
            claim = self.inbox.claim(uow, self.batch_size)
            rows = claim.rows
            if not rows:
                claim.record(uow)
                uow.commit()
                # Events applied before a worker stopped are only marked done now (then look again: 0).
                return 0 if claim.settle(self._defer) and claim.already else None
            contexts: list[EventContext] = []
            handled = 0
            began = time.monotonic()
            raws = [self._raw(row) for row in rows]
            look_up_senders(uow, [raw for raw in raws if isinstance(raw, dict)])
            for row, raw in zip(rows, raws, strict=True):
                if handled and time.monotonic() - began > self.batch_budget_s:
                    break  # the rest stay pending for the next batch
                event = self._read(raw)
                if not isinstance(event, Event):
                    log.warning("webhook event %s unreadable: %s", row.webhook_event_id, type(event).__name__)
                    claim.done(row, f"unreadable: {type(event).__name__}")
                    handled += 1
                    continue
                wanted = content_wanted(event)
                if wanted is not None and wanted not in self._fetched:
                    fetch = wanted  # no download inside a transaction: commit what came before, fetch, go on
                    break
                handled += 1
                ctx = EventContext(
                    event=event, uow=uow, settings=self.settings, messenger=self.messenger, sent_at=row.sent_at,
                    received_at=row.received_at,
                    contents={wanted: self._fetched[wanted]} if wanted is not None else {}, defer=self._defer,
                )
                used += [wanted] if wanted is not None else []
                if isolated and not self._apply(uow, claim, row, ctx):
                    continue
                if not isolated:
                    try:
                        dispatch(ctx)
                    except Exception as exc:
                        with self._lock:  # rolled back too
                            self._settled |= settled
                            self._deferred[:0] = deferred
                        log.info("webhook event %s raised; applying its batch again event by event",
                                 row.webhook_event_id)
                        raise _Failed from exc
                contexts.append(ctx)
                claim.done(row)
            claim.record(uow)
            with self._lock:
                busy = self._busy | self._settled
            now = utcnow()
            confirmations.plan(uow, contexts, now, busy)
            closing_notice.annotate(uow, contexts, now)  # the first reply in a group closing soon says so, once
            uow.commit()
        for message_id in used:
            self._fetched.pop(message_id, None)
        self._after_commit(contexts)
        claim.settle(self._defer)  # the inbox file's "done" (SQLite), while the courier sends the replies
        if fetch is not None:
            self._fetch(fetch)
        return handled

    @staticmethod
    def _raw(row: WebhookEvent) -> dict[str, Any] | Exception:
        """Return the stored event as JSON (cheap: the senders of a batch are read from it), or why it cannot be."""
        try:
            raw = json.loads(row.payload)
        except Exception as exc:
            return exc
        return raw if isinstance(raw, dict) else ValueError("not an object")

    @staticmethod
    def _read(raw: dict[str, Any] | Exception) -> Event | Exception:
        """Return the event as line-bot-sdk's model (once it is applied), or why it cannot be read."""
        if isinstance(raw, Exception):
            return raw
        try:
            return Event.from_dict(raw)
        except Exception as exc:
            return exc

    def _apply(self, uow: UnitOfWork, claim: Claim, row: WebhookEvent, ctx: EventContext) -> bool:
        """Run the event's handler in a savepoint; False (attempt counted) when the handler raised."""
        row_id, event_id = row.id, row.webhook_event_id  # read now: a rollback expires the row
        assert row_id is not None
        try:
            with uow.savepoint():
                dispatch(ctx)
        except Exception as exc:
            uow.discard_queued()
            uow.memo.clear()  # rows it remembered may carry the rolled-back changes
            log.exception("handling webhook event %s failed", event_id)
            claim.failed(uow, row_id, f"{type(exc).__name__}: {exc}")
            return False
        return True

    def _after_commit(self, contexts: list[EventContext]) -> None:
        """Send the batch's replies and pushes side by side; then run its after-commit tasks."""
        outgoing = [out for ctx in contexts for out in ctx.outbox]
        with self._lock:
            self._busy.update(row for out in outgoing for row in out.settles)
        for out in outgoing:
            self._send(lambda out=out: self.deliver_one(out))  # type: ignore[misc]
        for ctx in contexts:
            for task in ctx.after_commit:
                self._send(task)

    def _send(self, task: Callable[[], None]) -> None:
        """Run post-commit work (calls to LINE) on the courier, or now when there is none."""
        if self.courier is not None:
            self.courier.submit(task)
        else:
            try:
                task()
            except Exception:
                log.exception("after-commit task failed")

    def deliver_one(self, out: Outgoing) -> None:
        """Send one reply or push; record which owed confirmations LINE accepted (the rest stay owed)."""
        accepted = False
        try:
            if out.reply_token:
                if out.token_at is not None and not confirmations.fresh(out.token_at, utcnow()):
                    log.warning("a reply token was too old to use%s",
                                "; its confirmations go with the next reply in the chat" if out.settles else "")
                else:
                    self.messenger.reply(out.reply_token, out.messages)
                    accepted = True
            elif out.push_to:
                self.messenger.push(out.push_to, out.messages, retry_key=out.retry_key)
                accepted = True
        except LineError as exc:
            log.warning("sending to LINE failed (%s): %s", exc.status, exc)
        finally:
            with self._lock:
                self._busy.difference_update(out.settles)
                if accepted:
                    self._settled.update(out.settles)

    def _defer(self, write: Callable[[UnitOfWork], None]) -> None:
        """Keep a small write (a display name fetched after commit) for the next transaction."""
        with self._lock:
            self._deferred.append(write)

    def _catch_up(self, uow: UnitOfWork) -> tuple[set[int], list[Callable[[UnitOfWork], None]]]:
        """Delete the owed rows LINE accepted and make the deferred writes (in ``uow``); return both."""
        with self._lock:
            settled, self._settled = self._settled, set()
            deferred, self._deferred = self._deferred, []
        confirmations.settle(uow, settled)
        for write in deferred:
            write(uow)
        return settled, deferred

    def catch_up(self) -> None:
        """Delete what LINE accepted and make the deferred writes now, if there are any."""
        with self._lock:
            behind = bool(self._settled or self._deferred)
        if behind:
            with UnitOfWork(self.engine) as uow:
                self._catch_up(uow)
                uow.commit()

    def tidy(self) -> None:
        """Idle: forget the confirmations LINE accepted, make the deferred writes; resend the confirmations a stopped
        worker left while their tokens last."""
        self.catch_up()
        if time.monotonic() - self._recovered_at < RECOVER_EVERY_S:
            return
        self._recovered_at = time.monotonic()
        with self._lock:
            busy = self._busy | self._settled
        with UnitOfWork(self.engine, read_only=True) as uow:
            replies = confirmations.recover(uow, utcnow(), busy)
        if replies:
            with self._lock:
                self._busy.update(row for out in replies for row in out.settles)
            for out in replies:
                self._send(lambda out=out: self.deliver_one(out))  # type: ignore[misc]

    def _fetch(self, message_id: str) -> None:
        """Download a message's content for the event that wants it (kept, with any LINE error, for its handler)."""
        if len(self._fetched) >= MAX_FETCHED:  # left by events another process applied meanwhile
            self._fetched.clear()
        try:
            self._fetched[message_id] = self.messenger.content(message_id)
        except LineError as exc:
            self._fetched[message_id] = exc
