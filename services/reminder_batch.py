"""Send a batch of due reminders exactly once, in three steps instead of three per reminder.

1. One transaction records the whole batch (pending rows, a fresh retry key each), after checking again, with the
   members locked, that nothing of it was recorded meanwhile and that no member had a reminder in 7 days.
2. Each reminder is pushed with its ``X-Line-Retry-Key`` (no transaction open), as many at once as the messenger
   allows over its kept-alive connections (``Messenger.pushes_at_once``; LINE answers in tens of milliseconds).
3. One transaction marks what LINE took (sent), what it had already (409: sent), what it refused (failed); over
   quota (429) the rest of the batch is forgotten (certainly not delivered) so a later tick plans it again.

A crash between the steps leaves pending rows that the next tick pushes again with the same keys
(services.reminders). When another clock recorded part of the batch first, the batch goes one reminder at a time.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from infra.db import UnitOfWork
from infra.messages import Text
from infra.messenger import LineError, Messenger
from infra.sql import insert_returning, one_of
from models import Member, ReminderSent
from services.lifecycle import Candidate

if TYPE_CHECKING:
    from services.reminders import TickReport

log = logging.getLogger(__name__)
CHUNK = 500
Recorded = tuple[int, str, str, Text]  # row id, LINE user id, retry key, message
Outcome = tuple[int, str, str]  # row id, outcome (sent | already | failed | drop), note


def send(engine: Engine, messenger: Messenger, batch: Sequence[Candidate], now: datetime, report: TickReport) -> bool:
    """Record, push and mark a batch; return False when LINE's quota ran out (stop the tick)."""
    from services import reminders

    recorded = _record(engine, batch, now)
    if recorded is None:  # another clock got there first: one at a time, each checked on its own
        return all(reminders._send_new(engine, messenger, c, now, report) for c in batch)
    outcomes = push_all(messenger, recorded)
    _mark(engine, outcomes, now, report)
    return all(outcome != "drop" for _, outcome, _ in outcomes)


def push_all(messenger: Messenger, recorded: Sequence[Recorded]) -> list[Outcome]:
    """Push recorded reminders (no transaction open), ``messenger.pushes_at_once`` at a time, begun in order; return
    what LINE answered each: sent, already (409), failed, or drop: LINE's 429 (quota spent), and every push not yet
    begun when one got it. A push LINE could not be reached for has no outcome: it stays pending."""
    spent = threading.Event()  # 429 seen, or a push raised: begin no more

    def push(item: Recorded) -> Outcome | None:
        row_id, to, retry_key, message = item
        if spent.is_set():
            return (row_id, "drop", "")
        try:
            delivered = messenger.push(to, [message], retry_key=retry_key)
        except LineError as exc:
            if exc.status == 429:
                spent.set()
                return (row_id, "drop", "")
            if exc.status == 0 or exc.status >= 500:
                log.warning("reminder %s: LINE unreachable (%s), will retry with the same key", row_id, exc.status)
                return None
            return (row_id, "failed", f"LINE {exc.status}")
        except BaseException:  # a crash: the rest stays pending (pushed again with the same keys next tick)
            spent.set()
            raise
        return (row_id, "sent", "") if delivered else (row_id, "already", "LINE had this retry key already (409)")

    at_once = min(messenger.pushes_at_once, len(recorded))
    if at_once <= 1:
        answers = [push(item) for item in recorded]
    else:
        with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="groupbuy-push") as pool:
            try:
                answers = list(pool.map(push, recorded))
            except BaseException:  # a push raised, or the clock is stopped: begin no more
                spent.set()
                raise
    return [answer for answer in answers if answer is not None]


