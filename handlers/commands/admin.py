"""``/管理員``: hosts add or remove other hosts by mentioning them."""

from __future__ import annotations

from handlers.commands import command
from handlers.context import EventContext
from infra.messages import Text
from services import hosts


def mentioned_user_ids(ctx: EventContext) -> list[str]:
    """Return the user ids mentioned in the event's text message (excluding @all)."""
    message = getattr(ctx.event, "message", None)
    mention = getattr(message, "mention", None)
    ids: list[str] = []
    for m in getattr(mention, "mentionees", None) or []:
        uid = getattr(m, "user_id", None)
        if uid:
            ids.append(uid)
    return ids


@command("/管理員", host_only=True, summary="新增或移除團主（@標記對方）", usage="新增|移除 @成員")
def manage_hosts(ctx: EventContext, args: str) -> None:
    """Add or remove hosts named by mention."""
    action = args.split(" ", 1)[0] if args else ""
    targets = mentioned_user_ids(ctx)
    if action not in {"新增", "移除"} or not targets:
        ctx.reply(Text("用法：/管理員 新增 @成員 或 /管理員 移除 @成員（請用 LINE 的 @ 標記對方）。"))
        return
    assert ctx.user_id is not None
    changed = 0
    for uid in targets:
        if action == "新增":
            changed += hosts.add_host(ctx.uow, user_id=uid, added_by=ctx.user_id)
        else:
            changed += hosts.remove_host(ctx.uow, user_id=uid)
    verb = "新增" if action == "新增" else "移除"
    ctx.reply(Text(f"已{verb} {changed} 位團主。" if changed else f"沒有需要{verb}的團主（可能已經是／不是團主）。"))
