"""zh-TW texts about arrival, pickup and the shipping list, split to LINE's limits.

LINE takes at most 5 messages per reply, 5,000 UTF-16 units per text, and (textV2) at most 100 substitution
objects per message (developers.line.biz, "Text message (v2)"; the OpenAPI spec in bot/fakeline/line-openapi
states no maximum). The arrival notice mentions every buyer, so it is cut on whichever limit comes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.order_messages import money
from infra.messages import MAX_MENTIONS, MAX_REPLY_MESSAGES, Text, literal_braces, utf16_len
from models import Campaign
from services.arrival import Arrival
from services.directory import label
from services.order_views import ItemState
from services.pickup import CampaignPickup, Ticked, Waiting

MAX_UNITS = 4700  # UTF-16 units per message, leaving room for a closing line
WEEKDAYS = "一二三四五六日"


def when(moment: datetime, tz: ZoneInfo) -> str:
    """Say a moment the way hosts write it: 12/10(四) 23:59."""
    local = moment.astimezone(tz)
    return f"{local.month}/{local.day}({WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def state_text(state: ItemState) -> str:
    """Describe one confirmed item: ``A 高麗菜水餃（辣味）×2`` (a guest's: ``［代訂 王奶奶］``)."""
    variant = f"（{state.variant}）" if state.variant else ""
    guest = f"［代訂 {state.guest}］" if state.guest else ""
    return literal_braces(f"{state.item.code} {state.item.name}{variant}×{state.confirmed}{guest}")


def items_text(states: Sequence[ItemState]) -> str:
    """Describe confirmed items, joined."""
    return "、".join(state_text(s) for s in states)


def campaigns_text(held: Sequence[CampaignPickup]) -> str:
    """Describe items over campaigns: ``第1團 A 高麗菜水餃×2；第2團 B 肉乾×1``."""
    return "；".join(f"第{c.campaign.id}團 {items_text(c.states)}" for c in held)


def pickup_info(campaign: Campaign, tz: ZoneInfo) -> list[str]:
    """Return the pickup information lines of a campaign."""
    lines = [f"📍 取貨地點：{literal_braces(campaign.pickup_place or '請等團主通知')}"]
    if campaign.pickup_time:
        lines.append(f"🕒 取貨時間：{literal_braces(campaign.pickup_time)}")
    if campaign.pickup_deadline:
        lines.append(f"⏳ 取貨期限：{when(campaign.pickup_deadline, tz)} 前（逾期未取會記為棄單）")
    return lines


@dataclass
class Chunk:
    """One message being filled: its lines and mentions."""

    lines: list[str]
    mentions: dict[str, str] = field(default_factory=dict)

    def fits(self, line: str, mentions: int) -> bool:
        """Return True when one more line (with its mentions) stays within the limits."""
        size = sum(utf16_len(x) + 1 for x in self.lines) + utf16_len(line)
        return size <= MAX_UNITS and len(self.mentions) + mentions <= MAX_MENTIONS

    def text(self) -> Text:
        """Return the chunk as a message (textV2 when it mentions anyone)."""
        return Text("\n".join(self.lines), mentions=dict(self.mentions))


def arrival_chunks(arrival: Arrival, tz: ZoneInfo) -> list[Chunk]:
    """Return the arrival notice as messages: the pickup information, then every buyer mentioned with their items."""
    campaign = arrival.campaign
    title = f"第{campaign.id}團【{literal_braces(campaign.title)}】"
    first = "🔄 取貨資訊更新！" + title if arrival.updated else f"📦 {title}到貨囉！"
    head = [first, *pickup_info(campaign, tz)]
    if not arrival.buyers:
        return [Chunk([*head, "這一團沒有確定的訂單，不用通知取貨。"])]
    head.append(f"請以下 {len(arrival.buyers)} 位來取貨：")
    chunks = [Chunk(head)]
    for n, buyer in enumerate(arrival.buyers):
        key = f"m{n}"
        line = f"{n + 1}. {{{key}}} {items_text(buyer.states)}"
        if not chunks[-1].fits(line, 1):
            chunks.append(Chunk([f"（續）{title}取貨名單"]))
        chunks[-1].lines.append(line)
        chunks[-1].mentions[key] = buyer.member.line_user_id
    closing = "取貨時跟團主說一聲，團主會幫你登記取貨 ✅"
    if chunks[-1].fits(closing, 0):
        chunks[-1].lines.append(closing)
    return chunks


def buyers_left(chunks: Sequence[Chunk]) -> int:
    """Return how many buyers the chunks mention."""
    return sum(len(c.mentions) for c in chunks)


def ticked_text(ticked: Ticked, *, undo: bool, tz: ZoneInfo) -> str:
    """Describe one member's /取貨 (or its undo)."""
    name = literal_braces(label(ticked.member))
    if not ticked.changed and not ticked.unchanged:
        return f"ℹ️ {name} 沒有已到貨的商品可以取（還沒 /到貨 的團不算）。輸入 /未取 看還有誰沒取。"
    if not ticked.changed:
        if undo:
            return f"ℹ️ {name} 本來就還沒取貨，不用取消。"
        stamp = ticked.picked_at
        return f"ℹ️ {name} 已經取過貨了{f'（{when(stamp, tz)} 登記）' if stamp else ''}：{campaigns_text(ticked.unchanged)}"
    if undo:
        return f"↩️ 已取消 {name} 的取貨登記，改回未取：{campaigns_text(ticked.changed)}"
    text = f"✅ {name} 取貨完成：{campaigns_text(ticked.changed)}"
    if ticked.late:
        text += f"\n（第{'、'.join(str(c) for c in ticked.late)}團已過取貨期限，棄單紀錄保留）"
    if ticked.unchanged:
        text += f"\n（先前已取：{campaigns_text(ticked.unchanged)}）"
    return text + (f"\n💰 還要付 {money(ticked.owed)}，記得提醒匯款。" if ticked.owed > 0 else "\n💰 已付清。")


def waiting_lines(scope: Sequence[Campaign], waiting: Sequence[Waiting]) -> tuple[str, list[str]]:
    """Return the /未取 heading and one line per member who has not picked up."""
    numbers = "、".join(f"第{c.id}團" for c in scope)
    head = f"📋 還沒取貨（{numbers}）：{len(waiting)} 位"
    lines = []
    for n, w in enumerate(waiting, start=1):
        pay = "已付清" if w.owed <= 0 else f"未付 {money(w.owed)}"
        late = "｜⚠️ 逾期" if w.no_show else ""
        lines.append(f"{n}. {literal_braces(label(w.member))}：{campaigns_text(w.campaigns)}｜{money(w.amount)}｜{pay}{late}")
    return head, lines


def plain_chunks(head: str, lines: Sequence[str], *, more: str) -> list[Text]:
    """Split a host-facing list into at most 5 messages; ``more`` (with {n}) says how many did not fit."""
    chunks = [Chunk([head])]
    for line in lines:
        if not chunks[-1].fits(line, 0):
            chunks.append(Chunk([]))
        chunks[-1].lines.append(line)
    if len(chunks) > MAX_REPLY_MESSAGES:
        shown = sum(len(c.lines) for c in chunks[:MAX_REPLY_MESSAGES]) - 1
        chunks = chunks[:MAX_REPLY_MESSAGES]
        chunks[-1].lines.append(more.format(n=len(lines) - shown))
    return [c.text() for c in chunks]

