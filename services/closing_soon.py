"""Closing soon (截單提醒): which open campaigns of a group close within two hours, what stock is left, and the
once-per-campaign record of the notice (a line on a reply, or one push to the group).

A group's mode (``/設定 截單提醒``): ``reply`` (the default: the first reply in the last two hours carries the line,
free), ``push`` (that, and one push to the group between two hours and thirty minutes before the deadline) or
``off`` (neither). Every notice is a :class:`~models.CampaignNotice` with a unique dedupe key, recorded in the
transaction that sends it (a reply) or committed before the push (services.closing_push).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from infra.db import UnitOfWork
from infra.messages import literal_braces
from models import Campaign, CampaignNotice, Setting
from services import order_views, variants
from services.errors import DomainError

WINDOW = timedelta(hours=2)  # the last two hours before a deadline
PUSH_UNTIL = timedelta(minutes=30)  # a push later than this before the deadline is too late to help
MODE_KEY = "closing.mode"
MODES = ("reply", "push", "off")
DEFAULT_MODE = "reply"
REPLY, PUSH = "closing_reply", "closing_push"


@dataclass(frozen=True)
class StockLeft:
    """What is left of a limited item (or of one limited variant of it)."""

    code: str
    variant: str | None
    left: int


@dataclass(frozen=True)
class ClosingSoon:
    """An open campaign closing within the window: how long is left, and the stock of its limited items."""

    campaign_id: int
    title: str
    minutes_left: int
    stock: tuple[StockLeft, ...]


def _scope(group_id: int) -> str:
    return f"group:{group_id}"


def mode_of(uow: UnitOfWork, group_id: int) -> str:
    """Return the group's closing-soon mode: reply (default), push or off."""
    row = uow.session.exec(select(Setting).where(Setting.scope == _scope(group_id), Setting.key == MODE_KEY)).first()
    return row.value if row is not None and row.value in MODES else DEFAULT_MODE


def set_mode(uow: UnitOfWork, group_id: int, mode: str) -> None:
    """Store the group's closing-soon mode."""
    if mode not in MODES:
        raise DomainError("用法：/設定 截單提醒 回覆｜推播｜關")
    stmt = select(Setting).where(Setting.scope == _scope(group_id), Setting.key == MODE_KEY)
    row = uow.session.exec(stmt).first() or Setting(scope=_scope(group_id), key=MODE_KEY)
    row.value = mode
    uow.session.add(row)


def closing_within(uow: UnitOfWork, group_id: int, now: datetime, *, until: timedelta = timedelta(0)) -> list[Campaign]:
    """Return the group's open campaigns whose deadline is in (now + until, now + WINDOW], soonest first."""
    stmt = (
        select(Campaign)
        .where(Campaign.group_id == group_id, Campaign.status == "open",
               col(Campaign.deadline) > now + until, col(Campaign.deadline) <= now + WINDOW)
        .order_by(col(Campaign.deadline), col(Campaign.id))
    )
    return list(uow.session.exec(stmt).all())


def describe(uow: UnitOfWork, campaign: Campaign, now: datetime) -> ClosingSoon:
    """Return how long the campaign has left and the stock left of its limited items and variants."""
    assert campaign.id is not None and campaign.deadline is not None
    stock: list[StockLeft] = []
    for t in order_views.totals(uow, campaign):
        if t.item.stock_limit is not None:
            stock.append(StockLeft(t.item.code, None, max(0, t.item.stock_limit - t.confirmed)))
        limits = variants.limits_of(t.item)
        confirmed = {name: c for name, c, _ in t.variants}
        for name in variants.names_of(t.item):
            if name in limits:
                stock.append(StockLeft(t.item.code, name, max(0, limits[name] - confirmed.get(name, 0))))
    seconds = (campaign.deadline - now).total_seconds()
    return ClosingSoon(campaign.id, campaign.title, max(0, int(seconds // 60)), tuple(stock))


def left_text(minutes: int) -> str:
    """Say how long is left: ``45 分鐘``, ``1 小時 20 分鐘``, ``2 小時``."""
    if minutes < 1:
        return "不到 1 分鐘"
    hours, mins = divmod(minutes, 60)
    if not hours:
        return f"{mins} 分鐘"
    return f"{hours} 小時" + (f" {mins} 分鐘" if mins else "")


def line_of(soon: ClosingSoon, *, named: bool) -> str:
    """Return ``⏰ 再 45 分鐘截單｜B 剩 3、C 辣味 剩 0`` (naming the campaign when the group has several open)."""
    which = f"第{soon.campaign_id}團【{soon.title}】" if named else ""
    line = f"⏰ {which}再 {left_text(soon.minutes_left)}截單"
    stock = [f"{s.code}{' ' + s.variant if s.variant else ''} 剩 {s.left}" for s in soon.stock]
    if stock:
        line += "｜" + "、".join(stock)
    return literal_braces(line)  # a title's braces would break a textV2 message


def notice_key(kind: str, campaign_id: int) -> str:
    """Return the dedupe key of a campaign's notice of ``kind``."""
    return f"{kind}:{campaign_id}"


def already(uow: UnitOfWork, kind: str, campaign_id: int) -> bool:
    """Return True when the campaign's notice of ``kind`` was recorded."""
    key = notice_key(kind, campaign_id)
    return uow.session.exec(select(CampaignNotice.id).where(CampaignNotice.dedupe_key == key)).first() is not None


def claim(uow: UnitOfWork, kind: str, campaign_id: int, now: datetime, *, detail: str = "",
          retry_key: str | None = None, status: str = "pending") -> CampaignNotice | None:
    """Record the campaign's notice of ``kind`` (in a savepoint); None when it was recorded before (by anyone)."""
    if already(uow, kind, campaign_id):
        return None
    row = CampaignNotice(campaign_id=campaign_id, kind=kind, dedupe_key=notice_key(kind, campaign_id),
                         retry_key=retry_key, status=status, detail=detail, created_at=now,
                         sent_at=now if status == "sent" else None)
    try:
        with uow.savepoint():
            uow.session.add(row)
    except IntegrityError:  # another worker or clock recorded it first
        return None
    return row
