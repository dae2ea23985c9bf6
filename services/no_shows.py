"""No-shows (棄單): after a campaign's pickup deadline, what nobody picked up is recorded once, and the host told once.

The clock step ``run_step`` is safe to repeat: a campaign's pending lines become ``no_show`` and its ``NoShow``
rows (unique per member and campaign) are written in one transaction under the campaign's lock, with the host's
notice recorded (pending, with a fresh ``X-Line-Retry-Key``) before anything is pushed. A later tick pushes a
pending notice again with the same key (LINE answers 409 if the first push arrived). One push per campaign to the
host who opened it, 1:1 (one message of quota), not one per member; none when the group turned pushes off.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from infra.config import Settings
from infra.db import UnitOfWork
from infra.messages import Text
from infra.messenger import LineError, Messenger
from models import Campaign, CampaignNotice, Group, Member, NoShow, OrderLine
from services import campaigns, pricing
from services.directory import label
from services.reminder_settings import load_settings

log = logging.getLogger(__name__)
KIND = "no_shows"
RETRY_KEY_MEMORY = timedelta(hours=20)  # LINE remembers a retry key 24 h; stop retrying well before
LISTED = 20  # members named in the host's notice


def due_campaigns(uow: UnitOfWork, now: datetime) -> list[int]:
    """Return the campaigns past their pickup deadline that still have confirmed lines pending (one query)."""
    stmt = (
        select(OrderLine.campaign_id)
        .join(Campaign, col(Campaign.id) == col(OrderLine.campaign_id))
        .where(col(Campaign.pickup_deadline) < now, col(Campaign.arrived_at).is_not(None), Campaign.status != "cancelled",
               OrderLine.pickup_status == "pending", OrderLine.confirmed_qty > 0)
        .distinct()
    )
    return sorted(uow.session.exec(stmt).all())


@dataclass(frozen=True)
class Missed:
    """One member's items left behind in a campaign."""

    member_id: int
    qty: int
    amount: int


def record(uow: UnitOfWork, campaign_id: int, now: datetime) -> list[Missed]:
    """Turn a campaign's pending confirmed lines into no-shows; return the members recorded now (in this transaction)."""
    campaign = campaigns.lock(uow, campaign_id)
    if campaign.pickup_deadline is None or campaign.pickup_deadline >= now or campaign.status == "cancelled":
        return []
    pending = (col(OrderLine.campaign_id) == campaign_id, col(OrderLine.pickup_status) == "pending",
               col(OrderLine.confirmed_qty) > 0)
    rows = uow.session.exec(select(OrderLine.member_id, OrderLine.item_id, OrderLine.guest_name,
                                   OrderLine.confirmed_qty).where(*pending)).all()
    items = {it.id: it for it in campaigns.items_of(uow, campaign_id)}
    per_person: dict[int, dict[tuple[int, str | None], int]] = defaultdict(lambda: defaultdict(int))
    for member_id, item_id, guest, qty in rows:
        per_person[member_id][(item_id, guest)] += qty
    if not rows:
        return []
    uow.session.execute(update(OrderLine).where(*pending).values(pickup_status="no_show"))  # one statement
    known = set(uow.session.exec(select(NoShow.member_id).where(NoShow.campaign_id == campaign_id)).all())
    cost: dict[tuple[int, int], int] = {}  # (item, qty) -> NT$: most buyers take the same few quantities
    missed = []
    for member_id, held in per_person.items():
        if member_id in known:  # picked late once, then the tick was undone: already on record
            continue
        for (item_id, _guest), n in held.items():
            if (item_id, n) not in cost and item_id in items:
                cost[(item_id, n)] = pricing.amount(items[item_id], n)
        amount = sum(cost.get((item_id, n), 0) for (item_id, _guest), n in held.items())
        missed.append(Missed(member_id, sum(held.values()), amount))
    if missed:
        uow.session.connection().execute(insert(NoShow), [  # Core executemany, not one ORM object per member
            {"member_id": m.member_id, "campaign_id": campaign_id, "group_id": campaign.group_id, "qty": m.qty,
             "amount": m.amount, "created_at": now} for m in missed
        ])
    uow.session.flush()
    return missed


