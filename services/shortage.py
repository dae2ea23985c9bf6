"""``/缺貨``: the supplier delivered fewer of an item (a variant) than ordered; cut the last confirmed orders.

The cut takes the confirmed quantity of the lines sent last first (a member with 3 may keep 1); waitlisted
quantity stays waitlisted and is not promoted (the stock limits drop by what was cut). Each cut is an
``OrderChange`` (action ``shortage``) tied to the command's message, so the book explains it; dues follow from
the lines, and money already paid beyond the new due becomes credit (``settlement.settle``, cause ``shortage``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import BankTransaction, Campaign, CreditEntry, Item, Member, OrderChange, OrderLine
from parsers.supply_command import pick_item
from services import order_book, order_views, payments, settlement, variants
from services.campaigns import items_of, lock
from services.errors import DomainError
from services.order_book import Promotion


@dataclass(frozen=True)
class MemberCut:
    """One member's part of a shortage: what was cut, what they keep, and where their money stands now."""

    member: Member
    cut: int
    kept: int  # confirmed quantity of the item (variant) left
    waitlisted: int  # still waiting for the item (variant): not cut, not promoted
    due: int  # the campaign's new due (before credit)
    to_pay: int  # of it, still to be paid (after credit and payments)
    to_credit: int  # money already paid (or credit spent on the due) that became credit now
    credit_balance: int  # the member's credit left after every due


@dataclass(frozen=True)
class Shortage:
    """What one ``/缺貨`` did."""

    campaign: Campaign
    item: Item
    variant: str | None
    asked: int  # how many fewer the supplier delivered
    cut: int  # how many confirmed were cut (less than asked when fewer were confirmed)
    members: tuple[MemberCut, ...]  # in send order of their orders
    repeated: bool = False  # this message was applied before: nothing changed now


def find_item(uow: UnitOfWork, campaign: Campaign, text: str) -> tuple[Item, str | None]:
    """Return the item (and variant) the host typed; raise DomainError naming the items when there is none."""
    assert campaign.id is not None
    items = items_of(uow, campaign.id)
    pick = pick_item(text, variants.for_parser(items))
    by_code = {item.code.upper(): item for item in items}
    if pick.kind == "item" and pick.code in by_code:
        return by_code[pick.code], pick.variant
    example = _example(items)
    if pick.kind == "ambiguous":
        names = "、".join(f"{by_code[c].code} {by_code[c].name}" for c in pick.codes if c in by_code)
        raise DomainError(f"「{text[:20]}」可能是 {names}，請用品項代號，例如「/缺貨 {example}」。")
    listed = "、".join(f"{it.code} {it.name}" for it in items[:13])
    raise DomainError(f"第{campaign.id}團找不到「{text[:20]}」。這團有：{listed}。請用品項代號，例如「/缺貨 {example}」。")


def _example(items: Sequence[Item]) -> str:
    """Return an example of the arguments for these items (with a variant when the first item has some)."""
    if not items:
        return "C 5"
    offered = variants.names_of(items[0])
    return f"{items[0].code}{offered[0] if offered else ''} 2"


