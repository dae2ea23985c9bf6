"""zh-TW texts about campaigns and orders (what hosts and members read in the group)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from infra.messages import QuickReply, Text
from models import Campaign, Item
from services import pricing, variants
from services.order_views import ItemState, ItemTotals, amount_due

WEEKDAYS = "一二三四五六日"


def when(dt: datetime | None, tz: ZoneInfo) -> str:
    """Format a deadline like ``12/1(二) 20:00``."""
    if dt is None:
        return "未定（團主用 /截單 收單）"
    local = dt.astimezone(tz)
    return f"{local.month}/{local.day}({WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def day(d: date | None) -> str:
    """Format a date like ``12/8(二)``."""
    return "" if d is None else f"{d.month}/{d.day}({WEEKDAYS[d.weekday()]})"


def money(n: int) -> str:
    """Format NT$ with thousands separators."""
    return f"${n:,}"


def item_line(item: Item) -> str:
    """Describe an item for the campaign summary."""
    price = f" {money(item.price)}" + (f"/{item.unit}" if item.unit else "") if item.price is not None else ""
    bundles = "".join(f"／{tier.qty}{item.unit or '份'}{money(tier.price)}" for tier in pricing.tiers_of(item))
    notes = [f"限量{item.stock_limit}" if item.stock_limit is not None else "",
             f"每人限購{item.per_member_limit}" if item.per_member_limit else "",
             f"滿{item.minimum}{item.unit or '份'}成團" if item.minimum else ""]
    offered = variants.names_of(item)
    if offered:
        limits = variants.limits_of(item)
        notes.insert(0, "可選 " + "/".join(f"{n}(限量{limits[n]})" if n in limits else n for n in offered))
    shown = "、".join(n for n in notes if n)
    return f"{item.code}. {item.name}{price}{bundles}" + (f"（{shown}）" if shown else "")


def cannot_open(problems: Sequence[str]) -> str:
    """Tell the host which fields of the post could not be read, and how to fix them (nothing is opened)."""
    lines = ["開團失敗：公告有幾個地方看不懂，請修正後再貼一次「/開團」＋公告。", *[f"・{p}" for p in problems]]
    return "\n".join(lines)


def opened(campaign: Campaign, items: Sequence[Item], tz: ZoneInfo) -> Text:
    """Tell the group a campaign is open and how to order."""
    first = items[0].code
    offered = variants.names_of(items[0])
    lines = [f"📢 開團成功！第{campaign.id}團【{campaign.title}】", *[item_line(it) for it in items]]
    lines.append(f"⏰ 截單：{when(campaign.deadline, tz)}")
    if campaign.delivery_date:
        lines.append(f"🚚 到貨：{day(campaign.delivery_date)}")
    example = f"{first}{offered[0] if offered else ''}+2" if len(items) > 1 or offered else "+1"
    lines.append(f"留言「{example}」喊單；「{first}改3」修改、「{first}-1」減少、「取消」全部取消；「我的訂單」查詢。")
    return Text("\n".join(lines))


def member_order(campaign: Campaign, states: Sequence[ItemState], mention_key: str = "m") -> Text:
    """Confirm a member's current order in a campaign, mentioning them."""
    if not states:
        return Text(f"{{{mention_key}}} 在第{campaign.id}團【{campaign.title}】目前沒有訂單。")
    lines = [f"✅ {{{mention_key}}} 已登記 第{campaign.id}團【{campaign.title}】"]
    lines += [state_line(s) for s in states]
    lines.append(f"小計 {money(amount_due(states))}" + ("（候補不計）" if any(s.waitlisted for s in states) else ""))
    return Text("\n".join(lines))


def state_line(s: ItemState) -> str:
    """Describe a member's quantity of one item (its variant, who it is for), with the waitlist when some waits."""
    name = f"{s.item.code} {s.item.name}" + (f"（{s.variant}）" if s.variant else "")
    text = f"{name} ×{s.confirmed if s.confirmed else s.qty}"
    if s.item.per_member_limit and s.qty >= s.item.per_member_limit:
        text += f"（每人限購{s.item.per_member_limit}）"
    if s.notes:
        text += "（備註：" + "；".join(s.notes) + "）"
    if s.confirmed and s.waitlisted:
        text += f"，另 {s.waitlisted} 候補第{s.waitlist_position}位"
    elif s.waitlisted:
        text = f"{name} ×{s.waitlisted} 候補第{s.waitlist_position}位（額滿）"
    return text + for_whom(s)


def for_whom(s: ItemState) -> str:
    """Say who a state is for or who placed it (代訂), or nothing for a member's own order."""
    if s.for_member is not None:
        return f"（幫{s.for_member}訂，由{s.for_member}付款）"
    if s.guest is not None:
        return f"（幫{s.guest}訂）"
    if s.ordered_by:
        return f"（{'、'.join(s.ordered_by)}幫訂）"
    return ""