def notice_text(uow: UnitOfWork, campaign: Campaign, missed: list[Missed], tz: ZoneInfo) -> str:
    """Return the host's one message about a campaign's no-shows."""
    deadline = campaign.pickup_deadline
    when = ""
    if deadline is not None:
        local = deadline.astimezone(tz)
        when = f"取貨期限 {local.month}/{local.day}({'一二三四五六日'[local.weekday()]}) {local:%H:%M} 已過："
    lines = [f"📋 第{campaign.id}團【{campaign.title}】{when}{len(missed)} 位沒有取貨，已記為棄單。"]
    for m in missed[:LISTED]:
        member = uow.session.get(Member, m.member_id)
        lines.append(f"・{label(member) if member else '?'}：{m.qty} 件 ${m.amount:,}")
    if len(missed) > LISTED:
        lines.append(f"…還有 {len(missed) - LISTED} 位")
    lines.append(f"在群組輸入 /未取 {campaign.id} 看明細；後來取貨的可用 /取貨 @成員 登記（棄單紀錄會保留）。")
    return "\n".join(lines)


@dataclass
class StepReport:
    """What one no-show step did."""

    members: int = 0
    campaigns: int = 0
    told: int = 0
    waiting: int = 0  # notices left pending (quiet hours, quota, LINE unreachable)
    raced: int = 0  # campaigns another clock recorded first

    def summary(self) -> str:
        """Return a one-line summary for logs and the CLI."""
        return (f"{self.members} no-shows in {self.campaigns} campaigns, hosts told {self.told}, "
                f"notices waiting {self.waiting}, raced {self.raced}")


def run_step(engine: Engine, settings: Settings, messenger: Messenger, now: datetime) -> str:
    """Clock step: record the no-shows due at ``now`` (exactly once) and push each campaign's host notice once."""
    report = StepReport()
    with UnitOfWork(engine, read_only=True) as uow:
        due = due_campaigns(uow, now)
    for campaign_id in due:
        try:
            with UnitOfWork(engine) as uow:
                missed = record(uow, campaign_id, now)
                if missed:
                    _record_notice(uow, campaign_id, missed, now, settings.tz)
                uow.commit()
        except IntegrityError:  # another clock recorded this campaign at the same instant
            report.raced += 1
            continue
        report.members += len(missed)
        report.campaigns += 1 if missed else 0
    _send_pending(engine, settings, messenger, now, report)
    return report.summary()


def _record_notice(uow: UnitOfWork, campaign_id: int, missed: list[Missed], now: datetime, tz: ZoneInfo) -> None:
    """Record the host's notice for a campaign (once per campaign), before anything is sent."""
    key = f"{KIND}:c{campaign_id}"
    if uow.session.exec(select(CampaignNotice.id).where(CampaignNotice.dedupe_key == key)).first() is not None:
        return
    campaign = uow.session.get(Campaign, campaign_id)
    group = uow.session.get(Group, campaign.group_id) if campaign is not None else None
    if campaign is None:
        return
    allowed = group is not None and group.allow_push and bool(campaign.opened_by)
    uow.session.add(CampaignNotice(
        campaign_id=campaign_id, kind=KIND, dedupe_key=key, retry_key=str(uuid.uuid4()),
        status="pending" if allowed else "skipped", detail=notice_text(uow, campaign, missed, tz), created_at=now,
    ))
    uow.session.flush()


def _send_pending(engine: Engine, settings: Settings, messenger: Messenger, now: datetime, report: StepReport) -> None:
    """Push the pending host notices (same retry key every time) unless it is quiet or LINE's quota is spent."""
    with UnitOfWork(engine) as uow:
        rows = uow.session.exec(select(CampaignNotice).where(CampaignNotice.kind == KIND,
                                                             CampaignNotice.status == "pending")).all()
        todo = []
        for row in rows:
            if now - row.created_at > RETRY_KEY_MEMORY:
                row.status = "failed"
                uow.session.add(row)
                continue
            campaign = uow.session.get(Campaign, row.campaign_id)
            if campaign is not None and row.id is not None and row.retry_key:
                todo.append((row.id, campaign.opened_by, row.detail, row.retry_key))
        quiet = load_settings(uow).quiet_at(now, settings.tz)
        uow.commit()
    if not todo:
        return
    remaining: int | None = None
    if not quiet:
        try:
            remaining = messenger.quota().remaining
        except LineError as exc:
            log.warning("LINE quota unavailable (status %s); no-show notices wait for the next tick", exc.status)
            remaining = 0
    if quiet or remaining == 0:
        report.waiting += len(todo)
        return
    for row_id, to, text, retry_key in todo:
        status = "sent"
        try:
            messenger.push(to, [Text(text)], retry_key=retry_key)  # False: LINE had it already (409)
        except LineError as exc:
            if exc.status in (0, 429) or exc.status >= 500:
                report.waiting += 1
                continue
            status = "failed"
        with UnitOfWork(engine) as uow:
            notice = uow.session.get(CampaignNotice, row_id)
            if notice is not None and notice.status == "pending":
                notice.status = status
                notice.sent_at = now if status == "sent" else None
                uow.session.add(notice)
                uow.commit()
        report.told += status == "sent"

