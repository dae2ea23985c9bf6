"""``/催款``: one reply in the group mentioning everyone who has not paid in full; ``/設定 催款私訊 開|關``.

The reply is free (a reply token). Each message mentions at most ``PER_MESSAGE`` members as textV2 ``{pN}``
substitutions (LINE's spec in bot/fakeline/line-openapi sets no maximum for ``substitution``; LINE's reference
allows far more, and short messages read better in a phone chat), five messages a reply; members beyond that
are counted and the host is pointed to ``/未付``.
"""

from __future__ import annotations

from handlers.commands import command
from handlers.commands.scope import picked
from handlers.context import EventContext
from handlers.order_messages import money
from infra.messages import MAX_REPLY_MESSAGES, Text
from models import Campaign, Group
from services import directory, dunning
from services.payments import Account
from services.reminder_settings import load_settings

PER_MESSAGE = 20  # members mentioned per message
HOW_TO_REPORT = "匯款後請留言「已匯款 後五碼12345 540元」（後五碼是你轉出帳號的最後五碼），團主對帳後會確認，謝謝！"
SETTING_KEYS = ("催款私訊",)
SETTING_USAGE = "/設定 催款私訊 開|關"


def owed_line(acc: Account) -> str:
    """Describe what one member still owes: ``請匯 $440（應付 $540，購物金折抵 $100）`` or ``還差 $140（…）``."""
    paid = acc.received - acc.to_credit
    parts = [f"應付 {money(acc.due)}"]
    if acc.credit:
        parts.append(f"購物金折抵 {money(acc.credit)}")
    if paid > 0:
        parts.append(f"已收 {money(paid)}")
    verb = "還差" if paid > 0 else "請匯"
    return f"{verb} {money(acc.remaining)}" + (f"（{'，'.join(parts)}）" if len(parts) > 1 else "")


def chase_messages(title: str, owing: tuple[Account, ...], waiting: int) -> list[Text]:
    """Return the reply: a mention and the amount for each member who owes, the way to report a transfer last."""
    room = PER_MESSAGE * MAX_REPLY_MESSAGES
    shown, rest = owing[:room], owing[room:]
    total = sum(a.remaining for a in owing)
    messages = []
    for start in range(0, len(shown), PER_MESSAGE):
        chunk = shown[start : start + PER_MESSAGE]
        mentions = {f"p{n}": acc.member.line_user_id for n, acc in enumerate(chunk)}
        lines = [f"{{p{n}}} {owed_line(acc)}" for n, acc in enumerate(chunk)]
        if start == 0:
            lines.insert(0, f"💰 {title}付款提醒：還有 {len(owing)} 位尚未付清（共 {money(total)}）")
        messages.append(Text("\n".join(lines), mentions=mentions))
    tail = [HOW_TO_REPORT]
    if rest:
        tail.insert(0, f"…還有 {len(rest)} 位沒列出（團主輸入 /未付 看完整名單）")
    if waiting:
        tail.append(f"（另有 {waiting} 位已回報匯款、等團主對帳）")
    last = messages[-1]
    messages[-1] = Text(last.text + "\n" + "\n".join(tail), mentions=last.mentions)
    return messages


@command("/催款", host_only=True, summary="在群組標記還沒付清的成員和金額", usage="[團號]")
def chase_payment(ctx: EventContext, args: str) -> None:
    """Mention each member of this group (or campaign) who has not paid in full; queue 1:1 pushes if set."""
    if not ctx.group_id:
        ctx.reply(Text("這個指令要在團購群組裡使用喔：請到群組輸入 /催款。"))
        return
    group = directory.ensure_group(ctx.uow, ctx.group_id)
    assert group.id is not None
    campaign: Campaign | None = None
    if args.strip():
        campaign = picked(ctx, group, args, include_closed=True)
        if campaign is None:
            return
    title = f"第{campaign.id}團【{campaign.title}】" if campaign is not None else ""
    found = dunning.chase(ctx.uow, group.id, campaign_id=campaign.id if campaign else None)
    if not found.owing:
        waiting = f"（有 {found.waiting} 位已回報匯款、等你對帳：輸入 /對帳）" if found.waiting else ""
        ctx.reply(Text(f"🎉 {title or '目前'}大家都付清了，沒有需要催款的成員！{waiting}"))
        return
    messages = chase_messages(title, found.owing, found.waiting)
    note = _queue_pushes(ctx, group, campaign, found.owing)
    if note:
        messages[-1] = Text(messages[-1].text + "\n" + note, mentions=messages[-1].mentions)
    ctx.reply(*messages)


def _queue_pushes(ctx: EventContext, group: Group, campaign: Campaign | None, owing: tuple[Account, ...]) -> str:
    """Queue the 1:1 pushes when the group turned them on; return the line that tells the host (empty if off)."""
    assert group.id is not None
    if not dunning.push_enabled(ctx.uow, group.id):
        return ""
    done = dunning.queue_pushes(ctx.uow, owing, group_id=group.id, campaign_id=campaign.id if campaign else None,
                                now=ctx.sent_at, tz=ctx.settings.tz)
    rs = load_settings(ctx.uow)
    when = (f"安靜時段過後（{rs.quiet_end:%H:%M}）" if rs.quiet_at(ctx.sent_at, ctx.settings.tz)
            else "幾分鐘內（下一次排程）")
    parts = []
    if done.queued:
        parts.append(f"{done.queued} 位已加好友的成員{when}會收到私訊")
    if done.already:
        parts.append(f"{done.already} 位今天已私訊過")
    return "📩 " + "；".join(parts) + "。" if parts else ""


def change_setting(ctx: EventContext, group: Group, key: str, value: str) -> str | None:
    """Apply ``/設定 催款私訊 開|關``; return an error to reply, or None when applied."""
    assert group.id is not None
    if value not in ("開", "關"):
        return "用法：/設定 催款私訊 開（/催款 時也私訊已加好友的成員，每人每天最多一則，會用掉推播額度）或 /設定 催款私訊 關。"
    dunning.set_push(ctx.uow, group.id, value == "開")
    return None


def settings_lines(ctx: EventContext, group: Group) -> list[str]:
    """Return the dunning setting for the ``/設定`` overview."""
    assert group.id is not None
    on = dunning.push_enabled(ctx.uow, group.id)
    return [f"催款私訊：{'開（/催款 時私訊已加好友的成員，每人每天最多一則）' if on else '關'}"]
