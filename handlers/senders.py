"""Who sent a message: make sure the group and member exist, and fetch display names after commit."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from handlers.context import EventContext
from infra.db import UnitOfWork
from services import directory, order_book

log = logging.getLogger(__name__)


def remember_sender(ctx: EventContext) -> None:
    """Make sure the group and the sender exist; fetch the display name after commit if needed."""
    group = directory.ensure_group(ctx.uow, ctx.group_id) if ctx.group_id else None
    if ctx.user_id is None:
        return
    member = directory.ensure_member(ctx.uow, ctx.user_id, group=group)
    if directory.needs_name(member):
        ctx.after_commit.append(lambda: refresh_name(ctx, ctx.user_id or "", ctx.group_id))


def look_up_senders(uow: UnitOfWork, events: Sequence[Mapping[str, Any]]) -> None:
    """Look up the senders of a batch's events (one chat's, as LINE's JSON) together, before each event looks for
    its own."""
    sources = [source for event in events if isinstance(source := event.get("source"), Mapping)]
    chat = next((str(s.get("groupId") or s.get("roomId")) for s in sources if s.get("groupId") or s.get("roomId")),
                None)
    users = [str(uid) for s in sources if (uid := s.get("userId"))]
    known = directory.warm(uow, chat, users)
    order_book.expect(uow, known)  # their lines in a campaign are read together, once it is locked


def refresh_name(ctx: EventContext, user_id: str, group_id: str | None) -> None:
    """Fetch and cache a display name (group member profile works for non-friends too)."""
    from infra.messenger import LineError

    try:
        name = (
            ctx.messenger.group_member_name(group_id, user_id)
            if group_id
            else ctx.messenger.profile_name(user_id)
        )
    except LineError as exc:
        log.warning("could not fetch a display name (LINE status %s)", exc.status)
        return
    if ctx.defer is not None:
        ctx.defer(lambda uow: directory.set_name(uow, user_id, name))
        return
    with UnitOfWork(ctx.uow.engine) as uow:
        directory.set_name(uow, user_id, name)
        uow.commit()
