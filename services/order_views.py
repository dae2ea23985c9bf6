"""Reading the order book: what a member has of each item, waitlist places, amounts due, totals and rosters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, distinct, or_
from sqlmodel import col, func, select

from infra.db import UnitOfWork
from infra.sql import one_of
from models import Campaign, Item, Member, OrderLine
from services import pricing, variants
from services.campaigns import items_of
from services.directory import label


@dataclass(frozen=True)
class ItemState:
    """What one member has of one item."""

    item: Item
    qty: int
    confirmed: int
    waitlist_position: int | None  # 1-based place in the item's waitlist, when some of it waits
    notes: tuple[str, ...] = ()  # what the member wrote beside their live lines (不要辣), oldest first, once each
    variant: str | None = None  # the choice (辣味) of an item with variants
    guest: str | None = None  # 代訂 for someone not in the group: the member owes it, for this name
    ordered_by: tuple[str, ...] = ()  # who placed (some of) it, when other members ordered it for this member
    for_member: str | None = None  # placed by this member for another group member, who owes it (not in the due)

    @property
    def waitlisted(self) -> int:
        """Return the quantity waiting for stock."""
        return self.qty - self.confirmed


def _lines_of(
    uow: UnitOfWork, campaign_id: int, column: Any, member_ids: list[int]
) -> dict[int, dict[int, list[OrderLine]]]:
    """Return live lines of a campaign whose ``column`` is one of ``member_ids``: {that member: {item id: lines}},
    oldest first (one query)."""
    stmt = select(OrderLine).where(
        OrderLine.campaign_id == campaign_id, one_of(uow.dialect, column, member_ids), OrderLine.qty > 0
    )
    found: dict[int, dict[int, list[OrderLine]]] = defaultdict(lambda: defaultdict(list))
    key = column.key
    for line in uow.session.exec(stmt.order_by(col(OrderLine.sent_at), col(OrderLine.id))):
        found[getattr(line, key)][line.item_id].append(line)
    return found


def member_state(uow: UnitOfWork, campaign: Campaign, member_id: int, *, with_placed: bool = False) -> list[ItemState]:
    """Return what a member has in a campaign, one state per item, variant and guest (those with nothing left out).

    A member's own lines come first, then what they ordered for guests; lines other members placed for them name
    who placed them (代訂). ``with_placed`` adds, last, what the member placed for other group members (theirs to
    pay: ``for_member``), as a confirmation to the one who placed them shows.
    """
    return member_states(uow, campaign, [member_id], with_placed=with_placed)[member_id]


def member_states(
    uow: UnitOfWork, campaign: Campaign, member_ids: Iterable[int], *, with_placed: bool = False
) -> dict[int, list[ItemState]]:
    """Return :func:`member_state` of each member (every one a key), reading their lines in one or two queries."""
    assert campaign.id is not None
    ids = list(dict.fromkeys(member_ids))
    if not ids:
        return {}
    mine = _lines_of(uow, campaign.id, OrderLine.member_id, ids)
    placed = _lines_of(uow, campaign.id, OrderLine.ordered_by, ids) if with_placed else {}
    names = _names(uow, {ln.ordered_by for by_item in mine.values() for lines in by_item.values() for ln in lines
                         if ln.ordered_by is not None}
                   | {ln.member_id for by_item in placed.values() for lines in by_item.values() for ln in lines})
    items = items_of(uow, campaign.id)
    out: dict[int, list[ItemState]] = {}
    for member_id in ids:
        own = mine.get(member_id, {})
        states: list[ItemState] = []
        for item in items:
            assert item.id is not None
            states.extend(_states(uow, item, member_id, own.get(item.id, []), names))
        states.sort(key=lambda state: state.guest is not None)  # stable: items keep their order within each person
        by_item = placed.get(member_id, {})
        owners = {ln.member_id for lines in by_item.values() for ln in lines}
        for owner, name in names.items():
            if owner not in owners:
                continue
            for item in items:
                lines = [ln for ln in by_item.get(item.id or 0, []) if ln.member_id == owner]
                states.extend(replace(state, for_member=name) for state in _states(uow, item, owner, lines, {}))
        out[member_id] = states
    return out


def _states(
    uow: UnitOfWork, item: Item, member_id: int, lines: list[OrderLine], placers: dict[int, str]
) -> list[ItemState]:
    """Return one member's states of one item from their live lines: one per guest and variant."""
    groups: dict[tuple[str | None, str | None], list[OrderLine]] = defaultdict(list)
    for line in lines:
        groups[(line.guest_name, line.variant)].append(line)
    position: int | None = None
    out = []
    for (guest, variant), group in groups.items():
        qty = sum(line.qty for line in group)
        confirmed = sum(line.confirmed_qty for line in group)
        if confirmed < qty and position is None:
            position = waitlist_position(uow, item, member_id)
        out.append(ItemState(
            item=item, qty=qty, confirmed=confirmed, waitlist_position=position if confirmed < qty else None,
            notes=tuple(dict.fromkeys(line.note for line in group if line.note)), variant=variant, guest=guest,
            ordered_by=tuple(dict.fromkeys(placers[ln.ordered_by] for ln in group if ln.ordered_by in placers)),
        ))
    return out