def ask_which_item(items: Sequence[Item], qty: int, action: str, codes: Sequence[str]) -> Text:
    """Ask which item a bare quantity meant, with one button per item (message actions)."""
    verb = {"add": "+", "remove": "-", "set": "改"}.get(action, "+")
    chosen = [it for it in items if it.code in codes] or list(items)
    buttons = tuple(
        QuickReply(label=f"{it.code} {it.name}"[:20], text=f"{it.code}{verb}{qty}") for it in chosen[:13]
    )
    return Text("請問要哪一項呢？點下方按鈕選擇，或直接留言像「A+1」。", quick_replies=buttons)


def ask_variant(item: Item, offered: Sequence[str], comments: Sequence[str]) -> Text:
    """Ask which variant (口味/尺寸) an order meant, one button per variant that re-sends the comment with it."""
    buttons = tuple(QuickReply(label=name[:20], text=comment) for name, comment in zip(offered, comments, strict=True))[:13]
    names = "、".join(offered)
    example = comments[0] if comments else f"{item.code}{offered[0]}+1"
    return Text(f"{item.code} {item.name} 有 {names}，請問要哪一種呢？點下方按鈕選擇，或直接留言像「{example}」。",
                quick_replies=buttons)


def ask_two_readings(choices: Sequence[tuple[str, str]]) -> Text:
    """Ask which of two readings of a numbered comment (+3 4) was meant: (label, comment) per button."""
    buttons = tuple(QuickReply(label=label[:20], text=comment) for label, comment in choices[:13])
    options = " 還是 ".join(label for label, _ in choices)
    return Text(f"請問是 {options}？點下方按鈕選擇，或直接留言像「{choices[0][1]}」。", quick_replies=buttons)


def ask_same_what() -> Text:
    """Say a "same as them" comment found no order to copy, and how to order instead."""
    return Text("找不到可以跟的訂單喔 🙏 請直接留言品項和數量，例如「A+1」；要跟某人的單，請長按他的喊單留言「回覆」再打「+1」。")


def ask_unknown_item(items: Sequence[Item]) -> Text:
    """Say the item was not found and list the items."""
    names = "、".join(f"{it.code} {it.name}" for it in items[:13])
    return Text(f"找不到這個品項喔。這團有：{names}。請用品項代號留言，例如「{items[0].code}+1」。")


def ask_large(intent_text: str) -> Text:
    """Double-check a suspiciously large quantity."""
    return Text(
        f"數量有點多，確定要「{intent_text}」嗎？確定請點「確認」；不是的話請重新留言正確數量。",
        quick_replies=(QuickReply(label="確認", text=f"確認 {intent_text}"),),
    )


def closed(campaign: Campaign, tz: ZoneInfo) -> Text:
    """Politely refuse a comment sent after the cutoff."""
    at = campaign.deadline if campaign.deadline and campaign.closed_at is None else campaign.closed_at
    return Text(
        f"第{campaign.id}團【{campaign.title}】已於 {when(at, tz)} 截單，這則留言沒有登記 🙏"
        "\n想加單請私訊團主詢問。"
    )


def campaign_status(campaign: Campaign) -> str:
    """Say where a campaign stands: 收單中, 已截單 or 已撤團."""
    return {"open": "收單中", "closed": "已截單", "cancelled": "已撤團"}.get(campaign.status, campaign.status)


def totals_text(campaign: Campaign, rows: Sequence[ItemTotals], members: int, tz: ZoneInfo) -> str:
    """Summarise a campaign for the host (/統計)."""
    status = campaign_status(campaign)
    lines = [f"📊 第{campaign.id}團【{campaign.title}】{status}，截單 {when(campaign.deadline, tz)}"]
    sales = 0
    for r in rows:
        amount = r.amount
        sales += amount
        stock = f"，剩 {r.remaining}" if r.remaining is not None else ""
        wait = f"，候補 {r.waitlisted}" if r.waitlisted else ""
        cut = f"，缺貨已扣 {r.item.shortage}" if r.item.shortage else ""
        lines.append(f"{r.item.code} {r.item.name}：{r.confirmed}{stock}{wait}{cut}（{money(amount)}）")
        limits = variants.limits_of(r.item)
        for name, confirmed, waiting in r.variants:
            left = f"，剩 {max(0, limits[name] - confirmed)}" if name in limits else ""
            lines.append(f"　・{name}：{confirmed}{left}" + (f"，候補 {waiting}" if waiting else ""))
    lines.append(f"共 {members} 人下單，總金額 {money(sales)}")
    short = [r for r in rows if r.item.minimum and r.confirmed < r.item.minimum]
    for r in short:
        lines.append(f"⚠️ {r.item.code} {r.item.name} 未達成團數量 {r.item.minimum}（目前 {r.confirmed}）")
    if short and campaign.status == "closed":
        lines.append(f"要照常出貨就按「照常出貨」（或輸入 /叫貨 {campaign.id}）；要取消整團請按「撤團」"
                     f"（或輸入「/撤團 {campaign.id}」），會通知大家訂單作廢。")
    return "\n".join(lines)
