"""/對帳 in bulk decides and writes what the member-by-member service it replaced did, over random books.

``bank_import.reconcile`` reads the accounts once (the accounts after are the ones before with the run's deposits
added), reads only the waiting deposits a run can change, and writes deposits and claims one UPDATE per kind. The
reference is the service as it was before (``reference_reconcile``): every waiting deposit matched, the changed ones
saved as objects, claims and accounts read again after the deposits are stored, settling reading its positions.
Both run on the same random books in their own transaction; the deposits, claims, credit and points rows and the
run's report must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from infra import id_chunks
from infra.db import UnitOfWork, make_engine
from models import BankTransaction, Campaign, Member, PaymentClaim, StatementImport
from services import bank_import, payments, settlement
from services.bank_import import Run
from services.errors import DomainError
from services.payments import Account
from services.purchases import TAIPEI
from services.reconcile import Deposit, OpenClaim, match
from tests.integration.test_bulk_accounts import NOW, Books, books, ledgers, store

AMOUNTS = [100, 180, 200, 250, 360, 500, 540, 720, 77, 1234]  # dues of the drawn books are often among them


@dataclass(frozen=True)
class Waiting:
    """A deposit waiting for /對帳: on a claim's digits (index), on digits nobody claimed, or without digits."""

    digits: int | None  # index into the claims; -1: unclaimed digits; None: no digits
    amount: int | tuple[int, int | None]  # NT$, or what a member (index) owes less another waiting deposit (index)
    status: str  # unmatched | proposed
    candidates: bool  # marked with candidates already (the first two members)
    interest: bool
    day: int
    payer: int | None  # the payer's printed name: a member's (index)


waiting = st.lists(st.builds(
    Waiting, st.one_of(st.none(), st.integers(-1, 5)),
    st.one_of(st.sampled_from(AMOUNTS), st.integers(1, 2000),
              st.tuples(st.integers(0, 3), st.one_of(st.none(), st.integers(0, 9)))),
    st.sampled_from(["unmatched", "unmatched", "proposed"]), st.booleans(), st.integers(0, 9).map(lambda n: n == 0),
    st.integers(0, 3), st.one_of(st.none(), st.integers(0, 3)),
), max_size=10)


def store_waiting(uow: UnitOfWork, members: list[Member], deposits: list[Waiting]) -> None:
    """Add the waiting deposits to the stored books (an amount a member owes is what they owe before these)."""
    claims = list(uow.session.exec(select(PaymentClaim).order_by(col(PaymentClaim.id))).all())
    owes = payments.accounts(uow, members)

    def amount_of(w: Waiting) -> int:
        if isinstance(w.amount, int):
            return w.amount
        member, less = w.amount
        other = deposits[less].amount if less is not None and less < len(deposits) else 0
        return max(1, owes[members[member % len(members)].id or 0].remaining - (other if isinstance(other, int) else 0))

    record = StatementImport(sha256="1" * 64)
    uow.session.add(record)
    uow.session.flush()
    assert record.id is not None
    for n, w in enumerate(deposits):
        digits = None if w.digits is None else "99999" if w.digits < 0 or w.digits >= len(claims) else claims[w.digits].last5
        uow.session.add(BankTransaction(
            fingerprint=f"wait{n}", import_id=record.id, booked_on=date(2026, 12, 1) + timedelta(days=w.day),
            amount=amount_of(w), direction="in", last5=digits, memo="利息存入" if w.interest else "跨行轉入",
            payer_name=members[w.payer % len(members)].display_name if w.payer is not None else None,
            status=w.status, candidates=",".join(str(m.id) for m in members[:2]) if w.candidates else "",
        ))
    uow.session.flush()


def reference_reconcile(uow: UnitOfWork, *, now: datetime, campaign_id: int | None, through: date | None) -> Run:
    """Run /對帳 the way the service did before it worked in bulk."""
    members = {m.id: m for m in payments.members_with_orders(uow, campaign_id=campaign_id) if m.id is not None}
    claims = [c for c in bank_import.open_claims(uow) if campaign_id is None or c.member_id in members]
    if campaign_id is not None:
        claims = [c for c in claims if c.campaign_id in (None, campaign_id)]
    for claim in claims:
        if claim.member_id not in members:
            members[claim.member_id] = uow.session.get_one(Member, claim.member_id)
    before = payments.accounts(uow, members.values(), campaign_id=campaign_id)
    deposits = list(uow.session.exec(select(BankTransaction).where(
        col(BankTransaction.status).in_(bank_import.WAITING), BankTransaction.direction == "in")).all())
    received = payments.claims_received(uow, claims)
    decisions = match(
        [Deposit(tx.id or 0, tx.amount, tx.last5, tx.booked_on, tx.memo, tx.payer_name) for tx in deposits],
        [OpenClaim(c.id or 0, c.member_id, c.last5, c.amount, received.get(c.id or 0, 0)) for c in claims],
        {mid: acc.remaining for mid, acc in before.items()},
        {mid: m.display_name for mid, m in members.items() if m.display_name},
    )
    by_id = {tx.id: tx for tx in deposits}
    for d in decisions:
        tx = by_id[d.deposit]
        tx.status = "unmatched" if d.kind == "unclaimed" else d.kind
        tx.candidates = ",".join(str(m) for m in d.candidates)
        if d.kind == "matched":
            tx.status, tx.matched_member_id, tx.matched_claim_id = "matched", d.member, d.claim
            tx.campaign_id, tx.decided_by, tx.matched_at, tx.candidates = campaign_id, "auto", now, ""
        uow.session.add(tx)
    uow.session.flush()
    held = {tx.last5 for tx in bank_import.waiting_for_host(uow)}
    got_by_claim = payments.claims_received(uow, claims)
    open_ended = [members[c.member_id] for c in claims if c.amount is None and got_by_claim.get(c.id or 0)]
    owing = {mid for mid, acc in payments.accounts(uow, open_ended).items() if acc.remaining > 0}
    for claim in claims:
        got = got_by_claim.get(claim.id or 0, 0)
        if got and claim.amount is None:
            claim.status = "partial" if claim.member_id in owing else "matched"
        elif got and claim.amount is not None and got >= claim.amount:
            claim.status = "matched"
        elif got:
            claim.status = "partial"
        elif (through is not None and claim.claimed_at is not None and claim.last5 not in held
              and claim.claimed_at.astimezone(TAIPEI).date() <= through):
            claim.status = "not_found"
        uow.session.add(claim)
    uow.session.flush()
    paid = {d.member for d in decisions if d.kind == "matched"}
    old = {mid: acc for mid, acc in before.items() if mid in paid}
    after = payments.accounts(uow, (acc.member for acc in old.values()), campaign_id=campaign_id)
    moved = [after[mid] for mid, acc in old.items() if after[mid].received != acc.received]
    settled = tuple(new.member for new in moved if new.member.id is not None and new.received > 0
                    and new.remaining <= 0 < old[new.member.id].remaining)
    done = settlement.settle_many(uow, [new.member for new in moved])
    return Run(tuple(moved), settled,
               tuple((new, done[new.member.id or 0].to_credit) for new in moved if done[new.member.id or 0].to_credit),
               tuple((new.member, done[new.member.id or 0].points) for new in moved if done[new.member.id or 0].points))


