"""Host commands for campaigns: /開團 /截單 /統計 /名單 /撤團 /設定."""

from __future__ import annotations

import logging
from types import ModuleType

from handlers import order_messages as say
from handlers.commands import arrival, blocklist, closing, command, dunning, loyalty
from handlers.commands.scope import group_or_refuse, picked
from handlers.context import EventContext
from infra.messages import QuickReply, Text
from models import Campaign, Member
from parsers.announcement import AnnouncementError, parse_announcement
from services import blocklist as blocks
from services import campaigns, directory, nps, order_views
from services.download_links import orders_link

log = logging.getLogger(__name__)
OPEN_EXAMPLE = (
    "請在 /開團 下一行貼上團購文，例如：\n/開團\n【水餃團】\nA. 高麗菜水餃 $180/包\n"
    "B. 韭菜水餃 $180/包 限量30\n12/1 20:00 截單"
)
REPLY_MODES = {"引用": "quote", "彙整": "batch", "安靜": "silent"}
# The other /設定 sections, each a module with SETTING_KEYS, SETTING_USAGE, change_setting(ctx, group, key,
# value) -> error text or None, and settings_lines(ctx, group) -> lines for the overview.
SETTING_SECTIONS: tuple[ModuleType, ...] = (loyalty, dunning, blocklist, arrival, closing)


@command("/開團", host_only=True, summary="開團：下一行貼上團購文（品項、價格、限量、截單時間）", usage="＋換行＋團購文")
def open_campaign(ctx: EventContext, args: str) -> None:
    """Open a campaign from the announcement below the command."""
    group = group_or_refuse(ctx)
    if group is None:
        return
    if not args.strip():
        ctx.reply(Text(OPEN_EXAMPLE))
        return
    now = ctx.sent_at.astimezone(ctx.settings.tz)
    try:
        announcement = parse_announcement(args, now)
    except AnnouncementError as exc:
        ctx.reply(Text(f"開團失敗：{exc}"))
        return
    if announcement.problems:
        ctx.reply(Text(say.cannot_open(announcement.problems)))
        return
    if announcement.deadline is not None and announcement.deadline <= now:
        ctx.reply(Text(f"開團失敗：截單時間 {say.when(announcement.deadline, ctx.settings.tz)} 已經過了，請確認日期後再貼一次。"))
        return
    campaign, items = campaigns.open_campaign(
        ctx.uow, group=group, host_user_id=ctx.user_id or "", announcement=announcement, text=args,
        message_id=getattr(ctx.event.message, "id", None), at=ctx.sent_at,
    )
    ctx.reply(say.opened(campaign, items, ctx.settings.tz))


@command("/截單", host_only=True, summary="立刻截單（有多團時加團號）", usage="[團號]")
def close_campaign(ctx: EventContext, args: str) -> None:
    """Close a campaign now and post its totals."""
    group = group_or_refuse(ctx)
    campaign = picked(ctx, group, args) if group else None
    if campaign is None:
        return
    campaigns.lock(ctx.uow, campaign.id or 0)
    campaigns.close(ctx.uow, campaign, at=ctx.sent_at)
    ctx.reply(Text("🔒 已截單！\n" + stats_text(ctx, campaign), quick_replies=minimum_choices(ctx, campaign)))


def minimum_choices(ctx: EventContext, campaign: Campaign) -> tuple[QuickReply, ...]:
    """Ask a host whose closed campaign has items below their minimum: go ahead (the supplier order) or cancel."""
    if campaign.status != "closed" or not any(
        r.item.minimum and r.confirmed < r.item.minimum for r in order_views.totals(ctx.uow, campaign)
    ):
        return ()
    return (QuickReply(label="照常出貨（叫貨單）", text=f"/叫貨 {campaign.id}"),
            QuickReply(label="撤團（訂單作廢）", text=f"/撤團 {campaign.id}"))


@command("/撤團", host_only=True, summary="取消整團（訂單全部作廢）", usage="團號")
def cancel_campaign(ctx: EventContext, args: str) -> None:
    """Cancel a campaign; its orders no longer count."""
    group = group_or_refuse(ctx)
    if group is None:
        return
    if not args.strip():
        ctx.reply(Text("撤團會作廢整團訂單，請加上團號確認，例如「/撤團 3」。輸入 /統計 可以看團號。"))
        return
    campaign = picked(ctx, group, args, include_closed=True)
    if campaign is None:
        return
    campaigns.cancel(ctx.uow, campaign, at=ctx.sent_at)
    ctx.reply(Text(f"已撤團：第{campaign.id}團【{campaign.title}】的訂單全部取消。"))


@command("/統計", host_only=True, summary="各品項數量、剩餘、候補與總金額", usage="[團號]")
def show_stats(ctx: EventContext, args: str) -> None:
    """Reply with per-item totals."""
    group = group_or_refuse(ctx)
    campaign = picked(ctx, group, args, include_closed=True) if group else None
    if campaign is not None:
        ctx.reply(Text(stats_text(ctx, campaign), quick_replies=minimum_choices(ctx, campaign)))


