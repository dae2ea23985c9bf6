"""How often members left their items behind (未取貨): counted from the ``no_shows`` rows the pickup job writes."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from infra.db import UnitOfWork
from models import NoShow


def no_show_counts(uow: UnitOfWork, group_id: int | None = None) -> dict[int, int]:
    """Return {member id: campaigns they did not pick up} in one group, or over every group (members without any
    are absent)."""
    stmt = select(NoShow.member_id, func.count(col(NoShow.id))).group_by(col(NoShow.member_id))
    if group_id is not None:
        stmt = stmt.where(NoShow.group_id == group_id)
    return {member_id: int(n) for member_id, n in uow.session.exec(stmt).all()}
