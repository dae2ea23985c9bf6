"""What every event handler receives: the event, one unit of work, and an outbox for LINE."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from infra.config import Settings
from infra.db import UnitOfWork
from infra.messages import Message
from infra.messenger import Messenger


@dataclass
class Outgoing:
    """A message batch to send after the transaction commits (reply if a token is set, else push)."""

    messages: list[Message]
    reply_token: str | None = None
    push_to: str | None = None
    retry_key: str | None = None
    token_at: datetime | None = None  # when LINE delivered the reply token (a token is good for about a minute)
    settles: list[int] = field(default_factory=list)  # owed confirmations this message carries (models.OwedConfirmation)


@dataclass(frozen=True)
class Confirmation:
    """A member whose order changed and who is to be told their order now (handlers.confirmations sends it)."""

    chat_id: str  # the LINE group (or room)
    user_id: str
    member_id: int
    campaign_id: int
    fold: bool = False  # the group asked for one summary reply (`/設定 回覆 彙整`)
    quote_token: str | None = None  # the comment's, for a quote reply confirming just it (unless folded)
    note: str | None = None  # a line the quote reply adds: whose order a 「同上」 copied


@dataclass
class EventContext:
    """One event being handled; replies are collected and sent only after commit."""

    event: Any  # a linebot.v3.webhooks Event model
    uow: UnitOfWork
    settings: Settings
    messenger: Messenger
    sent_at: datetime  # when the user acted (the event's timestamp)
    received_at: datetime | None = None  # when the webhook stored it (the reply token's age counts from here)
    outbox: list[Outgoing] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    confirmations: list[Confirmation] = field(default_factory=list)  # sent once the batch is applied
    # Message contents downloaded before this event's transaction opened (bytes, or the LineError LINE answered).
    contents: dict[str, bytes | Exception] = field(default_factory=dict)
    # A worker's: hand it a small write learned after commit (a display name) for its next transaction, instead of
    # opening one of its own; None (inline handling): open one.
    defer: Callable[[Callable[[UnitOfWork], None]], None] | None = None

    @property
    def user_id(self) -> str | None:
        """Return the acting user's id; LINE may omit it in groups."""
        return getattr(getattr(self.event, "source", None), "user_id", None)

    @property
    def group_id(self) -> str | None:
        """Return the group id when the event happened in a group."""
        source = getattr(self.event, "source", None)
        return getattr(source, "group_id", None) or getattr(source, "room_id", None)

    @property
    def is_group(self) -> bool:
        """Return True when the event came from a group or room chat."""
        return self.group_id is not None

    @property
    def reply_token(self) -> str | None:
        """Return the event's reply token, if it has one."""
        return getattr(self.event, "reply_token", None)

    @property
    def is_host(self) -> bool:
        """Return True when the acting user is a host (env admins or added hosts)."""
        from services import hosts

        return self.user_id is not None and hosts.is_host(self.uow, self.settings, self.user_id)

    def content(self, message_id: str) -> bytes:
        """Return a file message's bytes: fetched before the transaction, or (when not) from LINE now."""
        found = self.contents.get(message_id)
        if isinstance(found, Exception):
            raise found
        return found if found is not None else self.messenger.content(message_id)

    def reply(self, *messages: Message) -> None:
        """Queue messages for the event's reply token (merged into one reply call, max five)."""
        if not messages:
            return
        token = self.reply_token
        if token is None:
            return
        for out in self.outbox:
            if out.reply_token == token:
                out.messages.extend(messages)
                return
        self.outbox.append(Outgoing(messages=list(messages), reply_token=token, token_at=self.received_at))

    def push(self, to: str, *messages: Message, retry_key: str | None = None) -> None:
        """Queue a push (costs quota) to a user or group."""
        self.outbox.append(Outgoing(messages=list(messages), push_to=to, retry_key=retry_key))
