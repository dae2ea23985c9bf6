"""Batched order confirmations: in a busy group, one reply confirms several members at once."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from handlers import order_messages as say
from infra.db import UnitOfWork
from infra.messages import Text
from infra.messenger import LineError, Messenger
from models import Campaign
from services import order_views

log = logging.getLogger(__name__)
MAX_MEMBERS = 10  # a full batch is sent at once
PER_MESSAGE = 10  # mentions per message (five messages per reply)


@dataclass(frozen=True)
class Pending:
    """A member whose order changed and who waits for a confirmation."""

    group_id: str
    reply_token: str
    user_id: str
    member_id: int
    campaign_id: int


class ConfirmationBatch:
    """Collects confirmations per group; flushed when the inbox runs dry or a batch is full."""

    def __init__(self) -> None:
        self._pending: dict[str, list[Pending]] = {}
        self._lock = threading.Lock()

    @property
    def pending(self) -> bool:
        """Return True when some confirmation waits to be sent."""
        return any(self._pending.values())

    def add(self, items: list[Pending]) -> list[str]:
        """Queue confirmations; return groups whose batch is now full."""
        with self._lock:
            for item in items:
                queue = self._pending.setdefault(item.group_id, [])
                queue[:] = [p for p in queue if (p.user_id, p.campaign_id) != (item.user_id, item.campaign_id)]
                queue.append(item)
            return [g for g, q in self._pending.items() if len(q) >= MAX_MEMBERS]

    def flush(self, engine: Engine, messenger: Messenger, groups: list[str] | None = None) -> None:
        """Reply once per group with every queued member's current order, using the newest reply token."""
        with self._lock:
            keys = list(self._pending) if groups is None else [g for g in groups if g in self._pending]
            batches = [self._pending.pop(g) for g in keys]
        for batch in batches:
            messages = render(engine, batch)
            if not messages:
                continue
            try:
                messenger.reply(batch[-1].reply_token, messages)
            except LineError as exc:
                log.warning("batched confirmation failed (%s)", exc.status)


def render(engine: Engine, batch: list[Pending]) -> list[Text]:
    """Return up to five messages confirming each member's current order, mentioning them."""
    lines: list[str] = []
    mentions: dict[str, str] = {}
    with UnitOfWork(engine, read_only=True) as uow:
        for n, p in enumerate(batch):
            campaign = uow.session.get(Campaign, p.campaign_id)
            if campaign is None:
                continue
            states = order_views.member_state(uow, campaign, p.member_id)
            key = f"m{n}"
            mentions[key] = p.user_id
            items = "、".join(say.state_line(s) for s in states) or "已全部取消"
            lines.append(f"{{{key}}} 第{campaign.id}團：{items}｜{say.money(order_views.amount_due(states))}")
    messages = []
    keys = list(mentions)
    for start in range(0, len(lines), PER_MESSAGE):
        chunk = lines[start : start + PER_MESSAGE]
        used = {k: mentions[k] for k in keys[start : start + PER_MESSAGE]}
        messages.append(Text("✅ 已登記\n" + "\n".join(chunk), mentions=used))
    return messages[:5]
