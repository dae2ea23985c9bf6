"""Where a host command applies: the group it was sent in, and the campaign it names (``[團號]`` optional when one
campaign fits); each replies with the reason when there is none."""

from __future__ import annotations

from handlers.context import EventContext
from infra.messages import Text
from models import Campaign, Group
from services import campaigns, directory
from services.errors import DomainError


def group_or_refuse(ctx: EventContext) -> Group | None:
    """Return the group the command was sent in, or reply that it only works in a group."""
    if not ctx.group_id:
        ctx.reply(Text("這個指令要在團購群組裡使用喔：請到群組輸入。"))
        return None
    return directory.ensure_group(ctx.uow, ctx.group_id)


def picked(ctx: EventContext, group: Group, args: str, *, include_closed: bool = False) -> Campaign | None:
    """Return the campaign a command means, replying with the reason when there is none."""
    assert group.id is not None
    try:
        return campaigns.pick(ctx.uow, group.id, args, include_closed=include_closed)
    except DomainError as exc:
        ctx.reply(Text(str(exc)))
        return None
