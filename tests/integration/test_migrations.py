"""The migrations build exactly the schema the models describe; the inbox claim and a comment's look-up of the
member's later requests are served by indexes."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from infra.db import alembic_config, make_engine, upgrade


def schema_differences(url: str) -> list[object]:
    """Return what autogenerate would change to make the database match the models."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), SQLModel.metadata))
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    assert schema_differences(database_url) == []


def test_the_claim_index_downgrades_and_upgrades(database_url: str) -> None:
    cfg = alembic_config(database_url)
    try:
        command.downgrade(cfg, "0003_payments")
        engine = make_engine(database_url)
        names = {ix["name"] for ix in inspect(engine).get_indexes("webhook_events")}
        engine.dispose()
        assert "ix_webhook_events_status" in names and "ix_webhook_events_claim" not in names
    finally:
        upgrade(database_url)
    assert schema_differences(database_url) == []


def test_claiming_the_next_event_does_not_sort_the_backlog(database_url: str) -> None:
    """Every claim reads the first pending event from the index; sorting the backlog made a burst quadratic."""
    claim = "SELECT id FROM webhook_events WHERE status = 'pending' ORDER BY sent_at, id LIMIT 1"
    assert_served_by(database_url, claim, "ix_webhook_events_claim")


def test_a_comment_finds_the_members_later_requests_by_index(database_url: str) -> None:
    """Every order comment asks whether the member's later messages were applied already; that must stay cheap."""
    later = (
        "SELECT id, message_id, intents FROM order_requests WHERE campaign_id = 1 AND member_id = 2"
        " AND sent_at > '2026-12-02 01:00:00' AND message_id != 'm1' ORDER BY sent_at, id"
    )
    assert_served_by(database_url, later, "ix_order_requests_member_sent")


def test_order_requests_downgrade_and_upgrade(database_url: str) -> None:
    cfg = alembic_config(database_url)
    try:
        command.downgrade(cfg, "0004_inbox_claim")
        engine = make_engine(database_url)
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
        assert "order_requests" not in tables and "order_changes" in tables
    finally:
        upgrade(database_url)
    assert schema_differences(database_url) == []


def test_a_webhook_insert_writes_only_the_indexes_something_reads(database_url: str) -> None:
    """Each index is one more B-tree write per stored event: the unique id, the claim order, each chat's order."""
    engine = make_engine(database_url)
    try:
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("webhook_events")}
    finally:
        engine.dispose()
    assert indexes == {"ix_webhook_events_webhook_event_id", "ix_webhook_events_claim", "ix_webhook_events_claim_chat"}


def assert_served_by(database_url: str, query: str, index: str) -> None:
    """Assert the query reads ``index`` in order (no sort of its own)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {query}")))
                assert index in plan and "TEMP B-TREE" not in plan, plan
            else:
                conn.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny test table would be scanned anyway
                plan = " ".join(str(row[0]) for row in conn.execute(text(f"EXPLAIN {query}")))
                assert index in plan and "Sort" not in plan, plan
    finally:
        engine.dispose()


def test_a_worker_reads_a_chats_batch_from_the_index(database_url: str) -> None:
    """A batch is one chat's pending events in send order: read along the index, however long the backlog."""
    batch = ("SELECT id FROM webhook_events WHERE status = 'pending' AND chat_key = 'Cgroup'"
             " ORDER BY sent_at, id LIMIT 50")
    assert_served_by(database_url, batch, "ix_webhook_events_claim_chat")
