"""UnitOfWork.write_later: queued Core writes go before the next statement, stay out of a failed savepoint's
rollback when queued before it, go down with it when queued inside, and never outlive a rollback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from infra.db import UnitOfWork
from models import Campaign, Group, Member, Setting
from models.base import utcnow
from parsers.comment import Intent
from services import order_requests

STATEMENT = insert(Setting)


def row(key: str) -> dict[str, str]:
    return {"scope": "test", "key": key, "value": "1"}


def keys(engine: object) -> list[str]:
    with UnitOfWork(engine) as uow:  # type: ignore[arg-type]
        return sorted(uow.session.exec(select(Setting.key).where(Setting.scope == "test")).all())


@pytest.fixture
def engine(app: Flask) -> object:
    return app.extensions["groupbuy"].engine


def test_a_queued_write_is_there_for_the_next_read_and_goes_with_the_others_in_one_statement(engine: object) -> None:
    with UnitOfWork(engine) as uow:  # type: ignore[arg-type]
        for n in range(3):
            uow.write_later(STATEMENT, row(f"k{n}"))
        found = uow.session.exec(select(func.count()).select_from(Setting).where(Setting.scope == "test")).one()
        assert found == 3
        uow.commit()
    assert keys(engine) == ["k0", "k1", "k2"]


def test_commit_sends_what_nothing_read(engine: object) -> None:
    with UnitOfWork(engine) as uow:  # type: ignore[arg-type]
        uow.write_later(STATEMENT, row("only"))
        uow.commit()
    assert keys(engine) == ["only"]


def test_rollback_drops_the_queue(engine: object) -> None:
    with UnitOfWork(engine) as uow:  # type: ignore[arg-type]
        uow.write_later(STATEMENT, row("gone"))
        uow.rollback()
        uow.commit()
    assert keys(engine) == []


def test_a_failed_savepoint_keeps_what_was_queued_before_it_and_drops_what_was_queued_inside(engine: object) -> None:
    with UnitOfWork(engine) as uow:  # type: ignore[arg-type]
        uow.write_later(STATEMENT, row("before"))
        with pytest.raises(IntegrityError), uow.savepoint():
            uow.write_later(STATEMENT, row("inside"))
            uow.write_later(STATEMENT, row("before"))  # the settings' (scope, key) is unique: the savepoint fails
        uow.write_later(STATEMENT, row("after"))
        uow.commit()
    assert keys(engine) == ["after", "before"]


def test_order_requests_recorded_in_a_batch_are_read_back_in_send_order(engine: object, app: Flask) -> None:
    """record() queues; later_than() sees the rows queued before it (they go first)."""
    with UnitOfWork(engine) as uow:  # type: ignore[arg-type]
        group, member = Group(line_group_id="Cgroup-write-later"), Member(line_user_id="Uwrite-later")
        uow.session.add_all([group, member])
        uow.session.flush()
        campaign = Campaign(group_id=group.id or 0, title="火鍋團", announcement="火鍋團", opened_by="Uhost")
        uow.session.add(campaign)
        uow.session.flush()
        campaign_id, member_id = campaign.id or 0, member.id or 0
        at = utcnow()
        for n in range(3):
            order_requests.record(uow, message_id=f"m{n}", campaign_id=campaign_id, member_id=member_id,
                                  sent_at=at + timedelta(seconds=n), intents=[Intent("add", "A", n + 1)])
        later = order_requests.later_than(uow, campaign_id, member_id, at)
        assert [r.message_id for r in later] == ["m1", "m2"]
        uow.commit()
