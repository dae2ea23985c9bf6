"""A batch's order confirmations: a quote reply each, or folded into one reply that names every member.

A worker applies a chat's pending events as one batch (bot.processor). Each order change leaves a
:class:`~handlers.context.Confirmation`; once the batch is applied, :func:`plan` decides how the members hear of it,
inside the batch's transaction so that what is said is the order book that commits:

- a few comments: each gets its own quote reply (with its reply token);
- many comments of one chat (``FOLD_AT``), or a group in ``彙整`` mode: one reply to the newest token, one line per
  member with their current order (ten members a message, five messages a reply, then the next newest token);
- a token older than ``MAX_TOKEN_AGE_S`` is never used: its confirmation is folded into a newer reply.

Every confirmation is also written down (``owed_confirmations``) in the same transaction, and deleted once LINE
accepted the reply carrying it (:func:`settle`). A worker stopped between commit and reply, or a chat whose tokens
all went stale, leaves rows behind: once they are ``RECOVER_AFTER_S`` old (no worker is sending them any more), the
next reply in that chat carries them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select

from handlers import order_messages as say
from handlers.context import Confirmation, EventContext, Outgoing
from infra.db import UnitOfWork
from infra.messages import MAX_REPLY_MESSAGES, Message, Text
from infra.sql import one_of
from models import Campaign, Member, OwedConfirmation
from services import blocklist, order_views, survey

log = logging.getLogger(__name__)
FOLD_AT = 4  # this many members confirmed in one chat's batch get one folded reply instead of a reply each
MAX_TOKEN_AGE_S = 50.0  # LINE takes a reply token for about a minute after delivery; keep a margin for the send
PER_MESSAGE = 10  # members named per message of a folded reply
RECOVER_AFTER_S = 10.0  # an owed row this old is no longer on its way to LINE in any worker: another may send it
FORGET_AFTER = timedelta(minutes=30)  # an owed confirmation no reply carried by then is dropped (and logged)


@dataclass
class _Owed:
    """One member's confirmation in a chat, with every owed row it settles."""

    user_id: str
    member_id: int
    campaign_id: int
    rows: list[int]


def fresh(token_at: datetime | None, now: datetime) -> bool:
    """Return True when a reply token delivered at ``token_at`` may still be used."""
    return token_at is not None and (now - token_at).total_seconds() < MAX_TOKEN_AGE_S


def plan(uow: UnitOfWork, contexts: list[EventContext], now: datetime, busy: Collection[int] = ()) -> None:
    """Turn the batch's confirmations into replies in the contexts' outboxes (each carrying the rows it settles).

    ``busy``: owed rows already on their way to LINE (or accepted and not yet deleted), not to be sent again.
    """
    written: list[tuple[EventContext, Confirmation, OwedConfirmation]] = []
    for ctx in contexts:
        for c in ctx.confirmations:
            written.append((ctx, c, OwedConfirmation(
                chat_key=c.chat_id, user_id=c.user_id, member_id=c.member_id, campaign_id=c.campaign_id,
                reply_token=ctx.reply_token, token_at=ctx.received_at or now,
            )))
    uow.session.add_all([owed for _, _, owed in written])
    uow.session.flush()  # one INSERT for the batch's rows
    by_chat: dict[str, list[tuple[EventContext, Confirmation, int]]] = {}
    for ctx, c, owed in written:
        assert owed.id is not None
        by_chat.setdefault(c.chat_id, []).append((ctx, c, owed.id))
    chats = set(by_chat) | {ctx.group_id for ctx in contexts if ctx.group_id and fresh(ctx.received_at, now)}
    left = _left_over(uow, chats, now, busy)  # the rows just written are too young to be taken for left over
    for chat in sorted(chats):
        entries = by_chat.get(chat, [])
        members = {(c.user_id, c.campaign_id) for _, c, _ in entries}
        folding = len(members) >= FOLD_AT or any(c.fold for _, c, _ in entries)
        fold = list(left.get(chat, []))
        for ctx, c, row_id in entries:
            single = None if folding or not fresh(ctx.received_at, now) or _room(ctx) == 0 else _single(uow, c)
            if single is not None:
                _reply(ctx, [single], [row_id], first=True)
            else:
                fold.append(_Owed(c.user_id, c.member_id, c.campaign_id, [row_id]))
        if fold:
            _fold(uow, [ctx for ctx in contexts if ctx.group_id == chat], _latest(fold), now)


