"""The pickup desk: ``/取貨 @成員`` (and its undo), ``/未取`` and the shipping list ``/出貨單``."""

from __future__ import annotations

from handlers import pickup_messages as say
from handlers.commands import command
from handlers.commands.admin import mentioned_user_ids
from handlers.commands.member_tags import mentioned_members, words_without_mentions
from handlers.commands.scope import group_or_refuse, picked
from handlers.context import EventContext
from infra.messages import MAX_REPLY_MESSAGES, Text, literal_braces
from services import campaigns, pickup, shipping
from services.download_links import shipping_link
from services.errors import DomainError

PICK_USAGE = (
    "用法：/取貨 @成員（可一次標記多位）登記已取貨；標錯了用 /取貨 取消 @成員 改回未取。\n"
    "只算已經 /到貨 的團；指定某一團：/取貨 3 @成員。"
)
UNDO_WORDS = ("取消", "撤銷", "復原", "undo")


def _campaign_number(ctx: EventContext, group_id: int, words: list[str]) -> int | None:
    """Return the campaign number among the words (``/取貨 3 @成員``), checked against the group; None for all."""
    number = next((w.lstrip("#第").rstrip("團") for w in words if w.lstrip("#第").rstrip("團").isdigit()), None)
    if number is None:
        return None
    return campaigns.pick(ctx.uow, group_id, number, include_closed=True).id


@command("/取貨", host_only=True, summary="登記成員已取貨（/取貨 取消 @成員 改回未取）", usage="@成員｜取消 @成員")
def pick_up(ctx: EventContext, args: str) -> None:
    """Mark the mentioned members' items of the arrived campaigns picked up (or back to pending)."""
    group = group_or_refuse(ctx)
    if group is None:
        return
    assert group.id is not None
    if not mentioned_user_ids(ctx):
        ctx.reply(Text(PICK_USAGE))
        return
    words = words_without_mentions(ctx, args)
    undo = bool(words) and words[0] in UNDO_WORDS
    try:
        campaign_id = _campaign_number(ctx, group.id, words)
    except DomainError as exc:
        ctx.reply(Text(str(exc)))
        return
    texts = []
    for member in mentioned_members(ctx):
        ticked = pickup.mark(ctx.uow, group.id, member, at=ctx.sent_at, campaign_id=campaign_id, undo=undo)
        texts.append(say.ticked_text(ticked, undo=undo, tz=ctx.settings.tz))
    ctx.reply(*say.plain_chunks(texts[0], texts[1:], more="…還有 {n} 位的結果沒有列出，輸入 /未取 看目前狀況。"))


@command("/未取", host_only=True, summary="還沒取貨的成員：品項、金額、是否付款", usage="[團號]")
def not_picked(ctx: EventContext, args: str) -> None:
    """List who has not picked up the arrived campaigns (or one of them)."""
    group = group_or_refuse(ctx)
    if group is None:
        return
    assert group.id is not None
    campaign_id = None
    if args.strip():
        campaign = picked(ctx, group, args, include_closed=True)
        if campaign is None:
            return
        if campaign.arrived_at is None:
            ctx.reply(Text(f"第{campaign.id}團【{campaign.title}】還沒到貨：到貨後用 /到貨 {campaign.id} 通知大家取貨。"))
            return
        campaign_id = campaign.id
    scope, waiting = pickup.not_picked(ctx.uow, group.id, campaign_id)
    if not scope:
        ctx.reply(Text("還沒有到貨的團。用 /到貨 通知大家取貨後，這裡會列出還沒取貨的人。"))
        return
    if not waiting:
        numbers = "、".join(f"第{c.id}團" for c in scope)
        ctx.reply(Text(f"🎉 {numbers}大家都取貨了！"))
        return
    head, lines = say.waiting_lines(scope, waiting)
    ctx.reply(*say.plain_chunks(head, lines, more="…還有 {n} 位沒有列出，輸入 /出貨單 下載完整清單。"))


@command("/出貨單", host_only=True, summary="合併出貨單：每個取貨點、每位成員的品項、應付、付款與取貨", usage="")
def shipping_list(ctx: EventContext, _args: str) -> None:
    """Reply with the shipping list across the arrived campaigns, or a download link when it is long."""
    group = group_or_refuse(ctx)
    if group is None:
        return
    assert group.id is not None
    rows = shipping.shipping_rows(ctx.uow, group_id=group.id)
    if not rows:
        ctx.reply(Text("還沒有到貨的團。用 /到貨 通知大家取貨後，就能產生出貨單。"))
        return
    lines: list[str] = []
    for title, body in shipping.sheet_bodies(rows).items():
        lines.append(f"\n📦 {literal_braces(title)}")
        for r in body[:-1]:
            paid = "已付" if r[7] == "已付" else f"未付 {say.money(int(r[6]))}"
            items = literal_braces(str(r[2])).replace(chr(10), "、")
            lines.append(f"{r[0]}. {literal_braces(str(r[1]))}：{items}｜{paid}｜{r[8] or '未取'}")
    head = f"🚚 合併出貨單（{len(rows)} 筆）"
    messages = say.plain_chunks(head, lines, more="…還有 {n} 行沒有列出。")
    if len(messages) == 1:
        ctx.reply(*messages)
        return
    if ctx.settings.public_url:
        link = shipping_link(ctx.settings.public_url, ctx.settings.channel_secret, group.id)
        ctx.reply(Text(f"{head}：名單較長，請下載 Excel（每個取貨點一頁，可直接列印，24 小時內有效）：\n{link}"))
        return
    hint = "完整 Excel 請在電腦上執行：groupbuy export shipping --format xlsx -o 出貨單.xlsx"
    ctx.reply(*messages[: MAX_REPLY_MESSAGES - 1], Text(hint))