def _names(uow: UnitOfWork, member_ids: set[int]) -> dict[int, str]:
    """Return how hosts and members call these members (one query; none when the set is empty)."""
    if not member_ids:
        return {}
    rows = uow.session.exec(select(Member).where(one_of(uow.dialect, Member.id, list(member_ids)))).all()
    return {m.id: label(m) for m in rows if m.id is not None}


def waitlist_position(uow: UnitOfWork, item: Item, member_id: int) -> int | None:
    """Return the member's 1-based place among members waiting for an item (two small queries, no line loaded).

    Members wait in the order of their earliest waiting line: the place is one more than the number of other
    members with a waiting line sent before the member's earliest one.
    """
    waiting = (OrderLine.item_id == item.id, OrderLine.qty > col(OrderLine.confirmed_qty))
    first = uow.session.exec(
        select(OrderLine.sent_at, OrderLine.id)
        .where(*waiting, OrderLine.member_id == member_id)
        .order_by(col(OrderLine.sent_at), col(OrderLine.id))
        .limit(1)
    ).first()
    if first is None:
        return None
    sent_at, line_id = first
    before = or_(col(OrderLine.sent_at) < sent_at, and_(col(OrderLine.sent_at) == sent_at, col(OrderLine.id) < line_id))
    ahead = uow.session.exec(
        select(func.count(distinct(col(OrderLine.member_id)))).where(*waiting, before, OrderLine.member_id != member_id)
    ).one()
    return int(ahead) + 1


def amount_due(states: Iterable[ItemState]) -> int:
    """Return what confirmed quantities cost (waitlisted ones are not due).

    Bundle prices count per person and item across variants (原味1 + 辣味1 is a 2包 bundle); a guest is a person.
    """
    per_person: dict[tuple[int | None, str | None], tuple[Item, int]] = {}
    for s in states:
        if s.for_member is not None:  # placed for another member: theirs to pay
            continue
        item, qty = per_person.get((s.item.id, s.guest), (s.item, 0))
        per_person[(s.item.id, s.guest)] = (item, qty + s.confirmed)
    return sum(pricing.amount(item, qty) for item, qty in per_person.values())


@dataclass(frozen=True)
class ItemTotals:
    """Campaign-wide totals for one item."""

    item: Item
    confirmed: int
    waitlisted: int
    amount: int = 0  # what the confirmed quantities cost, member by member (bundle prices are per member)
    variants: tuple[tuple[str, int, int], ...] = ()  # (variant, confirmed, waitlisted) of an item with variants

    @property
    def remaining(self) -> int | None:
        """Return stock left (None = unlimited)."""
        return None if self.item.stock_limit is None else max(0, self.item.stock_limit - self.confirmed)


def totals(uow: UnitOfWork, campaign: Campaign) -> list[ItemTotals]:
    """Return per-item confirmed and waitlisted totals."""
    assert campaign.id is not None
    out = []
    for item in items_of(uow, campaign.id):
        lines = uow.session.exec(select(OrderLine).where(OrderLine.item_id == item.id, OrderLine.qty > 0)).all()
        confirmed = sum(line.confirmed_qty for line in lines)
        per_member: dict[tuple[int, str | None], int] = defaultdict(int)
        by_variant: dict[str, list[int]] = {name: [0, 0] for name in variants.names_of(item)}
        for line in lines:
            per_member[(line.member_id, line.guest_name)] += line.confirmed_qty
            if line.variant is not None:
                counts = by_variant.setdefault(line.variant, [0, 0])
                counts[0] += line.confirmed_qty
                counts[1] += line.qty - line.confirmed_qty
        out.append(ItemTotals(item=item, confirmed=confirmed, waitlisted=sum(line.qty for line in lines) - confirmed,
                              amount=sum(pricing.amount(item, qty) for qty in per_member.values()),
                              variants=tuple((name, c, w) for name, (c, w) in by_variant.items() if c or w)))
    return out


def roster(uow: UnitOfWork, campaign: Campaign) -> dict[int, list[ItemState]]:
    """Return every member's item states in a campaign, in order of their first comment."""
    assert campaign.id is not None
    member_ids = uow.session.exec(
        select(OrderLine.member_id)
        .where(OrderLine.campaign_id == campaign.id, OrderLine.qty > 0)
        .order_by(col(OrderLine.sent_at), col(OrderLine.id))
    ).all()
    return member_states(uow, campaign, member_ids)


def campaigns_of_member(uow: UnitOfWork, member_id: int, *, group_id: int | None = None) -> list[Campaign]:
    """Return the non-cancelled campaigns a member has live lines in (newest first)."""
    stmt = (
        select(Campaign)
        .join(OrderLine, col(OrderLine.campaign_id) == col(Campaign.id))
        .where(OrderLine.member_id == member_id, OrderLine.qty > 0, Campaign.status != "cancelled")
        .distinct()
        .order_by(col(Campaign.id).desc())
    )
    if group_id is not None:
        stmt = stmt.where(Campaign.group_id == group_id)
    return list(uow.session.exec(stmt).all())
