"""``/提醒 預覽`` and ``/提醒 設定`` for hosts; members' taps on a reminder (order the bundle, NPS score)."""

from __future__ import annotations

import json
import re

from sqlmodel import col, select

from handlers import order_messages as say
from handlers.commands import command
from handlers.context import EventContext
from handlers.postback import postback
from infra.messages import QuickReply, Text
from models import Campaign, Member, OrderChange, ReminderSent
from parsers.comment import Intent
from services import blocklist, campaigns, directory, nps, order_book, order_views, reminder_settings, reminders
from services.errors import DomainError

KIND_LABEL = {"refill": "補貨提醒", "tip": "使用小撇步", "winback": "好久不見", "vip": "熟客歡迎", "nps": "推薦分數"}
NPS_TEXT = re.compile(r"^\s*(?:NPS|推薦分數|推薦)\s*[:：]?\s*(10|[0-9])\s*分?\s*$", re.IGNORECASE)
MAX_PREVIEW = 30


@command("/提醒", host_only=True, summary="補貨提醒：預覽未來 7 天要提醒誰、查看或修改提醒設定", usage="預覽｜設定 [項目 值]")
def reminders_command(ctx: EventContext, args: str) -> None:
    """Preview who is due, or show and change the reminder settings."""
    action, _, rest = args.strip().partition(" ")
    if action == "預覽":
        show_preview(ctx)
    elif action == "設定":
        change_settings(ctx, rest.strip())
    else:
        ctx.reply(Text("用法：/提醒 預覽（未來 7 天要提醒誰）｜/提醒 設定（查看或修改，例如：/提醒 設定 提前 3）"))


def show_preview(ctx: EventContext) -> None:
    """List the touches due in the next 7 days (names only in the 1:1 chat)."""
    due = reminders.preview(ctx.uow, ctx.settings, ctx.sent_at)
    if not due:
        ctx.reply(Text("未來 7 天沒有需要送出的提醒 👍"))
        return
    if ctx.is_group:
        counts = "、".join(f"{KIND_LABEL[k]} {sum(1 for d in due if d.kind == k)} 則" for k in KIND_LABEL
                          if any(d.kind == k for d in due))
        ctx.reply(Text(f"未來 7 天預計：{counts}。\n名單含成員家庭資料，請私訊我輸入「/提醒 預覽」查看。"))
        return
    tz = ctx.settings.tz
    lines = [f"📅 未來 7 天預計送出的提醒（{len(due)} 則，仍受安靜時段、額度與 7 天間隔限制）"]
    for d in due[:MAX_PREVIEW]:
        on = d.on.astimezone(tz)
        lines.append(f"・{on.month}/{on.day} {d.member_label}｜{KIND_LABEL[d.kind]}：{d.reason}")
    if len(due) > MAX_PREVIEW:
        lines.append(f"…另有 {len(due) - MAX_PREVIEW} 則")
    ctx.reply(Text("\n".join(lines)))


def change_settings(ctx: EventContext, rest: str) -> None:
    """Show the settings, or change one (``提前 3``, ``安靜 21-9``, ``額度 180``, ``推薦 關``)."""
    if rest:
        name, _, value = rest.replace("\u3000", " ").partition(" ")
        try:
            said = reminder_settings.change_setting(ctx.uow, name, value)
        except DomainError as exc:
            ctx.reply(Text(str(exc)))
            return
        ctx.uow.session.flush()
        ctx.reply(Text(f"✅ {said}\n\n{reminder_settings.describe_settings(reminder_settings.load_settings(ctx.uow))}"))
        return
    ctx.reply(Text(reminder_settings.describe_settings(reminder_settings.load_settings(ctx.uow))))