def register(uow: UnitOfWork, *, campaign: Campaign, item: Item, variant: str | None, qty: int,
             message_id: str | None, by: str, at: datetime) -> Shortage:
    """Cut ``qty`` confirmed of an item (variant) from the last confirmed lines and settle the members' money."""
    assert campaign.id is not None and item.id is not None
    campaign = lock(uow, campaign.id)
    if campaign.status == "cancelled":
        raise DomainError(f"第{campaign.id}團已撤團，不用登記缺貨。")
    if campaign.status == "open" and (campaign.deadline is None or at <= campaign.deadline):
        raise DomainError(f"第{campaign.id}團還在收單，數量還會變動：請先「/截單 {campaign.id}」再登記缺貨。"
                          "要登記別團的缺貨，請在品項前加團號，例如「/缺貨 第3團 C 5」。")
    if message_id is not None and applied(uow, message_id):
        return Shortage(campaign, item, variant, qty, 0, (), repeated=True)
    cut_of: dict[int, int] = defaultdict(int)
    cut_by_variant: dict[str | None, int] = defaultdict(int)
    left = qty
    for line in _last_confirmed_first(uow, item, variant):
        if left <= 0:
            break
        take = min(line.confirmed_qty, left)
        line.qty -= take
        line.confirmed_qty -= take
        left -= take
        cut_of[line.member_id] += take
        cut_by_variant[line.variant] += take
        uow.session.add(line)
        assert line.id is not None
        uow.session.add(OrderChange(line_id=line.id, delta=-take, action="shortage", source_message_id=message_id))
    cut = qty - left
    _lower_stock(uow, item, cut, cut_by_variant)
    uow.session.flush()
    moneyed = _with_money(uow, set(cut_of))
    members = [_settled(uow, campaign, item, variant, member_id, n, by, has_money=member_id in moneyed)
               for member_id, n in reversed(cut_of.items())]
    return Shortage(campaign, item, variant, qty, cut, tuple(members))


def applied(uow: UnitOfWork, message_id: str) -> bool:
    """Return True when this message's cuts are in force (it was applied and not withdrawn)."""
    return uow.session.exec(select(OrderChange.id).where(
        OrderChange.source_message_id == message_id, OrderChange.action == "shortage",
        col(OrderChange.reverted).is_(False))).first() is not None


def _last_confirmed_first(uow: UnitOfWork, item: Item, variant: str | None) -> list[OrderLine]:
    """Return the item's lines with confirmed quantity (of the variant, when given), sent last first."""
    stmt = select(OrderLine).where(OrderLine.item_id == item.id, col(OrderLine.confirmed_qty) > 0)
    if variant is not None:
        stmt = stmt.where(OrderLine.variant == variant)
    order = (col(OrderLine.sent_at).desc(), col(OrderLine.id).desc())
    return list(uow.session.exec(stmt.order_by(*order).execution_options(populate_existing=True)).all())


def _lower_stock(uow: UnitOfWork, item: Item, cut: int, by_variant: dict[str | None, int]) -> None:
    """Record the shortage on the item and lower its limits by what was cut, so no waitlisted line fills the gap."""
    item.shortage += cut
    if item.stock_limit is not None:
        item.stock_limit = max(0, item.stock_limit - cut)
    limits = variants.limits_of(item)
    if any(v in limits for v in by_variant):
        item.variant_limits = variants.encode_limits(
            {name: max(0, n - by_variant.get(name, 0)) for name, n in limits.items()})
    uow.session.add(item)


def _with_money(uow: UnitOfWork, member_ids: set[int]) -> set[int]:
    """Return the members with matched deposits or credit entries (the others have no money to settle)."""
    if not member_ids:
        return set()
    paid = uow.session.exec(select(BankTransaction.matched_member_id).where(
        col(BankTransaction.matched_member_id).in_(member_ids), BankTransaction.status == "matched")).all()
    credited = uow.session.exec(select(CreditEntry.member_id).where(col(CreditEntry.member_id).in_(member_ids))).all()
    return {m for m in (*paid, *credited) if m is not None}


def _settled(uow: UnitOfWork, campaign: Campaign, item: Item, variant: str | None, member_id: int, cut: int,
             by: str, *, has_money: bool) -> MemberCut:
    """Settle one member's money after the cut and describe where they stand in this campaign.

    A member without deposits or credit has nothing to settle: their new due is all still to pay.
    """
    member = uow.session.get(Member, member_id)
    assert member is not None
    states = order_views.member_state(uow, campaign, member_id)
    mine = [s for s in states if s.item.id == item.id and (variant is None or s.variant == variant)]
    kept, waiting = sum(s.confirmed for s in mine), sum(s.waitlisted for s in mine)
    if not has_money:
        due = order_views.amount_due(states)
        return MemberCut(member, cut, kept, waiting, due=due, to_pay=due, to_credit=0, credit_balance=0)
    done = settlement.settle(uow, member, cause="shortage", by=by)
    account = payments.account(uow, member, campaign_id=campaign.id)
    remaining = sum(max(0, line.to_pay - line.paid) for line in account.lines)
    return MemberCut(member, cut, kept, waiting, due=sum(line.due for line in account.lines), to_pay=remaining,
                     to_credit=done.to_credit + done.released, credit_balance=account.credit_balance)


