"""Who may run host commands: GROUPBUY_ADMINS plus hosts they added."""

from __future__ import annotations

from sqlmodel import select

from infra.config import Settings
from infra.db import UnitOfWork
from models import Host


def is_host(uow: UnitOfWork, settings: Settings, user_id: str) -> bool:
    """Return True when ``user_id`` is an admin from the environment or an added host."""
    if user_id in settings.admins:
        return True
    return uow.session.exec(select(Host).where(Host.line_user_id == user_id)).first() is not None


def add_host(uow: UnitOfWork, *, user_id: str, added_by: str) -> bool:
    """Make ``user_id`` a host; return False when they already were one."""
    if uow.session.exec(select(Host).where(Host.line_user_id == user_id)).first() is not None:
        return False
    uow.session.add(Host(line_user_id=user_id, added_by=added_by))
    return True


def remove_host(uow: UnitOfWork, *, user_id: str) -> bool:
    """Remove an added host; return False when they were not one."""
    host = uow.session.exec(select(Host).where(Host.line_user_id == user_id)).first()
    if host is None:
        return False
    uow.session.delete(host)
    return True
