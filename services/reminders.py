"""Scheduled pushes, exactly once: record (pending, fresh retry key) → commit → push → mark sent.

A pending row found by a later tick is pushed again with the SAME ``X-Line-Retry-Key``; LINE answers 409 when
the first push had arrived, and the row is marked sent. Rows pending longer than LINE remembers retry keys are
given up (``failed``) rather than risk a second copy. Quiet hours, the monthly budget, the 7-day spacing and
opt-outs are checked here; what is due comes from ``services.lifecycle``, the host's settings from
``services.reminder_settings``; answers to the recommendation question are ``services.nps``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from infra.config import Settings
from infra.db import UnitOfWork
from infra.messages import QuickReply, Text
from infra.messenger import LineError, Messenger
from infra.sql import one_of
from models import Host, Member, ReminderSent
from services import directory, lifecycle, reminder_batch
from services.lifecycle import KIND_RANK, Candidate
from services.reminder_settings import load_settings

log = logging.getLogger(__name__)
SPACING = timedelta(days=7)  # at most one reminder per member per 7 days
RETRY_KEY_MEMORY = timedelta(hours=20)  # LINE remembers a retry key 24 h; stop retrying well before
HOST_NOTICE = "budget"
BATCH = 500  # reminders recorded in one transaction, pushed, then marked in one transaction


@dataclass
class TickReport:
    """What one tick did."""

    sent: int = 0
    resent: int = 0
    already_delivered: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0
    quiet: bool = False
    hosts_told: int = 0

    def summary(self) -> str:
        """Return a one-line summary for logs and the CLI."""
        if self.quiet:
            return "quiet hours: nothing sent"
        return (f"sent {self.sent}, resent {self.resent}, already delivered {self.already_delivered}, "
                f"failed {self.failed}, skipped {self.skipped}, deferred {self.deferred}, hosts told {self.hosts_told}")


def run_tick(engine: Engine, settings: Settings, messenger: Messenger, now: datetime) -> TickReport:
    """Send everything due at ``now`` once: pending re-sends first, then new reminders within the budget."""
    report = TickReport()
    with UnitOfWork(engine) as uow:
        rs = load_settings(uow)
    if rs.quiet_at(now, settings.tz):
        report.quiet = True
        return report
    _resend_pending(engine, messenger, now, report)
    try:
        quota = messenger.quota()
    except LineError as exc:
        log.warning("LINE quota unavailable (status %s); sending nothing this tick", exc.status)
        return report
    with UnitOfWork(engine, read_only=True) as uow:
        due = fresh_only(uow, lifecycle.plan(uow, now, settings.tz, rs.switches), now)
        hosts = host_user_ids(uow, settings)
    due = one_per_member(due)
    room = push_room(rs.monthly_budget, quota.used, quota.remaining)
    if room is not None and room < len(due):
        room = max(0, room - len(hosts))
        report.deferred = len(due) - room
        due = due[:room]
    for start in range(0, len(due), BATCH):
        if not reminder_batch.send(engine, messenger, due[start : start + BATCH], now, report):
            break
    if report.deferred:
        report.hosts_told = _tell_hosts(engine, messenger, hosts, report.deferred, now, settings.tz)
    log.info("reminder tick: %s", report.summary())
    return report


def one_per_member(due: Sequence[Candidate]) -> list[Candidate]:
    """Keep each member's most important touch; order refill first, then by the member's value."""
    best: dict[int, Candidate] = {}
    for c in due:
        held = best.get(c.member_id)
        if held is None or (KIND_RANK[c.kind], c.due_at) < (KIND_RANK[held.kind], held.due_at):
            best[c.member_id] = c
    return sorted(best.values(), key=lambda c: (KIND_RANK[c.kind], -c.value, c.member_id))


def push_room(budget: int | None, used: int, remaining: int | None) -> int | None:
    """Return the pushes the month's budget and LINE's quota still allow (None: no limit)."""
    limits = [x for x in (None if budget is None else max(0, budget - used), remaining) if x is not None]
    return min(limits) if limits else None


def fresh_only(uow: UnitOfWork, due: Sequence[Candidate], now: datetime) -> list[Candidate]:
    """Return the candidates never recorded whose member had no reminder in 7 days (two queries)."""
    if not due:
        return []
    keys = set(uow.session.exec(
        select(ReminderSent.dedupe_key).where(one_of(uow.dialect, ReminderSent.dedupe_key, [c.dedupe_key for c in due]))
    ).all())
    recent = set(uow.session.exec(
        select(ReminderSent.member_id).where(
            one_of(uow.dialect, ReminderSent.member_id, {c.member_id for c in due}), ReminderSent.kind != HOST_NOTICE,
            col(ReminderSent.status).in_(("pending", "sent")), col(ReminderSent.created_at) > now - SPACING)
    ).all())
    return [c for c in due if c.dedupe_key not in keys and c.member_id not in recent]


def _fresh(uow: UnitOfWork, c: Candidate, now: datetime) -> bool:
    """Return True when the candidate was never recorded and the member had no reminder in 7 days."""
    if uow.session.exec(select(ReminderSent.id).where(ReminderSent.dedupe_key == c.dedupe_key)).first() is not None:
        return False
    recent = select(ReminderSent.id).where(
        ReminderSent.member_id == c.member_id, ReminderSent.kind != HOST_NOTICE,
        col(ReminderSent.status).in_(("pending", "sent")), col(ReminderSent.created_at) > now - SPACING,
    )
    return uow.session.exec(recent).first() is None


def _send_new(engine: Engine, messenger: Messenger, c: Candidate, now: datetime, report: TickReport) -> bool:
    """Record, commit, push, mark; return False when LINE's quota ran out (stop the tick)."""
    with UnitOfWork(engine) as uow:
        member = _lock_member(uow, c.member_id)
        if member is None or not member.is_friend or member.reminders_opt_out or not _fresh(uow, c, now):
            return True
        row = ReminderSent(member_id=c.member_id, kind=c.kind, dedupe_key=c.dedupe_key, retry_key=str(uuid.uuid4()),
                           due_at=c.due_at, created_at=now)
        uow.session.add(row)
        try:
            uow.session.flush()
        except IntegrityError:  # another clock recorded it first
            uow.rollback()
            return True
        quick = [[q.label, q.text, (q.postback_data or "").replace("{rid}", str(row.id)) or None] for q in c.quick]
        row.detail = json.dumps({"text": c.text, "quick": quick, **c.extra}, ensure_ascii=False)
        uow.session.add(row)
        try:
            uow.commit()
        except IntegrityError:
            return True
        to, row_id, retry_key, message = member.line_user_id, row.id, row.retry_key, message_of(row)
    assert row_id is not None
    return _push_and_mark(engine, messenger, row_id, to, message, retry_key, now, report, resend=False)


