"""Open a unit of work for a CLI command on the configured database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from infra.config import database_url_from_env
from infra.db import UnitOfWork, make_engine
from infra.inbox_db import inbox_for


@contextmanager
def cli_uow(*, read_only: bool = False, inbox: bool = False) -> Iterator[UnitOfWork]:
    """Yield a unit of work on DATABASE_URL (or the default SQLite file); dispose after.

    ``read_only`` (exports): no write lock on SQLite, so a running bot's writers never wait for an export.
    ``inbox``: on the webhook inbox's database (beside a SQLite file, a file of its own).
    """
    engine = make_engine(database_url_from_env())
    try:
        with UnitOfWork(inbox_for(engine).engine if inbox else engine, read_only=read_only) as uow:
            yield uow
    finally:
        engine.dispose()