def _single(uow: UnitOfWork, c: Confirmation) -> Text | None:
    """Return the quote reply confirming one comment: the member's order now (and the survey invite, once)."""
    campaign = uow.session.get(Campaign, c.campaign_id)
    if campaign is None:
        return None
    states = order_views.member_state(uow, campaign, c.member_id, with_placed=True)
    text = say.member_order(campaign, states).text
    if c.note:
        text += "\n" + c.note
    warning = blocklist.host_warning(uow, campaign, c.member_id) if states else None
    if warning:
        text += "\n" + warning
    member = uow.session.get(Member, c.member_id)
    invite = survey.invite_text(uow, member) if member is not None and states else None
    if invite:
        text += "\n\n" + invite
    return Text(text, quote_token=c.quote_token, mentions={"m": c.user_id})


def _left_over(uow: UnitOfWork, chats: set[str], now: datetime, busy: Collection[int]) -> dict[str, list[_Owed]]:
    """Return the chats' owed confirmations from earlier batches (a stop between commit and reply, stale tokens)."""
    if not chats:
        return {}
    rows = _unsent(uow, now, busy, col(OwedConfirmation.chat_key).in_(chats))
    found: dict[str, list[_Owed]] = {}
    expired = []
    for owed in rows:
        assert owed.id is not None
        if now - owed.created_at > FORGET_AFTER:
            log.warning("dropped an order confirmation no reply could carry: member %s, campaign %s",
                        owed.member_id, owed.campaign_id)
            expired.append(owed.id)
            continue
        found.setdefault(owed.chat_key, []).append(_Owed(owed.user_id, owed.member_id, owed.campaign_id, [owed.id]))
    if expired:
        settle(uow, expired)
    return found


def _unsent(uow: UnitOfWork, now: datetime, busy: Collection[int], *where: Any) -> list[OwedConfirmation]:
    """Return the owed rows matching ``where`` that no worker is sending: not ``busy`` in this process, and written
    at least RECOVER_AFTER_S ago (until then the worker that wrote them may still have them on their way to LINE)."""
    written_before = now - timedelta(seconds=RECOVER_AFTER_S)
    rows = uow.session.exec(
        select(OwedConfirmation).where(*where, col(OwedConfirmation.created_at) < written_before)
        .order_by(col(OwedConfirmation.id))
    ).all()
    return [row for row in rows if row.id not in busy]


def _latest(owed: list[_Owed]) -> list[_Owed]:
    """Merge a member's confirmations of one campaign into one (named once, with every row it settles)."""
    merged: dict[tuple[str, int], _Owed] = {}
    for o in owed:
        key = (o.user_id, o.campaign_id)
        if key in merged:
            merged[key].rows.extend(o.rows)
        else:
            merged[key] = _Owed(o.user_id, o.member_id, o.campaign_id, list(o.rows))
    return list(merged.values())


def _fold(uow: UnitOfWork, contexts: list[EventContext], owed: list[_Owed], now: datetime) -> None:
    """Put the folded lines into the newest fresh replies of the chat; what finds no room stays owed."""
    tokens = [ctx for ctx in reversed(contexts) if ctx.reply_token and fresh(ctx.received_at, now)]
    chunks = list(_chunks(uow, owed))
    for ctx in tokens:
        if not chunks:
            return
        room = _room(ctx)
        taken, chunks = chunks[:room], chunks[room:]
        if taken:
            _reply(ctx, [m for m, _ in taken], [row for _, rows in taken for row in rows])


