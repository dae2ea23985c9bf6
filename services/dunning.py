"""Chasing payment (催款): who in a group has not paid in full, and the 1:1 pushes ``/設定 催款私訊 開`` queues.

Who owes comes from the reconciliation overview ``/未付`` shows (``services.payment_report.overview``: the due
after credit, less what was received); a member who reported a transfer the host has not reconciled yet is
waiting, not chased. ``/催款`` only queues pushes (``reminders`` rows of kind ``dunning``, status ``queued``);
the clock delivers them (``services.dunning_push``), so quiet hours, the quota and exactly-once live in one place.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Member, ReminderSent, Setting
from services import payment_report, payments
from services.payments import Account

KIND = "dunning"
PUSH_KEY = "dunning.push"
CHASED = ("unpaid", "short", "claim_not_found")  # /未付's statuses, less "claimed" (reported, not reconciled yet)
WAITING = ("claimed",)
QUEUED = "queued"  # recorded, waiting for the clock (not yet handed to LINE: no retry key used)
KEEP_QUEUED = timedelta(days=3)  # a push the clock could not send by then is dropped (run /催款 again)


@dataclass(frozen=True)
class Chase:
    """Who owes in scope (oldest member first) and how many reported a transfer the host has not matched yet."""

    owing: tuple[Account, ...]
    waiting: int


@dataclass(frozen=True)
class Queued:
    """What ``/催款`` queued for the clock: new pushes, members already told today, members who are not friends."""

    queued: int = 0
    already: int = 0
    not_friends: int = 0


def chase(uow: UnitOfWork, group_id: int, *, campaign_id: int | None = None) -> Chase:
    """Return who in the group (or one campaign) has not paid in full, as ``/未付`` counts it."""
    view = payment_report.overview(uow, campaign_id=campaign_id, group_id=group_id)
    owing = sorted((a for a in view.having(*CHASED) if a.remaining > 0), key=lambda a: a.member.id or 0)
    return Chase(tuple(owing), len(view.having(*WAITING)))


def still_owes(uow: UnitOfWork, member: Member, campaign_id: int | None) -> Account | None:
    """Return the member's account when they still owe (the clock checks again right before pushing)."""
    acc = payments.account(uow, member, campaign_id=campaign_id)
    return acc if acc.status in CHASED and acc.remaining > 0 else None


def _scope(group_id: int) -> str:
    return f"group:{group_id}"


def push_enabled(uow: UnitOfWork, group_id: int) -> bool:
    """Return True when ``/催款`` also queues a 1:1 push to members who are friends of the bot."""
    row = uow.session.exec(select(Setting).where(Setting.scope == _scope(group_id), Setting.key == PUSH_KEY)).first()
    return row is not None and row.value == "on"


def set_push(uow: UnitOfWork, group_id: int, on: bool) -> None:
    """Turn the 1:1 dunning pushes of a group on or off."""
    row = uow.session.exec(select(Setting).where(Setting.scope == _scope(group_id), Setting.key == PUSH_KEY)).first()
    row = row or Setting(scope=_scope(group_id), key=PUSH_KEY)
    row.value = "on" if on else "off"
    uow.session.add(row)


def queued_key(member_id: int, day: date) -> str:
    """Return the dedupe key of a push queued on a local day (one queued push per member and day)."""
    return f"{KIND}:m{member_id}:queued:{day.isoformat()}"


def sent_key(member_id: int, day: date) -> str:
    """Return the dedupe key a push takes when it is handed to LINE (one push per member and local day)."""
    return f"{KIND}:m{member_id}:sent:{day.isoformat()}"


def queue_pushes(uow: UnitOfWork, accounts: tuple[Account, ...], *, group_id: int, campaign_id: int | None,
                 now: datetime, tz: ZoneInfo) -> Queued:
    """Queue one 1:1 push for each owing friend not told today and without a push waiting already."""
    today = now.astimezone(tz).date()
    queued = already = not_friends = 0
    for acc in accounts:
        member = acc.member
        assert member.id is not None
        if not member.is_friend or member.reminders_opt_out:
            not_friends += 1
            continue
        keys = (queued_key(member.id, today), sent_key(member.id, today))
        waiting = select(ReminderSent.id).where(
            ReminderSent.member_id == member.id, ReminderSent.kind == KIND, ReminderSent.status == QUEUED)
        taken = select(ReminderSent.id).where(col(ReminderSent.dedupe_key).in_(keys))
        if uow.session.exec(waiting).first() is not None or uow.session.exec(taken).first() is not None:
            already += 1
            continue
        detail = {"group_id": group_id, "campaign_id": campaign_id, "queued_key": keys[0]}
        uow.session.add(ReminderSent(
            member_id=member.id, kind=KIND, dedupe_key=keys[0], retry_key=str(uuid.uuid4()), due_at=now,
            status=QUEUED, created_at=now, detail=json.dumps(detail),
        ))
        queued += 1
    uow.session.flush()
    return Queued(queued, already, not_friends)
