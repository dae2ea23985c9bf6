"""Build webhook bodies exactly as LINE sends them, sign them and POST them to a bot."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import itertools
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.fakeline.ulid import new_ulid

logger = logging.getLogger(__name__)

Event = dict[str, Any]
_message_ids = itertools.count(600_000_000_000_000_001)


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
        return self._event(
            "messageEdited", source(user_id, group_id), reply=True, timestamp_ms=timestamp_ms, message=message
        )

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
        return self._event(
            "postback", source(user_id, group_id), reply=True, timestamp_ms=timestamp_ms, postback=postback
        )


def webhook_body(events: Iterable[Event], *, destination: str = "Ufakebotdestination0000000000000") -> dict[str, Any]:
    """Return the webhook request body carrying `events`."""
    return {"destination": destination, "events": list(events)}


def as_redelivery(body: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of `body` with every event marked `isRedelivery: true` (ids and tokens unchanged)."""
    out = copy.deepcopy(body)
    for event in out["events"]:
        event["deliveryContext"] = {"isRedelivery": True}
    return out


def encode(body: dict[str, Any]) -> bytes:
    """Serialize a webhook body as LINE does (compact UTF-8 JSON)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, channel_secret: str) -> str:
    """Return the `X-Line-Signature` for `body`: base64(HMAC-SHA256(channel secret, body))."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class Delivery:
    """The bot's answer to one webhook POST."""

    status: int
    text: str
    elapsed_s: float
    body: dict[str, Any]


class WebhookSender:
    """POST signed webhook bodies to a bot, the way LINE does."""

    def __init__(self, bot_url: str, channel_secret: str, *, timeout_s: float = 10.0) -> None:
        """Target `bot_url`, signing with `channel_secret`."""
        self.bot_url = bot_url
        self.channel_secret = channel_secret
        self.timeout_s = timeout_s
        self.deliveries: list[Delivery] = []

    def send(self, *events: Event, destination: str | None = None) -> Delivery:
        """POST one body holding `events`."""
        body = webhook_body(events) if destination is None else webhook_body(events, destination=destination)
        return self.send_body(body)

    def redeliver(self, body: dict[str, Any]) -> Delivery:
        """POST `body` again, marked as a redelivery."""
        return self.send_body(as_redelivery(body))

    def send_body(self, body: dict[str, Any], *, signature: str | None = None) -> Delivery:
        """POST `body` with a real signature (or the given one, to test rejection)."""
        raw = encode(body)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": signature if signature is not None else sign(raw, self.channel_secret),
            "User-Agent": "LineBotWebhook/2.0",
        }
        request = urllib.request.Request(self.bot_url, data=raw, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        delivery = Delivery(status=status, text=text, elapsed_s=time.monotonic() - started, body=body)
        if delivery.elapsed_s > 2:
            logger.warning("bot took %.2fs to answer the webhook (LINE times out at 2s)", delivery.elapsed_s)
        self.deliveries.append(delivery)
        return delivery
