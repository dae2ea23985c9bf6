"""Build webhook events exactly as LINE sends them (see `delivery` to sign and POST them)."""

from __future__ import annotations

import itertools
import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.fakeline.ulid import new_ulid

logger = logging.getLogger(__name__)

Event = dict[str, Any]
_message_ids = itertools.count(600_000_000_000_000_001)
DEFAULT_DESTINATION = "U" + "b0" * 16  # the bot's user id, as FakeLinePlatform uses by default


class TokenIssuer(Protocol):
    """What a platform provides so the events it hands out are accepted later."""

    def issue_reply_token(self, chat_id: str) -> str:
        """Register and return a reply token for a reply into `chat_id`."""
        ...

    def issue_quote_token(self, message_id: str) -> str:
        """Register and return a quote token for `message_id`."""
        ...

    def new_message_id(self) -> str:
        """Return a fresh message id."""
        ...

    def now_ms(self) -> int:
        """Return the platform clock in ms since the epoch."""
        ...


class _Standalone:
    """Token issuer used without a platform: random tokens nobody will accept."""

    def issue_reply_token(self, chat_id: str) -> str:
        """Return a random reply token."""
        return secrets.token_hex(16)

    def issue_quote_token(self, message_id: str) -> str:
        """Return a random quote token."""
        return secrets.token_urlsafe(24)

    def new_message_id(self) -> str:
        """Return a fresh numeric message id."""
        return str(next(_message_ids))

    def now_ms(self) -> int:
        """Return wall-clock ms."""
        return int(time.time() * 1000)


@dataclass(frozen=True)
class Mention:
    """One `@name` span inside a text message."""

    index: int
    length: int
    user_id: str | None = None
    is_self: bool = False

    @classmethod
    def of(cls, text: str, name: str, user_id: str | None = None, *, is_self: bool = False) -> Mention:
        """Return the mention of `@name` in `text` (ValueError if absent)."""
        index = text.index("@" + name)
        return cls(index=index, length=len(name) + 1, user_id=user_id, is_self=is_self)

    def to_dict(self) -> dict[str, Any]:
        """Return the mentionee object LINE sends."""
        out: dict[str, Any] = {"index": self.index, "length": self.length, "type": "user"}
        if self.user_id:
            out["userId"] = self.user_id
        if self.is_self:
            out["isSelf"] = True
        return out


def source(user_id: str | None, group_id: str | None = None) -> dict[str, str]:
    """Return a `source` object: a group (userId optional) or a 1:1 user chat."""
    if group_id:
        src = {"type": "group", "groupId": group_id}
        if user_id:
            src["userId"] = user_id
        return src
    if not user_id:
        raise ValueError("a user source needs a user_id")
    return {"type": "user", "userId": user_id}