def _record(engine: Engine, batch: Sequence[Candidate], now: datetime) -> list[Recorded] | None:
    """Record the batch's reminders as pending in one transaction; None when another clock recorded one first."""
    from services import reminders

    with UnitOfWork(engine) as uow:
        members = _lock_members(uow, sorted({c.member_id for c in batch}))
        todo = [(c, members[c.member_id]) for c in reminders.fresh_only(uow, batch, now) if c.member_id in members]
        if not todo:
            return []
        values = [{"member_id": c.member_id, "kind": c.kind, "dedupe_key": c.dedupe_key, "retry_key": str(uuid.uuid4()),
                   "due_at": c.due_at, "status": "pending", "detail": detail(c), "created_at": now} for c, _ in todo]
        try:
            ids = {row.dedupe_key: row.id for row in insert_returning(
                uow.session.connection(), ReminderSent, values, ("id", "dedupe_key"))}
            uow.commit()
        except IntegrityError:
            uow.rollback()
            return None
    return [(ids[c.dedupe_key], to, str(row["retry_key"]), message(c, ids[c.dedupe_key]))
            for (c, to), row in zip(todo, values, strict=True)]


def detail(c: Candidate) -> str:
    """Return the JSON a reminder's record keeps of its message (postback data keeps ``{rid}``: the row id is put in
    when the message is made)."""
    return json.dumps(_described(c), ensure_ascii=False)


def message(c: Candidate, row_id: int) -> Text:
    """Return the message of a candidate recorded as reminder ``row_id``: what ``reminders.message_from`` makes of
    the record (so a re-send is the same message), without reading the record back."""
    from services import reminders

    return reminders.message_from(_described(c), row_id)


def _described(c: Candidate) -> dict[str, Any]:
    """Return what a reminder's record says of its message, before it is written as JSON."""
    return {"text": c.text, "quick": [[q.label, q.text, q.postback_data] for q in c.quick], **c.extra}


def _lock_members(uow: UnitOfWork, ids: list[int]) -> dict[int, str]:
    """Return the LINE ids of the members a reminder may go to (friends who did not opt out), locked so two clocks
    cannot both pass the 7-day check (SQLite locks at BEGIN)."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), CHUNK):
        stmt = select(Member.id, Member.line_user_id).where(
            one_of(uow.dialect, Member.id, ids[start : start + CHUNK]), col(Member.is_friend).is_(True),
            col(Member.reminders_opt_out).is_(False))
        if uow.dialect == "postgresql":
            stmt = stmt.with_for_update()
        found.update((mid or 0, user) for mid, user in uow.session.exec(stmt).all())
    return found


def _mark(engine: Engine, outcomes: list[Outcome], now: datetime, report: TickReport) -> None:
    """Record what LINE answered, in one transaction (rows another tick already settled are left alone)."""
    from services import reminders

    by = {kind: [row_id for row_id, outcome, _ in outcomes if outcome == kind] for kind in ("sent", "drop")}
    with UnitOfWork(engine) as uow:
        for start in range(0, len(by["sent"]), CHUNK):
            done = uow.session.execute(
                update(ReminderSent).where(one_of(uow.dialect, ReminderSent.id, by["sent"][start : start + CHUNK]),
                                           col(ReminderSent.status) == "pending")
                .values(status="sent", sent_at=now).execution_options(synchronize_session=False))
            report.sent += done.rowcount  # type: ignore[attr-defined]
        for start in range(0, len(by["drop"]), CHUNK):  # over quota: certainly not delivered; plan it again later
            gone = uow.session.execute(
                delete(ReminderSent).where(one_of(uow.dialect, ReminderSent.id, by["drop"][start : start + CHUNK]),
                                           col(ReminderSent.status) == "pending")
                .execution_options(synchronize_session=False))
            report.deferred += gone.rowcount  # type: ignore[attr-defined]
        for row_id, outcome, note in outcomes:
            if outcome not in ("already", "failed"):
                continue
            row = uow.session.get(ReminderSent, row_id)
            if row is None or row.status != "pending":
                continue
            reminders.mark(row, "sent" if outcome == "already" else "failed", note, at=now if outcome == "already" else None)
            uow.session.add(row)
            if outcome == "already":
                report.already_delivered += 1
            else:
                report.failed += 1
        uow.commit()