def _resend_pending(engine: Engine, messenger: Messenger, now: datetime, report: TickReport) -> None:
    """Push pending rows again with their own retry key; give up on rows LINE no longer remembers."""
    todo: list[tuple[int, str, Text, str]] = []
    with UnitOfWork(engine) as uow:
        rows = uow.session.exec(select(ReminderSent).where(ReminderSent.status == "pending")).all()
        for row in rows:
            member = uow.session.get(Member, row.member_id)
            if now - row.created_at > RETRY_KEY_MEMORY:
                mark(row, "failed", "outcome unknown and retry key expired: not resent")
                report.failed += 1
            elif member is None or (row.kind != HOST_NOTICE and (not member.is_friend or member.reminders_opt_out)):
                mark(row, "skipped", "no longer a friend or opted out")
                report.skipped += 1
            else:
                assert row.id is not None
                todo.append((row.id, member.line_user_id, message_of(row), row.retry_key))
            uow.session.add(row)
        uow.commit()
    for row_id, to, message, key in todo:
        if not _push_and_mark(engine, messenger, row_id, to, message, key, now, report, resend=True):
            return


def _push_and_mark(
    engine: Engine, messenger: Messenger, row_id: int, to: str, message: Text, retry_key: str, now: datetime,
    report: TickReport, *, resend: bool,
) -> bool:
    """Push one recorded reminder (no transaction open) and record the outcome."""
    status, detail, keep_going = "sent", "", True
    try:
        delivered = messenger.push(to, [message], retry_key=retry_key)
        if not delivered:
            report.already_delivered += 1
            detail = "LINE had this retry key already (409)"
        elif resend:
            report.resent += 1
        else:
            report.sent += 1
    except LineError as exc:
        if exc.status == 429:
            status, keep_going = "drop", False
        elif exc.status == 0 or exc.status >= 500:
            log.warning("reminder %s: LINE unreachable (%s), will retry with the same key", row_id, exc.status)
            return True
        else:
            status, detail = "failed", f"LINE {exc.status}"
            report.failed += 1
    with UnitOfWork(engine) as uow:
        row = uow.session.get(ReminderSent, row_id)
        if row is not None and row.status == "pending":
            if status == "drop":  # over quota: certainly not delivered; forget it so it can be planned again
                uow.session.delete(row)
                report.deferred += 1
            else:
                mark(row, status, detail, at=now if status == "sent" else None)
                uow.session.add(row)
            uow.commit()
    return keep_going


