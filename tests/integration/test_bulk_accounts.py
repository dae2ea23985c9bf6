"""Accounts and settling read in bulk equal the member-by-member reads they replaced, over random books.

The reference is the single-member path as it was before the bulk loader: the member's campaigns
(``order_views.campaigns_of_member``), each campaign's due from ``order_views.member_state``, their matched
deposits, their credit ledger summed and their claims, one query at a time; both feed ``credit_plan.plan``.
/對帳's accounts after matching (``payments.Snapshot.paid_in``, no reading) are checked against reading them again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from infra import id_chunks
from infra.db import UnitOfWork, make_engine
from models import (
    BankTransaction,
    Campaign,
    CreditEntry,
    Group,
    Item,
    Member,
    OrderLine,
    PaymentClaim,
    PointEntry,
    Setting,
    StatementImport,
)
from services import bank_import, credit, order_views, payments, settlement
from services.account_books import Matched
from services.credit_plan import Stored, plan
from services.errors import DomainError
from services.payments import OPEN_CLAIM, Account, CampaignDue

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Books:
    """Random books: indices refer to the lists of the same draw (members, campaigns, items, claims)."""

    members: int
    campaigns: list[tuple[str, list[tuple[int | None, bool]]]]  # (status, items: (price, has a bundle))
    lines: list[tuple[int, int, int, int, int, bool, bool, bool]]  # member, campaign, item, qty, confirmed…
    claims: list[tuple[int, str, int | None]]  # member, status, amount
    deposits: list[tuple[int | None, int, str, int | None, int | None]]  # member, NT$, status, campaign, claim
    ledger: list[tuple[int, str, int, int | None]]  # member, cause, NT$, campaign
    rate: int | None  # the group's points rate


@st.composite
def books(draw: st.DrawFn) -> Books:
    """Draw several campaigns (bundles, a cancelled one), lines, partial and over-payments, credit and claims."""
    members = draw(st.integers(1, 4))
    campaigns = draw(st.lists(st.tuples(
        st.sampled_from(["open", "closed", "closed", "cancelled"]),
        st.lists(st.tuples(st.sampled_from([None, 100, 180, 250]), st.booleans()), min_size=1, max_size=3),
    ), min_size=1, max_size=4))
    member = st.integers(0, members - 1)
    campaign = st.integers(0, len(campaigns) - 1)
    lines = draw(st.lists(st.tuples(
        member, campaign, st.integers(0, 2), st.integers(0, 4), st.integers(0, 4),
        st.booleans(), st.booleans(), st.integers(0, 9).map(lambda n: n == 0),  # guest, variant, item of another campaign
    ), max_size=12))
    claims = draw(st.lists(st.tuples(member, st.sampled_from(["claimed", "partial", "matched", "not_found"]),
                                     st.one_of(st.none(), st.integers(1, 1500))), max_size=5))
    claim = st.one_of(st.none(), st.integers(0, len(claims) - 1)) if claims else st.none()
    deposits = draw(st.lists(st.tuples(
        st.one_of(st.none(), member), st.integers(1, 2000), st.sampled_from(["matched", "matched", "unmatched"]),
        st.one_of(st.none(), campaign), claim,
    ), max_size=8))
    ledger = draw(st.lists(st.tuples(member, st.sampled_from(credit.CAUSES), st.integers(-600, 600).filter(bool),
                                     st.one_of(st.none(), campaign)), max_size=6))
    return Books(members, campaigns, lines, claims, deposits, ledger, draw(st.sampled_from([None, 1, 100])))


def store(uow: UnitOfWork, b: Books) -> list[Member]:
    """Write the books; return the members."""
    group = Group(line_group_id="Cbulk")
    uow.session.add(group)
    uow.session.flush()
    assert group.id is not None
    if b.rate is not None:
        uow.session.add(Setting(scope=f"group:{group.id}", key="points.rate", value=str(b.rate)))
    members = [Member(line_user_id=f"Ubulk{n}", display_name=f"會員{n}") for n in range(b.members)]
    campaigns = [Campaign(group_id=group.id, title=f"團{n}", status=status, opened_by="Uhost", opened_at=NOW)
                 for n, (status, _items) in enumerate(b.campaigns)]
    uow.session.add_all([*members, *campaigns])
    uow.session.flush()
    items: list[list[Item]] = []
    for campaign, (_status, specs) in zip(campaigns, b.campaigns, strict=True):
        assert campaign.id is not None
        items.append([Item(campaign_id=campaign.id, code=chr(65 + n), name=f"品{n}", price=price, position=-n,
                           tiers=f"[[2, {2 * price - 40}]]" if bundle and price else "[]")
                      for n, (price, bundle) in enumerate(specs)])
        uow.session.add_all(items[-1])
    uow.session.flush()
    for n, (m, c, i, qty, confirmed, guest, variant, stray) in enumerate(b.lines):
        item = items[(c + 1) % len(items) if stray else c]
        uow.session.add(OrderLine(
            campaign_id=campaigns[c].id, item_id=item[i % len(item)].id, member_id=members[m].id, qty=qty,
            confirmed_qty=min(confirmed, qty), sent_at=NOW + timedelta(minutes=n), guest_name="阿姨" if guest else None,
            variant="辣味" if variant else None, ordered_by=members[(m + 1) % len(members)].id if variant else None,
        ))
    claims = [PaymentClaim(member_id=members[m].id, last5=f"{n:05d}", status=status, amount=amount, claimed_at=NOW)
              for n, (m, status, amount) in enumerate(b.claims)]
    record = StatementImport(sha256="0" * 64)
    uow.session.add_all([*claims, record])
    uow.session.flush()
    assert record.id is not None
    for n, (m, amount, status, c, k) in enumerate(b.deposits):
        uow.session.add(BankTransaction(
            fingerprint=f"bulk{n}", import_id=record.id, booked_on=date(2026, 12, 1), amount=amount, direction="in",
            status=status, matched_member_id=members[m].id if m is not None else None,
            campaign_id=campaigns[c].id if c is not None else None, matched_claim_id=claims[k].id if k is not None else None,
        ))
    seq: dict[int, int] = defaultdict(int)
    for m, cause, amount, c in b.ledger:
        seq[m] += 1
        uow.session.add(CreditEntry(member_id=members[m].id, seq=seq[m], cause=cause, amount=amount,
                                    campaign_id=campaigns[c].id if c is not None else None))
    uow.session.flush()
    return members


def reference_account(uow: UnitOfWork, member: Member, campaign_id: int | None) -> tuple[Account, tuple]:
    """Return a member's account and plan the way the single-member path read them, one query at a time."""
    assert member.id is not None
    campaigns = list(reversed(order_views.campaigns_of_member(uow, member.id)))
    dues = [(c.id or 0, order_views.amount_due(order_views.member_state(uow, c, member.id))) for c in campaigns]
    pinned: dict[int, int] = defaultdict(int)
    free = 0
    for tx in uow.session.exec(select(BankTransaction).where(
            BankTransaction.matched_member_id == member.id, BankTransaction.status == "matched")).all():
        if tx.campaign_id is not None:
            pinned[tx.campaign_id] += tx.amount
        else:
            free += tx.amount
    sums = uow.session.exec(
        select(CreditEntry.cause, CreditEntry.campaign_id, func.sum(CreditEntry.amount))
        .where(CreditEntry.member_id == member.id).group_by(col(CreditEntry.cause), col(CreditEntry.campaign_id))
    ).all()
    applied: dict[int, int] = defaultdict(int)
    converted: dict[int | None, int] = defaultdict(int)
    for cause, cid, amount in sums:
        if cause in credit.APPLIED and cid is not None:
            applied[cid] -= amount
        elif cause in credit.FROM_DEPOSITS:
            converted[cid] += amount
    where = plan(dues, pinned, free, Stored(dict(applied), dict(converted), sum(int(a) for _c, _i, a in sums)))
    by_id = {c.id: c for c in campaigns}
    lines = [CampaignDue(by_id.get(ln.campaign) if ln.campaign is not None else None, ln.due, ln.received, ln.credit,
                         ln.to_credit) for ln in where.lines]
    if campaign_id is not None:
        lines = [c for c in lines if c.campaign is not None and c.campaign.id == campaign_id]
    claims = uow.session.exec(select(PaymentClaim).where(PaymentClaim.member_id == member.id)
                              .order_by(col(PaymentClaim.id))).all()
    still_open = [c for c in claims if c.status in OPEN_CLAIM and reference_received(uow, c) == 0]
    state = "none" if not still_open else "claimed" if any(c.status != "not_found" for c in still_open) else "not_found"
    account = Account(member, tuple(lines), claims[-1] if claims else None, state, where.balance)  # type: ignore[arg-type]
    return account, (campaigns, where)


