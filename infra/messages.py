"""The bot's outgoing message vocabulary, independent of the SDK (the messenger translates it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_TEXT = 5000  # UTF-16 code units per text message
MAX_MENTIONS = 100  # substitution objects per textV2 message
MAX_REPLY_MESSAGES = 5  # messages per reply (and per push)


def utf16_len(text: str) -> int:
    """Return the length of text as LINE counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def literal_braces(text: str) -> str:
    """Return text a textV2 message shows as written: braces mark substitutions there, so they become full-width."""
    return text.replace("{", "｛").replace("}", "｝")


@dataclass(frozen=True)
class QuickReply:
    """A quick-reply button; a message action (``text``) unless ``postback_data`` is given."""

    label: str
    text: str | None = None
    postback_data: str | None = None

    def __post_init__(self) -> None:
        if len(self.label) > MAX_LABEL:
            object.__setattr__(self, "label", self.label[: MAX_LABEL - 1] + "…")


@dataclass(frozen=True)
class Text:
    """A text message; ``mentions`` maps ``{key}`` placeholders to user ids (sent as textV2)."""

    text: str
    quick_replies: tuple[QuickReply, ...] = ()
    quote_token: str | None = None
    mentions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if utf16_len(self.text) > MAX_TEXT:
            object.__setattr__(self, "text", self.text[: MAX_TEXT - 20] + "\n…（訊息過長，已截斷）")
        if len(self.quick_replies) > MAX_QUICK_REPLIES:
            object.__setattr__(self, "quick_replies", self.quick_replies[:MAX_QUICK_REPLIES])


@dataclass(frozen=True)
class Flex:
    """A Flex message: ``contents`` is a bubble or carousel as LINE's JSON."""

    alt_text: str
    contents: dict[str, Any]
    quick_replies: tuple[QuickReply, ...] = ()


Message = Text | Flex
