"""Members' "+1" comments become orders; unsend and edit follow them; ``我的訂單``."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from handlers import order_messages as say
from handlers.commands import keyword, split_command
from handlers.context import Confirmation, EventContext
from infra.db import UnitOfWork
from infra.messages import QuickReply, Text
from models import Campaign, Group, Item, Member
from parsers.comment import CommentResult, Intent, parse_comment
from services import blocklist, campaigns, directory, order_book, order_intake, order_views, variants
from services.order_book import Promotion

log = logging.getLogger(__name__)
CAMPAIGN_PREFIX = re.compile(r"^\s*第\s*(\d{1,9})\s*團\s*")
CONFIRM_PREFIX = re.compile(r"^\s*確認\s+")
RECENTLY_CLOSED = timedelta(days=3)


@dataclass(frozen=True)
class Reading:
    """A comment read against one campaign."""

    campaign: Campaign
    items: list[Item]
    result: CommentResult


def take_order(ctx: EventContext, text: str) -> bool:
    """Turn a group comment into order changes; False when it is not about an order."""
    if not ctx.is_group or ctx.user_id is None:
        return False
    group = directory.find_group(ctx.uow, ctx.group_id or "")
    if group is None:
        return False
    confirmed_large = bool(CONFIRM_PREFIX.match(text))
    body = CONFIRM_PREFIX.sub("", text, count=1)
    readings = read_comment(ctx, group, body)
    if not readings:
        return False
    clear = [r for r in readings if r.result.status == "order"]
    if len(readings) > 1 and len(clear) != 1:
        ask_which_campaign(ctx, [r.campaign for r in readings], body)
        return True
    reading = clear[0] if len(readings) > 1 else readings[0]
    handle_reading(ctx, reading, body, confirmed_large=confirmed_large)
    return True


def read_comment(ctx: EventContext, group: Group, body: str) -> list[Reading]:
    """Parse the comment against each campaign it could be for; keep those it is about.

    A comment quoting a campaign's post is for that campaign; one quoting another member's order reads ``+1`` /
    ``我也要`` / ``同上`` as "the same as theirs" (parsers.comment, quoted).
    """
    assert group.id is not None
    candidates = campaigns.taking_comments(ctx.uow, group.id, ctx.sent_at, RECENTLY_CLOSED)
    prefix = CAMPAIGN_PREFIX.match(body)
    if prefix:
        body = body[prefix.end():]
        candidates = [c for c in candidates if c.id == int(prefix.group(1))]
    quoted = quoted_id(ctx)
    quoted_order = None
    if quoted is not None:
        on_post = [c for c in candidates if c.source_message_id == quoted]
        quoted_order = None if on_post else order_book.campaign_of_message(ctx.uow, quoted)
        candidates = on_post or [c for c in candidates if quoted_order is not None and c.id == quoted_order.id] \
            or candidates
    readings = []
    for campaign in candidates:
        assert campaign.id is not None
        items = campaigns.items_of(ctx.uow, campaign.id)
        result = parse_comment(body, variants.for_parser(items), quoted=quoted_order is not None)
        if result.status != "none":
            readings.append(Reading(campaign, items, result))
    if len(readings) > 1:  # a comment naming items of one campaign only goes there
        named = [r for r in readings if r.result.status == "order" or r.result.reason == "ambiguous_item"]
        readings = named or readings
    return readings


def handle_reading(ctx: EventContext, reading: Reading, body: str, *, confirmed_large: bool) -> None:
    """Take one comment for one campaign (services.order_intake) and phrase the outcome: confirm, ask or refuse."""
    note = None
    if reading.result.status == "same":
        copied = order_intake.same_as(
            ctx.uow, campaign_id=reading.campaign.id or 0, user_id=ctx.user_id or "", result=reading.result,
            quoted_id=quoted_id(ctx) if reading.result.reason == "quoted" else None, sent_at=ctx.sent_at,
        )
        if copied is None:
            reply_quoting(ctx, say.ask_same_what())
            return
        reading = Reading(reading.campaign, reading.items, copied.result)
        note = f"（跟 {copied.whose} 的單）"
    try:
        outcome = order_intake.take(
            ctx.uow, campaign_id=reading.campaign.id or 0, user_id=ctx.user_id or "", result=reading.result,
            message_id=message_id(ctx), sent_at=ctx.sent_at, large_confirmed=confirmed_large,
        )
    except order_intake.Closed as exc:
        reply_quoting(ctx, say.closed(exc.campaign, ctx.settings.tz))
        return
    except blocklist.Blocked as exc:
        if exc.first:  # one polite reply a campaign, not one per comment
            reply_quoting(ctx, Text(str(exc)))
        return
    if outcome.kind == "ask":
        ask(ctx, reading, body)
        return
    assert outcome.member_id is not None
    confirm(ctx, outcome.campaign, outcome.member_id, changed=outcome.changed, note=note)
    announce_promotions(ctx, outcome.campaign, outcome.promotions)


def ask(ctx: EventContext, reading: Reading, body: str) -> None:
    """Ask the member what they meant, with quick-reply buttons that complete the order."""
    result = reading.result
    if result.reason == "large_qty":
        reply_quoting(ctx, say.ask_large(body.strip()[:60]))
    elif result.reason == "unknown_item":
        reply_quoting(ctx, say.ask_unknown_item(reading.items))
    elif result.reason == "variant":
        ask_variant(ctx, reading)
    elif result.reason == "two_readings":
        choices = [(describe(reading, comment), comment) for comment in result.candidates]
        reply_quoting(ctx, say.ask_two_readings(choices))
    else:
        pending = next((i for i in result.intents if i.item is None), None) or Intent("add", None, 1)
        reply_quoting(ctx, say.ask_which_item(reading.items, pending.qty or 1, pending.action, result.candidates))


def ask_variant(ctx: EventContext, reading: Reading) -> None:
    """Ask which variant an order meant: each button re-sends the whole comment with that variant chosen."""
    result = reading.result
    by_code = {it.code: it for it in reading.items}
    pending = next(i for i in result.intents if i.item in by_code and i.variant is None)
    comments = [
        comment_text([replace(i, variant=name) if i is pending else i for i in result.intents], by_code)
        for name in result.candidates
    ]
    reply_quoting(ctx, say.ask_variant(by_code[pending.item or ""], result.candidates, comments))


def comment_text(intents: Sequence[Intent], by_code: dict[str, Item]) -> str:
    """Write intents back as a comment the parser reads the same way (a quick reply's text): 幫小明 A辣味+2 B+1."""
    parts = []
    for i in intents:
        ref = f"{i.item or ''}{i.variant or ''}" if i.item in by_code else ""
        word = {"add": f"{ref}+{i.qty}", "set": f"{ref}改{i.qty}", "remove": f"{ref}-{i.qty}"}.get(
            i.action, f"取消{ref}")
        parts.append((f"幫{i.for_name} " if i.for_name else "") + word + (f" {i.note}" if i.note else ""))
    return " ".join(parts)[:300]


def describe(reading: Reading, comment: str) -> str:
    """Name what a candidate comment orders (``3號 水餃 ×4``) for a quick-reply button."""
    read = parse_comment(comment, variants.for_parser(reading.items))
    by_code = {it.code: it for it in reading.items}
    named = [f"{by_code[i.item].name} ×{i.qty}" for i in read.intents if i.item in by_code]
    return "、".join(named) or comment


def ask_which_campaign(ctx: EventContext, options: list[Campaign], body: str) -> None:
    """Ask which open campaign a comment is for."""
    text = body.strip()[:40]
    buttons = tuple(QuickReply(label=f"第{c.id}團 {c.title}"[:20], text=f"第{c.id}團 {text}") for c in options[:13])
    reply_quoting(ctx, Text("目前有好幾團，請問這則是哪一團的呢？點下方按鈕選擇。", quick_replies=buttons))


def confirm(ctx: EventContext, campaign: Campaign, member_id: int, *, changed: bool, note: str | None = None) -> None:
    """Tell the member their order now: a quote reply, or a line of the batch's folded reply (handlers.confirmations).

    The group may choose silence.
    """
    group = ctx.uow.session.get(Group, campaign.group_id)
    if group is None or group.reply_mode == "silent" or ctx.user_id is None:
        return
    if not changed and not order_views.member_state(ctx.uow, campaign, member_id):
        return
    ctx.confirmations.append(Confirmation(
        group.line_group_id, ctx.user_id, member_id, campaign.id or 0, fold=group.reply_mode == "batch",
        quote_token=quote_token(ctx), note=note,
    ))


def announce_promotions(ctx: EventContext, campaign: Campaign, promotions: Sequence[Promotion]) -> None:
    """Tell waitlisted members they got the item: reply when a token is at hand, else one push."""
    text = promotions_text(ctx.uow, campaign, promotions)
    if text is None:
        return
    if ctx.reply_token:
        ctx.reply(text)
        return
    group = ctx.uow.session.get(Group, campaign.group_id)
    if group is not None and group.allow_push:
        ctx.push(group.line_group_id, text)


def promotions_text(uow: UnitOfWork, campaign: Campaign, promotions: Sequence[Promotion]) -> Text | None:
    """Return the message naming the waitlisted members who got the item (None when nobody did)."""
    mentions: dict[str, str] = {}
    lines = []
    for n, p in enumerate(promotions[:20]):
        member = uow.session.get(Member, p.member_id)
        if member is None:
            continue
        key = f"p{n}"
        mentions[key] = member.line_user_id
        lines.append(f"{{{key}}} {p.item.code} {p.item.name} ×{p.qty}")
    if not lines:
        return None
    return Text(f"🎉 候補遞補成功！第{campaign.id}團【{campaign.title}】\n" + "\n".join(lines), mentions=mentions)


def reply_quoting(ctx: EventContext, message: Text) -> None:
    """Reply, quoting the member's comment so a busy group sees which comment it answers."""
    if message.quote_token is None and quote_token(ctx):
        message = Text(message.text, message.quick_replies, quote_token(ctx), message.mentions)
    ctx.reply(message)


def quote_token(ctx: EventContext) -> str | None:
    """Return the comment's quote token, if any."""
    return getattr(getattr(ctx.event, "message", None), "quote_token", None)


def quoted_id(ctx: EventContext) -> str | None:
    """Return the id of the message the comment quotes (LINE's quotedMessageId), if any."""
    return getattr(getattr(ctx.event, "message", None), "quoted_message_id", None)


def message_id(ctx: EventContext) -> str | None:
    """Return the id of the message being handled."""
    return getattr(getattr(ctx.event, "message", None), "id", None)


def withdraw_unsent(ctx: EventContext, unsent_id: str) -> None:
    """A member unsent a comment: withdraw exactly what it did."""
    campaign, _member_id, promotions = order_book.revert_message(ctx.uow, unsent_id)
    if campaign is not None:
        announce_promotions(ctx, campaign, promotions)


def follow_edit(ctx: EventContext, edited_id: str, text: str) -> None:
    """A member edited a comment: undo what the old text did, then read the new text."""
    campaign = order_book.campaign_of_message(ctx.uow, edited_id)
    if campaign is None:
        if split_command(text) is None:  # a command is never an order (handlers.text runs commands first)
            take_order(ctx, text)
        return
    if not campaigns.accepts_orders_at(campaign, ctx.sent_at):
        reply_quoting(ctx, say.closed(campaign, ctx.settings.tz))
        return
    try:  # a blocked member's edit changes nothing either (not even what the old text ordered)
        blocklist.refuse_blocked(ctx.uow, campaign, ctx.user_id or "")
    except blocklist.Blocked as exc:
        if exc.first:
            reply_quoting(ctx, Text(str(exc)))
        return
    reverted, member_id, promotions = order_book.revert_message(ctx.uow, edited_id)
    if not take_order(ctx, text) and reverted is not None and member_id is not None:
        confirm(ctx, reverted, member_id, changed=True)
    if reverted is not None:
        announce_promotions(ctx, reverted, promotions)




@keyword("我的訂單", "查訂單", summary="查看你在進行中的團訂了什麼、要付多少")
def my_orders(ctx: EventContext, _args: str) -> None:
    """Reply with the member's lines and amount due across open and recently closed campaigns."""
    if ctx.user_id is None:
        return
    member = directory.ensure_member(ctx.uow, ctx.user_id)
    assert member.id is not None
    group = directory.find_group(ctx.uow, ctx.group_id) if ctx.group_id else None
    found = []
    for campaign in order_views.campaigns_of_member(ctx.uow, member.id, group_id=group.id if group else None):
        states = order_views.member_state(ctx.uow, campaign, member.id)
        if states:
            found.append((campaign, states))
    if not found:
        reply_quoting(ctx, Text("你目前沒有進行中的訂單。看到喜歡的團，留言「A+1」就能喊單喔！"))
        return
    lines = ["🧾 {m} 的訂單"]
    total = 0
    for campaign, states in found:
        due = order_views.amount_due(states)
        total += due
        lines.append(f"第{campaign.id}團【{campaign.title}】")
        lines += ["・" + say.state_line(s) for s in states]
        lines.append(f"  小計 {say.money(due)}")
    lines.append(f"合計應付 {say.money(total)}")
    reply_quoting(ctx, Text("\n".join(lines), mentions={"m": ctx.user_id}))
