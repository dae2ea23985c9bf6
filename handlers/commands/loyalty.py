"""Credit (購物金) and points (集點): ``/購物金`` and ``/點數`` for the host, ``我的購物金`` / ``我的點數`` for members.

The group settings ``/設定 集點 100`` and ``/設定 點數折抵 1`` are read here too (``handlers.commands.campaign_admin``
hands those keys over).
"""

from __future__ import annotations

import re

from handlers import credit_messages as say
from handlers.commands import command, keyword
from handlers.commands.admin import mentioned_user_ids
from handlers.commands.member_tags import mentioned_members, words_without_mentions
from handlers.commands.ordering import reply_quoting
from handlers.context import EventContext
from infra.messages import Text, literal_braces
from models import Group, Member
from services import credit, directory, order_views, payments, points, settlement
from services.errors import DomainError

AMOUNT = re.compile(r"^(?P<sign>[+\-＋－]?)\s*(?:NT)?\$?(?P<digits>\d[\d,]*)(?:元|塊)?$", re.IGNORECASE)
SETTING_KEYS = ("集點", "點數折抵")
SETTING_USAGE = "/設定 集點 100|關、/設定 點數折抵 1"


def read_amount(word: str) -> int | None:
    """Read ``+100`` / ``-100`` / ``100元`` / ``＋$1,000`` as a signed amount; None when it is not one."""
    found = AMOUNT.match(word.strip())
    if found is None:
        return None
    amount = int(found["digits"].replace(",", ""))
    return -amount if found["sign"] in ("-", "－") else amount


def available_credit(ctx: EventContext, member: Member) -> int:
    """Return the credit a member has left after every due (pending over-payments and applications included)."""
    return payments.account(ctx.uow, member).credit_balance


@command("/購物金", host_only=True, summary="加減成員的購物金（下次應付自動折抵）", usage="@成員 +100 備註｜-100｜（查看）")
def credit_command(ctx: EventContext, args: str) -> None:
    """Adjust (or show) the credit of the mentioned members."""
    if not mentioned_user_ids(ctx):
        ctx.reply(Text(say.CREDIT_USAGE))
        return
    words = words_without_mentions(ctx, args)
    amount = read_amount(words[0]) if words else None
    members = mentioned_members(ctx)
    if not words:
        ctx.reply(Text("\n\n".join(_credit_of(ctx, m) for m in members)))
        return
    if amount is None:
        ctx.reply(Text(f"看不懂金額「{words[0][:20]}」。{say.CREDIT_USAGE}"))
        return
    note = literal_braces(" ".join(words[1:])[:200])  # braces would break a textV2 reply
    try:
        for member in members:  # refuse before changing anything
            if amount < 0 and available_credit(ctx, member) + amount < 0:
                have = available_credit(ctx, member)
                raise credit.NotEnoughCredit(
                    f"{directory.label(member)} 的購物金只剩 {say.money(have)}，最多只能扣 {say.money(have)}。"
                    f"請改成 /購物金 @成員 -{have}，或輸入 /購物金 @成員 查看明細。"
                )
        done = []
        for member in members:
            credit.adjust(ctx.uow, member, amount, note=note, by=ctx.user_id, available=available_credit(ctx, member))
            settled = settlement.settle(ctx.uow, member, by=ctx.user_id or "auto")
            done.append(_adjusted(ctx, member, amount, note, settled.applied))
    except DomainError as exc:
        ctx.reply(Text(str(exc)))
        return
    ctx.reply(Text("\n".join(done)))


def _adjusted(ctx: EventContext, member: Member, amount: int, note: str, applied: int) -> str:
    """Describe one adjustment and where the member's credit stands now."""
    text = f"✅ {directory.label(member)} 購物金 {say.signed(amount)}" + (f"（{note}）" if note else "")
    text += f"，目前購物金 {say.money(available_credit(ctx, member))}"
    if applied:
        text += f"；已自動折抵應付 {say.money(applied)}"
    return text + "。"


def _credit_of(ctx: EventContext, member: Member, who: str | None = None) -> str:
    """Describe a member's credit and its latest entries (``who``: how to call the member, their name by default)."""
    assert member.id is not None
    return say.credit_statement(who or directory.label(member), available_credit(ctx, member),
                                credit.entries(ctx.uow, member.id))