@postback("refill")
def refill_tapped(ctx: EventContext, params: dict[str, str]) -> None:
    """Order the reminder's bundle (``do=order``), decline it (``no``) or take the order back (``undo``)."""
    member = directory.find_member(ctx.uow, ctx.user_id or "")
    row = ctx.uow.session.get(ReminderSent, int(params["r"])) if params.get("r", "").isdigit() else None
    if member is None or row is None or row.member_id != member.id or row.kind != "refill":
        ctx.reply(Text("這個按鈕已經失效了 🙏 想訂購請到群組留言喊單。"))
        return
    action = params.get("do")
    if action == "no":
        ctx.reply(Text("好的 👌 有需要再到群組喊單就可以。"))
    elif action == "undo":
        campaign, _, _ = order_book.revert_message(ctx.uow, source_id(row))
        ctx.reply(Text("已取消這筆補貨訂單。" if campaign else "這筆訂單已經不在了（可能已取消或修改過）。"))
    elif action == "order":
        order_bundle(ctx, member, row)


def source_id(row: ReminderSent) -> str:
    """Return the order book's message id for a reminder's one-tap order (so it can be undone)."""
    return f"reminder-{row.id}"


def order_bundle(ctx: EventContext, member: Member, row: ReminderSent) -> None:
    """Add the reminder's bundle to its campaign once, through the order book."""
    data = json.loads(row.detail or "{}")
    campaign = ctx.uow.session.get(Campaign, int(data["campaign"])) if data.get("campaign") else None
    bundle: dict[str, int] = data.get("bundle") or {}
    if campaign is None or not bundle:
        ctx.reply(Text("這則提醒沒有可以直接訂的團，請到群組看看目前的團 🙏"))
        return
    campaign = campaigns.lock(ctx.uow, campaign.id or 0)
    campaigns.close_if_past_deadline(ctx.uow, campaign, ctx.sent_at)
    if not campaigns.accepts_orders_at(campaign, ctx.sent_at):
        ctx.reply(say.closed(campaign, ctx.settings.tz))
        return
    try:  # a member blocked in the campaign's group cannot order there from 1:1 either
        blocklist.refuse_blocked(ctx.uow, campaign, member.line_user_id)
    except blocklist.Blocked as exc:
        ctx.reply(Text(str(exc)))
        return
    if _applied(ctx, row):
        ctx.reply(Text(f"這份已經幫你登記在第{campaign.id}團了 😊 輸入「我的訂單」可以查看。"))
        return
    intents = [Intent("add", code, qty) for code, qty in bundle.items()]
    applied = order_book.apply_intents(ctx.uow, campaign=campaign, member=member, intents=intents,
                                       message_id=source_id(row), sent_at=ctx.sent_at)
    assert member.id is not None
    states = order_views.member_state(ctx.uow, campaign, member.id)
    lines = [f"✅ 已幫你登記到第{campaign.id}團【{campaign.title}】（群組裡的訂單一起算）："]
    lines += [say.state_line(s) for s in states]
    waiting = "（候補不計）" if any(s.waitlisted for s in states) else ""
    lines.append(f"小計 {say.money(order_views.amount_due(states))}{waiting}")
    lines.append("想調整可以在群組留言（例如「A-1」），或點「取消這筆」。")
    if not applied.changed:
        lines = ["這團的品項有變動，沒能登記，請到群組留言喊單 🙏"]
    ctx.reply(Text("\n".join(lines), (QuickReply(label="取消這筆", text="取消這筆",
                                                  postback_data=f"action=refill&r={row.id}&do=undo"),)))


def _applied(ctx: EventContext, row: ReminderSent) -> bool:
    """Return True when the reminder's bundle is already in the order book (and not taken back)."""
    stmt = select(OrderChange.id).where(OrderChange.source_message_id == source_id(row), col(OrderChange.reverted).is_(False))
    return ctx.uow.session.exec(stmt).first() is not None


def nps_answer(ctx: EventContext, text: str) -> bool:
    """Take a 0–10 answer (``推薦分數 9`` / ``NPS 9``) to the latest NPS question in the 1:1 chat."""
    match = NPS_TEXT.match(text)
    if match is None or ctx.is_group or ctx.user_id is None:
        return False
    member = directory.find_member(ctx.uow, ctx.user_id)
    if member is None:
        return False
    campaign_id = nps.record_nps(ctx.uow, member, int(match.group(1)), ctx.sent_at)
    if campaign_id is None:
        return False
    ctx.reply(Text("收到，謝謝你的回饋 🙏 團主會參考大家的意見，讓下一團更好。"))
    return True
