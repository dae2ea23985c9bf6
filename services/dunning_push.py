"""The clock's dunning step: deliver the 1:1 payment reminders ``/催款`` queued, at most one a day per member.

Per queued row: check again (still a friend, still owes, not told today), then record before sending (the row
takes the day's unique ``sent`` key, status ``pending``, the message text) → commit → push with the row's
``X-Line-Retry-Key`` → mark sent. A push whose outcome is unknown stays ``pending`` and the reminders tick
resends it with the same key (LINE answers 409 if it had arrived), so a restart never doubles it. Nothing is
sent in quiet hours (the rows wait); with too little quota the rest wait and each host is told once a day.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from infra.config import Settings
from infra.db import UnitOfWork
from infra.messages import Text
from infra.messenger import LineError, Messenger
from models import Campaign, Member, ReminderSent
from services import directory, dunning, reminders
from services.payments import Account
from services.reminder_settings import load_settings

log = logging.getLogger(__name__)


@dataclass
class DunningReport:
    """What one dunning step did."""

    sent: int = 0
    already_delivered: int = 0
    skipped: int = 0
    deferred: int = 0
    failed: int = 0
    hosts_told: int = 0
    quiet: bool = False

    def summary(self) -> str:
        """Return a one-line summary for logs and the CLI."""
        if self.quiet:
            return "quiet hours: nothing sent"
        return (f"sent {self.sent}, already delivered {self.already_delivered}, skipped {self.skipped}, "
                f"deferred {self.deferred}, failed {self.failed}, hosts told {self.hosts_told}")


def push_text(uow: UnitOfWork, acc: Account, campaign_id: int | None) -> str:
    """Return the 1:1 reminder: what is still due (after credit) and how to report the transfer."""
    campaign = uow.session.get(Campaign, campaign_id) if campaign_id is not None else None
    where = f"第{campaign.id}團【{campaign.title}】" if campaign is not None else "團購訂單"
    detail = f"應付 ${acc.due:,}" + (f"，購物金折抵 ${acc.credit:,}" if acc.credit else "")
    detail += f"，已收 ${acc.received - acc.to_credit:,}" if acc.received - acc.to_credit > 0 else ""
    return (f"💰 付款提醒\n{where}還有 ${acc.remaining:,} 尚未付款（{detail}）。\n"
            f"匯款後請回覆「已匯款 後五碼12345 {acc.remaining}元」（後五碼是你轉出帳號的最後五碼），團主對帳後會確認，謝謝！\n"
            "輸入「我的訂單」可以看明細。")


def send_due(engine: Engine, settings: Settings, messenger: Messenger, now: datetime) -> str:
    """Clock step: push the queued dunning reminders that may go out at ``now``; return a summary line."""
    report = DunningReport()
    with UnitOfWork(engine) as uow:
        rs = load_settings(uow)
        waiting = [i for i in uow.session.exec(select(ReminderSent.id).where(
            ReminderSent.kind == dunning.KIND, ReminderSent.status == dunning.QUEUED).order_by(col(ReminderSent.id))
        ).all() if i is not None]
        hosts = reminders.host_user_ids(uow, settings)
    if not waiting:
        return "nothing queued"
    if rs.quiet_at(now, settings.tz):
        report.quiet = True
        return report.summary()
    ready = [(row_id, text) for row_id in waiting if (text := _still_due(engine, row_id, now, report))]
    try:
        quota = messenger.quota()
    except LineError as exc:
        log.warning("LINE quota unavailable (status %s); dunning pushes wait", exc.status)
        return f"quota unavailable: {len(ready)} waiting"
    room = reminders.push_room(rs.monthly_budget, quota.used, quota.remaining)
    if room is not None and room < len(ready):
        room = max(0, room - len(hosts))
        report.deferred = len(ready) - room
        ready = ready[:room]
    for row_id, text in ready:
        if not _send(engine, messenger, row_id, text, now, settings, report):
            break
    if report.deferred:
        report.hosts_told = _tell_hosts(engine, messenger, hosts, report.deferred, now, settings)
    log.info("dunning step: %s", report.summary())
    return report.summary()


def _still_due(engine: Engine, row_id: int, now: datetime, report: DunningReport) -> str | None:
    """Return the push a queued row is to send now; skip it (None) when its member paid, unfriended or opted out
    meanwhile, or when it waited too long."""
    with UnitOfWork(engine) as uow:
        row = uow.session.get(ReminderSent, row_id)
        if row is None or row.status != dunning.QUEUED:
            return None
        member = uow.session.get(Member, row.member_id)
        detail = reminders.detail_of(row)
        why, acc = None, None
        if member is None or not member.is_friend or member.reminders_opt_out:
            why = "no longer a friend or opted out"
        elif now - row.created_at > dunning.KEEP_QUEUED:
            why = "waited too long to be sent"
        elif (acc := dunning.still_owes(uow, member, detail.get("campaign_id"))) is None:
            why = "paid meanwhile"
        if why is None and acc is not None:
            return push_text(uow, acc, detail.get("campaign_id"))
        reminders.mark(row, "skipped", why or "")
        uow.session.add(row)
        uow.commit()
        report.skipped += 1
        return None


def _send(engine: Engine, messenger: Messenger, row_id: int, text: str, now: datetime, settings: Settings,
          report: DunningReport) -> bool:
    """Record the push under the day's key, commit, push, mark; False when LINE's quota ran out."""
    today = now.astimezone(settings.tz).date()
    with UnitOfWork(engine) as uow:
        row = uow.session.get(ReminderSent, row_id)
        member = uow.session.get(Member, row.member_id) if row is not None else None
        if row is None or member is None or row.status != dunning.QUEUED:
            return True
        detail = reminders.detail_of(row)
        assert member.id is not None
        row.dedupe_key = dunning.sent_key(member.id, today)
        row.status = "pending"
        queued_at = row.created_at.isoformat()
        row.created_at = now  # the retry key's 24 h (services.reminders resends pending rows) count from here
        row.detail = json.dumps({**detail, "queued_at": queued_at, "quick": [],
                                 "text": text}, ensure_ascii=False)
        uow.session.add(row)
        try:
            uow.commit()
        except IntegrityError:  # this member was pushed today already (another row, or another clock)
            uow.rollback()
            _skip(engine, row_id, "already told today")
            report.skipped += 1
            return True
        to, message, retry_key = member.line_user_id, reminders.message_of(row), row.retry_key
    return _push_and_mark(engine, messenger, row_id, to, message, retry_key, now, report)


def _push_and_mark(engine: Engine, messenger: Messenger, row_id: int, to: str, message: Text, retry_key: str,
                   now: datetime, report: DunningReport) -> bool:
    """Push one recorded reminder (no transaction open) and record the outcome."""
    try:
        delivered = messenger.push(to, [message], retry_key=retry_key)
    except LineError as exc:
        if exc.status == 0 or exc.status >= 500:  # outcome unknown: stays pending, resent with the same key
            log.warning("dunning push %s: LINE unreachable (%s), retried with the same key", row_id, exc.status)
            return True
        with UnitOfWork(engine) as uow:
            row = uow.session.get(ReminderSent, row_id)
            if row is None:
                return exc.status != 429
            if exc.status == 429 and row.kind == dunning.KIND:  # over quota: certainly not sent; queued again
                row.status, row.dedupe_key = dunning.QUEUED, str(reminders.detail_of(row).get("queued_key"))
                report.deferred += 1
            else:
                reminders.mark(row, "failed", f"LINE {exc.status}")
                report.failed += 1
            uow.session.add(row)
            uow.commit()
        return exc.status != 429
    with UnitOfWork(engine) as uow:
        row = uow.session.get(ReminderSent, row_id)
        if row is not None and row.status == "pending":
            reminders.mark(row, "sent", "" if delivered else "LINE had this retry key already (409)", at=now)
            uow.session.add(row)
            uow.commit()
    if delivered:
        report.sent += 1
    else:
        report.already_delivered += 1
    return True


def _skip(engine: Engine, row_id: int, note: str) -> None:
    with UnitOfWork(engine) as uow:
        row = uow.session.get(ReminderSent, row_id)
        if row is not None:
            reminders.mark(row, "skipped", note)
            uow.session.add(row)
            uow.commit()


def _tell_hosts(engine: Engine, messenger: Messenger, hosts: list[str], deferred: int, now: datetime,
                settings: Settings) -> int:
    """Tell each host once per local day that dunning pushes wait for quota (recorded before sending)."""
    today = now.astimezone(settings.tz).date()
    text = (f"⚠️ 推播額度不夠：{deferred} 則催款私訊先暫緩，額度夠了會自動補送（3 天內）。"
            "群組裡的 /催款 回覆不用額度，可以先用它提醒大家；也可以用「/提醒 設定 額度」調整。")
    told = 0
    for host in hosts:
        with UnitOfWork(engine) as uow:
            key = f"dunning_budget:{host}:{today.isoformat()}"
            if uow.session.exec(select(ReminderSent.id).where(ReminderSent.dedupe_key == key)).first() is not None:
                continue
            member = directory.ensure_member(uow, host)
            assert member.id is not None
            row = ReminderSent(member_id=member.id, kind=reminders.HOST_NOTICE, dedupe_key=key, due_at=now,
                               retry_key=str(uuid.uuid4()), created_at=now,
                               detail=json.dumps({"text": text, "quick": []}, ensure_ascii=False))
            uow.session.add(row)
            try:
                uow.commit()
            except IntegrityError:
                continue
            row_id, retry_key = row.id, row.retry_key
        assert row_id is not None
        quiet = DunningReport()
        _push_and_mark(engine, messenger, row_id, host, Text(text), retry_key, now, quiet)
        told += quiet.sent
    return told
