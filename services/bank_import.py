"""Store a parsed bank statement, run the matcher over waiting deposits, and apply the host's decisions."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

import sqlalchemy as sa
from sqlmodel import col, select

from infra import collector
from infra.db import UnitOfWork
from infra.sql import id_lists, one_of, update_by_id
from models import BankTransaction, Member, PaymentClaim, StatementImport
from parsers.statement import Statement
from services import payments, settlement
from services.account_books import Matched
from services.errors import DomainError
from services.payments import OPEN_CLAIM, Account
from services.reconcile import Decision, Deposit, OpenClaim, match, proposable

WAITING = ("unmatched", "proposed")
HOST_DECIDES = ("proposed", "ambiguous")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


@dataclass(frozen=True)
class Imported:
    """What a statement file held: its rows, its deposits, and how many deposits were new."""

    rows: int
    deposits: int
    new: int
    last_day: date | None
    bank: str | None = None


@dataclass(frozen=True)
class Run:
    """What one reconciliation run changed: accounts it moved, members it just settled, credit and points."""

    moved: tuple[Account, ...]
    settled: tuple[Member, ...]
    credited: tuple[tuple[Account, int], ...] = ()  # over-payments this run turned into credit (NT$)
    points: tuple[tuple[Member, int], ...] = ()  # points this run earned

    def credited_to(self, member: Member) -> int:
        """Return the NT$ this run turned into the member's credit."""
        return sum(amount for acc, amount in self.credited if acc.member.id == member.id)


def safe_filename(name: str | None) -> str | None:
    """Return an untrusted file name reduced to a short, printable base name."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE.sub("_", base)[:120] or None


def import_statement(uow: UnitOfWork, statement: Statement, *, data: bytes, filename: str | None,
                     uploaded_by: str | None) -> Imported:
    """Store a statement's deposits; ones already imported (same fingerprint) are skipped."""
    deposits = [t for t in statement.transactions if t.direction == "in"]
    seen: Counter[str] = Counter()
    prints = []
    for tx in deposits:  # identical rows in one file (no balance column) stay distinct
        seen[tx.fingerprint] += 1
        n = seen[tx.fingerprint]
        prints.append(tx.fingerprint if n == 1 else hashlib.sha256(f"{tx.fingerprint}#{n}".encode()).hexdigest())
    known = set(
        uow.session.exec(select(BankTransaction.fingerprint).where(col(BankTransaction.fingerprint).in_(prints))).all()
    ) if prints else set()
    record = StatementImport(filename=safe_filename(filename), sha256=hashlib.sha256(data).hexdigest(),
                             uploaded_by=uploaded_by, rows=len(statement.transactions))
    uow.session.add(record)
    uow.session.flush()
    assert record.id is not None
    new = 0
    for tx, fingerprint in zip(deposits, prints, strict=True):
        if fingerprint in known:
            continue
        known.add(fingerprint)
        uow.session.add(BankTransaction(
            fingerprint=fingerprint, import_id=record.id, booked_on=tx.date, amount=tx.amount, direction="in",
            last5=tx.last5, memo=tx.memo[:500], balance=tx.balance,
            payer_name=tx.payer_name[:40] if tx.payer_name else None,
        ))
        new += 1
    record.new_rows = new
    uow.session.add(record)
    uow.session.flush()
    last_day = max((t.date for t in statement.transactions), default=None)
    return Imported(rows=len(statement.transactions), deposits=len(deposits), new=new, last_day=last_day,
                    bank=statement.bank)


def reconcile(uow: UnitOfWork, *, now: datetime, tz: tzinfo, campaign_id: int | None = None,
              statement_through: date | None = None) -> Run:
    """Match waiting deposits to claims; claims a statement through their day lacks become not found.

    The accounts are read once: the accounts after, the claims' money and the positions settled from are the
    ones before with this run's deposits added (``payments.Snapshot.paid_in``). Only the waiting deposits the run
    can change are read (``reconcile.proposable``), and deposits and claims are written in one UPDATE per kind of
    change, only the rows that change. What the run builds lives till it ends, so the garbage collector is held
    off meanwhile (``infra.collector``).
    """
    with collector.paused():
        return _reconcile(uow, now=now, tz=tz, campaign_id=campaign_id, statement_through=statement_through)


