"""The webhook's write path on a real database: group-committed inserts, duplicates, and the worker's back-off."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlmodel import select

from bot.runtime import Runtime
from infra import inbox, inbox_store
from infra.db import UnitOfWork
from infra.inbox_store import InboxStore
from infra.writer_lock import writer_lock_for
from models import WebhookEvent
from tests.factories.webhook import member_id, text_event


def stored_ids(uow: UnitOfWork) -> list[str]:
    return list(uow.session.exec(select(WebhookEvent.webhook_event_id)).all())


def test_bodies_written_together_count_duplicates_per_body(app: Flask, uow: UnitOfWork) -> None:
    engine = app.extensions["groupbuy"].engine
    a, b, c = (text_event(f"A+{n}", user_id=member_id(n)) for n in range(1, 4))
    with engine.begin() as conn:
        assert inbox.insert_bodies(conn, [inbox.prepare([a])]) == [inbox.Recorded(1, 0, 0)]
    bodies = [inbox.prepare([a, b]), inbox.prepare([b, {"type": "message"}]), inbox.prepare([c, c])]
    with engine.begin() as conn:
        results = inbox.insert_bodies(conn, bodies)
    assert results == [
        inbox.Recorded(stored=1, duplicates=1, malformed=0),  # a was stored before
        inbox.Recorded(stored=0, duplicates=1, malformed=1),  # b came first in the body before it
        inbox.Recorded(stored=1, duplicates=1, malformed=0),  # c twice in one body
    ]
    assert sorted(stored_ids(uow)) == sorted(e["webhookEventId"] for e in (a, b, c))
    row = uow.session.exec(select(WebhookEvent).where(WebhookEvent.webhook_event_id == c["webhookEventId"])).one()
    assert row.status == "pending" and row.event_type == "message" and row.sent_at.tzinfo is not None
    assert '"text": "A+3"' in row.payload  # stored as sent, Chinese and all


def test_concurrent_requests_and_redeliveries_store_every_event_once(app: Flask, uow: UnitOfWork) -> None:
    store = InboxStore(app.extensions["groupbuy"].engine)
    bodies = [[text_event(f"B+{n % 3 + 1}", user_id=member_id(n))] for n in range(60)]
    sends = bodies + bodies[::3]  # a third of the bodies delivered twice
    results: list[inbox.Recorded] = []
    lock = threading.Lock()
    start = threading.Barrier(12)

    def sender(part: list[list[dict[str, Any]]]) -> None:
        start.wait()
        for events in part:
            result = store.store(events, 5.0)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=sender, args=(sends[k::12],)) for k in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == len(sends)
    assert sum(r.stored for r in results) == 60 and sum(r.duplicates for r in results) == 20
    ids = stored_ids(uow)
    assert len(ids) == len(set(ids)) == 60
    assert store.bodies == len(sends) and store.batches <= len(sends)
    store.close()


def test_the_store_keeps_its_connection_between_bodies_and_rechecks_it_after_a_quiet_spell(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = app.extensions["groupbuy"].engine
    checkouts: list[object] = []
    event.listen(engine, "checkout", lambda dbapi_conn, record, proxy: checkouts.append(dbapi_conn))
    store = InboxStore(engine)
    for n in range(3):  # a burst: one checkout, not one per body
        assert store.store([text_event(f"A+{n + 1}", user_id=member_id(n))], 5.0).stored == 1
    assert len(checkouts) == 1
    monkeypatch.setattr(inbox_store, "RECHECK_AFTER_S", 0.0)  # the next body comes after a quiet spell
    time.sleep(0.01)
    assert store.store([text_event("B+1", user_id=member_id(7))], 5.0).stored == 1
    assert len(checkouts) == 2  # handed back and checked out again (the pool pings it on PostgreSQL)
    store.close()
    assert engine.pool.checkedout() == 0


def test_on_sqlite_the_webhook_insert_commits_by_itself_and_hands_the_writer_lock_on(app: Flask) -> None:
    rt: Runtime = app.extensions["groupbuy"]
    if rt.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's writer lock and autocommit insert")
    event_a, event_b = text_event("A+1", user_id=member_id(1)), text_event("B+2", user_id=member_id(2))
    assert rt.inbox.store([event_a, event_b], 1.5) == inbox.Recorded(2, 0, 0)
    lock = writer_lock_for(str(rt.inbox.engine.url.database))  # the inbox's own file
    assert lock.acquire(0.05)  # nobody kept the lock: no transaction was left open
    lock.release()
    with rt.inbox.engine.connect() as other:  # another connection already sees both rows
        assert other.exec_driver_sql("SELECT COUNT(*) FROM webhook_events").scalar_one() == 2
    assert rt.inbox.store([event_b, event_a], 1.5) == inbox.Recorded(0, 2, 0)  # redelivered: both duplicates
    held = rt.inbox._conn
    assert held is not None
    timeout_ms = held.connection.dbapi_connection.busy_timeout_ms  # type: ignore[union-attr]
    assert 0 < timeout_ms <= 1500 and timeout_ms % 100 == 0  # SQLite's own wait fits the webhook's budget


def test_a_redelivery_does_not_wait_for_the_batch_marking_its_event_done(app: Flask) -> None:
    rt: Runtime = app.extensions["groupbuy"]
    if rt.inbox.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: a batch marks its events done in the inbox file after it committed")
    event_a = text_event("A+1", user_id=member_id(1))
    assert rt.inbox.store([event_a], 1.5) == inbox.Recorded(1, 0, 0)
    answers: list[inbox.Recorded] = []
    with UnitOfWork(rt.inbox.engine) as batch:  # a worker's batch marks it done and has not committed yet
        inbox.mark_all_done(batch, list(batch.session.exec(select(WebhookEvent.id)).all()))
        redelivery = threading.Thread(target=lambda: answers.append(rt.inbox.store([event_a], 1.5)))
        redelivery.start()
        redelivery.join(5)
        waited = redelivery.is_alive()
        batch.rollback()  # lets a waiting insert go on
    redelivery.join(5)
    assert not waited  # answered while the batch was still open
    assert answers == [inbox.Recorded(0, 1, 0)]