@dataclass(frozen=True)
class Withdrawn:
    """A shortage taken back (the host unsent the ``/缺貨`` message): what was given back, to whom."""

    campaign: Campaign
    items: tuple[tuple[Item, str | None, int], ...]  # (item, variant, quantity given back)
    members: tuple[Member, ...]
    promotions: tuple[Promotion, ...] = ()  # stock a withdrawn order had freed, now given to the waitlist


def withdraw(uow: UnitOfWork, message_id: str, *, by: str) -> Withdrawn | None:
    """Undo the cuts a ``/缺貨`` message made (restoring the limits it lowered) and settle; None if it made none.

    A line whose own order was withdrawn meanwhile (the member unsent their comment) gets nothing back.
    """
    changes = list(uow.session.exec(select(OrderChange).where(
        OrderChange.source_message_id == message_id, OrderChange.action == "shortage",
        col(OrderChange.reverted).is_(False))).all())
    if not changes:
        return None
    lines = {line.id: line for line in uow.session.exec(
        select(OrderLine).where(col(OrderLine.id).in_({c.line_id for c in changes}))
        .execution_options(populate_existing=True)).all()}
    campaign = lock(uow, next(iter(lines.values())).campaign_id)
    given: dict[tuple[int, str | None], int] = defaultdict(int)
    members: dict[int, None] = {}
    for change in changes:
        line = lines[change.line_id]
        change.reverted = True
        uow.session.add(change)
        if _still_ordered(uow, line):
            line.qty -= change.delta
            line.confirmed_qty -= change.delta
            uow.session.add(line)
        given[(line.item_id, line.variant)] += -change.delta  # the limits go back up either way
        members[line.member_id] = None
    touched = []
    for item in items_of(uow, campaign.id or 0):
        back = {variant: n for (item_id, variant), n in given.items() if item_id == item.id}
        if back:
            _raise_stock(uow, item, back)
            touched.append(item)
    promotions = order_book.allocate(uow, touched)
    affected = [m for m in (uow.session.get(Member, member_id) for member_id in members) if m is not None]
    for member in affected:
        settlement.settle(uow, member, cause="shortage", by=by)
    items = {it.id: it for it in items_of(uow, campaign.id or 0)}
    return Withdrawn(campaign, tuple((items[i], v, n) for (i, v), n in given.items() if i in items), tuple(affected),
                     tuple(promotions))


def _still_ordered(uow: UnitOfWork, line: OrderLine) -> bool:
    """Return True when the comment that added the line still stands (it was not unsent or edited away)."""
    return uow.session.exec(select(OrderChange.id).where(
        OrderChange.line_id == line.id, col(OrderChange.delta) > 0, col(OrderChange.reverted).is_(False))).first() is not None


def _raise_stock(uow: UnitOfWork, item: Item, back: dict[str | None, int]) -> None:
    """Give back to an item the shortage and the limits a withdrawn ``/缺貨`` took."""
    total = sum(back.values())
    item.shortage = max(0, item.shortage - total)
    if item.stock_limit is not None:
        item.stock_limit += total
    limits = variants.limits_of(item)
    if any(v in limits for v in back):
        item.variant_limits = variants.encode_limits({name: n + back.get(name, 0) for name, n in limits.items()})
    uow.session.add(item)
