"""How often members left their items behind (未取貨): counted from the ``no_shows`` rows the pickup job writes."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from infra.db import UnitOfWork
from models import NoShow


def no_show_counts(uow: UnitOfWork, group_id: int) -> dict[int, int]:
    """Return {member id: campaigns they did not pick up} in one group (members without any are absent)."""
    stmt = (
        select(NoShow.member_id, func.count(col(NoShow.id)))
        .where(NoShow.group_id == group_id)
        .group_by(col(NoShow.member_id))
    )
    return {member_id: int(n) for member_id, n in uow.session.exec(stmt).all()}


def no_show_totals(uow: UnitOfWork) -> dict[int, int]:
    """Return {member id: campaigns they did not pick up} over every group (for the members export)."""
    stmt = select(NoShow.member_id, func.count(col(NoShow.id))).group_by(col(NoShow.member_id))
    return {member_id: int(n) for member_id, n in uow.session.exec(stmt).all()}