class EventFactory:
    """Build webhook events; with a platform, reply and quote tokens are registered there."""

    def __init__(self, issuer: TokenIssuer | None = None) -> None:
        """Use `issuer` (usually a FakeLinePlatform) for tokens, ids and time."""
        self.issuer: TokenIssuer = issuer if issuer is not None else _Standalone()

    def _event(
        self,
        kind: str,
        src: dict[str, str],
        *,
        reply: bool,
        timestamp_ms: int | None,
        **extra: Any,
    ) -> Event:
        """Return the common envelope of every event."""
        ts = self.issuer.now_ms() if timestamp_ms is None else timestamp_ms
        event: Event = {"type": kind, "mode": "active", "timestamp": ts, "source": src}
        if reply:
            event["replyToken"] = self.issuer.issue_reply_token(src.get("groupId") or src["userId"])
        event["webhookEventId"] = new_ulid(ts)
        event["deliveryContext"] = {"isRedelivery": False}
        event.update(extra)
        return event

    def text(
        self,
        text: str,
        *,
        user_id: str | None,
        group_id: str | None = None,
        mentions: Sequence[Mention] = (),
        message_id: str | None = None,
        quoted_message_id: str | None = None,
        timestamp_ms: int | None = None,
    ) -> Event:
        """Return a text message event (group when `group_id`, else 1:1)."""
        mid = message_id or self.issuer.new_message_id()
        message: dict[str, Any] = {
            "id": mid,
            "type": "text",
            "quoteToken": self.issuer.issue_quote_token(mid),
        }
        message["text"] = text
        if mentions:
            message["mention"] = {"mentionees": [m.to_dict() for m in mentions]}
        if quoted_message_id:
            message["quotedMessageId"] = quoted_message_id
        return self._event("message", source(user_id, group_id), reply=True, timestamp_ms=timestamp_ms, message=message)

    def file(
        self,
        file_name: str,
        file_size: int,
        *,
        user_id: str,
        group_id: str | None = None,
        message_id: str | None = None,
        timestamp_ms: int | None = None,
    ) -> Event:
        """Return a file message event; register its bytes with `platform.add_content`."""
        mid = message_id or self.issuer.new_message_id()
        message = {"id": mid, "type": "file", "fileName": file_name, "fileSize": file_size}
        return self._event("message", source(user_id, group_id), reply=True, timestamp_ms=timestamp_ms, message=message)

    def image(
        self,
        *,
        user_id: str,
        group_id: str | None = None,
        message_id: str | None = None,
        timestamp_ms: int | None = None,
    ) -> Event:
        """Return an image message event whose content is hosted by LINE."""
        mid = message_id or self.issuer.new_message_id()
        message = {
            "id": mid,
            "type": "image",
            "contentProvider": {"type": "line"},
            "quoteToken": self.issuer.issue_quote_token(mid),
        }
        return self._event("message", source(user_id, group_id), reply=True, timestamp_ms=timestamp_ms, message=message)

    def message_edited(
        self,
        message_id: str,
        text: str,
        *,
        user_id: str | None,
        group_id: str,
        timestamp_ms: int | None = None,
    ) -> Event:
        """Return a `messageEdited` event (group chats only) carrying the edited text."""
        if not group_id:
            raise ValueError("messageEdited exists only in group chats")
        message = {
            "id": message_id,
            "type": "text",
            "quoteToken": self.issuer.issue_quote_token(message_id),
            "text": text,
        }
        return self._event("messageEdited", source(user_id, group_id), reply=True, timestamp_ms=timestamp_ms, message=message)

    def unsend(
        self,
        message_id: str,
        *,
        user_id: str | None,
        group_id: str | None = None,
        timestamp_ms: int | None = None,
    ) -> Event:
        """Return an `unsend` event: the member withdrew `message_id`."""
        return self._event(
            "unsend",
            source(user_id, group_id),
            reply=False,
            timestamp_ms=timestamp_ms,
            unsend={"messageId": message_id},
        )

    def follow(self, user_id: str, *, is_unblocked: bool = False, timestamp_ms: int | None = None) -> Event:
        """Return a `follow` event (1:1 only): the user added the bot as a friend or unblocked it."""
        return self._event(
            "follow",
            source(user_id),
            reply=True,
            timestamp_ms=timestamp_ms,
            follow={"isUnblocked": is_unblocked},
        )

    def unfollow(self, user_id: str, *, timestamp_ms: int | None = None) -> Event:
        """Return an `unfollow` event (the user blocked the bot)."""
        return self._event("unfollow", source(user_id), reply=False, timestamp_ms=timestamp_ms)

    def join(self, group_id: str, *, timestamp_ms: int | None = None) -> Event:
        """Return a `join` event: the bot was added to `group_id`."""
        return self._event("join", source(None, group_id), reply=True, timestamp_ms=timestamp_ms)

    def leave(self, group_id: str, *, timestamp_ms: int | None = None) -> Event:
        """Return a `leave` event: the bot was removed from `group_id`."""
        return self._event("leave", source(None, group_id), reply=False, timestamp_ms=timestamp_ms)

    def member_joined(self, group_id: str, user_ids: Iterable[str], *, timestamp_ms: int | None = None) -> Event:
        """Return a `memberJoined` event."""
        members = [{"type": "user", "userId": uid} for uid in user_ids]
        return self._event(
            "memberJoined",
            source(None, group_id),
            reply=True,
            timestamp_ms=timestamp_ms,
            joined={"members": members},
        )

    def member_left(self, group_id: str, user_ids: Iterable[str], *, timestamp_ms: int | None = None) -> Event:
        """Return a `memberLeft` event."""
        members = [{"type": "user", "userId": uid} for uid in user_ids]
        return self._event(
            "memberLeft",
            source(None, group_id),
            reply=False,
            timestamp_ms=timestamp_ms,
            left={"members": members},
        )

    def postback(
        self,
        data: str,
        *,
        user_id: str | None,
        group_id: str | None = None,
        params: dict[str, str] | None = None,
        timestamp_ms: int | None = None,
    ) -> Event:
        """Return a `postback` event (a postback action was tapped)."""
        postback: dict[str, Any] = {"data": data}
        if params:
            postback["params"] = params
        return self._event("postback", source(user_id, group_id), reply=True, timestamp_ms=timestamp_ms, postback=postback)
