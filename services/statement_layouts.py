"""Statement layouts the host taught the bot (/對帳欄位), and the file held until the host names its columns."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import HeldStatement, StatementLayout
from parsers.statement import MissingColumns, Statement, StatementError, parse_statement
from parsers.statement_mapping import MappingError, parse_mapping
from services.errors import DomainError

NO_ACCOUNT = "沒有帳號"  # the host's answer when a file truly has no payer-account column


class NothingHeld(DomainError):
    """The host named columns, but no unreadable statement of theirs is waiting."""


@dataclass(frozen=True)
class Read:
    """A statement read with the layouts hosts taught; ``ask_payer`` when no deposit shows a payer's account."""

    statement: Statement
    ask_payer: bool


def known(uow: UnitOfWork) -> dict[str, dict[str, int]]:
    """Return every taught layout: header fingerprint → role → 0-based column."""
    rows = uow.session.exec(select(StatementLayout)).all()
    return {row.fingerprint: {k: int(v) for k, v in json.loads(row.mapping).items()} for row in rows}


def read(uow: UnitOfWork, data: bytes, filename: str | None) -> Read:
    """Parse a statement with the taught layouts (raises StatementError, MissingColumns included)."""
    layouts = known(uow)
    statement = parse_statement(data, filename, layouts)
    deposits = [t for t in statement.transactions if t.direction == "in"]
    ask = bool(deposits) and not any(t.last5 for t in deposits) and statement.layout not in layouts
    return Read(statement, ask)


def hold(uow: UnitOfWork, *, host: str, data: bytes, filename: str | None, fingerprint: str) -> None:
    """Keep a host's file until they name its columns; only their newest such file is kept."""
    for old in uow.session.exec(select(HeldStatement).where(HeldStatement.host == host)).all():
        uow.session.delete(old)
    uow.session.add(HeldStatement(host=host, filename=(filename or "")[:255] or None, fingerprint=fingerprint, data=data))
    uow.session.flush()


def held(uow: UnitOfWork, host: str) -> HeldStatement | None:
    """Return the host's file waiting for a column mapping, if any."""
    stmt = select(HeldStatement).where(HeldStatement.host == host).order_by(col(HeldStatement.id).desc())
    return uow.session.exec(stmt).first()


def teach(uow: UnitOfWork, *, host: str, text: str) -> tuple[Read, HeldStatement]:
    """Apply the host's ``存入=E 帳號=H`` to their held file; remember the layout once the file reads.

    Raises NothingHeld, or DomainError with what is still wrong (the layout is then not remembered).
    """
    waiting = held(uow, host)
    if waiting is None:
        raise NothingHeld("目前沒有等你指定欄位的對帳單。請先在這裡傳網銀的交易明細檔給我；讀不懂時我會告訴你有哪些欄位。")
    names, bank = _header_of(uow, waiting)
    if text.strip() == NO_ACCOUNT:
        mapping = {"account": -1}
    else:
        try:
            mapping = parse_mapping(text, names)
        except MappingError as exc:
            raise DomainError(str(exc)) from None
    taught = {**known(uow).get(waiting.fingerprint, {}), **mapping}
    try:
        statement = parse_statement(waiting.data, waiting.filename, {waiting.fingerprint: taught})
    except StatementError as exc:
        raise DomainError(f"照這樣指定還是讀不懂：{exc}") from None
    row = uow.session.exec(select(StatementLayout).where(StatementLayout.fingerprint == waiting.fingerprint)).first()
    row = row or StatementLayout(fingerprint=waiting.fingerprint, mapping="{}")
    row.mapping, row.bank, row.created_by = json.dumps(taught), bank or statement.bank, host
    uow.session.add(row)
    uow.session.delete(waiting)
    uow.session.flush()
    deposits = [t for t in statement.transactions if t.direction == "in"]
    return Read(statement, bool(deposits) and not any(t.last5 for t in deposits) and "account" not in taught), waiting


def _header_of(uow: UnitOfWork, waiting: HeldStatement) -> tuple[tuple[str, ...], str | None]:
    """Return the held file's header names and bank, as the reader sees them with what is taught so far."""
    try:
        statement = parse_statement(waiting.data, waiting.filename, known(uow))
    except MissingColumns as exc:
        return exc.layout.names, exc.bank
    except StatementError as exc:
        raise DomainError(f"之前那份檔案讀不懂：{exc}") from None
    return statement.columns, statement.bank
