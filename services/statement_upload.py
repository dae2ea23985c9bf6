"""A host's bank statement file, from LINE or the console: read it with the layouts hosts taught, import its
deposits and reconcile — one use case, so both give the same result."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo

from infra.db import UnitOfWork
from parsers.statement import MissingColumns, Statement, StatementError
from services import bank_import, statement_layouts
from services.bank_import import Imported, Run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Upload:
    """What became of a statement file.

    ``problem``: it could not be read (the text says why and how to fix it; a file whose columns could not be told
    is held for /對帳欄位). ``ask_payer``: it was read but the payer column is unclear; the file is held and the
    host is asked. Otherwise it was imported (``imported``) and reconciled (``run``).
    """

    problem: str | None = None
    ask_payer: Statement | None = None
    imported: Imported | None = None
    run: Run | None = None


def upload(uow: UnitOfWork, data: bytes, filename: str | None, *, host: str, now: datetime, tz: tzinfo) -> Upload:
    """Read, import and reconcile one statement file in the caller's unit of work."""
    try:
        read = statement_layouts.read(uow, data, filename)
    except MissingColumns as exc:
        statement_layouts.hold(uow, host=host, data=data, filename=filename, fingerprint=exc.layout.fingerprint)
        return Upload(problem=f"讀不懂這個對帳單：{exc}")
    except StatementError as exc:
        return Upload(problem=f"讀不懂這個對帳單：{exc}")
    return continue_read(uow, read, data, filename, host=host, now=now, tz=tz)


def continue_read(uow: UnitOfWork, read: statement_layouts.Read, data: bytes, filename: str | None, *, host: str,
                  now: datetime, tz: tzinfo) -> Upload:
    """Import a read statement and reconcile, or hold it to ask for the payer column."""
    statement = read.statement
    if read.ask_payer:
        statement_layouts.hold(uow, host=host, data=data, filename=filename, fingerprint=statement.layout)
        return Upload(ask_payer=statement)
    imported = bank_import.import_statement(uow, statement, data=data, filename=filename, uploaded_by=host)
    through = imported.last_day if imported.new else None  # only new deposits can tell a claim is missing
    run = bank_import.reconcile(uow, now=now, tz=tz, statement_through=through)
    log.info("statement imported: %d deposits, %d new, %d settled", imported.deposits, imported.new, len(run.settled))
    return Upload(imported=imported, run=run)