def mark(row: ReminderSent, status: str, detail: str, *, at: datetime | None = None) -> None:
    """Set a reminder row's status (and when it was sent), noting why in its detail."""
    row.status = status
    if status == "sent":
        row.sent_at = at
    if detail:
        data = detail_of(row)
        data["note"] = detail
        row.detail = json.dumps(data, ensure_ascii=False)


def _lock_member(uow: UnitOfWork, member_id: int) -> Member | None:
    """Lock the member row so two clocks cannot both pass the 7-day check (SQLite locks at BEGIN)."""
    stmt = select(Member).where(Member.id == member_id)
    if uow.dialect == "postgresql":
        stmt = stmt.with_for_update()
    return uow.session.exec(stmt).first()


def detail_of(row: ReminderSent) -> dict[str, Any]:
    """Return a reminder row's JSON detail (empty when unreadable)."""
    try:
        data = json.loads(row.detail or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def message_of(row: ReminderSent) -> Text:
    """Return the message recorded for a reminder (re-sends send exactly what was recorded)."""
    return message_from(detail_of(row), row.id or 0)


def message_from(data: dict[str, Any], row_id: int) -> Text:
    """Return the message a reminder's recorded detail describes (``{rid}`` in postback data: the reminder's id)."""
    quick = tuple(QuickReply(label=q[0], text=q[1], postback_data=q[2].replace("{rid}", str(row_id)) if q[2] else None)
                  for q in data.get("quick", []))
    return Text(str(data.get("text", "")), quick)


def host_user_ids(uow: UnitOfWork, settings: Settings) -> list[str]:
    """Return the LINE ids of everyone who hosts (environment admins and added hosts)."""
    added = uow.session.exec(select(Host.line_user_id)).all()
    return sorted(set(settings.admins) | set(added))


def _tell_hosts(engine: Engine, messenger: Messenger, hosts: Sequence[str], deferred: int, now: datetime,
                tz: ZoneInfo) -> int:
    """Tell each host once per local day that reminders waited for budget."""
    today = now.astimezone(tz).date()
    told = 0
    text = (f"⚠️ 本月推播額度快用完了：今天有 {deferred} 則提醒先暫緩（已優先送給常購買的成員）。\n"
            "可以用「/提醒 設定 額度」調整，或關掉部分提醒（例如「/提醒 設定 推薦 關」）。")
    for host in hosts:
        key = f"budget:{host}:{today.isoformat()}"
        with UnitOfWork(engine) as uow:
            if uow.session.exec(select(ReminderSent.id).where(ReminderSent.dedupe_key == key)).first() is not None:
                continue
            member = directory.ensure_member(uow, host)
            assert member.id is not None
            row = ReminderSent(member_id=member.id, kind=HOST_NOTICE, dedupe_key=key, retry_key=str(uuid.uuid4()),
                               due_at=now, created_at=now, detail=json.dumps({"text": text, "quick": []}, ensure_ascii=False))
            uow.session.add(row)
            try:
                uow.commit()
            except IntegrityError:
                continue
            row_id, retry_key = row.id, row.retry_key
        assert row_id is not None
        report = TickReport()
        _push_and_mark(engine, messenger, row_id, host, Text(text), retry_key, now, report, resend=False)
        told += report.sent
    return told


@dataclass(frozen=True)
class Due:
    """A touch due in the preview window."""

    member_label: str
    kind: str
    on: datetime
    reason: str


def preview(uow: UnitOfWork, settings: Settings, now: datetime, *, days: int = 7) -> list[Due]:
    """Return who is due in the next ``days`` days and why (not yet recorded; budget and spacing aside)."""
    rs = load_settings(uow)
    seen: dict[str, Due] = {}
    members = {m.id: m for m in uow.session.exec(select(Member)).all()}
    recorded = set(uow.session.exec(select(ReminderSent.dedupe_key)).all())
    for step in range(days + 1):
        at = now + timedelta(days=step)
        for c in lifecycle.plan(uow, at, settings.tz, rs.switches):
            if c.dedupe_key in seen or c.dedupe_key in recorded:
                continue
            member = members[c.member_id]
            seen[c.dedupe_key] = Due(directory.label(member), c.kind, max(c.due_at, now), c.reason)
    return sorted(seen.values(), key=lambda d: (d.on, KIND_RANK[d.kind]))
