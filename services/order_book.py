"""The order book: apply order intents, undo a message, allocate limited stock in send order.

Every quantity a comment adds is an ``OrderLine``; every change to a line is an ``OrderChange`` tied to the
message that caused it, so unsend/edit can undo exactly that message and the book explains itself line by line.
What each message asked is kept too (``order_requests``): a message applied after the member's later ones (a
redelivery) undoes them, applies itself and replays them, so the book always follows send order.
Stock is allocated to lines in send order; what does not fit is waitlisted (候補) and promoted when stock frees.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, func, select

from infra.db import UnitOfWork
from infra.sql import one_of
from models import Campaign, Item, Member, OrderChange, OrderLine, OrderRequest
from parsers.comment import Intent
from services import directory, order_requests, variants
from services.campaigns import items_of, lock

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

    ``member`` placed the order; an intent ``for_name`` someone else (代訂) goes to the group member of that name,
    or stays the placer's under the guest's name (services.directory.member_named). When the member's later
    messages in this campaign were applied already (this one arrived late: LINE redelivers a body only after it
    failed), they are undone newest first and replayed after it, so the book is what applying everything in send
    order gives.
    """
    assert campaign.id is not None and member.id is not None
    campaign_id, member_id = campaign.id, member.id
    lock(uow, campaign_id)
    items = {it.code: it for it in items_of(uow, campaign_id)}
    later = order_requests.later_than(uow, campaign_id, member_id, sent_at, besides=message_id)
    if message_id is not None:
        order_requests.record(uow, message_id=message_id, campaign_id=campaign_id, member_id=member_id,
                              sent_at=sent_at, intents=intents)
    touched = _in_send_order(uow, campaign, member_id, later, lambda: _apply(
        uow, items, _Book(uow, campaign, member_id), intents, message_id=message_id, sent_at=sent_at))
    # Undoing restores quantities without their confirmation, so after a replay unlimited items are settled too.
    settle = [item for item in items.values() if item.id in touched and (variants.is_limited(item) or later)]
    promotions = allocate(uow, settle)
    return Applied(changed=bool(touched), promotions=tuple(p for p in promotions if p.member_id != member_id))


def _send_order(line: OrderLine) -> tuple[datetime, int]:
    """Sort key: send time, then row id (a line not flushed yet is the newest)."""
    return line.sent_at, line.id if line.id is not None else sys.maxsize


def placed_by(line: OrderLine) -> int:
    """Return the member who placed a line: who ordered it for another member, else its owner."""
    return line.ordered_by if line.ordered_by is not None else line.member_id


class _Book:
    """The lines one member placed in a campaign, kept current while their intents are applied.

    Loaded in one query (the placer's own lines, guests' included); lines placed for other members and those
    members' own lines (for their 每人限購) are loaded only when an intent needs them.
    """

    def __init__(self, uow: UnitOfWork, campaign: Campaign, placer: int) -> None:
        assert campaign.id is not None
        self.uow, self.campaign, self.placer = uow, campaign, placer
        self.lines: list[OrderLine] = []
        self._seen: set[int] = set()  # id() of the lines held: a line not yet flushed has no row id
        self._loaded: set[object] = set()
        self._names: dict[str, int | None] = {}
        batch = _batch_lines(uow, campaign.id, placer)
        if batch is None:
            self._load("own", OrderLine.member_id == placer)
        else:
            self._loaded.add("own")
            self.lines = [line for line in batch if line.qty > 0]
            self._seen.update(id(line) for line in self.lines)
            self._sort()

    def _load(self, key: object, *where: Any) -> None:
        if key in self._loaded:
            return
        self._loaded.add(key)
        stmt = select(OrderLine).where(OrderLine.campaign_id == self.campaign.id, col(OrderLine.qty) > 0, *where)
        for line in self.uow.session.exec(stmt):  # the session's identity map: a line held is the same object
            if id(line) not in self._seen:
                self._seen.add(id(line))
                self.lines.append(line)
        self._sort()

    def _sort(self) -> None:
        self.lines.sort(key=_send_order)

    def placed(self) -> list[OrderLine]:
        """Return the live lines this member placed, for themself, guests and other members, oldest first."""
        self._load("placed", OrderLine.ordered_by == self.placer)
        return [line for line in self.lines if line.qty > 0 and placed_by(line) == self.placer]

    def of(self, owner: int, guest: str | None, *, placed_only: bool) -> list[OrderLine]:
        """Return one person's live lines (a member, or a guest under them), oldest first; ``placed_only``: those
        this member placed."""
        if owner != self.placer:
            self._load(("owner", owner), OrderLine.member_id == owner)
        return [line for line in self.lines if line.qty > 0 and line.member_id == owner and line.guest_name == guest
                and (not placed_only or placed_by(line) == self.placer)]

    def add(self, line: OrderLine) -> None:
        self._seen.add(id(line))
        self.lines.append(line)
        self._sort()
        batch = self.uow.memo.get(("book", self.campaign.id))
        if batch is not None and line.member_id in batch:
            batch[line.member_id].append(line)

    def person(self, name: str | None) -> tuple[int, str | None]:
        """Return whose a line for ``name`` is: (owner member id, guest name or None)."""
        if not name:
            return self.placer, None
        if name not in self._names:
            found = directory.member_named(self.uow, self.campaign.group_id, name)
            self._names[name] = found.id if found is not None else None
        owner = self._names[name]
        if owner is None:
            return self.placer, name[:60]
        return owner, None


