"""infra.sql's one-parameter forms mean what the plain statements mean, on SQLite and PostgreSQL: ``one_of`` picks
the rows ``IN`` would, ``insert_returning`` stores what a plain insert stores."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import func, select

from infra.db import UnitOfWork, make_engine
from infra.sql import LISTED, insert_returning, one_of
from models import ReminderSent
from tests.factories.orders import add_member, taipei

AWKWARD = ['say "hi"', "back\\slash", "{rid} braces", "新年快樂 🎉", "tab\there\nnewline", "'single'", ""]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Return an engine on the test database."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def member_id(engine: Engine) -> int:
    """Return the id of a member the reminder rows belong to."""
    with UnitOfWork(engine) as uow:
        member = add_member(uow, 1)
        uow.commit()
    assert member.id is not None
    return member.id


def rows_for(member_id: int, n: int) -> list[dict[str, Any]]:
    """Return ``n`` reminder rows with awkward text, Taipei and UTC timestamps and a missing one."""
    return [{"member_id": member_id, "kind": "nps", "dedupe_key": f"nps:{member_id}:{k}", "retry_key": f"key-{k}",
             "due_at": taipei(2026, 12, 1 + k % 20, k % 24) + timedelta(microseconds=k),
             "status": "pending", "detail": json.dumps({"text": AWKWARD[k % len(AWKWARD)]}, ensure_ascii=False),
             "created_at": datetime(2026, 12, 7, 4, tzinfo=UTC), "sent_at": None if k % 2 else taipei(2026, 12, 7)}
            for k in range(n)]


def test_bulk_insert_stores_each_row_as_given_and_names_its_id(engine: Engine, member_id: int) -> None:
    rows = rows_for(member_id, 600)
    with UnitOfWork(engine) as uow:
        returned = insert_returning(uow.session.connection(), ReminderSent, rows, ("id", "dedupe_key"))
        uow.commit()
    ids = {r.dedupe_key: r.id for r in returned}
    assert sorted(ids) == sorted(row["dedupe_key"] for row in rows) and len(set(ids.values())) == len(rows)
    with UnitOfWork(engine, read_only=True) as uow:
        stored = {r.id: r for r in uow.session.exec(select(ReminderSent)).all()}
        for row in rows:
            got = stored[ids[row["dedupe_key"]]]
            assert (got.member_id, got.kind, got.retry_key, got.status, got.detail) == (
                row["member_id"], row["kind"], row["retry_key"], row["status"], row["detail"])
            assert got.due_at == row["due_at"] and got.created_at == row["created_at"] and got.sent_at == row["sent_at"]


def test_bulk_insert_with_a_taken_key_stores_none_of_the_rows(engine: Engine, member_id: int) -> None:
    rows = rows_for(member_id, 5)
    with UnitOfWork(engine) as uow:
        insert_returning(uow.session.connection(), ReminderSent, rows[2:3], ("id",))
        uow.commit()
    with UnitOfWork(engine) as uow, pytest.raises(IntegrityError):
        insert_returning(uow.session.connection(), ReminderSent, rows, ("id",))
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.session.exec(select(func.count()).select_from(ReminderSent)).one() == 1


def test_bulk_insert_refuses_a_naive_timestamp(engine: Engine, member_id: int) -> None:
    row = {**rows_for(member_id, 1)[0], "due_at": datetime(2026, 12, 1, 12)}
    with UnitOfWork(engine) as uow, pytest.raises((ValueError, StatementError)):  # StatementError wraps ValueError
        insert_returning(uow.session.connection(), ReminderSent, [row], ("id",))



def test_one_of_picks_the_rows_an_in_list_picks_however_many_values(engine: Engine, member_id: int) -> None:
    rows = rows_for(member_id, 30)
    with UnitOfWork(engine) as uow:
        insert_returning(uow.session.connection(), ReminderSent, rows, ("id",))
        uow.commit()
    keys = [row["dedupe_key"] for row in rows]
    with UnitOfWork(engine, read_only=True) as uow:
        def picked(column: Any, values: list[Any]) -> list[Any]:
            return sorted(uow.session.exec(select(column).where(one_of(uow.dialect, column, values))).all())

        asked = keys[::3] + ["nps:none", 'quote"d', "新年"]
        assert picked(ReminderSent.dedupe_key, asked) == sorted(keys[::3])  # a short list
        many = asked + [f"nps:{k}:x" for k in range(LISTED)] + ["back\\slash"]
        assert picked(ReminderSent.dedupe_key, many) == sorted(keys[::3])  # a long one
        ids = picked(ReminderSent.id, list(range(-5, 10_000)))  # far past SQLite's 999 parameters
        assert len(ids) == 30 and picked(ReminderSent.id, ids[:4]) == ids[:4]
        assert picked(ReminderSent.id, []) == [] and picked(ReminderSent.dedupe_key, []) == []
