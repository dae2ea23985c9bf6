"""Join/leave of the bot, members joining or leaving groups, follow/unfollow in 1:1."""

from __future__ import annotations

from collections.abc import Callable

from handlers.commands import survey
from handlers.context import EventContext
from infra.messages import Text
from services import directory

# After a follow is recorded, each greeter may answer instead of the default welcome (True: it replied).
FOLLOW_GREETERS: tuple[Callable[[EventContext], bool], ...] = (survey.greet_follower,)


def handle_join(ctx: EventContext) -> None:
    """The bot was added to a group: remember it and introduce itself."""
    if ctx.group_id:
        group = directory.ensure_group(ctx.uow, ctx.group_id)
        group.active = True
        ctx.uow.session.add(group)
    ctx.reply(
        Text(
            "大家好！我是團購小幫手 🛒\n團主輸入 /開團 加上團購文就能開始收單，"
            "大家留言「A+2」這樣喊單即可。輸入 /說明 看所有功能。"
        )
    )


def handle_leave(ctx: EventContext) -> None:
    """The bot was removed from a group."""
    if ctx.group_id:
        group = directory.find_group(ctx.uow, ctx.group_id)
        if group is not None:
            group.active = False
            ctx.uow.session.add(group)


def handle_member_joined(ctx: EventContext) -> None:
    """Members joined a group the bot is in."""
    if not ctx.group_id:
        return
    group = directory.ensure_group(ctx.uow, ctx.group_id)
    for m in getattr(ctx.event.joined, "members", None) or []:
        if getattr(m, "user_id", None):
            directory.ensure_member(ctx.uow, m.user_id, group=group)


def handle_member_left(ctx: EventContext) -> None:
    """Members left a group the bot is in."""
    if not ctx.group_id:
        return
    for m in getattr(ctx.event.left, "members", None) or []:
        if getattr(m, "user_id", None):
            directory.leave_group(ctx.uow, ctx.group_id, m.user_id)


def handle_follow(ctx: EventContext) -> None:
    """A user added the bot as a friend (or unblocked it)."""
    if ctx.user_id is None:
        return
    member = directory.ensure_member(ctx.uow, ctx.user_id)
    member.is_friend = True
    ctx.uow.session.add(member)
    for greet in FOLLOW_GREETERS:
        if greet(ctx):
            return
    ctx.reply(Text("謝謝你加我好友！之後訂單、匯款和到貨提醒都會在這裡通知你。輸入 /說明 看看我能做什麼。"))


def handle_unfollow(ctx: EventContext) -> None:
    """A user blocked the bot: no more pushes to them."""
    if ctx.user_id is None:
        return
    member = directory.find_member(ctx.uow, ctx.user_id)
    if member is not None:
        member.is_friend = False
        ctx.uow.session.add(member)

