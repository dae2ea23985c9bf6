"""Alembic environment: runs migrations against the URL given by ``bot.db.alembic_config``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401
from bot.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Run migrations with a live connection."""
    url = config.get_main_option("sqlalchemy.url")
    assert url
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
