"""WAL checkpoints (SQLite): SQLite's own autocheckpoint keeps the log bounded; nothing turns it off."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from bot.app import create_app
from infra.config import Settings
from infra.db import make_engine, upgrade
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


def test_commits_checkpoint_the_log_so_it_stays_bounded(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert wal_setting(engine) == 1000  # SQLite's default
        fill(engine)
        with engine.connect() as conn:  # on the driver: outside a transaction (SQLAlchemy's would begin one)
            driver = conn.connection.dbapi_connection
            assert driver is not None
            busy, frames, done = driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert busy == 0 and done == frames
        assert frames < 2 * ROWS  # the log was restarted along the way, not left to grow with every commit
    finally:
        engine.dispose()


def test_the_web_app_leaves_checkpoints_to_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(url)
    settings = Settings(channel_secret="s" * 32, channel_access_token="t", database_url=url)
    app = create_app(settings, messenger=FakeMessenger())
    rt = app.extensions["groupbuy"]
    try:
        assert settings.webhook_mode == "store"
        assert wal_setting(rt.engine) == 1000
    finally:
        rt.stop()
        rt.engine.dispose()