def _reconcile(uow: UnitOfWork, *, now: datetime, tz: tzinfo, campaign_id: int | None,
               statement_through: date | None) -> Run:
    """Run ``reconcile``."""
    members = {m.id: m for m in payments.members_with_orders(uow, campaign_id=campaign_id) if m.id is not None}
    still_open = open_claims(uow)
    claims = [c for c in still_open if campaign_id is None or c.member_id in members]
    if campaign_id is not None:
        claims = [c for c in claims if c.campaign_id in (None, campaign_id)]
    claimants = _members(uow, {c.member_id for c in claims} - set(members))
    for claim in claims:
        if claim.member_id in claimants:
            members.setdefault(claim.member_id, claimants[claim.member_id])
    read = payments.snapshot(uow, members, open_claims=still_open)
    before = read.accounts(members.values(), campaign_id=campaign_id)
    # Only the deposits this run can change are read (see reconcile.proposable): those on claimed digits, without
    # digits (interest), or marked already; then those on other digits whose amount a member owes along the way.
    claimed = sa.select(col(PaymentClaim.last5)).where(col(PaymentClaim.status).in_(OPEN_CLAIM),
                                                 col(PaymentClaim.last5).is_not(None))
    plain = (col(BankTransaction.status) == "unmatched", col(BankTransaction.candidates) == "",
             col(BankTransaction.last5).is_not(None), col(BankTransaction.last5).not_in(claimed))
    deposits, was = _waiting(uow, sa.not_(sa.and_(*plain)))
    remaining = {mid: acc.remaining for mid, acc in before.items()}
    still = [OpenClaim(c.id or 0, c.member_id, c.last5, c.amount, read.received.get(c.id or 0, 0)) for c in claims]
    names = {mid: m.display_name for mid, m in members.items() if m.display_name}
    decisions = match(list(deposits.values()), still, remaining, names)
    owed = proposable(decisions, {key: d.amount for key, d in deposits.items()}, remaining)
    for amounts in id_lists(uow.dialect, owed):
        more, more_was = _waiting(uow, one_of(uow.dialect, BankTransaction.amount, amounts), *plain)
        deposits.update(more)
        was.update(more_was)
    if len(deposits) > len(decisions):  # some may be proposed: decide every deposit read, in its place
        decisions = match(list(deposits.values()), still, remaining, names)
    _mark(uow, decisions, was, campaign_id, now)  # most deposits stay as they are: only the others are written
    matched = [Matched(d.member, d.claim, campaign_id, deposits[d.deposit].amount)
               for d in decisions if d.kind == "matched" and d.member is not None]
    after = read.paid_in(matched)
    _update_claims(uow, claims, members, tz, statement_through, after)
    paid = {d.member for d in decisions if d.kind == "matched"}  # only their money moved
    return _run(uow, {mid: acc for mid, acc in before.items() if mid in paid}, after, campaign_id)


def _waiting(uow: UnitOfWork, *where: sa.ColumnElement[bool]) -> tuple[dict[int, Deposit], dict[int, tuple[str, str]]]:
    """Return waiting deposits (``where``, most selective first: SQLite tests in that order) for the matcher, by id,
    and each one's status and candidates as they are."""
    deposits: dict[int, Deposit] = {}
    was: dict[int, tuple[str, str]] = {}
    for tx_id, amount, last5, booked_on, memo, payer, status, candidates in uow.session.execute(
        sa.select(col(BankTransaction.id), col(BankTransaction.amount), col(BankTransaction.last5),
                  col(BankTransaction.booked_on), col(BankTransaction.memo), col(BankTransaction.payer_name),
                  col(BankTransaction.status), col(BankTransaction.candidates))
        .where(*where, col(BankTransaction.status).in_(WAITING), col(BankTransaction.direction) == "in")
    ):  # plain rows, unpacked
        key = tx_id or 0
        deposits[key] = Deposit(key, amount, last5, booked_on, memo, payer)
        was[key] = (status, candidates)
    return deposits, was


