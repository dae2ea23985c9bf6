"""Closing soon on a reply: the first reply in a group in the last two hours before a deadline says how long is left.

Called once per batch, after the confirmations are planned (bot.processor), so every reply the batch sends is
known: the first fresh reply in each group gets one line per campaign closing soon, and the line is recorded
(services.closing_soon, ``closing_reply``) in the same transaction, so it is said once per campaign.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers.confirmations import fresh
from handlers.context import EventContext, Outgoing
from infra.db import UnitOfWork
from infra.messages import MAX_REPLY_MESSAGES, MAX_TEXT, Text, utf16_len
from services import campaigns, closing_soon, directory


def pending_lines(uow: UnitOfWork, group_id: int, now: datetime, kind: str) -> list[tuple[int, str]]:
    """Return (campaign id, line) for each campaign of the group closing soon whose ``kind`` notice is not recorded."""
    soon = [c for c in closing_soon.closing_within(uow, group_id, now)
            if c.id is not None and not closing_soon.already(uow, kind, c.id)]
    named = len(campaigns.open_in_group(uow, group_id)) > 1 if soon else False
    return [(c.id or 0, closing_soon.line_of(closing_soon.describe(uow, c, now), named=named)) for c in soon]


def annotate(uow: UnitOfWork, contexts: list[EventContext], now: datetime) -> None:
    """Add the closing-soon line to the first fresh reply of each group in the batch (once per campaign)."""
    done: set[str] = set()
    for ctx in contexts:
        chat = ctx.group_id
        if chat is None or chat in done or not fresh(ctx.received_at, now):
            continue
        out = next((o for o in ctx.outbox if o.reply_token and o.reply_token == ctx.reply_token and o.messages), None)
        if out is None:
            continue
        done.add(chat)
        group = directory.find_group(uow, chat)
        if group is None or group.id is None or closing_soon.mode_of(uow, group.id) == "off":
            continue
        found = pending_lines(uow, group.id, ctx.sent_at, closing_soon.REPLY)
        if not found or not _fits(out, "\n".join(line for _, line in found)):
            continue
        lines = [line for cid, line in found
                 if closing_soon.claim(uow, closing_soon.REPLY, cid, ctx.sent_at, status="sent") is not None]
        if lines:
            _append(out, "\n".join(lines))


def _fits(out: Outgoing, line: str) -> bool:
    """Return True when the line can go on the reply's last text, or as a message of its own."""
    last = out.messages[-1]
    fits = isinstance(last, Text) and utf16_len(last.text) + utf16_len(line) + 2 <= MAX_TEXT
    return fits or len(out.messages) < MAX_REPLY_MESSAGES


def _append(out: Outgoing, line: str) -> None:
    """Add the line to the reply's last text (or as a message of its own when that text is full or not a text)."""
    last = out.messages[-1]
    if isinstance(last, Text) and utf16_len(last.text) + utf16_len(line) + 2 <= MAX_TEXT:
        out.messages[-1] = replace(last, text=f"{last.text}\n\n{line}")
    else:
        out.messages.append(Text(line))
