"""What each message asked of the order book, kept so it can be replayed in send order.

LINE redelivers a body only after it failed, so a member's ``A+1`` can be applied after their later ``A改3``. The
order book then undoes the later requests, applies the late one and replays them (``order_book.apply_intents``);
replaying needs what each message asked for — a ``set`` must replay as a set, so the deltas alone do not do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import Executable
from sqlmodel import col, func, select

from infra.db import UnitOfWork
from models import OrderRequest
from models.base import utcnow
from parsers.comment import Action, Intent

_COLUMNS = ("campaign_id", "member_id", "sent_at", "intents")


@cache
def _upsert(dialect: str) -> Executable:
    """Return the insert-or-replace statement of a dialect (built once: building it costs more than running it)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(OrderRequest).values(
        message_id=bindparam("message_id"), created_at=bindparam("created_at"),
        **{name: bindparam(name) for name in _COLUMNS},
    )
    return stmt.on_conflict_do_update(index_elements=["message_id"], set_={n: stmt.excluded[n] for n in _COLUMNS})


def record(
    uow: UnitOfWork, *, message_id: str, campaign_id: int, member_id: int, sent_at: datetime,
    intents: Sequence[Intent],
) -> None:
    """Keep what a message asked for (re-reading the same message replaces its row); the row is written with
    the transaction's other queued writes (UnitOfWork.write_later), before anything reads it."""
    uow.write_later(_upsert(uow.dialect), {  # Core, sent with the batch's others before anything reads them
        "message_id": message_id, "created_at": utcnow(), "campaign_id": campaign_id, "member_id": member_id,
        "sent_at": sent_at, "intents": encode(intents),
    })
    latest = uow.memo.get(("latest_requests", campaign_id))
    if latest is not None and (member_id not in latest or latest[member_id] < sent_at):
        latest[member_id] = sent_at


def _latest(uow: UnitOfWork, campaign_id: int) -> dict[int, datetime]:
    """Return each member's latest request time in a campaign, read once per transaction (kept current by
    :func:`record`; a forgotten request leaves it too late, which only costs a query)."""
    def load() -> dict[int, datetime]:
        stmt = (select(OrderRequest.member_id, func.max(OrderRequest.sent_at))
                .where(OrderRequest.campaign_id == campaign_id).group_by(col(OrderRequest.member_id)))
        return dict(uow.session.exec(stmt).all())

    return uow.remember(("latest_requests", campaign_id), load)


_LATER = (
    select(OrderRequest)
    .where(OrderRequest.campaign_id == bindparam("campaign_id"), OrderRequest.member_id == bindparam("member_id"),
           col(OrderRequest.sent_at) > bindparam("sent_at"), OrderRequest.message_id != bindparam("besides"))
    .order_by(col(OrderRequest.sent_at), col(OrderRequest.id))
)


def later_than(
    uow: UnitOfWork, campaign_id: int, member_id: int, sent_at: datetime, *, besides: str | None = None
) -> list[OrderRequest]:
    """Return the member's requests in a campaign sent after ``sent_at``, in send order (one indexed query).

    A worker's batch applies most comments in send order, so usually there are none: that is known without a
    query once the campaign's latest request times are read (once per transaction).
    """
    latest = _latest(uow, campaign_id).get(member_id)
    if latest is None or latest <= sent_at:
        return []
    params = {"campaign_id": campaign_id, "member_id": member_id, "sent_at": sent_at, "besides": besides or ""}
    return list(uow.session.exec(_LATER, params=params).all())


def find(uow: UnitOfWork, message_id: str) -> OrderRequest | None:
    """Return what a message asked for, if it still counts."""
    return uow.session.exec(select(OrderRequest).where(OrderRequest.message_id == message_id)).first()


def forget(uow: UnitOfWork, request: OrderRequest) -> None:
    """Drop a request (its message was unsent, or is about to be re-read after an edit)."""
    uow.session.delete(request)
    uow.session.flush()


_EXTRAS = ("variant", "for_name", "note")


def encode(intents: Sequence[Intent]) -> str:
    """Write intents as compact JSON: ``[[action, item code or null, qty or null(, {note, ...})], ...]``."""
    out = []
    for i in intents:
        extras = {key: getattr(i, key) for key in _EXTRAS if getattr(i, key)}
        out.append([i.action, i.item, i.qty, extras] if extras else [i.action, i.item, i.qty])
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def intents_of(request: OrderRequest) -> list[Intent]:
    """Read a request's intents back (rows written before notes existed have three fields)."""
    out = []
    for action, item, qty, *rest in json.loads(request.intents):
        extras = rest[0] if rest and isinstance(rest[0], dict) else {}
        out.append(Intent(cast(Action, action), item, qty, **{k: v for k, v in extras.items() if k in _EXTRAS}))
    return out