def _marks(decision: Decision) -> tuple[str, str]:
    """Return the status and candidates a decision leaves on its deposit."""
    return ("unmatched" if decision.kind == "unclaimed" else decision.kind), ",".join(map(str, decision.candidates))


def _mark(uow: UnitOfWork, decisions: Iterable[Decision], was: Mapping[int, tuple[str, str]],
          campaign_id: int | None, now: datetime) -> None:
    """Write the decisions that change their deposit's status or candidates (``was``): a match as ``_apply`` makes it.

    One statement per kind (``infra.sql.update_by_id``: deposits the session holds are updated too).
    """
    matched: list[dict[str, object]] = []
    marked: list[dict[str, object]] = []
    for d in decisions:
        status, candidates = marks = _marks(d)
        if marks == was[d.deposit]:
            continue
        if d.kind == "matched":
            matched.append({"id": d.deposit, "status": "matched", "matched_member_id": d.member,
                            "matched_claim_id": d.claim, "campaign_id": campaign_id, "decided_by": "auto",
                            "matched_at": now, "candidates": ""})
        else:
            marked.append({"id": d.deposit, "status": status, "candidates": candidates})
    for rows in (matched, marked):
        update_by_id(uow.session, BankTransaction, rows)


def _members(uow: UnitOfWork, member_ids: set[int]) -> dict[int, Member]:
    """Return members by id (one query per ``id_chunks.CHUNK`` ids, on PostgreSQL one)."""
    out: dict[int, Member] = {}
    for ids in id_lists(uow.dialect, member_ids):
        out.update((m.id, m) for m in uow.session.exec(select(Member).where(one_of(uow.dialect, Member.id, ids))).all()
                   if m.id is not None)
    return out


def _apply(tx: BankTransaction, member_id: int | None, claim_id: int | None, campaign_id: int | None,
           decided_by: str, now: datetime) -> None:
    """Mark a deposit as the member's money."""
    tx.status = "matched"
    tx.matched_member_id = member_id
    tx.matched_claim_id = claim_id
    tx.campaign_id = campaign_id
    tx.decided_by = decided_by
    tx.matched_at = now
    tx.candidates = ""


def _update_claims(uow: UnitOfWork, claims: list[PaymentClaim], members: Mapping[int, Member], tz: tzinfo,
                   through: date | None, after: payments.Snapshot) -> None:
    """Set each claim's status from the money matched to it (a tie waiting for the host is not "not found").

    ``after``: the claimants' accounts with the matched deposits stored; only claims whose status changes are written.
    """
    held = set(uow.session.exec(select(BankTransaction.last5).where(col(BankTransaction.status).in_(HOST_DECIDES))).all())
    open_ended = {c.member_id for c in claims if c.amount is None and after.received.get(c.id or 0)}
    owing = {mid for mid, acc in after.accounts(members[mid] for mid in sorted(open_ended)).items() if acc.remaining > 0}
    changes: list[dict[str, object]] = []
    for claim in claims:
        got = after.received.get(claim.id or 0, 0)
        status = claim.status
        if got and claim.amount is None:
            status = "partial" if claim.member_id in owing else "matched"
        elif got and claim.amount is not None and got >= claim.amount:
            status = "matched"
        elif got:
            status = "partial"
        elif (through is not None and claim.claimed_at is not None and claim.last5 not in held
              and claim.claimed_at.astimezone(tz).date() <= through):
            status = "not_found"
        if status != claim.status:
            changes.append({"id": claim.id, "status": status})
    update_by_id(uow.session, PaymentClaim, changes)  # the claim objects of this session show the new status


