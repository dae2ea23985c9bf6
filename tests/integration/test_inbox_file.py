"""Beside a SQLite file the inbox has a file of its own: the webhook never waits for the worker's batch, and an
event applied just before a worker stopped is marked done without being applied again."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import insert
from sqlalchemy import update as sa_update
from sqlmodel import func, select

from bot.processor import EventProcessor
from bot.runtime import Runtime
from infra import inbox
from infra.config import Settings
from infra.db import UnitOfWork, make_engine
from infra.inbox_db import Claim, inbox_for, inbox_url
from models import AppliedEvent, OrderLine, WebhookEvent
from tests.factories.campaigns import HOTPOT, at
from tests.factories.webhook import HOST_ID, member_id, text_event
from tests.fakes import FakeMessenger


@pytest.mark.parametrize(("database_url", "expected"), [
    ("sqlite:////srv/groupbuy/groupbuy.db", "sqlite:////srv/groupbuy/groupbuy-inbox.db"),
    ("sqlite:///groupbuy.db", "sqlite:///groupbuy-inbox.db"),
    ("sqlite:///data/shop.sqlite3", "sqlite:///data/shop-inbox.sqlite3"),
    ("sqlite:///data/groupbuy", "sqlite:///data/groupbuy-inbox.db"),
    ("sqlite://", None),  # in memory: one database, nowhere to put a second file
    ("sqlite:///:memory:", None),
    ("sqlite:///file:shared?mode=memory&cache=shared&uri=true", None),
    ("postgresql+psycopg://postgres@127.0.0.1:5432/test", None),  # rows lock, not files: one database
])
def test_the_inbox_file_sits_beside_a_sqlite_file(database_url: str, expected: str | None) -> None:
    assert inbox_url(database_url) == expected


def sqlite_only(rt: Runtime) -> None:
    if rt.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps the inbox in the main database")


def count(uow: UnitOfWork, model: type, **where: str) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    found = int(uow.session.exec(stmt).one())
    uow.rollback()
    return found


def test_the_webhook_stores_while_a_batch_holds_the_main_files_write_lock(app: Flask, uow: UnitOfWork) -> None:
    rt: Runtime = app.extensions["groupbuy"]
    sqlite_only(rt)
    with UnitOfWork(rt.engine, lock_timeout_s=1) as batch:  # a worker in the middle of a batch
        batch.session.execute(insert(AppliedEvent).values(webhook_event_id="held"))
        stored = rt.inbox.store([text_event("A+1", user_id=member_id(1))], 0.5)
    assert stored == inbox.Recorded(1, 0, 0)  # within half a second, though the main file was locked
    assert count(uow, WebhookEvent) == 0  # the main file's inbox table stays empty


def test_an_event_applied_before_a_stop_is_marked_done_not_applied_again(
    app: Flask, settings: Settings, uow: UnitOfWork, inbox_uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt: Runtime = app.extensions["groupbuy"]
    sqlite_only(rt)
    line = FakeMessenger()
    rt.inbox.store([text_event(HOTPOT, user_id=HOST_ID, ts=at(1, 10))], 5)
    EventProcessor(rt.engine, settings, line).drain()
    rt.inbox.store([text_event("A+2", user_id=member_id(1), ts=at(1, 11))], 5)
    with monkeypatch.context() as stopped:  # the worker stops right after its batch committed
        stopped.setattr(Claim, "settle", lambda self, defer: False)
        assert EventProcessor(rt.engine, settings, line).drain() == 1
    assert count(inbox_uow, WebhookEvent, status="pending") == 1  # the inbox was never told
    assert count(uow, AppliedEvent) == 1

    restarted = EventProcessor(rt.engine, settings, line)
    restarted.drain()
    assert count(inbox_uow, WebhookEvent, status="pending") == 0
    assert [line.qty for line in uow.session.exec(select(OrderLine)).all()] == [2]  # not 4
    uow.rollback()
    rt.inbox.store([text_event("B+1", user_id=member_id(2), ts=at(1, 12))], 5)
    restarted.drain()  # its next batch forgets what the inbox now calls done
    assert count(uow, AppliedEvent) == 0


def test_events_a_main_file_still_holds_move_into_a_new_inbox_file(database_url: str, settings: Settings) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL keeps the inbox in the main database")
    engine = make_engine(database_url)
    inbox_for(engine)  # the inbox file exists now; take it away, as before this version
    engine.dispose()
    own = inbox_url(database_url)
    assert own is not None
    Path(own.removeprefix("sqlite:///")).unlink()
    older = make_engine(database_url)
    with older.begin() as conn:  # stored by the previous version, in the main file: two applied, one waiting
        for n, status in enumerate(("done", "done", "pending"), start=1):
            raw = text_event(HOTPOT if n == 3 else f"A+{n}", user_id=HOST_ID, ts=at(1, 10 + n))
            row = inbox.prepare([raw]).rows[0]
            conn.execute(insert(WebhookEvent).values(**row, status=status))
    older.dispose()

    engine = make_engine(database_url)
    moved = inbox_for(engine)
    assert moved.separate
    with UnitOfWork(engine) as main, UnitOfWork(moved.engine) as own_file:
        assert count(main, WebhookEvent) == 0
        assert [r.status for r in own_file.session.exec(select(WebhookEvent).order_by(WebhookEvent.id)).all()] == [
            "done", "done", "pending"]  # in the order they were stored, their states kept
    assert EventProcessor(engine, settings, FakeMessenger()).drain() == 1  # the waiting one: the campaign opens
    engine.dispose()


def test_an_unreadable_stored_event_is_done_with_its_reason_and_the_rest_go_on(
    app: Flask, settings: Settings, uow: UnitOfWork, inbox_uow: UnitOfWork
) -> None:
    rt: Runtime = app.extensions["groupbuy"]
    broken, fine = text_event("A+1", user_id=member_id(1), ts=at(1, 11)), text_event("B+1", user_id=member_id(2),
                                                                                     ts=at(1, 12))
    rt.inbox.store([text_event(HOTPOT, user_id=HOST_ID, ts=at(1, 10)), broken, fine], 5)
    with UnitOfWork(rt.inbox.engine) as damage:  # its stored JSON was damaged
        damage.session.execute(sa_update(WebhookEvent).where(WebhookEvent.webhook_event_id == broken["webhookEventId"])
                               .values(payload="{not json"))
        damage.commit()
    assert EventProcessor(rt.engine, settings, FakeMessenger()).drain() == 3
    rows = {r.webhook_event_id: r for r in inbox_uow.session.exec(select(WebhookEvent)).all()}
    assert {r.status for r in rows.values()} == {"done"}
    assert (rows[broken["webhookEventId"]].error or "").startswith("unreadable: JSONDecodeError")
    assert rows[fine["webhookEventId"]].error is None and rows[fine["webhookEventId"]].attempts == 1
    assert [line.qty for line in uow.session.exec(select(OrderLine)).all()] == [1]  # B+1 only
