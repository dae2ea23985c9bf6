"""WAL checkpoints off the webhook's write path (SQLite): commits leave the log alone, a thread checkpoints it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from bot.app import create_app
from infra.checkpoint import Checkpointer
from infra.config import Settings
from infra.db import make_engine, upgrade
from infra.traffic import Traffic
from tests.fakes import FakeMessenger

ROWS = 600  # with a 4 KB payload each, well past SQLite's default 1,000-page checkpoint


def fill(engine: Engine) -> None:
    """Commit ROWS rows one transaction each (as webhooks would)."""
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, body TEXT)")
        conn.commit()
        for n in range(ROWS):
            conn.exec_driver_sql("INSERT INTO filler (body) VALUES (?)", (f"{n:04d}" * 1024,))
            conn.commit()


def wal_setting(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


@pytest.mark.parametrize(("background", "autocheckpoint"), [(False, 1000), (True, 0)])
def test_only_an_engine_with_background_checkpoints_stops_checkpointing_on_commit(
    tmp_path: Path, background: bool, autocheckpoint: int
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", checkpoint_in_background=background)
    try:
        assert wal_setting(engine) == autocheckpoint
        fill(engine)
        busy, frames, done = Checkpointer(engine, Traffic()).checkpoint() or (1, 0, 0)
        assert busy == 0 and done == frames
        # Committing checkpoints (and restarts) the log every 1,000 pages; in the background mode it all waited here.
        assert (frames >= 2 * ROWS) is background
    finally:
        engine.dispose()


def test_the_thread_waits_for_a_pause_in_webhooks_or_at_most_max_defer(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", checkpoint_in_background=True)
    traffic = Traffic(quiet_s=0.01)
    checkpointer = Checkpointer(engine, traffic, interval_s=0.01, max_defer_s=30.0)
    try:
        with traffic.request():  # a webhook in flight
            checkpointer.start()
            time.sleep(0.3)
            assert checkpointer.checkpoints == 0
        deadline = time.monotonic() + 10
        while checkpointer.checkpoints == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert checkpointer.checkpoints > 0  # the burst paused
        checkpointer.stop()
        impatient = Checkpointer(engine, traffic, interval_s=0.01, max_defer_s=0.2)
        with traffic.request():
            impatient.start()
            deadline = time.monotonic() + 10
            while impatient.checkpoints == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert impatient.checkpoints > 0  # a burst that never pauses still gets its log checkpointed
        impatient.stop()
    finally:
        checkpointer.stop()
        engine.dispose()


@pytest.mark.parametrize(("mode", "expected"), [("thread", True), ("inline", False)])
def test_a_web_app_on_sqlite_checkpoints_in_the_background_when_it_runs_a_worker(
    tmp_path: Path, mode: str, expected: bool
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    settings = Settings(channel_secret="s", channel_access_token="t", line_api_base_url="http://127.0.0.1:9",
                        database_url=url, webhook_mode=mode)
    app: Flask = create_app(settings, messenger=FakeMessenger())
    rt = app.extensions["groupbuy"]
    try:
        assert (rt.checkpointer is not None) is expected
        assert wal_setting(rt.engine) == (0 if expected else 1000)
    finally:
        rt.stop()
        rt.engine.dispose()
