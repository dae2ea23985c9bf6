"""``/會員`` (profile card or member list by tag/segment) and ``/分群`` (segment sizes) for hosts."""

from __future__ import annotations

import re

from sqlmodel import col, select

from handlers.commands import command
from handlers.commands.admin import mentioned_user_ids
from handlers.commands.member_tags import words_without_mentions
from handlers.commands.profile_card import profile_card
from handlers.context import EventContext
from infra.messages import QuickReply, Text
from models import Member
from services import directory, profiles, tags
from services.errors import DomainError
from services.purchases import TAIPEI
from services.segments import NO_PURCHASE_LABEL, SEGMENTS, segment_key

FILTER = re.compile(r"^\s*(標籤|分群|tag|segment)\s*[:：]\s*(\S+)\s*$", re.IGNORECASE)
MAX_LISTED = 50
USAGE = "用法：/會員 @成員（看會員卡）、/會員 標籤:常加班、/會員 分群:沉睡（列出名單）。輸入 /分群 看各分群人數。"


def list_members_by_filter(ctx: EventContext, args: str) -> bool:
    """Reply with members matching ``標籤:X`` or ``分群:X``; return False when ``args`` is not such a filter."""
    match = FILTER.match(args)
    if match is None:
        return False
    if not ctx.is_host:
        ctx.reply(Text("只有團主可以查看會員名單喔！如需協助請私訊團主。"))
        return True
    kind, value = match.group(1).lower(), match.group(2)
    everyone = profiles.build_profiles(ctx.uow, now=ctx.sent_at)
    if kind in {"標籤", "tag"}:
        try:
            chosen = tags.members_with_tag(ctx.uow, value)
        except DomainError as exc:
            ctx.reply(Text(str(exc)))
            return True
        title = f"標籤「{value}」"
    else:
        key = segment_key(value)
        if key is None:
            names = "、".join(SEGMENTS.values())
            ctx.reply(Text(f"沒有「{value}」這個分群。可以用：{names}，例如：分群:沉睡"))
            return True
        ids = [mid for mid, p in everyone.items() if p.segment == key]
        chosen = list(ctx.uow.session.exec(select(Member).where(col(Member.id).in_(ids)).order_by(col(Member.id))))
        title = f"分群「{SEGMENTS[key]}」"
    ctx.reply(Text(_member_list(title, chosen, everyone)))
    return True


def _member_list(title: str, members: list[Member], everyone: dict[int, profiles.Profile]) -> str:
    if not members:
        return f"{title}目前沒有成員。"
    lines = [f"👥 {title}：{len(members)} 位"]
    for n, member in enumerate(members[:MAX_LISTED], start=1):
        p = everyone[member.id or 0]
        last = p.last_order_at.astimezone(TAIPEI).strftime("%m/%d") if p.last_order_at else "—"
        lines.append(f"{n}. {directory.label(member)}（{p.orders} 次，NT${p.spent:,}，最近 {last}）")
    if len(members) > MAX_LISTED:
        lines.append(f"…還有 {len(members) - MAX_LISTED} 位，完整名單請用 groupbuy export members 匯出。")
    return "\n".join(lines)


def _target(ctx: EventContext, args: str) -> Member | None:
    """Return the member named by mention, else by display name."""
    ids = mentioned_user_ids(ctx)
    if ids:
        return directory.ensure_member(ctx.uow, ids[0])
    name = " ".join(words_without_mentions(ctx, args))
    if not name:
        return None
    found = ctx.uow.session.exec(select(Member).where(col(Member.display_name).contains(name))).all()
    return found[0] if len(found) == 1 else None


@command("/會員", host_only=True, summary="看會員卡，或依標籤／分群列出成員", usage="@成員｜標籤:常加班｜分群:沉睡")
def member_command(ctx: EventContext, args: str) -> None:
    """Show a member's profile card, or a member list for a filter."""
    if list_members_by_filter(ctx, args):
        return
    member = _target(ctx, args)
    if member is None or member.id is None:
        ctx.reply(Text("找不到這位成員（或有好幾位同名）。" + USAGE))
        return
    profile = profiles.profile_of(ctx.uow, member, now=ctx.sent_at)
    card = profile_card(member, directory.label(member), profile, tags.tags_of(ctx.uow, member.id))
    ctx.reply(card)


@command("/分群", host_only=True, summary="看新客、活躍、熟客VIP、流失風險、沉睡各有幾位")
def segment_sizes(ctx: EventContext, _args: str) -> None:
    """Reply with how many members are in each segment, with buttons to list them."""
    everyone = profiles.build_profiles(ctx.uow, now=ctx.sent_at)
    counts = profiles.segment_counts(everyone)
    lines = ["📊 會員分群（依最近一次購買與次數）"]
    lines += [f"・{label}：{counts[key]} 位" for key, label in SEGMENTS.items()]
    lines.append(f"・{NO_PURCHASE_LABEL}：{counts[None]} 位")
    rate = profiles.repurchase_rate(everyone)
    if rate is not None:
        lines.append(f"回購率（買過 2 次以上／買過的人）：{rate:.0%}")
    lines.append("熟客VIP＝買過 3 次以上；流失風險＝45–89 天沒買；沉睡＝90 天以上沒買。")
    buttons = tuple(
        QuickReply(label=f"{label} {counts[key]}位", text=f"/會員 分群:{label}")
        for key, label in SEGMENTS.items()
        if counts[key]
    )
    ctx.reply(Text("\n".join(lines), buttons))
