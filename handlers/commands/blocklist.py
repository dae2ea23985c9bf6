"""``/黑名單``: members flagged by their no-shows and members the host blocked; ``/設定 棄單 N``.

A blocked member's comments are refused in ``services.order_intake`` (one polite reply a campaign); a flagged
member orders normally and the host is warned once a campaign in the confirmation (``handlers.confirmations``).
"""

from __future__ import annotations

from handlers.commands import command
from handlers.commands.admin import mentioned_user_ids
from handlers.commands.member_tags import mentioned_members, words_without_mentions
from handlers.context import EventContext
from infra.messages import Text, literal_braces
from models import Group
from services import blocklist, directory, hosts
from services.errors import DomainError

USAGE = "用法：/黑名單（查看）、/黑名單 新增 @成員 原因、/黑名單 移除 @成員（請用 LINE 的 @ 標記對方）。"
SETTING_KEYS = ("棄單",)
SETTING_USAGE = "/設定 棄單 2"
MAX_LIST = 50


@command("/黑名單", host_only=True, summary="未取貨多次或被封鎖的成員；新增／移除", usage="[新增 @成員 原因｜移除 @成員]")
def blocklist_command(ctx: EventContext, args: str) -> None:
    """Show the group's blocklist, or block / unblock the mentioned members."""
    if not ctx.group_id:
        ctx.reply(Text("這個指令要在團購群組裡使用喔：請到群組輸入 /黑名單。"))
        return
    group = directory.ensure_group(ctx.uow, ctx.group_id)
    words = words_without_mentions(ctx, args)
    action = words[0] if words else ""
    if not action:
        ctx.reply(Text(listing(ctx, group)))
    elif action in ("新增", "加入", "移除", "刪除") and mentioned_user_ids(ctx):
        ctx.reply(Text(change(ctx, group, add=action in ("新增", "加入"), reason=" ".join(words[1:]))))
    else:
        ctx.reply(Text(USAGE))


def listing(ctx: EventContext, group: Group) -> str:
    """Describe the group's blocked and flagged members."""
    assert group.id is not None
    limit = blocklist.threshold(ctx.uow, group.id)
    found = blocklist.entries(ctx.uow, group.id)
    if not found:
        return f"目前黑名單是空的（未取貨 {limit} 次以上的成員會列在這裡；/設定 棄單 {limit} 可以調整）。"
    lines = [f"🚫 黑名單（{len(found)} 人；未取貨 {limit} 次以上會列出）"]
    for entry in found[:MAX_LIST]:
        shows = f"未取貨 {entry.no_shows} 次"
        if entry.blocked:
            why = f"，原因：{entry.reason}" if entry.reason else ""
            lines.append(f"・⛔ {directory.label(entry.member)}：已封鎖，喊單不登記（{shows}{why}）")
        else:
            lines.append(f"・⚠️ {directory.label(entry.member)}：{shows}（可以喊單，確認訊息會提醒團主）")
    if len(found) > MAX_LIST:
        lines.append(f"…還有 {len(found) - MAX_LIST} 人")
    lines.append("封鎖：/黑名單 新增 @成員 原因；解除：/黑名單 移除 @成員")
    return "\n".join(lines)


def change(ctx: EventContext, group: Group, *, add: bool, reason: str) -> str:
    """Block or unblock the mentioned members; return the reply."""
    assert group.id is not None
    reason = literal_braces(reason[:blocklist.MAX_REASON])
    done = []
    for member in mentioned_members(ctx):
        name = directory.label(member)
        if add and hosts.is_host(ctx.uow, ctx.settings, member.line_user_id):
            done.append(f"{name} 是團主，不能加入黑名單。")
        elif add:
            new = blocklist.block(ctx.uow, group.id, member, reason=reason, by=ctx.user_id)
            done.append(f"⛔ 已將 {name} 加入黑名單：他在這個群組的喊單不會登記，會請他私訊團主。" if new
                        else f"{name} 已經在黑名單上了" + ("（已更新原因）。" if reason else "。"))
        else:
            gone = blocklist.unblock(ctx.uow, group.id, member)
            done.append(f"✅ 已將 {name} 移出黑名單，可以正常喊單了。" if gone else f"{name} 不在黑名單上。")
    return "\n".join(done)


def change_setting(ctx: EventContext, group: Group, key: str, value: str) -> str | None:
    """Apply ``/設定 棄單 N``; return an error to reply, or None when applied."""
    assert group.id is not None
    if not value.isdigit():
        return "用法：/設定 棄單 2（未取貨 2 次以上的成員列入 /黑名單，他喊單時確認訊息會提醒團主）。"
    try:
        blocklist.set_threshold(ctx.uow, group.id, int(value))
    except DomainError as exc:
        return str(exc)
    return None


def settings_lines(ctx: EventContext, group: Group) -> list[str]:
    """Return the blocklist setting for the ``/設定`` overview."""
    assert group.id is not None
    return [f"棄單：未取貨 {blocklist.threshold(ctx.uow, group.id)} 次以上列入 /黑名單"]