def _run(uow: UnitOfWork, before: dict[int, Account], after: payments.Snapshot, campaign_id: int | None) -> Run:
    """Compare accounts before and after a change, and settle the members whose money moved."""
    moved, settled, credited, earned = [], [], [], []
    now = after.accounts((old.member for old in before.values()), campaign_id=campaign_id)
    for mid, old in before.items():
        new = now[mid]
        if new.received != old.received:
            moved.append(new)
            if new.received > 0 and new.remaining <= 0 < old.remaining:
                settled.append(new.member)
    # over-payments become credit, credit is applied, points are earned
    done = settlement.settle_many(uow, [new.member for new in moved], known=after.positions)
    for new in moved:
        assert new.member.id is not None
        if done[new.member.id].to_credit:
            credited.append((new, done[new.member.id].to_credit))
        if done[new.member.id].points:
            earned.append((new.member, done[new.member.id].points))
    return Run(tuple(moved), tuple(settled), tuple(credited), tuple(earned))


def open_claims(uow: UnitOfWork) -> list[PaymentClaim]:
    """Return claims still waiting for (more) money."""
    stmt = select(PaymentClaim).where(col(PaymentClaim.status).in_(OPEN_CLAIM)).order_by(col(PaymentClaim.id))
    return list(uow.session.exec(stmt).all())


def decide(uow: UnitOfWork, tx_id: int, member_id: int | None, *, host: str, now: datetime, tz: tzinfo) -> Run:
    """Apply the host's decision on a deposit: give it to a member, or (member None) set it aside."""
    tx = uow.session.get(BankTransaction, tx_id)
    if tx is None or tx.direction != "in":
        raise DomainError(f"找不到入帳編號 #{tx_id}。輸入 /對帳 看看待處理的入帳與編號。")
    if tx.status == "matched":
        raise DomainError(f"入帳 #{tx_id} 已經對到成員了。輸入 /對帳 看看目前狀態。")
    if member_id is None:
        tx.status, tx.decided_by = "ignored", host
        uow.session.add(tx)
        return Run((), ())
    member = uow.session.get(Member, member_id)
    if member is None:
        raise DomainError(f"找不到成員編號 {member_id}。輸入 /未付 看看成員與編號。")
    before = {member_id: payments.account(uow, member)}
    claim = next((c for c in open_claims(uow) if c.member_id == member_id and c.last5 == tx.last5), None)
    _apply(tx, member_id, claim.id if claim else None, None, host, now)
    uow.session.add(tx)
    uow.session.flush()
    after = payments.snapshot(uow, [member_id])  # read again: the deposit is stored
    if claim is not None:
        _update_claims(uow, [claim], {member_id: member}, tz, None, after)
    return _run(uow, before, after, None)


def waiting_for_host(uow: UnitOfWork) -> list[BankTransaction]:
    """Return deposits the host must decide (proposals and ties), oldest first."""
    stmt = select(BankTransaction).where(col(BankTransaction.status).in_(HOST_DECIDES))
    return list(uow.session.exec(stmt.order_by(col(BankTransaction.booked_on), col(BankTransaction.id))).all())


def unclaimed(uow: UnitOfWork) -> list[BankTransaction]:
    """Return deposits nobody claimed and nobody could be proposed for."""
    stmt = select(BankTransaction).where(BankTransaction.status == "unmatched", BankTransaction.direction == "in")
    return list(uow.session.exec(stmt.order_by(col(BankTransaction.booked_on), col(BankTransaction.id))).all())


def candidates_of(tx: BankTransaction) -> list[int]:
    """Return the member ids a host decision chooses from."""
    return [int(x) for x in tx.candidates.split(",") if x.strip().isdigit()]
