"""The web processes only verify, store and answer (the default ``GROUPBUY_WEBHOOK_MODE=store``); a
``groupbuy worker`` process applies the events."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.fakeline import EventFactory, FakeLineServer, WebhookSender
from infra.db import UnitOfWork, make_engine
from infra.inbox_db import inbox_for
from models import WebhookEvent
from tests.e2e.conftest import (
    E2E_GROUP,
    E2E_HOST,
    E2E_SECRET,
    bot_env,
    free_port,
    is_healthy,
    start_gunicorn,
    start_worker,
    stop,
    wait_until,
)
from tests.factories.campaigns import HOTPOT, at

pytestmark = pytest.mark.e2e


def pending(database_url: str) -> int:
    """Return how many stored events wait to be applied."""
    engine = make_engine(database_url)
    try:
        with UnitOfWork(inbox_for(engine).engine, read_only=True) as uow:
            stmt = select(func.count()).select_from(WebhookEvent).where(WebhookEvent.status == "pending")
            return int(uow.session.execute(stmt).scalar_one())
    finally:
        engine.dispose()


@pytest.fixture
def store_only(fake_line: FakeLineServer, database_url: str, tmp_path: Path) -> Iterator[tuple[WebhookSender, dict[str, str]]]:
    """Serve the webhook with gunicorn and no worker; yield a signed sender and the environment for a worker."""
    env = bot_env(fake_line.base_url, database_url)  # GROUPBUY_WEBHOOK_MODE unset: store is the default
    port = free_port()
    process = start_gunicorn(env, port, tmp_path / "gunicorn.log")
    url = f"http://127.0.0.1:{port}"
    if not wait_until(lambda: is_healthy(url), timeout=30):
        stop(process)
        pytest.fail("gunicorn did not become healthy:\n" + (tmp_path / "gunicorn.log").read_text(errors="replace"))
    yield WebhookSender(f"{url}/callback", E2E_SECRET), env
    stop(process)


def test_events_wait_for_a_worker_and_a_worker_applies_them_in_send_order(
        store_only: tuple[WebhookSender, dict[str, str]], fake_line: FakeLineServer, database_url: str,
        tmp_path: Path) -> None:
    sender, env = store_only
    platform = fake_line.platform
    member = "Ue2emember0000000000000000000001"
    platform.add_user(member, "小美", friend=False)
    platform.add_group(E2E_GROUP, "e2e 群組", [E2E_HOST, member])
    events = EventFactory(platform)
    bodies = [
        events.text(HOTPOT, user_id=E2E_HOST, group_id=E2E_GROUP, timestamp_ms=at(1, 10)),
        events.text("A+1", user_id=member, group_id=E2E_GROUP, timestamp_ms=at(2, 9)),
        events.text("A改3", user_id=member, group_id=E2E_GROUP, timestamp_ms=at(2, 9, 1)),
    ]
    for event in reversed(bodies):  # delivered last first: the worker still applies them in send order
        assert sender.send(event).status == 200
    time.sleep(0.5)
    assert pending(database_url) == 3 and platform.replies == []  # stored and answered; nothing applied yet

    worker = start_worker(env, tmp_path / "worker.log")
    try:
        assert wait_until(lambda: pending(database_url) == 0, timeout=30), (tmp_path / "worker.log").read_text()
        # A+1 then A改3 is three; applied the other way round it would be four.
        assert wait_until(lambda: any("×3" in t and "小計 $540" in t for t in platform.texts_to(E2E_GROUP)), timeout=10)
    finally:
        stop(worker)
    texts = platform.texts_to(E2E_GROUP)
    assert any("開團成功" in t for t in texts) and not any("×4" in t for t in texts)
    assert platform.violations == []
    assert "worker stopped" in (tmp_path / "worker.log").read_text()
