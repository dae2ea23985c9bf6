"""Members' transfer claims and each member's payment ledger.

Reconciliation is across a member's campaigns, not per campaign: a member usually pays once for everything
they owe the host right now. The ledger therefore adds up every non-cancelled campaign the member has
confirmed items in; money matched to the member fills the oldest campaign first (money reconciled with
``--campaign`` stays pinned to that campaign). Waitlisted quantities are not due.

Credit (購物金) pays a due before deposits are asked for, and money paid beyond every due becomes credit
(``services.credit_plan``): an account shows the position as if the ledger were already settled, and
``services.settlement`` writes the rows that make it so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Member, OrderLine, PaymentClaim, Setting
from services import account_books
from services.account_books import Books, Matched
from services.credit_plan import Plan, plan
from services.errors import DomainError
from services.reconcile import ClaimState, PaymentStatus, status_of

OPEN_CLAIM = ("claimed", "partial", "not_found")
NOTIFY_KEY = "payments.notify"


class NothingToPay(DomainError):
    """A member reported a transfer but has no order to pay for."""


@dataclass(frozen=True)
class CampaignDue:
    """What a member owes for one campaign and what was received for it."""

    campaign: Campaign | None  # None: money left over with no campaign to put it on
    due: int
    received: int  # deposits counted here, including what became credit
    credit: int = 0  # credit (購物金) applied to this due
    to_credit: int = 0  # of ``received``, what was paid beyond the due and became credit

    @property
    def to_pay(self) -> int:
        """Return the due after credit."""
        return self.due - self.credit

    @property
    def paid(self) -> int:
        """Return the deposits that paid this due (what became credit excluded)."""
        return self.received - self.to_credit

    def status(self, claim: ClaimState = "none") -> PaymentStatus:
        """Return this campaign's payment status (``over`` when part of the money became credit)."""
        if self.due > 0 and self.to_pay <= 0 and not self.received:
            return "paid"
        return status_of(self.to_pay, self.received, claim)


@dataclass(frozen=True)
class Account:
    """A member's payment position over the campaigns in scope."""

    member: Member
    lines: tuple[CampaignDue, ...]
    claim: PaymentClaim | None  # the latest claim, if any
    claim_state: ClaimState
    credit_balance: int = 0  # the member's credit left over after every due (all campaigns)

    @property
    def due(self) -> int:
        """Return what the member's orders cost in total (before credit)."""
        return sum(c.due for c in self.lines)

    @property
    def credit(self) -> int:
        """Return the credit applied to the dues."""
        return sum(c.credit for c in self.lines)

    @property
    def to_pay(self) -> int:
        """Return what the member owes in total after credit."""
        return self.due - self.credit

    @property
    def received(self) -> int:
        """Return what was received in total (including money that became credit)."""
        return sum(c.received for c in self.lines)

    @property
    def to_credit(self) -> int:
        """Return the money paid beyond the dues that became credit."""
        return sum(c.to_credit for c in self.lines)

    @property
    def remaining(self) -> int:
        """Return what is still to be paid (money beyond the dues became credit, so never below zero)."""
        return self.to_pay - (self.received - self.to_credit)

    @property
    def status(self) -> PaymentStatus:
        """Return the overall payment status."""
        paid = self.received - self.to_credit
        if self.due > 0 and self.to_pay <= 0 and not paid:
            return "paid"
        return status_of(self.to_pay, paid, self.claim_state)


def ledger(uow: UnitOfWork, member_id: int) -> list[CampaignDue]:
    """Return the member's due, credit and received money per non-cancelled campaign, oldest first."""
    return _lines(*position(uow, member_id))


def position(uow: UnitOfWork, member_id: int) -> Position:
    """Return the member's non-cancelled campaigns (oldest first) and where their money and credit stand."""
    return positions(uow, [member_id])[member_id]


Position = tuple[list[Campaign], Plan]


def positions(uow: UnitOfWork, member_ids: Iterable[int]) -> dict[int, Position]:
    """Return ``position`` of many members at once (a few queries per ``id_chunks.CHUNK`` members)."""
    return {mid: _position(books) for mid, books in account_books.load(uow, member_ids).items()}


def _position(books: Books) -> Position:
    """Return a member's campaigns and plan from their books (no database)."""
    return list(books.campaigns), plan(books.dues, books.pinned, books.free, books.stored)


def _lines(campaigns: list[Campaign], where: Plan) -> list[CampaignDue]:
    """Pair the plan's lines with their campaigns."""
    by_id = {c.id: c for c in campaigns}
    return [CampaignDue(by_id.get(line.campaign) if line.campaign is not None else None, line.due, line.received,
                        line.credit, line.to_credit) for line in where.lines]


def account(uow: UnitOfWork, member: Member, *, campaign_id: int | None = None) -> Account:
    """Return a member's account over all their campaigns (or one campaign)."""
    assert member.id is not None
    return accounts(uow, [member], campaign_id=campaign_id)[member.id]


def accounts(uow: UnitOfWork, members: Iterable[Member], *, campaign_id: int | None = None) -> dict[int, Account]:
    """Return ``account`` of many members at once, by member id (a few queries per ``id_chunks.CHUNK`` members)."""
    by_id = {m.id: m for m in members if m.id is not None}
    return snapshot(uow, by_id).accounts(by_id.values(), campaign_id=campaign_id)