def _chunks(uow: UnitOfWork, owed: list[_Owed]) -> Iterable[tuple[Text, list[int]]]:
    """Yield messages of up to PER_MESSAGE lines (``{m0} 第1團：A 水餃 ×2｜$360``) and the rows each settles."""
    lines: list[tuple[str, str, list[int]]] = []
    campaigns = {cid: c for cid in dict.fromkeys(o.campaign_id for o in owed)
                 if (c := uow.session.get(Campaign, cid)) is not None}
    states_of = {cid: order_views.member_states(uow, c, [o.member_id for o in owed if o.campaign_id == cid],
                                                with_placed=True) for cid, c in campaigns.items()}
    for o in owed:
        campaign = campaigns.get(o.campaign_id)
        if campaign is None:
            continue
        states = states_of[o.campaign_id][o.member_id]
        items = "、".join(say.state_line(s) for s in states) or "已全部取消"
        warning = blocklist.host_warning(uow, campaign, o.member_id) if states else None
        line = f"第{campaign.id}團：{items}｜{say.money(order_views.amount_due(states))}" + (warning or "")
        lines.append((o.user_id, line, o.rows))
    for start in range(0, len(lines), PER_MESSAGE):
        chunk = lines[start : start + PER_MESSAGE]
        mentions = {f"m{n}": user for n, (user, _, _) in enumerate(chunk)}
        body = "\n".join(f"{{m{n}}} {line}" for n, (_, line, _) in enumerate(chunk))
        yield Text("✅ 已登記\n" + body, mentions=mentions), [row for _, _, rows in chunk for row in rows]


def _outgoing(ctx: EventContext) -> Outgoing | None:
    return next((out for out in ctx.outbox if out.reply_token == ctx.reply_token), None)


def _room(ctx: EventContext) -> int:
    out = _outgoing(ctx)
    return MAX_REPLY_MESSAGES - (len(out.messages) if out is not None else 0)


def _reply(ctx: EventContext, messages: list[Message], rows: list[int], *, first: bool = False) -> None:
    """Add messages to the event's reply (a comment's own confirmation before anything else it says)."""
    out = _outgoing(ctx)
    if out is not None and first:
        out.messages[:0] = messages
    else:
        ctx.reply(*messages)
        out = _outgoing(ctx)
    if out is not None:
        out.settles.extend(rows)


def settle(uow: UnitOfWork, rows: Collection[int]) -> None:
    """Forget owed confirmations LINE accepted (in ``uow``'s transaction)."""
    if rows:
        uow.session.execute(delete(OwedConfirmation).where(one_of(uow.dialect, OwedConfirmation.id, list(rows))))


def recover(uow: UnitOfWork, now: datetime, busy: Collection[int] = ()) -> list[Outgoing]:
    """Return replies for owed confirmations whose own reply token is still fresh (a worker stopped before sending).

    Each chat's lines go to its newest such tokens. A token LINE already took (the reply went out, only its
    acceptance was not recorded) is refused by LINE, so nothing is said twice; the rows then wait for the next
    reply in the chat.
    """
    rows = _unsent(uow, now, busy, col(OwedConfirmation.token_at) > now - timedelta(seconds=MAX_TOKEN_AGE_S))
    by_chat: dict[str, list[OwedConfirmation]] = {}
    for row in rows:
        if row.reply_token:
            by_chat.setdefault(row.chat_key, []).append(row)
    replies = []
    for found in by_chat.values():
        owed = _latest([_Owed(r.user_id, r.member_id, r.campaign_id, [r.id or 0]) for r in found])
        chunks = list(_chunks(uow, owed))
        tokens = list(dict.fromkeys((r.reply_token, r.token_at) for r in reversed(found)))
        for token, token_at in tokens:
            taken, chunks = chunks[:MAX_REPLY_MESSAGES], chunks[MAX_REPLY_MESSAGES:]
            if not taken:
                break
            replies.append(Outgoing([m for m, _ in taken], reply_token=token, token_at=token_at,
                                    settles=[row for _, rows_ in taken for row in rows_]))
    return replies
