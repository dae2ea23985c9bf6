"""Read-only units of work (exports, views, health checks) take no write lock and refuse writes."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from infra.db import UnitOfWork, make_engine, ping
from models import Setting


def test_a_read_only_unit_of_work_refuses_writes_and_the_next_writer_still_writes(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with UnitOfWork(engine, read_only=True) as reader:
            assert reader.session.exec(select(Setting)).all() == []
            reader.session.add(Setting(scope="t", key="k", value="v"))
            with pytest.raises(DBAPIError):
                reader.session.flush()
        for _ in range(3):  # pooled connections come back writable
            with UnitOfWork(engine) as writer:
                writer.session.add(Setting(scope="t", key=f"k{_}", value="v"))
                writer.commit()
        with UnitOfWork(engine, read_only=True) as reader:
            assert len(reader.session.exec(select(Setting)).all()) == 3
    finally:
        engine.dispose()


def test_a_reader_in_the_middle_of_its_transaction_never_holds_up_a_writer(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with UnitOfWork(engine, read_only=True) as reader:
            assert reader.session.execute(text("SELECT count(*) FROM settings")).scalar_one() == 0
            with UnitOfWork(engine, lock_timeout_s=0.5) as writer:  # fails after 0.5 s if the reader held the lock
                writer.session.add(Setting(scope="t", key="k", value="v"))
                writer.commit()
            assert ping(engine)
    finally:
        engine.dispose()


def test_a_health_check_leaves_its_connection_writable_for_the_webhook(client, webhook, inbox_uow: UnitOfWork) -> None:  # type: ignore[no-untyped-def]
    from tests.factories.webhook import body, text_event

    for _ in range(3):  # the health check's pooled connection is the next webhook's
        assert client.get("/healthz").status_code == 200
        assert webhook.post(body(text_event("大家好"))).status_code == 200
    assert inbox_uow.session.execute(text("SELECT count(*) FROM webhook_events")).scalar_one() == 3