@dataclass(frozen=True)
class Snapshot:
    """What members' accounts are computed from, read once (``snapshot``); accounts from it need no database."""

    books: Mapping[int, Books]
    positions: Mapping[int, Position]
    claims: Mapping[int, Sequence[PaymentClaim]]  # each member's claims, oldest first (the session's own objects)
    received: Mapping[int, int]  # the money matched to each claim that was open when read, by claim id

    def accounts(self, members: Iterable[Member], *, campaign_id: int | None = None) -> dict[int, Account]:
        """Return the accounts of members of the snapshot, by member id (claims' statuses as they are now)."""
        by_id = {m.id: m for m in members if m.id is not None}
        return {mid: _account(m, self.positions[mid], self.claims.get(mid, ()), self.received, campaign_id)
                for mid, m in by_id.items()}

    def paid_in(self, matched: Sequence[Matched]) -> Snapshot:
        """Return the snapshot as ``snapshot`` reads it again once deposits this transaction matched are stored
        (before any claim's status changes; members outside the snapshot are left out)."""
        books = account_books.paid_in(self.books, matched)
        moved = {d.member for d in matched if d.member in books}
        positions = {mid: _position(books[mid]) if mid in moved else where for mid, where in self.positions.items()}
        return Snapshot(books, positions, self.claims, account_books.received_with(self.received, matched))


def snapshot(uow: UnitOfWork, member_ids: Iterable[int], *,
             open_claims: Iterable[PaymentClaim] | None = None) -> Snapshot:
    """Read what the members' accounts are computed from (a few queries per ``id_chunks.CHUNK`` members).

    ``open_claims``: every open claim (``OPEN_CLAIM``), as loaded in this transaction, nothing written since; then
    only the members' other claims are read.
    """
    ids = list(member_ids)
    books = account_books.load(uow, ids)
    if open_claims is None:
        claims = account_books.claims(uow, ids)
    else:
        claims = account_books.claims(uow, ids, leaving_out=OPEN_CLAIM)
        for claim in open_claims:
            if claim.member_id in books:
                claims.setdefault(claim.member_id, []).append(claim)
        for held in claims.values():
            held.sort(key=lambda c: c.id or 0)
    received = claims_received(uow, [c for held in claims.values() for c in held if c.status in OPEN_CLAIM])
    return Snapshot(books, {mid: _position(b) for mid, b in books.items()}, claims, received)


def _account(member: Member, position: Position, claims: Sequence[PaymentClaim], received: Mapping[int, int],
             campaign_id: int | None) -> Account:
    """Return a member's account from their position, claims and the money matched to each claim (no database)."""
    campaigns, where = position
    lines = _lines(campaigns, where)
    if campaign_id is not None:
        lines = [c for c in lines if c.campaign is not None and c.campaign.id == campaign_id]
    open_claims = [c for c in claims if c.status in OPEN_CLAIM and received.get(c.id or 0, 0) == 0]
    state: ClaimState = "none"
    if open_claims:
        state = "claimed" if any(c.status != "not_found" for c in open_claims) else "not_found"
    return Account(member, tuple(lines), claims[-1] if claims else None, state, where.balance)


def claim_received(uow: UnitOfWork, claim: PaymentClaim) -> int:
    """Return the money matched to a claim so far."""
    return claims_received(uow, [claim]).get(claim.id or 0, 0)


def claims_received(uow: UnitOfWork, claims: Iterable[PaymentClaim]) -> dict[int, int]:
    """Return the money matched to each claim so far, by claim id (one query per ``id_chunks.CHUNK`` claims, on
    PostgreSQL one)."""
    ids = [c.id for c in claims if c.id is not None]
    received = account_books.claims_received(uow, ids)
    return {cid: received.get(cid, 0) for cid in ids}


def members_with_orders(uow: UnitOfWork, *, campaign_id: int | None = None, group_id: int | None = None) -> list[Member]:
    """Return members with live lines in non-cancelled campaigns (optionally one campaign or group)."""
    stmt = (
        select(Member)
        .join(OrderLine, col(OrderLine.member_id) == col(Member.id))
        .join(Campaign, col(Campaign.id) == col(OrderLine.campaign_id))
        .where(OrderLine.qty > 0, Campaign.status != "cancelled")
        .distinct()
        .order_by(col(Member.id))
    )
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id == campaign_id)
    if group_id is not None:
        stmt = stmt.where(Campaign.group_id == group_id)
    return list(uow.session.exec(stmt).all())


def record_claim(
    uow: UnitOfWork, *, member: Member, last5: str, amount: int | None, message_id: str | None, at: datetime
) -> PaymentClaim:
    """Record a member's transfer report against what they owe; refuse when they have no order."""
    assert member.id is not None
    lines = ledger(uow, member.id)
    owing = [c for c in lines if c.campaign is not None and c.to_pay > c.paid]
    if not any(c.due for c in lines):
        raise NothingToPay(
            "還沒有找到你的訂單喔！請先在團購群組留言喊單（例如「A+1」），截單後再回報匯款後五碼。"
        )
    claim = PaymentClaim(
        member_id=member.id, campaign_id=owing[0].campaign.id if len(owing) == 1 and owing[0].campaign else None,
        last5=last5, amount=amount, source_message_id=message_id, claimed_at=at,
    )
    uow.session.add(claim)
    uow.session.flush()
    return claim


def notify_enabled(uow: UnitOfWork) -> bool:
    """Return True when the host lets the bot push payment confirmations (costs quota)."""
    row = uow.session.exec(select(Setting).where(Setting.scope == "global", Setting.key == NOTIFY_KEY)).first()
    return row is not None and row.value == "on"


def set_notify(uow: UnitOfWork, on: bool) -> None:
    """Turn pushed payment confirmations on or off."""
    row = uow.session.exec(select(Setting).where(Setting.scope == "global", Setting.key == NOTIFY_KEY)).first()
    row = row or Setting(scope="global", key=NOTIFY_KEY)
    row.value = "on" if on else "off"
    uow.session.add(row)
