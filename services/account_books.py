"""What members' payment accounts are computed from, loaded for many members at once.

``load`` reads, for a set of members, their live order lines in non-cancelled campaigns (with the campaigns and
items), the deposits matched to them and their credit ledger summed: five queries per ``infra.id_chunks.CHUNK``
members (on PostgreSQL five in all: ``infra.sql.id_lists``), however many lines or deposits they have. ``claims``
and ``claims_received`` do the same for transfer claims; ``paid_in`` and ``received_with`` say what they would
read again once deposits this transaction matched are stored, without reading.
``services.payments`` turns the result into accounts with the same pure rules for one member or ten thousand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import col, func, select

from infra.db import UnitOfWork
from infra.sql import id_lists, one_of
from models import BankTransaction, Campaign, Item, OrderLine, PaymentClaim
from services import credit
from services.credit_plan import Stored
from services.order_views import ItemState, amount_due

T = TypeVar("T", Campaign, Item)


@dataclass(frozen=True)
class Books:
    """One member's orders and money as stored: what the account computation reads."""

    campaigns: tuple[Campaign, ...] = ()  # non-cancelled campaigns with live lines, oldest first
    dues: tuple[tuple[int, int], ...] = ()  # (campaign id, what its confirmed quantities cost), same order
    pinned: Mapping[int, int] = field(default_factory=dict)  # deposits reconciled to one campaign (NT$)
    free: int = 0  # deposits matched to the member on no campaign (NT$)
    stored: Stored = field(default_factory=Stored)


@dataclass(frozen=True)
class Matched:
    """A deposit this transaction matched to a member (``status`` ``matched``), as ``load`` counts it once stored."""

    member: int
    claim: int | None
    campaign: int | None  # the one campaign it pays (reconciled with --campaign); None: the member's campaigns
    amount: int


def load(uow: UnitOfWork, member_ids: Iterable[int]) -> dict[int, Books]:
    """Return every member's books (a member with nothing stored gets empty books)."""
    out: dict[int, Books] = {}
    for ids in id_lists(uow.dialect, member_ids):
        out.update(_load(uow, ids))
    return out


def _load(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Books]:
    """Return the books of one chunk of members (five queries while their campaigns and items fit a chunk)."""
    dues = _dues(uow, ids)
    pinned: dict[int, dict[int, int]] = defaultdict(dict)
    free: dict[int, int] = defaultdict(int)
    deposits = (
        select(BankTransaction.matched_member_id, BankTransaction.campaign_id, func.sum(BankTransaction.amount))
        .where(one_of(uow.dialect, BankTransaction.matched_member_id, ids), BankTransaction.status == "matched")
        .group_by(col(BankTransaction.matched_member_id), col(BankTransaction.campaign_id))
    )
    for member_id, campaign_id, amount in uow.session.exec(deposits).all():
        if member_id is None:
            continue
        if campaign_id is not None:
            pinned[member_id][campaign_id] = int(amount or 0)
        else:
            free[member_id] += int(amount or 0)
    stored = credit.stored_many(uow, ids)
    out = {}
    for member_id in ids:
        campaigns = sorted(dues.get(member_id, {}).values(), key=lambda cd: cd[0].id or 0)  # oldest first
        out[member_id] = Books(tuple(c for c, _due in campaigns), tuple((c.id or 0, due) for c, due in campaigns),
                               pinned.get(member_id, {}), free.get(member_id, 0), stored[member_id])
    return out


def paid_in(books: Mapping[int, Books], matched: Iterable[Matched]) -> dict[int, Books]:
    """Return ``books`` as ``load`` reads them again once ``matched`` deposits are stored (members not in ``books``
    are left out)."""
    pinned: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    free: dict[int, int] = defaultdict(int)
    for deposit in matched:
        if deposit.member not in books:
            continue
        if deposit.campaign is not None:
            pinned[deposit.member][deposit.campaign] += deposit.amount
        else:
            free[deposit.member] += deposit.amount
    out = dict(books)
    for member_id in pinned.keys() | free.keys():
        old = books[member_id]
        more = pinned.get(member_id, {})
        out[member_id] = replace(old, pinned={cid: old.pinned.get(cid, 0) + more.get(cid, 0)
                                              for cid in {**old.pinned, **more}},
                                 free=old.free + free.get(member_id, 0))
    return out


