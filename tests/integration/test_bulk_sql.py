"""infra.sql's bulk insert stores what a plain insert stores, on SQLite and PostgreSQL (JSON rows there)."""

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
from infra.id_chunks import CHUNK, id_batches
from infra.sql import insert_returning
from models import ReminderSent
from tests.factories.orders import add_member, taipei

AWKWARD = ['say "hi"', "back\\slash", "{rid} braces", "新年快樂 🎉", "tab\there\nnewline", "'single'", ""]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Return an engine on the test database."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def rows_for(member_id: int, n: int) -> list[dict[str, Any]]:
    """Return ``n`` reminder rows with awkward text, Taipei and UTC timestamps and a missing one."""
    return [{"member_id": member_id, "kind": "nps", "dedupe_key": f"nps:{member_id}:{k}", "retry_key": f"key-{k}",
             "due_at": taipei(2026, 12, 1 + k % 20, k % 24) + timedelta(microseconds=k),
             "status": "pending", "detail": json.dumps({"text": AWKWARD[k % len(AWKWARD)]}, ensure_ascii=False),
             "created_at": datetime(2026, 12, 7, 4, tzinfo=UTC), "sent_at": None if k % 2 else taipei(2026, 12, 7)}
            for k in range(n)]


def test_bulk_insert_stores_each_row_as_given_and_names_its_id(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        member = add_member(uow, 1)
        uow.commit()
    assert member.id is not None
    rows = rows_for(member.id, 600)
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


def test_bulk_insert_with_a_taken_key_stores_none_of_the_rows(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        member = add_member(uow, 1)
        uow.commit()
    assert member.id is not None
    rows = rows_for(member.id, 5)
    with UnitOfWork(engine) as uow:
        insert_returning(uow.session.connection(), ReminderSent, rows[2:3], ("id",))
        uow.commit()
    with UnitOfWork(engine) as uow, pytest.raises(IntegrityError):
        insert_returning(uow.session.connection(), ReminderSent, rows, ("id",))
    with UnitOfWork(engine, read_only=True) as uow:
        assert uow.session.exec(select(func.count()).select_from(ReminderSent)).one() == 1


def test_bulk_insert_refuses_a_naive_timestamp(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        member = add_member(uow, 1)
        uow.commit()
    assert member.id is not None
    row = {**rows_for(member.id, 1)[0], "due_at": datetime(2026, 12, 1, 12)}
    with UnitOfWork(engine) as uow, pytest.raises((ValueError, StatementError)):  # StatementError wraps ValueError
        insert_returning(uow.session.connection(), ReminderSent, [row], ("id",))


def test_id_batches_are_one_array_on_postgresql_and_chunks_elsewhere() -> None:
    ids = list(range(2 * CHUNK + 5, 0, -1)) + [7, 7]
    assert list(id_batches("postgresql", ids)) == [sorted(set(ids))]
    assert [len(b) for b in id_batches("sqlite", ids)] == [CHUNK, CHUNK, 5]
    assert [i for b in id_batches("sqlite", ids) for i in b] == sorted(set(ids))
    assert list(id_batches("postgresql", [])) == list(id_batches("sqlite", [])) == []