def expect(uow: UnitOfWork, member_ids: Iterable[int]) -> None:
    """Say that these members' comments are applied in this transaction (a worker's batch of one chat).

    The first time one of them orders in a campaign, once it is locked, the live lines of all of them in that
    campaign are read in one query instead of one query per comment; the transaction keeps them current.
    """
    uow.memo.setdefault(("book_members",), set()).update(member_ids)


def _batch_lines(uow: UnitOfWork, campaign_id: int, member_id: int) -> list[OrderLine] | None:
    """Return a member's lines in a campaign (oldest first) from the batch's read, or None when they were not
    expected. Call it only with the campaign locked: what another transaction committed before counts."""
    members: set[int] | None = uow.memo.get(("book_members",))
    if not members or member_id not in members:
        return None
    found: dict[int, list[OrderLine]] | None = uow.memo.get(("book", campaign_id))
    if found is None:
        found = {m: [] for m in members}
        stmt = (select(OrderLine)
                .where(OrderLine.campaign_id == campaign_id, one_of(uow.dialect, OrderLine.member_id, members),
                       col(OrderLine.qty) > 0)
                .order_by(col(OrderLine.sent_at), col(OrderLine.id)))
        for line in uow.session.exec(stmt):
            found[line.member_id].append(line)
        uow.memo[("book", campaign_id)] = found
    return found[member_id]


def _in_send_order(
    uow: UnitOfWork, campaign: Campaign, member_id: int, later: Sequence[OrderRequest], change: Callable[[], set[int]],
    *, dropping: str | None = None,
) -> set[int]:
    """Make ``change`` to a member's lines as of its send time: undo their ``later`` requests, change, replay them.

    Return the touched item ids. A replay leaves each person the member ordered for at least what they had
    confirmed (at most what they now want; ``dropping``'s own lines aside), oldest line first: stock is not handed
    to someone else meanwhile and taken back. What it frees goes to the waitlist in send order when the caller
    reallocates.
    """
    if not later:
        return change()
    kept: dict[tuple[int, str | None, int], int] = defaultdict(int)
    for line in _Book(uow, campaign, member_id).placed():
        if line.source_message_id != dropping:
            kept[(line.member_id, line.guest_name, line.item_id)] += line.confirmed_qty
    touched: set[int] = set()
    for request in reversed(later):
        touched |= _undo(uow, request.message_id)
    touched |= change()
    assert campaign.id is not None
    items = {it.code: it for it in items_of(uow, campaign.id)}
    book = _Book(uow, campaign, member_id)
    for request in later:
        touched |= _apply(uow, items, book, order_requests.intents_of(request),
                          message_id=request.message_id, sent_at=request.sent_at)
    _keep_confirmed(uow, book, kept)
    return touched


