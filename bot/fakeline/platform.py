"""State of the fake LINE platform: setup, issued tokens, quota, and everything the bot sent."""

from __future__ import annotations

import itertools
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.fakeline.events import EventFactory
from bot.fakeline.records import EXPIRED, UNKNOWN, USED, ChatEntry, Content, Group, RecordedRequest, User, Violation
from bot.fakeline.richmenu import RichMenuStore
from bot.fakeline.validation import RequestValidator

logger = logging.getLogger(__name__)

REPLY_TOKEN_TTL_S = 60.0
RETRY_KEY_TTL_S = 24 * 3600.0
DEFAULT_TOKEN = "fake-channel-access-token"
BOT_VIAS = ("reply", "push", "multicast")


@dataclass
class _ReplyToken:
    chat_id: str
    issued_at: float
    used: bool = False


@dataclass
class _Traffic:
    """Everything that `reset()` forgets."""

    requests: list[RecordedRequest] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    timeline: list[ChatEntry] = field(default_factory=list)
    reply_tokens: dict[str, _ReplyToken] = field(default_factory=dict)
    quote_tokens: dict[str, str] = field(default_factory=dict)
    retry_keys: dict[str, tuple[float, str, Any]] = field(default_factory=dict)
    usage: int = 0


class FakeLinePlatform:
    """An in-memory LINE platform; serve it over HTTP with `FakeLineServer`."""

    def __init__(
        self,
        channel_access_token: str = DEFAULT_TOKEN,
        *,
        bot_name: str = "團購小幫手",
        bot_user_id: str = "U" + "b0" * 16,
        quota: int | None = 200,
        reply_token_ttl_s: float | None = REPLY_TOKEN_TTL_S,
        validator: RequestValidator | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create a platform accepting `channel_access_token`; `quota` per month, None = unlimited."""
        self.channel_access_token = channel_access_token
        self.bot_name = bot_name
        self.bot_user_id = bot_user_id
        self.quota = quota
        self.reply_token_ttl_s = reply_token_ttl_s
        self.validator = validator if validator is not None else RequestValidator()
        self._clock = clock
        self._offset_s = 0.0
        self.lock = threading.RLock()
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.contents: dict[str, Content] = {}
        self.rich_menus = RichMenuStore()
        self._traffic = _Traffic()
        self._seq = itertools.count(1)
        self._message_ids = itertools.count(int(self.now() * 1000) * 1000)
        self.events = EventFactory(self)

    # -- clock ---------------------------------------------------------------------------------
    def now(self) -> float:
        """Return the platform clock in seconds since the epoch."""
        return self._clock() + self._offset_s

    def now_ms(self) -> int:
        """Return the platform clock in ms."""
        return int(self.now() * 1000)

    def advance_clock(self, seconds: float) -> None:
        """Move the platform clock forward (e.g. past a reply token's 60 s)."""
        self._offset_s += seconds

    # -- setup -----------------------------------------------------------------------------------
    def add_user(self, user_id: str, display_name: str, friend: bool = True, picture_url: str | None = None) -> User:
        """Register a LINE user; `friend=False` means the user never added (or blocked) the bot."""
        with self.lock:
            user = User(user_id, display_name, friend=friend, picture_url=picture_url)
            self.users[user_id] = user
            return user

    def set_friend(self, user_id: str, friend: bool) -> None:
        """Mark a user as friend (follow) or not (unfollow/block)."""
        with self.lock:
            self.users[user_id].friend = friend

    def add_group(self, group_id: str, name: str, member_ids: list[str]) -> Group:
        """Register a group chat the bot is in, with its members."""
        with self.lock:
            group = Group(group_id, name, list(member_ids))
            self.groups[group_id] = group
            return group

    def add_member(self, group_id: str, user_id: str) -> None:
        """Add a user to a group."""
        with self.lock:
            if user_id not in self.groups[group_id].member_ids:
                self.groups[group_id].member_ids.append(user_id)

    def remove_member(self, group_id: str, user_id: str) -> None:
        """Remove a user from a group."""
        with self.lock:
            members = self.groups[group_id].member_ids
            if user_id in members:
                members.remove(user_id)

    def add_content(self, message_id: str, data: bytes, content_type: str) -> None:
        """Serve `data` at `/v2/bot/message/{message_id}/content`."""
        with self.lock:
            self.contents[message_id] = Content(data, content_type)

    def remove_content(self, message_id: str) -> None:
        """Forget a content (LINE deletes content after a while)."""
        with self.lock:
            self.contents.pop(message_id, None)

    def set_quota(self, limit: int | None) -> None:
        """Set the monthly message quota (None = no limit)."""
        with self.lock:
            self.quota = limit

    def set_usage(self, used: int) -> None:
        """Set how many messages were already counted this month."""
        with self.lock:
            self._traffic.usage = used

    def reset(self) -> None:
        """Forget traffic (requests, timeline, tokens, usage, retry keys); keep users, groups and content."""
        with self.lock:
            self._traffic = _Traffic()

    # -- tokens and ids (the TokenIssuer protocol used by EventFactory) -------------------------
    def issue_reply_token(self, chat_id: str) -> str:
        """Register and return a single-use reply token for a reply into `chat_id`."""
        token = secrets.token_hex(16)
        with self.lock:
            self._traffic.reply_tokens[token] = _ReplyToken(chat_id, self.now())
        return token

    def issue_quote_token(self, message_id: str) -> str:
        """Register and return a quote token for `message_id`."""
        token = secrets.token_urlsafe(48)
        with self.lock:
            self._traffic.quote_tokens[token] = message_id
        return token

    def new_message_id(self) -> str:
        """Return a fresh numeric message id."""
        with self.lock:
            return str(next(self._message_ids))

    @staticmethod
    def new_request_id() -> str:
        """Return a value for the `x-line-request-id` header."""
        return str(uuid.uuid4())

    def reply_token_chat(self, token: str) -> str | None:
        """Return the chat a reply token was issued for, without using it."""
        with self.lock:
            issued = self._traffic.reply_tokens.get(token)
            return issued.chat_id if issued else None

    def notice(self, chat_id: str | None, text: str) -> None:
        """Show a grey system line in a chat (e.g. why LINE refused the bot's message)."""
        if chat_id:
            self.post_to_chat(chat_id, None, {"type": "system", "text": text}, via="system")

    def use_reply_token(self, token: str) -> str | None:
        """Consume a reply token; return its chat id, or None if unknown, used or expired."""
        return self.redeem_reply_token(token)[0]

    def redeem_reply_token(self, token: str) -> tuple[str | None, str | None]:
        """Consume a reply token; return (its chat id, None), or (None, why: EXPIRED, USED or UNKNOWN)."""
        with self.lock:
            issued = self._traffic.reply_tokens.get(token)
            if issued is None:
                return None, UNKNOWN
            if issued.used:
                return None, USED
            if self.reply_token_ttl_s is not None and self.now() - issued.issued_at > self.reply_token_ttl_s:
                return None, EXPIRED
            issued.used = True
            return issued.chat_id, None

    def restart_reply_tokens(self, tokens: Iterable[str]) -> None:
        """Start the reply window of issued tokens now (LINE issues them when it delivers the webhook).

        Events built ahead of time (a benchmark's burst) carry tokens whose window should open when they are sent.
        """
        with self.lock:
            now = self.now()
            for token in tokens:
                issued = self._traffic.reply_tokens.get(token)
                if issued is not None:
                    issued.issued_at = now

    def quoted_message(self, quote_token: str) -> str | None:
        """Return the message id a quote token was issued for."""
        with self.lock:
            return self._traffic.quote_tokens.get(quote_token)

    def accepted_retry(self, retry_key: str) -> tuple[str, Any] | None:
        """Return (request id, response) of a request accepted under `retry_key` in the last 24 h."""
        with self.lock:
            seen = self._traffic.retry_keys.get(retry_key)
            if seen is None or self.now() - seen[0] > RETRY_KEY_TTL_S:
                return None
            return seen[1], seen[2]

    def remember_retry(self, retry_key: str, request_id: str, response: Any) -> None:
        """Remember that `retry_key` was accepted."""
        with self.lock:
            self._traffic.retry_keys[retry_key] = (self.now(), request_id, response)

    def recipients(self, chat_id: str) -> list[str]:
        """Return who receives a push to `chat_id`: a group's members, or the user if a friend."""
        with self.lock:
            if chat_id in self.groups:
                return list(self.groups[chat_id].member_ids)
            user = self.users.get(chat_id)
            return [chat_id] if user is not None and user.friend else []

    def charge(self, count: int) -> bool:
        """Count `count` messages against the quota; return False (nothing counted) if over it."""
        with self.lock:
            if self.quota is not None and self._traffic.usage + count > self.quota:
                return False
            self._traffic.usage += count
            return True

    # -- inspection ----------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Return every request the bot made, oldest first."""
        with self.lock:
            return list(self._traffic.requests)

    def _accepted(self, path: str) -> list[RecordedRequest]:
        """Return accepted requests to `path`."""
        return [r for r in self.requests if r.path == path and r.status == 200]

    @property
    def replies(self) -> list[RecordedRequest]:
        """Return accepted reply requests."""
        return self._accepted("/v2/bot/message/reply")

    @property
    def refused_replies(self) -> list[RecordedRequest]:
        """Return reply requests LINE refused, each with its `refusal` reason."""
        return [r for r in self.requests if r.path == "/v2/bot/message/reply" and r.status != 200]

    @property
    def pushes(self) -> list[RecordedRequest]:
        """Return accepted push requests."""
        return self._accepted("/v2/bot/message/push")

    @property
    def multicasts(self) -> list[RecordedRequest]:
        """Return accepted multicast requests."""
        return self._accepted("/v2/bot/message/multicast")

    @property
    def violations(self) -> list[Violation]:
        """Return request bodies LINE would have rejected."""
        with self.lock:
            return list(self._traffic.violations)

    @property
    def usage(self) -> int:
        """Return messages counted against the quota this month (per recipient)."""
        with self.lock:
            return self._traffic.usage

    def timeline(self, chat_id: str | None = None, *, after_seq: int = 0) -> list[ChatEntry]:
        """Return chat bubbles (all chats or one), in order, newer than `after_seq`."""
        with self.lock:
            return [e for e in self._traffic.timeline if e.seq > after_seq and (chat_id is None or e.chat_id == chat_id)]

    def messages_to(self, chat_id: str) -> list[dict[str, Any]]:
        """Return the message objects the bot delivered into `chat_id` (group id or user id)."""
        return [e.message for e in self.timeline(chat_id) if e.via in BOT_VIAS]

    def texts_to(self, chat_id: str) -> list[str]:
        """Return the `text` (or `altText`) of every message the bot delivered into `chat_id`."""
        return [str(m.get("text") or m.get("altText") or "") for m in self.messages_to(chat_id)]

    # -- recording -------------------------------------------------------------------------------
    def record_request(self, request: RecordedRequest) -> None:
        """Append a request to the log."""
        with self.lock:
            self._traffic.requests.append(request)

    def record_violation(self, violation: Violation) -> None:
        """Append a violation and log it."""
        logger.warning("LINE would reject %s: %s", violation.path, violation.details)
        with self.lock:
            self._traffic.violations.append(violation)

    def post_to_chat(
        self,
        chat_id: str,
        sender_id: str | None,
        message: dict[str, Any],
        *,
        via: str,
        message_id: str | None = None,
        timestamp_ms: int | None = None,
    ) -> ChatEntry:
        """Add a bubble to a chat's timeline and return it."""
        with self.lock:
            entry = ChatEntry(
                seq=next(self._seq),
                chat_id=chat_id,
                sender_id=sender_id,
                message=message,
                message_id=message_id or self.new_message_id(),
                timestamp_ms=self.now_ms() if timestamp_ms is None else timestamp_ms,
                via=via,
            )
            self._traffic.timeline.append(entry)
            return entry

    def find_entry(self, message_id: str) -> ChatEntry | None:
        """Return the bubble carrying `message_id`, if any."""
        with self.lock:
            return next((e for e in self._traffic.timeline if e.message_id == message_id), None)
