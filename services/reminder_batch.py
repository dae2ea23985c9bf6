"""Send a batch of due reminders exactly once, in three steps instead of three per reminder.

1. One transaction records the whole batch (pending rows, a fresh retry key each), after checking again, with the
   members locked, that nothing of it was recorded meanwhile and that no member had a reminder in 7 days.
2. Each reminder is pushed with its ``X-Line-Retry-Key`` (no transaction open).
3. One transaction marks what LINE took (sent), what it had already (409: sent), what it refused (failed); over
   quota (429) the rest of the batch is forgotten (certainly not delivered) so a later tick plans it again.

A crash between the steps leaves pending rows that the next tick pushes again with the same keys
(services.reminders). When another clock recorded part of the batch first, the batch goes one reminder at a time.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from infra.db import UnitOfWork
from infra.messages import QuickReply, Text
from infra.messenger import LineError, Messenger
from infra.sql import insert_returning, one_of
from models import Member, ReminderSent
from services.lifecycle import Candidate

if TYPE_CHECKING:
    from services.reminders import TickReport

log = logging.getLogger(__name__)
CHUNK = 500
Recorded = tuple[int, str, str, Text]  # row id, LINE user id, retry key, message


def send(engine: Engine, messenger: Messenger, batch: Sequence[Candidate], now: datetime, report: TickReport) -> bool:
    """Record, push and mark a batch; return False when LINE's quota ran out (stop the tick)."""
    from services import reminders

    recorded = _record(engine, batch, now)
    if recorded is None:  # another clock got there first: one at a time, each checked on its own
        return all(reminders._send_new(engine, messenger, c, now, report) for c in batch)
    outcomes: list[tuple[int, str, str]] = []  # row id, outcome, note
    keep_going = True
    for row_id, to, retry_key, message in recorded:
        if not keep_going:
            outcomes.append((row_id, "drop", ""))
            continue
        try:
            delivered = messenger.push(to, [message], retry_key=retry_key)
            outcomes.append((row_id, "sent", "") if delivered else (row_id, "already", "LINE had this retry key already (409)"))
        except LineError as exc:
            if exc.status == 429:
                outcomes.append((row_id, "drop", ""))
                keep_going = False
            elif exc.status == 0 or exc.status >= 500:
                log.warning("reminder %s: LINE unreachable (%s), will retry with the same key", row_id, exc.status)
            else:
                outcomes.append((row_id, "failed", f"LINE {exc.status}"))
    _mark(engine, outcomes, now, report)
    return keep_going


def _record(engine: Engine, batch: Sequence[Candidate], now: datetime) -> list[Recorded] | None:
    """Record the batch's reminders as pending in one transaction; None when another clock recorded one first."""
    from services import reminders

    with UnitOfWork(engine) as uow:
        members = _lock_members(uow, sorted({c.member_id for c in batch}))
        todo = [(c, members[c.member_id]) for c in reminders.fresh_only(uow, batch, now) if c.member_id in members]
        if not todo:
            return []
        datas = [{"text": c.text, "quick": [[q.label, q.text, q.postback_data] for q in c.quick], **c.extra}
                 for c, _ in todo]  # postback data keeps {rid}: the row id is put in when the message is made
        values = [{"member_id": c.member_id, "kind": c.kind, "dedupe_key": c.dedupe_key, "retry_key": str(uuid.uuid4()),
                   "due_at": c.due_at, "status": "pending", "detail": json.dumps(data, ensure_ascii=False),
                   "created_at": now} for (c, _), data in zip(todo, datas, strict=True)]
        try:
            ids = {row.dedupe_key: row.id for row in insert_returning(
                uow.session.connection(), ReminderSent, values, ("id", "dedupe_key"))}
            uow.commit()
        except IntegrityError:
            uow.rollback()
            return None
    return [(ids[c.dedupe_key], to, str(row["retry_key"]), message(c, ids[c.dedupe_key]))
            for (c, to), row in zip(todo, values, strict=True)]


def message(c: Candidate, row_id: int) -> Text:
    """Return the message of a candidate recorded as reminder ``row_id``: what ``reminders.message_from`` makes of
    the record (so a re-send is the same message), without reading the record back."""
    quick = tuple(q if q.postback_data is None else
                  QuickReply(label=q.label, text=q.text, postback_data=q.postback_data.replace("{rid}", str(row_id)) or None)
                  for q in c.quick)
    return Text(c.text, quick)


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


def _mark(engine: Engine, outcomes: list[tuple[int, str, str]], now: datetime, report: TickReport) -> None:
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
