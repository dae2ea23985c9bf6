"""``/到貨``: tell every buyer of a campaign that it arrived and where to pick it up (mentions, split to LINE's limits).

The ``/設定 取貨期限 3`` setting (a default deadline when the host writes none) is read here too
(``handlers.commands.campaign_admin`` hands that key over).
"""

from __future__ import annotations

import uuid

from handlers import pickup_messages as say
from handlers.commands import command
from handlers.context import EventContext
from infra.messages import MAX_REPLY_MESSAGES, Text
from models import Group
from parsers.pickup import parse_pickup
from services import arrival, directory
from services.errors import DomainError

SETTING_KEYS = ("取貨期限",)
SETTING_USAGE = "/設定 取貨期限 3|關"
EXAMPLE = (
    "用法：/到貨（有多團時加團號），下一行寫取貨資訊，例如：\n/到貨\n取貨地點：社區管理室\n"
    "取貨時間：12/8(二) 18:00-21:00\n取貨期限 12/10"
)


def _split(args: str) -> tuple[str, str]:
    """Split ``/到貨 3`` + newline + pickup text into (團號, text)."""
    first, _, rest = args.partition("\n")
    word = first.strip().lstrip("#第").rstrip("團").strip()
    if word.isdigit():
        return word, rest
    return "", args


@command("/到貨", host_only=True, summary="到貨通知：標記每位買家，附取貨地點、時間、期限", usage="[團號]＋換行＋取貨資訊")
def announce_arrival(ctx: EventContext, args: str) -> None:
    """Store the pickup information and mention every buyer of the campaign with their items."""
    if not ctx.group_id:
        ctx.reply(Text("到貨通知要在團購群組裡輸入，才能標記大家喔。"))
        return
    group = directory.ensure_group(ctx.uow, ctx.group_id)
    assert group.id is not None
    number, text = _split(args)
    try:
        campaign = arrival.pick(ctx.uow, group.id, number)
        pickup = parse_pickup(text, ctx.sent_at)
        if pickup.empty and campaign.arrived_at is None and not text.strip():
            ctx.reply(Text(EXAMPLE))
            return
        done = arrival.announce(ctx.uow, campaign, pickup, at=ctx.sent_at)
    except DomainError as exc:
        ctx.reply(Text(f"{exc}\n\n{EXAMPLE}" if "取貨期限" in str(exc) else str(exc)))
        return
    send_notice(ctx, group, say.arrival_chunks(done, ctx.settings.tz))


def send_notice(ctx: EventContext, group: Group, chunks: list[say.Chunk]) -> None:
    """Reply with up to five messages; push the rest to the group (when it allows pushes), else say how many are left."""
    reply, rest = chunks[: MAX_REPLY_MESSAGES], chunks[MAX_REPLY_MESSAGES :]
    if rest and group.allow_push:
        reply[-1].lines.append(f"（名單較長：其餘 {say.buyers_left(rest)} 位接著推播，會用掉訊息額度）")
        for start in range(0, len(rest), MAX_REPLY_MESSAGES):
            batch = [c.text() for c in rest[start : start + MAX_REPLY_MESSAGES]]
            ctx.push(group.line_group_id, *batch, retry_key=str(uuid.uuid4()))
    elif rest:
        reply[-1].lines.append(f"…還有 {say.buyers_left(rest)} 位沒有列出（群組關閉了推播）。團主可輸入 /未取 看完整名單。")
    ctx.reply(*(c.text() for c in reply))


def change_setting(ctx: EventContext, group: Group, key: str, value: str) -> str | None:
    """Apply ``/設定 取貨期限 3|關``; return an error to reply, or None when applied."""
    assert group.id is not None
    days = value.removesuffix("天").strip()
    try:
        if value in ("關", "off", "0"):
            arrival.set_pickup_days(ctx.uow, group.id, None)
        elif days.isdigit():
            arrival.set_pickup_days(ctx.uow, group.id, int(days))
        else:
            return "用法：/設定 取貨期限 3（/到貨 沒寫期限時，到貨後 3 天內取貨，逾期記為棄單）、/設定 取貨期限 關。"
    except DomainError as exc:
        return str(exc)
    return None


def settings_lines(ctx: EventContext, group: Group) -> list[str]:
    """Return the pickup setting for the ``/設定`` overview."""
    assert group.id is not None
    days = arrival.pickup_days(ctx.uow, group.id)
    return [f"取貨期限：{f'沒寫就是開始取貨後 {days} 天' if days else '沒寫就不設（/設定 取貨期限 3 開啟）'}"]
