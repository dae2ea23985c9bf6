"""Fixtures: a fresh database per test (SQLite by default, PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.app import create_app
from infra.config import Settings
from infra.db import UnitOfWork, make_engine, upgrade
from tests.factories.webhook import HOST_ID, sign
from tests.fakes import FakeMessenger

SECRET = "test-channel-secret-0123456789ab"
TOKEN = "test-channel-access-token"
# Every table the models declare, children first: a table added later is emptied between tests too.
TABLES_IN_DELETE_ORDER = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate one database per test session: a SQLite template file or a fresh PostgreSQL database."""
    pg = _postgres_url()
    if pg is None:
        path = tmp_path_factory.mktemp("db") / "template.db"
        upgrade(f"sqlite:///{path}")
        yield str(path)
        return
    url = make_url(pg.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"groupbuy_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    test_url = url.set(database=name).render_as_string(hide_password=False)
    upgrade(test_url)
    yield test_url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(template_db: str, tmp_path: Path) -> str:
    """Return a URL of an empty, migrated database for this test."""
    if template_db.startswith("postgresql"):
        engine = make_engine(template_db)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(TABLES_IN_DELETE_ORDER)} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return template_db
    path = tmp_path / "groupbuy.db"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Return settings for a test app (inline webhook processing, one admin host)."""
    return Settings(
        channel_secret=SECRET,
        channel_access_token=TOKEN,
        line_api_base_url="http://127.0.0.1:9",
        database_url=database_url,
        admins=frozenset({HOST_ID}),
        webhook_mode="inline",
    )


@pytest.fixture
def messenger() -> FakeMessenger:
    """Return an in-memory messenger."""
    return FakeMessenger()


@pytest.fixture
def app(settings: Settings, messenger: FakeMessenger) -> Iterator[Flask]:
    """Return an app wired to the test database and the in-memory messenger."""
    app = create_app(settings, messenger=messenger)
    app.config["TESTING"] = True
    yield app
    app.extensions["groupbuy"].stop()
    app.extensions["groupbuy"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


@pytest.fixture
def uow(app: Flask) -> Iterator[UnitOfWork]:
    """Return a unit of work on the app's database, for assertions."""
    with UnitOfWork(app.extensions["groupbuy"].engine) as u:
        yield u


@pytest.fixture
def inbox_uow(app: Flask) -> Iterator[UnitOfWork]:
    """Return a unit of work on the webhook inbox's database (beside a SQLite file, a file of its own)."""
    with UnitOfWork(app.extensions["groupbuy"].processor.inbox.engine) as u:
        yield u


class Webhook:
    """Posts signed webhook bodies to the app."""

    def __init__(self, client: FlaskClient, secret: str = SECRET) -> None:
        self.client = client
        self.secret = secret

    def post(self, body: bytes, signature: str | None = None):  # type: ignore[no-untyped-def]
        """POST a body with a valid signature (or the one given)."""
        headers = {"Content-Type": "application/json"}
        sig = sign(body, self.secret) if signature is None else signature
        if sig:
            headers["X-Line-Signature"] = sig
        return self.client.post("/callback", data=body, headers=headers)


@pytest.fixture
def webhook(client: FlaskClient) -> Webhook:
    """Return a signed-webhook poster."""
    return Webhook(client)
