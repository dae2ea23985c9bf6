"""What the fake LINE platform remembers: setup (users, groups, content) and recorded traffic."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Why LINE refused a request, as the fake records it (LINE itself answers all reply-token cases "Invalid reply token").
EXPIRED, USED, UNKNOWN, INVALID, OTHER = "expired", "used", "unknown", "invalid", "other"
REFUSALS = (EXPIRED, USED, UNKNOWN, INVALID, OTHER)


@dataclass
class User:
    """A LINE user the platform knows; `friend` means the user added the bot and did not block it."""

    user_id: str
    display_name: str
    friend: bool = True
    picture_url: str | None = None
    status_message: str | None = None


@dataclass
class Group:
    """A group chat the bot is in."""

    group_id: str
    name: str
    member_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Content:
    """Bytes served by the data API for one message id."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the bot made to the platform and the platform's answer."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    response: Any
    request_id: str
    at: float = 0.0  # platform clock (s since the epoch) when the platform answered
    refusal: str | None = None  # why a request was refused: one of REFUSALS (None when accepted)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Return the messages in the body (empty for non-message requests)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("messages"), list):
            return list(self.body["messages"])
        return []


@dataclass(frozen=True)
class Violation:
    """A request body LINE would reject, with what was wrong."""

    path: str
    body: Any
    details: tuple[dict[str, str], ...]
    source: str  # "sdk", "limits", "openapi" or "platform"


@dataclass
class ChatEntry:
    """One bubble in a chat: a user's message or one of the bot's messages."""

    seq: int
    chat_id: str
    sender_id: str | None  # None for the bot
    message: dict[str, Any]
    message_id: str
    timestamp_ms: int
    via: str  # "user", "display" (a postback's displayText), "reply", "push", "multicast", "system"
    unsent: bool = False
    edited: bool = False
    quote_token: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict (used by the simulator's timeline endpoint)."""
        return {
            "seq": self.seq,
            "chatId": self.chat_id,
            "senderId": self.sender_id,
            "message": self.message,
            "messageId": self.message_id,
            "timestamp": self.timestamp_ms,
            "via": self.via,
            "unsent": self.unsent,
            "edited": self.edited,
        }