def _apply(
    uow: UnitOfWork, items: dict[str, Item], book: _Book, intents: Sequence[Intent], *, message_id: str | None,
    sent_at: datetime,
) -> set[int]:
    """Apply one message's intents to the lines its member placed (``book``, kept current); return touched item ids.

    An intent works on one person's lines of an item (of its variant, when it names one): ``A改3`` sets the
    member's own A to 3, ``幫小明 A改3`` what they ordered for 小明. A bare ``取消`` cancels everything the member
    placed, for themself and for others.
    """
    touched: set[int] = set()
    for intent in intents:
        targets = [items[intent.item]] if intent.item in items else []
        everything = intent.item is None and intent.action == "cancel"
        if everything:
            targets = list(items.values())
        owner, guest = book.person(intent.for_name)
        for item in targets:
            assert item.id is not None
            if everything and not intent.for_name:
                slot = [line for line in book.placed() if line.item_id == item.id]
            else:
                slot = [line for line in book.of(owner, guest, placed_only=True) if line.item_id == item.id
                        and (intent.variant is None or line.variant == intent.variant)]
            total = sum(line.qty for line in slot)
            qty = min(intent.qty or 0, MAX_QTY)
            if intent.action == "add":
                delta = qty
            elif intent.action == "set":
                delta = qty - total
            elif intent.action == "remove":
                delta = -min(qty, total)
            else:  # cancel
                delta = -total
            if item.per_member_limit is not None and delta > 0:  # 每人限購: never above the cap, per person
                has = sum(line.qty for line in book.of(owner, guest, placed_only=False) if line.item_id == item.id)
                delta = max(0, min(delta, item.per_member_limit - has))
            if delta > 0:
                # Without a stock limit there is nothing to wait for: the line is confirmed as it is written.
                line = OrderLine(campaign_id=item.campaign_id, item_id=item.id, member_id=owner, qty=delta,
                                 confirmed_qty=0 if variants.is_limited(item) else delta,
                                 source_message_id=message_id, sent_at=sent_at,
                                 note=intent.note[:200] if intent.note else None,
                                 variant=intent.variant[:40] if intent.variant else None, guest_name=guest,
                                 ordered_by=book.placer if owner != book.placer else None)
                # Line and change go in the next flush (with the batch's other new lines, in one statement).
                uow.session.add(OrderChange(line=line, delta=delta, action=intent.action,
                                            source_message_id=message_id))
                book.add(line)
            elif delta < 0:
                reduce_lines(uow, slot, -delta, action=intent.action, message_id=message_id)
            if delta:
                touched.add(item.id)
    return touched


def reduce_lines(uow: UnitOfWork, lines: list[OrderLine], amount: int, *, action: str, message_id: str | None) -> None:
    """Take ``amount`` off a member's lines, newest first (the oldest keep their place in line)."""
    for line in reversed(lines):
        if amount <= 0:
            break
        take = min(line.qty, amount)
        line.qty -= take
        line.confirmed_qty = min(line.confirmed_qty, line.qty)
        amount -= take
        uow.session.add(line)
        uow.session.add(OrderChange(line=line, delta=-take, action=action, source_message_id=message_id))


def _keep_confirmed(uow: UnitOfWork, book: _Book, kept: dict[tuple[int, str | None, int], int]) -> None:
    """Confirm the lines a member placed, oldest first, until each person's item has ``kept`` confirmed."""
    placed = book.placed()
    for (owner, guest, item_id), amount in kept.items():
        lines = [ln for ln in placed if ln.member_id == owner and ln.guest_name == guest and ln.item_id == item_id]
        missing = amount - sum(line.confirmed_qty for line in lines)
        for line in lines:
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
    for line in lines.values():  # an undo can bring a line back to life: a batch's read of lines no longer holds
        uow.forget(("book", line.campaign_id))
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
        .where(OrderChange.source_message_id == message_id, OrderChange.action != "shortage")  # /缺貨: a command
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
    member_id = request.member_id if request is not None else placed_by(first_line)
    later = [] if request is None else order_requests.later_than(uow, campaign.id, member_id, request.sent_at)
    touched = _in_send_order(uow, campaign, member_id, later, lambda: _undo(uow, message_id), dropping=message_id)
    promotions = allocate(uow, [item for item in items_of(uow, campaign.id) if item.id in touched])
    return campaign, member_id, [p for p in promotions if p.member_id != member_id]