def received_with(received: Mapping[int, int], matched: Iterable[Matched]) -> dict[int, int]:
    """Return the money on each claim of ``received`` (claim id → NT$) as ``claims_received`` reads it again once
    ``matched`` deposits are stored (claims not in ``received`` are left out)."""
    out = dict(received)
    for deposit in matched:
        if deposit.claim is not None and deposit.claim in out:
            out[deposit.claim] += deposit.amount
    return out


def _dues(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, dict[int, tuple[Campaign, int]]]:
    """Return, per member and campaign id, each non-cancelled campaign they have live lines in and its due."""
    stmt = (
        sa.select(*(col(c) for c in (OrderLine.member_id, OrderLine.campaign_id, OrderLine.item_id, OrderLine.qty,
                                     OrderLine.confirmed_qty, OrderLine.variant, OrderLine.guest_name)))
        .join(Campaign, col(Campaign.id) == col(OrderLine.campaign_id))
        .where(one_of(uow.dialect, OrderLine.member_id, ids), col(OrderLine.qty) > 0, col(Campaign.status) != "cancelled")
    )
    lines = uow.session.execute(stmt).all()  # plain rows: one member's lines are a handful, ten thousand members' are not
    campaigns = _by_id(uow, Campaign, {line.campaign_id for line in lines})
    items = _by_id(uow, Item, {line.item_id for line in lines})
    states: dict[int, dict[int, list[ItemState]]] = defaultdict(lambda: defaultdict(list))
    for line in lines:
        held = states[line.member_id][line.campaign_id]  # the campaign counts even when no line has an item of it
        item = items.get(line.item_id)
        if item is not None and item.campaign_id == line.campaign_id:
            held.append(ItemState(item=item, qty=line.qty, confirmed=line.confirmed_qty, waitlist_position=None,
                                  variant=line.variant, guest=line.guest_name))
    return {mid: {cid: (campaigns[cid], amount_due(s)) for cid, s in per.items()} for mid, per in states.items()}


def _by_id(uow: UnitOfWork, table: type[T], ids: set[int]) -> dict[int, T]:
    """Return campaigns or items by id (one query per ``id_chunks.CHUNK`` ids, on PostgreSQL one)."""
    out: dict[int, T] = {}
    key = col(table.id)
    for chunk in id_lists(uow.dialect, ids):
        out.update((row.id, row) for row in uow.session.exec(select(table).where(one_of(uow.dialect, key, chunk))).all()
                   if row.id is not None)
    return out


def claims(uow: UnitOfWork, member_ids: Iterable[int], *,
           leaving_out: Collection[str] = ()) -> dict[int, list[PaymentClaim]]:
    """Return each member's claims, oldest first, but those whose status is in ``leaving_out`` (members without
    claims are absent)."""
    out: dict[int, list[PaymentClaim]] = defaultdict(list)
    for ids in id_lists(uow.dialect, member_ids):
        stmt = select(PaymentClaim).where(one_of(uow.dialect, PaymentClaim.member_id, ids)).order_by(col(PaymentClaim.id))
        if leaving_out:
            stmt = stmt.where(col(PaymentClaim.status).not_in(list(leaving_out)))
        for claim in uow.session.exec(stmt).all():
            out[claim.member_id].append(claim)
    return dict(out)


def claims_received(uow: UnitOfWork, claim_ids: Iterable[int]) -> dict[int, int]:
    """Return the money matched to each claim so far (claims nothing was matched to are absent)."""
    out: dict[int, int] = {}
    for ids in id_lists(uow.dialect, claim_ids):
        stmt = (
            select(BankTransaction.matched_claim_id, func.sum(BankTransaction.amount))
            .where(one_of(uow.dialect, BankTransaction.matched_claim_id, ids), BankTransaction.status == "matched")
            .group_by(col(BankTransaction.matched_claim_id))
        )
        out.update({cid: int(total or 0) for cid, total in uow.session.exec(stmt).all() if cid is not None})
    return out
