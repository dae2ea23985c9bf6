"""Host commands after the cutoff: the supplier order (/叫貨) and shortages (/缺貨)."""

from __future__ import annotations

import uuid

from handlers import supply_messages as say
from handlers.commands import COMMANDS, command, ordering, split_command
from handlers.commands.ordering import message_id
from handlers.commands.scope import group_or_refuse, picked
from handlers.context import EventContext
from infra.messages import Text
from models import Group
from parsers.supply_command import ShortageArgsError, parse_shortage_args
from services import shortage, supplier_order
from services.errors import DomainError


@command("/叫貨", host_only=True, summary="叫貨單：各品項、口味的確認數量，可直接轉傳廠商", usage="[團號] [含價]")
def supplier_order_command(ctx: EventContext, args: str) -> None:
    """Reply with the campaign's supplier order (to forward) and the host's notes beside it."""
    group = group_or_refuse(ctx)
    if group is None:
        return
    words = args.split()
    with_prices = any(w in say.PRICE_WORDS for w in words)
    campaign = picked(ctx, group, " ".join(w for w in words if w not in say.PRICE_WORDS), include_closed=True)
    if campaign is None:
        return
    if campaign.status == "cancelled":
        ctx.reply(Text(f"第{campaign.id}團【{campaign.title}】已撤團，沒有要叫的貨。"))
        return
    order = supplier_order.supplier_order(ctx.uow, campaign)
    text = say.supplier_text(order, with_prices=with_prices)
    if order.total:
        ctx.reply(text, say.supplier_notes(order, ctx.settings.tz))
    else:
        ctx.reply(text)


@command("/缺貨", host_only=True, summary="廠商少到貨：從最後確認的訂單扣除、通知成員，已付的轉購物金",
         usage="[團號] 品項 數量")
def shortage_command(ctx: EventContext, args: str) -> None:
    """Cut a shortage from the last confirmed orders and tell the affected members, mentioning them."""
    group = group_or_refuse(ctx)
    if group is None:
        return
    try:
        parsed = parse_shortage_args(args)
    except ShortageArgsError as exc:
        ctx.reply(Text(f"{exc}。\n{say.SHORTAGE_USAGE}"))
        return
    campaign = picked(ctx, group, parsed.campaign, include_closed=True)
    if campaign is None:
        return
    try:
        item, variant = shortage.find_item(ctx.uow, campaign, parsed.item)
        outcome = shortage.register(ctx.uow, campaign=campaign, item=item, variant=variant, qty=parsed.qty,
                                    message_id=message_id(ctx), by=ctx.user_id or "host", at=ctx.sent_at)
    except DomainError as exc:
        ctx.reply(Text(str(exc)))
        return
    ctx.reply(*say.shortage_messages(outcome))


def withdraw_unsent(ctx: EventContext, unsent_id: str) -> None:
    """The host unsent a ``/缺貨`` message: give the cut quantities back and tell the group (a push, if allowed)."""
    withdrawn = shortage.withdraw(ctx.uow, unsent_id, by=ctx.user_id or "host")
    if withdrawn is None:
        return
    group = ctx.uow.session.get(Group, withdrawn.campaign.group_id)
    if group is not None and group.allow_push:
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"groupbuy:shortage-withdrawn:{unsent_id}"))
        ctx.push(group.line_group_id, say.withdrawn_text(withdrawn), retry_key=key)
    ordering.announce_promotions(ctx, withdrawn.campaign, withdrawn.promotions)


def follow_edit(ctx: EventContext, edited_id: str, text: str) -> None:
    """The host edited a ``/缺貨`` message: give back what it cut, then apply the new text (if still a /缺貨)."""
    if not shortage.applied(ctx.uow, edited_id):
        return
    withdrawn = shortage.withdraw(ctx.uow, edited_id, by=ctx.user_id or "host")
    if withdrawn is None:
        return
    ordering.announce_promotions(ctx, withdrawn.campaign, withdrawn.promotions)
    parts = split_command(text)
    if parts is not None and COMMANDS.get(parts[0]) is COMMANDS["/缺貨"] and ctx.is_host:
        shortage_command(ctx, parts[1])
    else:
        ctx.reply(say.withdrawn_text(withdrawn))