@command("/點數", host_only=True, summary="成員點數：查看，或兌換成購物金", usage="兌換 @成員 50｜@成員")
def points_command(ctx: EventContext, args: str) -> None:
    """Redeem (or show) the points of the mentioned members."""
    if not mentioned_user_ids(ctx):
        ctx.reply(Text(say.POINTS_USAGE))
        return
    words = words_without_mentions(ctx, args)
    members = mentioned_members(ctx)
    group = directory.ensure_group(ctx.uow, ctx.group_id) if ctx.group_id else None
    if not words:
        ctx.reply(Text("\n\n".join(_points_of(ctx, m, group) for m in members)))
        return
    amount = read_amount(words[1]) if len(words) == 2 and words[0] in ("兌換", "換") else None
    if amount is None or amount <= 0 or group is None or group.id is None:
        ctx.reply(Text(say.POINTS_USAGE if group else "兌換點數請在團購群組裡輸入：/點數 兌換 @成員 50。"))
        return
    try:
        for member in members:  # refuse before changing anything
            assert member.id is not None
            if points.balance(ctx.uow, member.id) < amount:
                points.redeem(ctx.uow, member, amount, group_id=group.id, by=ctx.user_id)  # raises what to do
        done = []
        for member in members:
            money = points.redeem(ctx.uow, member, amount, group_id=group.id, by=ctx.user_id)
            settled = settlement.settle(ctx.uow, member, by=ctx.user_id or "auto")
            assert member.id is not None
            line = (f"✅ {directory.label(member)} 用 {amount:,} 點換了 {say.money(money)} 購物金；"
                    f"剩 {points.balance(ctx.uow, member.id):,} 點，購物金 {say.money(available_credit(ctx, member))}")
            done.append(line + (f"，已自動折抵應付 {say.money(settled.applied)}。" if settled.applied else "。"))
    except DomainError as exc:
        who = f"{directory.label(member)}：" if len(members) > 1 else ""
        ctx.reply(Text(f"{who}{exc}" + ("（這次沒有兌換任何點數）" if len(members) > 1 else "")))
        return
    ctx.reply(Text("\n".join(done)))


def _points_of(ctx: EventContext, member: Member, group: Group | None, who: str | None = None) -> str:
    """Describe a member's points, the group's rate and the latest entries."""
    assert member.id is not None
    group_id = group.id if group is not None and group.id is not None else _home_group(ctx, member)
    rate = points.rate_of(ctx.uow, group_id) if group_id is not None else None
    value = points.value_of(ctx.uow, group_id) if group_id is not None else points.DEFAULT_VALUE
    return say.points_statement(who or directory.label(member), points.balance(ctx.uow, member.id),
                                points.entries(ctx.uow, member.id), rate=rate, value=value)


def _home_group(ctx: EventContext, member: Member) -> int | None:
    """Return the group of the member's newest campaign (a 1:1 chat has no group of its own)."""
    assert member.id is not None
    newest = order_views.campaigns_of_member(ctx.uow, member.id)
    return newest[0].group_id if newest else None


@keyword("我的購物金", "購物金", "查購物金", summary="看看你的購物金（下次應付自動折抵）")
def my_credit(ctx: EventContext, _args: str) -> None:
    """Tell a member their credit (group or 1:1)."""
    if ctx.user_id is None:
        return
    member = directory.ensure_member(ctx.uow, ctx.user_id)
    text = _credit_of(ctx, member, "{m}" if ctx.is_group else "你")
    reply_quoting(ctx, Text(text, mentions={"m": ctx.user_id} if ctx.is_group else {}))


@keyword("我的點數", "點數", "查點數", "我的集點", summary="看看你的集點點數")
def my_points(ctx: EventContext, _args: str) -> None:
    """Tell a member their points (group or 1:1)."""
    if ctx.user_id is None:
        return
    member = directory.ensure_member(ctx.uow, ctx.user_id)
    group = directory.find_group(ctx.uow, ctx.group_id) if ctx.group_id else None
    text = _points_of(ctx, member, group, "{m}" if ctx.is_group else "你")
    reply_quoting(ctx, Text(text, mentions={"m": ctx.user_id} if ctx.is_group else {}))


def change_setting(ctx: EventContext, group: Group, key: str, value: str) -> str | None:
    """Apply ``/設定 集點 100|關`` or ``/設定 點數折抵 1``; return an error to reply, or None when applied."""
    assert group.id is not None
    number = read_amount(value)
    try:
        if key == "集點" and value in ("關", "off", "0"):
            points.set_rate(ctx.uow, group.id, None)
        elif key == "集點" and number is not None and number > 0:
            points.set_rate(ctx.uow, group.id, number)
        elif key == "點數折抵" and number is not None and number > 0:
            points.set_value(ctx.uow, group.id, number)
        else:
            return "用法：/設定 集點 100（每付 100 元集 1 點）、/設定 集點 關、/設定 點數折抵 1（1 點 = 1 元購物金）。"
    except DomainError as exc:
        return str(exc)
    return None


def settings_lines(ctx: EventContext, group: Group) -> list[str]:
    """Return the points settings for the ``/設定`` overview."""
    assert group.id is not None
    rate = points.rate_of(ctx.uow, group.id)
    value = points.value_of(ctx.uow, group.id)
    earning = f"每付 {say.money(rate)} 集 1 點" if rate else "關（/設定 集點 100 開啟）"
    return [f"集點：{earning}", f"點數折抵：1 點 = {say.money(value)} 購物金"]
