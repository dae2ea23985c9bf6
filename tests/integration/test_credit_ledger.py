"""The credit and points services on a real database: oldest credit first, settling twice, points off by default."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from infra.db import UnitOfWork
from models import BankTransaction, CreditEntry, Member, StatementImport
from models.base import utcnow
from services import credit, directory, payments, points, settlement
from services.errors import DomainError
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, at
from tests.factories.webhook import HOST_ID, member_id
from tests.integration.test_payments import say


@pytest.fixture
def mei(webhook: Webhook, uow: UnitOfWork) -> Member:
    """Open the hot-pot campaign; member 1 orders A+3 ($540). Return the member."""
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    say(webhook, "A+3", 1, at(2, 9))
    member = directory.find_member(uow, member_id(1))
    assert member is not None
    return member


def deposit(uow: UnitOfWork, member: Member, amount: int) -> None:
    """Store a deposit already matched to the member."""
    record = StatementImport(sha256="0" * 64)
    uow.session.add(record)
    uow.session.flush()
    assert record.id is not None
    uow.session.add(BankTransaction(
        fingerprint=f"fp{amount}{utcnow().timestamp()}", import_id=record.id, booked_on=utcnow().date(), amount=amount,
        direction="in", status="matched", matched_member_id=member.id,
    ))
    uow.session.flush()


def test_credit_is_spent_oldest_first_and_each_draw_names_its_source(uow: UnitOfWork, mei: Member) -> None:
    assert mei.id is not None
    older = credit.adjust(uow, mei, 50, note="舊的", by=HOST_ID)
    newer = credit.adjust(uow, mei, 100, note="新的", by=HOST_ID)
    done = settlement.settle(uow, mei)
    assert done.applied == 150
    drawn = [(e.amount, e.source_id) for e in credit.entries(uow, mei.id) if e.cause == "applied"]
    assert drawn == [(-50, older.id), (-100, newer.id)]
    assert credit.balance(uow, mei.id) == 0 and payments.account(uow, mei).to_pay == 390
    assert not settlement.settle(uow, mei)  # settled already: nothing more is written

    partial = credit.adjust(uow, mei, 400, note="", by=HOST_ID)
    assert settlement.settle(uow, mei).applied == 390
    assert credit.open_lots(uow, mei.id) == [(partial, 10)]


def test_a_due_that_drops_releases_credit_and_money_paid_beyond_it_becomes_credit_once(
        webhook: Webhook, uow: UnitOfWork, mei: Member) -> None:
    assert mei.id is not None
    credit.adjust(uow, mei, 600, note="", by=HOST_ID)
    assert settlement.settle(uow, mei).applied == 540
    uow.commit()
    say(webhook, "A改1", 1, at(2, 10))  # now $180: 360 of the credit applied is no longer needed
    uow.session.expire_all()
    acc = payments.account(uow, mei)
    assert (acc.due, acc.credit, acc.remaining, acc.credit_balance) == (180, 180, 0, 420)
    assert settlement.settle(uow, mei).released == 360
    deposit(uow, mei, 100)  # a transfer that nothing is due for any more
    assert settlement.settle(uow, mei, cause="shortage").to_credit == 100
    assert not settlement.settle(uow, mei, cause="shortage")
    causes = [(e.cause, e.amount) for e in credit.entries(uow, mei.id)]
    assert causes == [("adjustment", 600), ("applied", -540), ("released", 360), ("shortage", 100)]
    assert credit.balance(uow, mei.id) == 520 == payments.account(uow, mei).credit_balance


def test_the_same_earning_cannot_be_recorded_twice(uow: UnitOfWork, mei: Member) -> None:
    assert mei.id is not None
    group = directory.find_group(uow, "Cgroup00000000000000000000000001")
    assert group is not None and group.id is not None
    deposit(uow, mei, 540)
    assert settlement.settle(uow, mei).points == 0  # no rate: points are off
    points.set_rate(uow, group.id, 100)
    assert settlement.settle(uow, mei).points == 5
    assert settlement.settle(uow, mei).points == 0
    assert points.earn(uow, mei.id, {1: 540}) == 0
    points.set_rate(uow, group.id, 1000)
    assert points.earn(uow, mei.id, {1: 540}) == 0 and points.balance(uow, mei.id) == 5  # never taken back
    with pytest.raises(IntegrityError):  # a second writer that skipped the check still cannot add it
        uow.session.add(CreditEntry(member_id=mei.id, seq=1, cause="adjustment", amount=1))
        uow.session.add(CreditEntry(member_id=mei.id, seq=1, cause="adjustment", amount=1))
        uow.session.flush()


def test_redeeming_needs_points_and_adjusting_needs_credit(uow: UnitOfWork, mei: Member) -> None:
    with pytest.raises(DomainError, match="沒有點數"):
        points.redeem(uow, mei, 10, group_id=1, by=HOST_ID)
    with pytest.raises(DomainError, match="最多只能扣 \\$0"):
        credit.adjust(uow, mei, -1, note="", by=HOST_ID)
    with pytest.raises(DomainError, match="1 到"):
        credit.adjust(uow, mei, 0, note="", by=HOST_ID)
    assert uow.session.exec(select(CreditEntry)).all() == []
