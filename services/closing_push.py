"""The clock's closing-soon push: one notice to a group between two hours and thirty minutes before a deadline.

Only groups whose host chose ``/設定 截單提醒 推播``. Exactly once per campaign, as services.reminders does it:
record (``closing_push``, pending, a fresh retry key) → commit → push with ``X-Line-Retry-Key`` → mark sent. A row
still pending on a later tick (a crash, LINE unreachable) is pushed again with the same key; LINE answers 409 when
the first push had arrived. A group push costs one message per member: the group's member count must fit the
month's room (LINE's remaining quota and the host's budget, ``/提醒 設定 額度``), and nothing goes in quiet hours.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from infra.config import Settings
from infra.db import UnitOfWork
from infra.messages import Text
from infra.messenger import LineError, Messenger
from models import Campaign, CampaignNotice, Group, Setting
from services import closing_soon
from services.closing_soon import MODE_KEY, PUSH, PUSH_UNTIL, WINDOW
from services.reminder_settings import load_settings

log = logging.getLogger(__name__)
RETRY_KEY_MEMORY = timedelta(hours=20)  # LINE remembers a retry key 24 h; stop retrying well before


@dataclass
class PushReport:
    """What one tick's closing-soon step did."""

    sent: int = 0
    resent: int = 0
    over_budget: int = 0
    failed: int = 0
    quiet: bool = False

    def summary(self) -> str:
        """Return a one-line summary for logs and the CLI."""
        if self.quiet:
            return "quiet hours: nothing pushed"
        return f"pushed {self.sent}, resent {self.resent}, over budget {self.over_budget}, failed {self.failed}"


@dataclass(frozen=True)
class Due:
    """A campaign whose group is to hear it closes soon."""

    campaign_id: int
    chat: str
    text: str


def due(uow: UnitOfWork, now: datetime) -> list[Due]:
    """Return the campaigns of push-mode groups closing in [now + 30 min, now + 2 h] and not yet pushed."""
    scopes = uow.session.exec(select(Setting.scope).where(Setting.key == MODE_KEY, Setting.value == "push")).all()
    group_ids = [int(s.removeprefix("group:")) for s in scopes if s.removeprefix("group:").isdigit()]
    if not group_ids:
        return []
    rows = uow.session.exec(
        select(Campaign, Group.line_group_id)
        .join(Group, col(Group.id) == col(Campaign.group_id))
        .where(col(Campaign.group_id).in_(group_ids), Campaign.status == "open", Group.active == True,  # noqa: E712
               col(Campaign.deadline) >= now + PUSH_UNTIL, col(Campaign.deadline) <= now + WINDOW)
        .order_by(col(Campaign.deadline), col(Campaign.id))
    ).all()
    keys = [closing_soon.notice_key(PUSH, c.id or 0) for c, _ in rows]
    done = set(uow.session.exec(select(CampaignNotice.dedupe_key).where(col(CampaignNotice.dedupe_key).in_(keys))).all())
    found = []
    for campaign, chat in rows:
        assert campaign.id is not None
        if closing_soon.notice_key(PUSH, campaign.id) in done:
            continue
        soon = closing_soon.describe(uow, campaign, now)
        text = f"{closing_soon.line_of(soon, named=True)}\n想買的朋友請在截單前留言喊單（例：A+1）。"
        found.append(Due(campaign.id, chat, text))
    return found


def run_step(engine: Engine, settings: Settings, messenger: Messenger, now: datetime) -> str:
    """Clock step: push each due closing-soon notice once; return the summary line."""
    report = PushReport()
    with UnitOfWork(engine, read_only=True) as uow:
        rs = load_settings(uow)
        todo = due(uow, now)
    if rs.quiet_at(now, settings.tz):
        report.quiet = True
        return report.summary()
    _resend_pending(engine, messenger, now, report)
    if not todo:
        return report.summary()
    try:
        quota = messenger.quota()
    except LineError as exc:
        log.warning("LINE quota unavailable (status %s); no closing-soon push this tick", exc.status)
        return report.summary()
    limits = [x for x in (None if rs.monthly_budget is None else max(0, rs.monthly_budget - quota.used),
                          quota.remaining) if x is not None]
    room = min(limits) if limits else None
    for notice in todo:
        try:
            cost = messenger.group_member_count(notice.chat)
        except LineError as exc:
            log.warning("group member count unavailable (status %s); closing-soon push waits", exc.status)
            continue
        if room is not None and cost > room:
            report.over_budget += 1
            continue
        row_id, retry_key = _record(engine, notice, cost, now)
        if row_id is None or retry_key is None:
            continue
        if _push_and_mark(engine, messenger, row_id, notice.chat, notice.text, retry_key, now, report, resend=False):
            room = None if room is None else room - cost
    return report.summary()


def _record(engine: Engine, notice: Due, cost: int, now: datetime) -> tuple[int | None, str | None]:
    """Record the push as pending with a fresh retry key and commit; (None, None) when it was recorded before."""
    detail = json.dumps({"to": notice.chat, "text": notice.text, "cost": cost}, ensure_ascii=False)
    with UnitOfWork(engine) as uow:
        row = closing_soon.claim(uow, PUSH, notice.campaign_id, now, detail=detail, retry_key=str(uuid.uuid4()))
        if row is None:
            return None, None
        uow.commit()
        return row.id, row.retry_key


def _resend_pending(engine: Engine, messenger: Messenger, now: datetime, report: PushReport) -> None:
    """Push pending rows again with their own retry key (LINE answers 409 when the first one arrived)."""
    todo: list[tuple[int, str, str, str]] = []
    with UnitOfWork(engine) as uow:
        rows = uow.session.exec(
            select(CampaignNotice).where(CampaignNotice.kind == PUSH, CampaignNotice.status == "pending")
        ).all()
        for row in rows:
            data = json.loads(row.detail or "{}")
            campaign = uow.session.get(Campaign, row.campaign_id)
            late = campaign is None or campaign.deadline is None or campaign.deadline <= now
            if now - row.created_at > RETRY_KEY_MEMORY or late or not row.retry_key:
                row.status = "failed"
                uow.session.add(row)
                report.failed += 1
            elif row.id is not None:
                todo.append((row.id, str(data.get("to", "")), str(data.get("text", "")), row.retry_key))
        uow.commit()
    for row_id, to, text, key in todo:
        _push_and_mark(engine, messenger, row_id, to, text, key, now, report, resend=True)


def _push_and_mark(engine: Engine, messenger: Messenger, row_id: int, to: str, text: str, retry_key: str,
                   now: datetime, report: PushReport, *, resend: bool) -> bool:
    """Push one recorded notice (no transaction open) and record the outcome; True when LINE took it."""
    status = "sent"
    try:
        messenger.push(to, [Text(text)], retry_key=retry_key)  # False (409): the first push had arrived
    except LineError as exc:
        if exc.status == 0 or exc.status >= 500:
            log.warning("closing-soon push %s: LINE unreachable (%s); retried with the same key", row_id, exc.status)
            return False
        status = "drop" if exc.status == 429 else "failed"
    with UnitOfWork(engine) as uow:
        row = uow.session.get(CampaignNotice, row_id)
        if row is not None and row.status == "pending":
            if status == "drop":  # over quota: certainly not delivered; forget it so a later tick may try again
                uow.session.delete(row)
                report.over_budget += 1
            else:
                row.status, row.sent_at = status, now if status == "sent" else None
                uow.session.add(row)
                if status == "failed":
                    report.failed += 1
                elif resend:
                    report.resent += 1
                else:
                    report.sent += 1
        uow.commit()
    return status == "sent"
