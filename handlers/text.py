"""Text messages: commands, member keywords, then the interpreters (orders, payments, survey)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from handlers.commands import run_command, run_keyword
from handlers.context import EventContext
from services import directory

log = logging.getLogger(__name__)

# Each interpreter looks at a non-command text and returns True when it handled it.
# Layers register with ``@interpreter(priority)``: lower runs first (survey answers 10, payments 20, orders 30).
Interpreter = Callable[[EventContext, str], bool]
INTERPRETERS: list[tuple[int, Interpreter]] = []


def interpreter(priority: int) -> Callable[[Interpreter], Interpreter]:
    """Register a text interpreter at a priority (lower first)."""

    def register(fn: Interpreter) -> Interpreter:
        INTERPRETERS.append((priority, fn))
        INTERPRETERS.sort(key=lambda pair: pair[0])
        return fn

    return register


def handle_text(ctx: EventContext) -> None:
    """Handle a text message from a group or a 1:1 chat."""
    text: str = ctx.event.message.text or ""
    remember_sender(ctx)
    if run_command(ctx, text) or run_keyword(ctx, text):
        return
    for _priority, interpret in INTERPRETERS:
        if interpret(ctx, text):
            return
    # Anything else is chit-chat: say nothing.


def remember_sender(ctx: EventContext) -> None:
    """Make sure the group and the sender exist; fetch the display name after commit if needed."""
    group = directory.ensure_group(ctx.uow, ctx.group_id) if ctx.group_id else None
    if ctx.user_id is None:
        return
    member = directory.ensure_member(ctx.uow, ctx.user_id, group=group)
    if directory.needs_name(member):
        ctx.after_commit.append(lambda: refresh_name(ctx, ctx.user_id or "", ctx.group_id))


def refresh_name(ctx: EventContext, user_id: str, group_id: str | None) -> None:
    """Fetch and cache a display name (group member profile works for non-friends too)."""
    from bot.messenger import LineError

    try:
        name = (
            ctx.messenger.group_member_name(group_id, user_id)
            if group_id
            else ctx.messenger.profile_name(user_id)
        )
    except LineError as exc:
        log.warning("could not fetch a display name (LINE status %s)", exc.status)
        return
    from bot.db import UnitOfWork

    with UnitOfWork(ctx.uow.engine) as uow:
        directory.set_name(uow, user_id, name)
        uow.commit()
