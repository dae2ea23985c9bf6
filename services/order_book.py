"""The order book: apply order intents, undo a message, allocate limited stock in send order.

Every quantity a comment adds is an ``OrderLine``; every change to a line is an ``OrderChange`` tied to the
message that caused it, so unsend/edit can undo exactly that message and the book explains itself line by line.
What each message asked is kept too (``order_requests``): a message applied after the member's later ones (a
redelivery) undoes them, applies itself and replays them, so the book always follows send order.
Stock is allocated to lines in send order; what does not fit is waitlisted (候補) and promoted when stock frees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select

from infra.db import UnitOfWork
from models import Campaign, Item, Member, OrderChange, OrderLine, OrderRequest
from parsers.comment import Intent
from services import order_requests
from services.campaigns import items_of, lock
from services.order_views import lines_by_item

MAX_QTY = 999


@dataclass(frozen=True)
class Promotion:
    """Stock freed up and a waitlisted member got (more of) an item."""

    member_id: int
    item: Item
    qty: int


@dataclass(frozen=True)
class Applied:
    """What applying a comment did."""

    changed: bool
    promotions: tuple[Promotion, ...]


def apply_intents(
    uow: UnitOfWork, *, campaign: Campaign, member: Member, intents: Sequence[Intent], message_id: str | None,
    sent_at: datetime,
) -> Applied:
    """Apply add/set/remove/cancel intents from one message as of its send time; reallocate stock of touched items.

    When the member's later messages in this campaign were applied already (this one arrived late: LINE redelivers
    a body only after it failed), they are undone newest first and replayed after it, so the book is what applying
    everything in send order gives.
    """
    assert campaign.id is not None and member.id is not None
    campaign_id, member_id = campaign.id, member.id
    lock(uow, campaign_id)
    items = {it.code: it for it in items_of(uow, campaign_id)}
    later = order_requests.later_than(uow, campaign_id, member_id, sent_at, besides=message_id)
    if message_id is not None:
        order_requests.record(uow, message_id=message_id, campaign_id=campaign_id, member_id=member_id,
                              sent_at=sent_at, intents=intents)
    touched = _in_send_order(uow, campaign_id, member_id, later, lambda: _apply(
        uow, items, member_id, lines_by_item(uow, campaign_id, member_id), intents, message_id=message_id,
        sent_at=sent_at))
    # Undoing restores quantities without their confirmation, so after a replay unlimited items are settled too.
    settle = [item for item in items.values() if item.id in touched and (item.stock_limit is not None or later)]
    promotions = allocate(uow, settle)
    return Applied(changed=bool(touched), promotions=tuple(p for p in promotions if p.member_id != member_id))


def _in_send_order(
    uow: UnitOfWork, campaign_id: int, member_id: int, later: Sequence[OrderRequest], change: Callable[[], set[int]],
    *, dropping: str | None = None,
) -> set[int]:
    """Make ``change`` to a member's lines as of its send time: undo their ``later`` requests, change, replay them.

    Return the touched item ids. A replay leaves the member at least what they had confirmed (at most what they now
    want; ``dropping``'s own lines aside), oldest line first: stock is not handed to someone else meanwhile and
    taken back. What it frees goes to the waitlist in send order when the caller reallocates.
    """
    if not later:
        return change()
    kept = {
        item_id: sum(line.confirmed_qty for line in lines if line.source_message_id != dropping)
        for item_id, lines in lines_by_item(uow, campaign_id, member_id).items()
    }
    touched: set[int] = set()
    for request in reversed(later):
        touched |= _undo(uow, request.message_id)
    touched |= change()
    items = {it.code: it for it in items_of(uow, campaign_id)}
    mine = lines_by_item(uow, campaign_id, member_id)
    for request in later:
        touched |= _apply(uow, items, member_id, mine, order_requests.intents_of(request),
                          message_id=request.message_id, sent_at=request.sent_at)
    _keep_confirmed(uow, mine, kept)
    return touched


def _apply(
    uow: UnitOfWork, items: dict[str, Item], member_id: int, mine: dict[int, list[OrderLine]],
    intents: Sequence[Intent], *, message_id: str | None, sent_at: datetime,
) -> set[int]:
    """Apply one message's intents to a member's lines (``mine``, kept current); return the touched item ids."""
    touched: set[int] = set()
    for intent in intents:
        targets = [items[intent.item]] if intent.item in items else []
        if intent.item is None and intent.action == "cancel":
            targets = list(items.values())
        for item in targets:
            assert item.id is not None
            current = mine[item.id]
            total = sum(line.qty for line in current)
            qty = min(intent.qty or 0, MAX_QTY)
            if intent.action == "add":
                delta = qty
            elif intent.action == "set":
                delta = qty - total
            elif intent.action == "remove":
                delta = -min(qty, total)
            else:  # cancel
                delta = -total
            if item.per_member_limit is not None and delta > 0:
                delta = max(0, min(delta, item.per_member_limit - total))  # 每人限購: never above the cap
            if delta > 0:
                # Without a stock limit there is nothing to wait for: the line is confirmed as it is written.
                line = OrderLine(campaign_id=item.campaign_id, item_id=item.id, member_id=member_id, qty=delta,
                                 confirmed_qty=delta if item.stock_limit is None else 0,
                                 source_message_id=message_id, sent_at=sent_at,
                                 note=intent.note[:200] if intent.note else None)
                uow.session.add(line)
                uow.session.flush()
                assert line.id is not None
                uow.session.add(OrderChange(line_id=line.id, delta=delta, action=intent.action,
                                            source_message_id=message_id))
                current.append(line)
                current.sort(key=lambda ln: (ln.sent_at, ln.id or 0))
            elif delta < 0:
                _reduce(uow, current, -delta, action=intent.action, message_id=message_id)
                current[:] = [line for line in current if line.qty > 0]
            if delta:
                touched.add(item.id)
    return touched


def _reduce(uow: UnitOfWork, lines: list[OrderLine], amount: int, *, action: str, message_id: str | None) -> None:
    """Take ``amount`` off a member's lines, newest first (the oldest keep their place in line)."""
    for line in reversed(lines):
        if amount <= 0:
            break
        take = min(line.qty, amount)
        line.qty -= take
        line.confirmed_qty = min(line.confirmed_qty, line.qty)
        amount -= take
        uow.session.add(line)
        assert line.id is not None
        uow.session.add(OrderChange(line_id=line.id, delta=-take, action=action, source_message_id=message_id))


def _keep_confirmed(uow: UnitOfWork, mine: dict[int, list[OrderLine]], kept: dict[int, int]) -> None:
    """Confirm a member's lines oldest first until each item has ``kept`` confirmed (or all it has)."""
    for item_id, amount in kept.items():
        missing = amount - sum(line.confirmed_qty for line in mine.get(item_id, []))
        for line in mine.get(item_id, []):
            if missing <= 0:
                break
            give = min(line.qty - line.confirmed_qty, missing)
            line.confirmed_qty += give
            missing -= give
            uow.session.add(line)


def _undo(uow: UnitOfWork, message_id: str) -> set[int]:
    """Undo a message's live changes, newest first, without reallocating; return the touched item ids."""
    changes = uow.session.exec(
        select(OrderChange)
        .where(OrderChange.source_message_id == message_id, col(OrderChange.reverted).is_(False))
        .order_by(col(OrderChange.id).desc())
    ).all()
    if not changes:
        return set()
    # Read once the campaign is locked (populate_existing: what another transaction committed before counts).
    lines = {line.id: line for line in uow.session.exec(
        select(OrderLine).where(col(OrderLine.id).in_({c.line_id for c in changes}))
        .execution_options(populate_existing=True)
    )}
    for change in changes:
        line = lines[change.line_id]
        line.qty = max(0, line.qty - change.delta)
        line.confirmed_qty = min(line.confirmed_qty, line.qty)
        change.reverted = True
        uow.session.add_all([line, change])
    return {line.item_id for line in lines.values()}


def campaign_of_message(uow: UnitOfWork, message_id: str) -> Campaign | None:
    """Return the campaign a message asked for or changed orders in, or None when it never did."""
    asked = (
        select(Campaign)
        .join(OrderRequest, col(OrderRequest.campaign_id) == col(Campaign.id))
        .where(OrderRequest.message_id == message_id)
    )
    changed = (  # messages applied before requests were kept (migration 0005)
        select(Campaign)
        .join(OrderLine, col(OrderLine.campaign_id) == col(Campaign.id))
        .join(OrderChange, col(OrderChange.line_id) == col(OrderLine.id))
        .where(OrderChange.source_message_id == message_id)
    )
    return uow.session.exec(asked).first() or uow.session.exec(changed).first()


def revert_message(uow: UnitOfWork, message_id: str) -> tuple[Campaign | None, int | None, list[Promotion]]:
    """Undo every change a message made and forget what it asked (收回 / before re-applying an edit).

    The member's later requests in that campaign are undone first and replayed after, so the book is what the other
    messages give in send order (a later 「A改3」 still means 3). Return the campaign and member it touched (None
    when it changed nothing) and any waitlist promotions of other members.
    """
    request = order_requests.find(uow, message_id)
    first_line = uow.session.exec(
        select(OrderLine)
        .join(OrderChange, col(OrderChange.line_id) == col(OrderLine.id))
        .where(OrderChange.source_message_id == message_id, col(OrderChange.reverted).is_(False))
    ).first()
    if request is not None:
        order_requests.forget(uow, request)
    if first_line is None:  # it changed nothing, so the messages after it did what they would have done without it
        return None, None, []
    campaign = lock(uow, first_line.campaign_id)
    assert campaign.id is not None
    member_id = first_line.member_id
    later = [] if request is None else order_requests.later_than(uow, campaign.id, member_id, request.sent_at)
    touched = _in_send_order(uow, campaign.id, member_id, later, lambda: _undo(uow, message_id), dropping=message_id)
    promotions = allocate(uow, [item for item in items_of(uow, campaign.id) if item.id in touched])
    return campaign, member_id, [p for p in promotions if p.member_id != member_id]


def allocate(uow: UnitOfWork, items: Iterable[Item]) -> list[Promotion]:
    """Re-allocate limited stock: confirmed stays confirmed, freed stock goes to the waitlist in send order.

    Only lines that can change are loaded (a SUM gives the stock in use), so a comment costs the same whether the
    item has ten lines or thousands.
    """
    promotions: list[Promotion] = []
    for item in items:
        assert item.id is not None
        live = (OrderLine.item_id == item.id, col(OrderLine.qty) > 0)
        for line in _lines(uow, *live, col(OrderLine.confirmed_qty) > col(OrderLine.qty)):
            line.confirmed_qty = line.qty
            uow.session.add(line)
        if item.stock_limit is None:
            for line in _lines(uow, *live, col(OrderLine.confirmed_qty) != col(OrderLine.qty)):
                line.confirmed_qty = line.qty
                uow.session.add(line)
            continue
        used = int(uow.session.exec(select(func.coalesce(func.sum(OrderLine.confirmed_qty), 0)).where(*live)).one())
        if used > item.stock_limit:  # the limit was lowered: the latest give way first
            for line in _lines(uow, *live, col(OrderLine.confirmed_qty) > 0, newest_first=True):
                if used <= item.stock_limit:
                    break
                give = min(line.confirmed_qty, used - item.stock_limit)
                line.confirmed_qty -= give
                used -= give
                uow.session.add(line)
        free = item.stock_limit - used
        gained: dict[int, int] = defaultdict(int)
        if free > 0:
            for line in _lines(uow, *live, col(OrderLine.qty) > col(OrderLine.confirmed_qty)):
                if free <= 0:
                    break
                take = min(line.qty - line.confirmed_qty, free)
                line.confirmed_qty += take
                free -= take
                gained[line.member_id] += take
                uow.session.add(line)
        promotions.extend(Promotion(member_id=m, item=item, qty=q) for m, q in gained.items())
    uow.session.flush()
    return promotions


def _lines(uow: UnitOfWork, *where: Any, newest_first: bool = False) -> list[OrderLine]:
    """Return the order lines matching ``where`` in send order (or newest first)."""
    order = (col(OrderLine.sent_at).desc(), col(OrderLine.id).desc()) if newest_first else (
        col(OrderLine.sent_at), col(OrderLine.id))
    return list(uow.session.exec(select(OrderLine).where(*where).order_by(*order)).all())