def stats_text(ctx: EventContext, campaign: Campaign) -> str:
    """Return the /統計 text for a campaign."""
    rows = order_views.totals(ctx.uow, campaign)
    members = len(order_views.roster(ctx.uow, campaign))
    text = say.totals_text(campaign, rows, members, ctx.settings.tz)
    score = nps.nps_summary(ctx.uow, campaign.id or 0)
    return f"{text}\n{score}" if score else text


@command("/名單", host_only=True, summary="每位成員訂了什麼、多少錢；或「/名單 標籤:常加班」", usage="[團號|標籤:…|分群:…]")
def show_roster(ctx: EventContext, args: str) -> None:
    """Reply with each member's order in a campaign (or a member list by tag/segment)."""
    if member_filter(ctx, args):
        return
    group = group_or_refuse(ctx)
    campaign = picked(ctx, group, args, include_closed=True) if group else None
    if campaign is None:
        return
    book = order_views.roster(ctx.uow, campaign)
    if not book:
        ctx.reply(Text(f"第{campaign.id}團【{campaign.title}】還沒有人下單。"))
        return
    lines = [f"📋 第{campaign.id}團【{campaign.title}】名單（{len(book)} 人）"]
    flagged = blocks.flagged(ctx.uow, campaign.group_id)
    for n, (member_id, states) in enumerate(book.items(), start=1):
        member = ctx.uow.session.get(Member, member_id)
        name = directory.label(member) if member else "?"
        if member_id in flagged:
            name += f" ⚠️未取貨{flagged[member_id]}次"
        items = "、".join(say.state_line(s) for s in states)
        lines.append(f"{n}. {name}：{items}｜{say.money(order_views.amount_due(states))}")
    ctx.reply(Text("\n".join(lines)))


def member_filter(ctx: EventContext, args: str) -> bool:
    """Delegate ``標籤:…`` / ``分群:…`` lists to the members layer when it is installed."""
    if not args.strip().startswith(("標籤", "分群")):
        return False
    try:
        from handlers.commands.members import list_members_by_filter
    except ImportError:
        return False
    return bool(list_members_by_filter(ctx, args))


@command("/設定", host_only=True, summary="確認方式：/設定 回覆 引用|彙整|安靜；推播：/設定 推播 開|關；"
         "集點：/設定 集點 100|關；點數折抵：/設定 點數折抵 1；截單提醒：/設定 截單提醒 回覆|推播|關"
         "（群組推播每位成員各算一則訊息額度）；催款私訊：/設定 催款私訊 開|關；棄單：/設定 棄單 2；"
         "取貨期限：/設定 取貨期限 3|關", usage="項目 值")
def settings_command(ctx: EventContext, args: str) -> None:
    """Show or change the group's settings."""
    group = group_or_refuse(ctx)
    if group is None:
        return
    key, _, value = args.strip().partition(" ")
    value = value.strip()
    if key == "回覆" and value in REPLY_MODES:
        group.reply_mode = REPLY_MODES[value]
    elif key == "推播" and value in {"開", "關"}:
        group.allow_push = value == "開"
    elif section := next((s for s in SETTING_SECTIONS if key in s.SETTING_KEYS), None):
        problem = section.change_setting(ctx, group, key, value)
        if problem:
            ctx.reply(Text(problem))
            return
    elif args.strip():
        usages = "、".join(["/設定 回覆 引用|彙整|安靜", "/設定 推播 開|關", *(s.SETTING_USAGE for s in SETTING_SECTIONS)])
        ctx.reply(Text(f"看不懂這個設定。用法：{usages}。"))
        return
    ctx.uow.session.add(group)
    mode = {v: k for k, v in REPLY_MODES.items()}.get(group.reply_mode, group.reply_mode)
    lines = [f"⚙️ 目前設定\n訂單確認：{mode}\n必要時推播（會用掉訊息額度）：{'開' if group.allow_push else '關'}",
             *(line for s in SETTING_SECTIONS for line in s.settings_lines(ctx, group))]
    ctx.reply(Text("\n".join(lines)))


@command("/匯出", host_only=True, summary="出貨單（Excel）下載連結，24 小時有效", usage="[團號]")
def export_link(ctx: EventContext, args: str) -> None:
    """Reply with a signed link to the campaign's XLSX shipping list."""
    group = group_or_refuse(ctx)
    campaign = picked(ctx, group, args, include_closed=True) if group else None
    if campaign is None:
        return
    if not ctx.settings.public_url:
        ctx.reply(Text(
            f"請在電腦上執行：groupbuy export orders --campaign {campaign.id} --format xlsx -o 出貨單.xlsx\n"
            "（設定 GROUPBUY_PUBLIC_URL 後，這裡會直接給你下載連結。）"
        ))
        return
    link = orders_link(ctx.settings.public_url, ctx.settings.channel_secret, campaign.id or 0)
    ctx.reply(Text(f"📦 第{campaign.id}團【{campaign.title}】出貨單（Excel，24 小時內有效）：\n{link}"))