def outcome(uow: UnitOfWork, members: list[Member], run: Run) -> tuple[Any, ...]:
    """Return the stored deposits, claims and ledgers and the run's report, ids replaced by places in the draw."""
    place = {m.id: n for n, m in enumerate(members)}
    claims = {c.id: n for n, c in enumerate(uow.session.exec(select(PaymentClaim).order_by(col(PaymentClaim.id))).all())}
    title = {c.id: c.title for c in uow.session.exec(select(Campaign)).all()}
    deposits = [
        (tx.fingerprint, tx.status, [place[int(m)] for m in tx.candidates.split(",") if m], place.get(tx.matched_member_id),
         claims.get(tx.matched_claim_id), title.get(tx.campaign_id), tx.decided_by, tx.matched_at is not None)
        for tx in uow.session.exec(select(BankTransaction).order_by(col(BankTransaction.fingerprint))).all()
    ]
    statuses = [c.status for c in uow.session.exec(select(PaymentClaim).order_by(col(PaymentClaim.id))).all()]

    def account(acc: Account) -> tuple[Any, ...]:
        return (place[acc.member.id], acc.status, acc.due, acc.to_pay, acc.received, acc.remaining, acc.to_credit,
                acc.credit_balance, claims.get(acc.claim.id if acc.claim else None), acc.claim_state,
                [(title.get(line.campaign.id) if line.campaign else None, line.due, line.received) for line in acc.lines])

    report = ([account(a) for a in run.moved], [place[m.id] for m in run.settled],
              [(place[a.member.id], n) for a, n in run.credited], [(place[m.id], n) for m, n in run.points])
    return deposits, statuses, ledgers(uow, members), report


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Return an engine on this test's empty database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def both_ways(engine: Engine, b: Books, deposits: list[Waiting], scoped: bool, through: int | None) -> list[object]:
    """Return the outcome of reconciling the books member by member and in bulk (or the refusal of each)."""
    results: list[object] = []
    for bulk in (False, True):
        with UnitOfWork(engine) as uow:  # never committed: each build starts from an empty database
            members = store(uow, b)
            store_waiting(uow, members, deposits)
            first = uow.session.exec(select(Campaign.id).order_by(col(Campaign.id))).first()
            campaign_id = first if scoped else None
            day = None if through is None else NOW.astimezone(TAIPEI).date() + timedelta(days=through)
            try:
                run = (bank_import.reconcile(uow, now=NOW, tz=TAIPEI, campaign_id=campaign_id, statement_through=day)
                       if bulk else reference_reconcile(uow, now=NOW, campaign_id=campaign_id, through=day))
            except DomainError as refused:  # a ledger drawn below zero cannot pay a due: refused either way
                results.append(type(refused))
                continue
            results.append(outcome(uow, members, run))
    return results


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(b=books(), deposits=waiting, scoped=st.booleans(), through=st.sampled_from([None, -1, 0]),
       chunk=st.sampled_from([1, id_chunks.CHUNK]))
def test_reconciling_in_bulk_does_what_reconciling_member_by_member_did(
        engine: Engine, b: Books, deposits: list[Waiting], scoped: bool, through: int | None, chunk: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(id_chunks, "CHUNK", chunk)
    before, after = both_ways(engine, b, deposits, scoped, through)
    assert before == after


def test_a_deposit_nobody_claimed_is_proposed_for_what_is_left_after_a_match(engine: Engine) -> None:
    """Read only if some member owes its amount along the way: here only once the 200 from their account is matched."""
    owes_540 = Books(members=1, campaigns=[("closed", [(180, False)])], lines=[(0, 0, 0, 3, 3, False, False, False)],
                     claims=[(0, "claimed", 540)], deposits=[], ledger=[], rate=None)
    deposits = [Waiting(0, 200, "unmatched", False, False, 0, None), Waiting(-1, 340, "unmatched", False, False, 1, None)]
    before, after = both_ways(engine, owes_540, deposits, False, None)
    assert before == after
    assert isinstance(after, tuple)
    stored = {fingerprint: (status, candidates) for fingerprint, status, candidates, *_ in after[0]}
    assert stored["wait0"] == ("matched", []) and stored["wait1"] == ("proposed", [0])