def allocate(uow: UnitOfWork, items: Iterable[Item]) -> list[Promotion]:
    """Re-allocate limited stock: confirmed stays confirmed, freed stock goes to the waitlist in send order.

    Stock may be limited per item (限量30), per variant (辣味限量10) or both; a line is confirmed only as far as
    every limit it falls under allows. Only lines that can change are loaded (SUMs give the stock in use), so a
    comment costs the same whether the item has ten lines or thousands.
    """
    promotions: list[Promotion] = []
    for item in items:
        assert item.id is not None
        live = (OrderLine.item_id == item.id, col(OrderLine.qty) > 0)
        for line in _lines(uow, *live, col(OrderLine.confirmed_qty) > col(OrderLine.qty)):
            line.confirmed_qty = line.qty
            uow.session.add(line)
        limits = variants.limits_of(item)
        if item.stock_limit is None and not limits:
            for line in _lines(uow, *live, col(OrderLine.confirmed_qty) != col(OrderLine.qty)):
                line.confirmed_qty = line.qty
                uow.session.add(line)
            continue
        used_by = {variant: int(n) for variant, n in uow.session.exec(
            select(OrderLine.variant, func.coalesce(func.sum(OrderLine.confirmed_qty), 0))
            .where(*live).group_by(col(OrderLine.variant))
        )}
        # A limit was lowered: the latest give way first (a variant's limit, then the item's).
        for variant, cap in limits.items():
            over = used_by.get(variant, 0) - cap
            if over > 0:
                used_by[variant] = cap
                _give_back(uow, _lines(uow, *live, OrderLine.variant == variant, col(OrderLine.confirmed_qty) > 0,
                                       newest_first=True), over)
        used = sum(used_by.values())
        if item.stock_limit is not None and used > item.stock_limit:
            _give_back(uow, _lines(uow, *live, col(OrderLine.confirmed_qty) > 0, newest_first=True),
                       used - item.stock_limit)
            used = item.stock_limit
        free = None if item.stock_limit is None else item.stock_limit - used
        free_by = {variant: cap - used_by.get(variant, 0) for variant, cap in limits.items()}
        gained: dict[int, int] = defaultdict(int)
        if free is None or free > 0:
            for line in _lines(uow, *live, col(OrderLine.qty) > col(OrderLine.confirmed_qty)):
                if free is not None and free <= 0:
                    break
                room = [line.qty - line.confirmed_qty]
                room += [free] if free is not None else []
                room += [free_by[line.variant]] if line.variant in free_by else []
                take = min(room)
                if take <= 0:
                    continue
                line.confirmed_qty += take
                if free is not None:
                    free -= take
                if line.variant in free_by:
                    free_by[line.variant or ""] -= take
                gained[line.member_id] += take
                uow.session.add(line)
        promotions.extend(Promotion(member_id=m, item=item, qty=q) for m, q in gained.items())
    return promotions  # flushed by the next query (ORM reads autoflush), with whatever else is pending


def _give_back(uow: UnitOfWork, newest_first: list[OrderLine], amount: int) -> None:
    """Unconfirm ``amount`` from lines, newest first (a lowered stock limit)."""
    for line in newest_first:
        if amount <= 0:
            break
        give = min(line.confirmed_qty, amount)
        line.confirmed_qty -= give
        amount -= give
        uow.session.add(line)


def _lines(uow: UnitOfWork, *where: Any, newest_first: bool = False) -> list[OrderLine]:
    """Return the order lines matching ``where`` in send order (or newest first)."""
    order = (col(OrderLine.sent_at).desc(), col(OrderLine.id).desc()) if newest_first else (
        col(OrderLine.sent_at), col(OrderLine.id))
    return list(uow.session.exec(select(OrderLine).where(*where).order_by(*order)).all())