def reference_received(uow: UnitOfWork, claim: PaymentClaim) -> int:
    """Return the money matched to one claim (one query)."""
    return sum(tx.amount for tx in uow.session.exec(select(BankTransaction).where(
        BankTransaction.matched_claim_id == claim.id, BankTransaction.status == "matched")).all())


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Return an engine on this test's empty database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(b=books(), chunk=st.sampled_from([1, 2, id_chunks.CHUNK]), scoped=st.booleans())
def test_bulk_accounts_equal_the_member_by_member_reads(engine: Engine, b: Books, chunk: int, scoped: bool,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(id_chunks, "CHUNK", chunk)
    with UnitOfWork(engine) as uow:  # never committed: each example starts from an empty database
        members = store(uow, b)
        first = uow.session.exec(select(Campaign.id).order_by(col(Campaign.id))).first()
        campaign_id = first if scoped else None
        bulk = payments.accounts(uow, members, campaign_id=campaign_id)
        where = payments.positions(uow, [m.id for m in members if m.id is not None])
        assert list(bulk) == [m.id for m in members]
        for member in members:
            assert member.id is not None
            expected, position = reference_account(uow, member, campaign_id)
            assert bulk[member.id] == expected == payments.account(uow, member, campaign_id=campaign_id)
            assert where[member.id] == position
        claims = list(uow.session.exec(select(PaymentClaim)).all())
        assert payments.claims_received(uow, claims) == {c.id: reference_received(uow, c) for c in claims}


def ledgers(uow: UnitOfWork, members: list[Member]) -> list[tuple]:
    """Return the credit and points rows as plain values, members and campaigns by their place in the draw."""
    place = {m.id: n for n, m in enumerate(members)}
    campaign = {c.id: c.title for c in uow.session.exec(select(Campaign)).all()}
    deposit = {tx.id: tx.fingerprint for tx in uow.session.exec(select(BankTransaction)).all()}
    rows: list[tuple] = []
    for table in (CreditEntry, PointEntry):
        for e in uow.session.exec(select(table).order_by(col(table.id))).all():
            rows.append((table.__name__, place[e.member_id], e.seq, e.cause, e.amount, campaign.get(e.campaign_id),
                         deposit.get(e.transaction_id), e.dedupe_key is not None,
                         e.note.replace(f"第{e.campaign_id}團", f"第{campaign.get(e.campaign_id)}團")))  # ids differ on PG
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(b=books(), chunk=st.sampled_from([1, id_chunks.CHUNK]))
def test_settling_many_members_writes_what_settling_each_wrote(engine: Engine, b: Books, chunk: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(id_chunks, "CHUNK", chunk)
    results = []
    for bulk in (False, True):
        with UnitOfWork(engine) as uow:
            members = store(uow, b)
            try:
                if bulk:
                    done = settlement.settle_many(uow, members)
                    settled = [done[m.id] for m in members if m.id is not None]
                else:
                    settled = [settlement.settle(uow, m) for m in members]
            except DomainError as refused:  # a ledger drawn below zero cannot pay a due: refused either way
                results.append(type(refused))
                continue
            after = payments.accounts(uow, members)
            results.append((settled, ledgers(uow, members),
                            [(a.to_pay, a.remaining, a.credit_balance) for a in after.values()]))
    assert results[0] == results[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(b=books(), paying=st.lists(st.tuples(st.integers(0, 3), st.integers(1, 2000), st.integers(0, 5), st.booleans()),
                                  max_size=6), chunk=st.sampled_from([1, 2, id_chunks.CHUNK]))
def test_accounts_after_deposits_are_matched_equal_reading_them_again(engine: Engine, b: Books,
                                                                      paying: list[tuple[int, int, int, bool]],
                                                                      chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """/對帳 reads the accounts once: the snapshot with its deposits added is what reading again would find, and a
    snapshot given the open claims already loaded is the one that reads them."""
    monkeypatch.setattr(id_chunks, "CHUNK", chunk)
    with UnitOfWork(engine) as uow:  # never committed
        members = store(uow, b)
        ids = [m.id for m in members if m.id is not None]
        read = payments.snapshot(uow, ids)
        assert read == payments.snapshot(uow, ids, open_claims=bank_import.open_claims(uow))
        claims = list(uow.session.exec(select(PaymentClaim).order_by(col(PaymentClaim.id))).all())
        first = uow.session.exec(select(Campaign.id).order_by(col(Campaign.id))).first()
        record = uow.session.exec(select(StatementImport)).first()
        assert record is not None and record.id is not None
        matched = []
        for n, (m, amount, k, pinned) in enumerate(paying):  # k: a claim (any member's) or none
            member = ids[m % len(ids)]
            claim = claims[k].id if k < len(claims) else None
            campaign = first if pinned else None
            uow.session.add(BankTransaction(
                fingerprint=f"paid{n}", import_id=record.id, booked_on=date(2026, 12, 2), amount=amount, direction="in",
                status="matched", matched_member_id=member, matched_claim_id=claim, campaign_id=campaign,
            ))
            matched.append(Matched(member, claim, campaign, amount))
        uow.session.flush()
        assert read.paid_in(matched) == payments.snapshot(uow, ids)
