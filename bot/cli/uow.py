"""Open a unit of work for a CLI command on the configured database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from infra.config import database_url_from_env
from infra.db import UnitOfWork, make_engine


@contextmanager
def cli_uow() -> Iterator[UnitOfWork]:
    """Yield a unit of work on DATABASE_URL (or the default SQLite file); dispose after."""
    engine = make_engine(database_url_from_env())
    try:
        with UnitOfWork(engine) as uow:
            yield uow
    finally:
        engine.dispose()
