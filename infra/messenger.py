"""The one interface the bot uses to talk to LINE, and its line-bot-sdk implementation."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    FlexContainer,
    FlexMessage,
    MentionSubstitutionObject,
    MessageAction,
    MessagingApi,
    MessagingApiBlob,
    PostbackAction,
    PushMessageRequest,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
    TextMessageV2,
    UserMentionTarget,
)
from linebot.v3.messaging import QuickReply as SdkQuickReply
from urllib3.exceptions import HTTPError as Urllib3Error

from infra.messages import Flex, Message, QuickReply, Text

log = logging.getLogger(__name__)
PUSHES_AT_ONCE = 8  # a clock tick's pushes in flight together: LINE allows 2,000 push requests a second


class LineError(RuntimeError):
    """LINE refused or failed a call; ``status`` is the HTTP status (0 when unreachable)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Quota:
    """The month's push budget: ``limit`` None means unlimited."""

    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        """Return pushes left this month (None = unlimited)."""
        return None if self.limit is None else max(0, self.limit - self.used)


class Messenger(Protocol):
    """What the bot needs from LINE."""

    pushes_at_once: int  # how many pushes may be in flight together (1: one after another)

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        """Send up to five messages with a (free, single-use) reply token."""

    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
        """Push messages (counts against quota); False when LINE says the retry key was already used."""

    def group_member_name(self, group_id: str, user_id: str) -> str | None:
        """Return a group member's display name, or None when LINE does not know it."""

    def profile_name(self, user_id: str) -> str | None:
        """Return a friend's display name, or None."""

    def group_member_count(self, group_id: str) -> int:
        """Return how many members a group has (a push to it costs one message each)."""

    def content(self, message_id: str) -> bytes:
        """Download the bytes of a file or image message."""

    def quota(self) -> Quota:
        """Return this month's push quota and usage."""


def to_sdk(message: Message) -> Any:
    """Translate one of our messages to the SDK's model."""
    quick = _quick_reply(message.quick_replies)
    if isinstance(message, Flex):
        return FlexMessage(
            alt_text=message.alt_text[:400],
            contents=FlexContainer.from_dict(message.contents),
            quick_reply=quick,
        )
    assert isinstance(message, Text)
    if message.mentions:
        return TextMessageV2(
            text=message.text,
            substitution={
                key: MentionSubstitutionObject(mentionee=UserMentionTarget(user_id=uid))
                for key, uid in message.mentions.items()
            },
            quick_reply=quick,
            quote_token=message.quote_token,
        )
    return TextMessage(text=message.text, quick_reply=quick, quote_token=message.quote_token)


def _quick_reply(buttons: Sequence[QuickReply]) -> SdkQuickReply | None:
    if not buttons:
        return None
    items = []
    for b in buttons:
        action: Any
        if b.postback_data is not None:
            action = PostbackAction(label=b.label, data=b.postback_data[:300], display_text=b.text)
        else:
            action = MessageAction(label=b.label, text=b.text or b.label)
        items.append(QuickReplyItem(action=action))
    return SdkQuickReply(items=items)


class LineMessenger:
    """Messenger backed by line-bot-sdk v3; every call goes to ``base_url`` (LINE or a fake).

    Calls from several threads share its kept-alive connections (urllib3's pool, one per thread in flight).
    """

    def __init__(self, access_token: str, base_url: str, *, pushes_at_once: int = PUSHES_AT_ONCE) -> None:
        self.pushes_at_once = pushes_at_once
        config = Configuration(access_token=access_token, host=base_url)
        config.connection_pool_maxsize = max(config.connection_pool_maxsize, pushes_at_once)
        self._client = ApiClient(config)
        self._api = MessagingApi(self._client)
        self._blob = MessagingApiBlob(self._client)

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        """Send up to five messages with a reply token."""
        request = ReplyMessageRequest(reply_token=reply_token, messages=[to_sdk(m) for m in messages[:5]])
        self._call(self._api.reply_message, request)

    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
        """Push messages; False when the retry key was already accepted (HTTP 409)."""
        request = PushMessageRequest(to=to, messages=[to_sdk(m) for m in messages[:5]])
        try:
            self._call(self._api.push_message, request, x_line_retry_key=retry_key)
        except LineError as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def group_member_name(self, group_id: str, user_id: str) -> str | None:
        """Return a group member's display name."""
        try:
            return str(self._call(self._api.get_group_member_profile, group_id, user_id).display_name)
        except LineError as exc:
            if exc.status == 404:
                return None
            raise

    def profile_name(self, user_id: str) -> str | None:
        """Return a friend's display name."""
        try:
            return str(self._call(self._api.get_profile, user_id).display_name)
        except LineError as exc:
            if exc.status == 404:
                return None
            raise

    def group_member_count(self, group_id: str) -> int:
        """Return how many members a group has."""
        return int(self._call(self._api.get_group_member_count, group_id).count)

    def content(self, message_id: str) -> bytes:
        """Download message content from the data API."""
        return bytes(self._call(self._blob.get_message_content, message_id))

    def quota(self) -> Quota:
        """Return the month's quota and consumption."""
        q = self._call(self._api.get_message_quota)
        used = self._call(self._api.get_message_quota_consumption)
        limit = int(q.value) if getattr(q, "type", "none") == "limited" and q.value is not None else None
        return Quota(limit=limit, used=int(used.total_usage or 0))

    @staticmethod
    def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ApiException as exc:
            raise LineError(int(exc.status or 0), f"LINE API {exc.status}: {exc.reason}") from exc
        except (OSError, Urllib3Error) as exc:  # connection refused, timeouts
            raise LineError(0, f"LINE API unreachable: {exc}") from exc
