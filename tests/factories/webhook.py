"""Build signed webhook bodies the way LINE sends them."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from bot.fakeline import sign as sign  # re-exported for tests

_counter = itertools.count(1)
GROUP_ID = "Cgroup00000000000000000000000001"
HOST_ID = "Uhost000000000000000000000000001"


def member_id(n: int) -> str:
    """Return a stable fake LINE user id for member ``n``."""
    return f"U{n:032x}"


def _next() -> int:
    return next(_counter)


def base_event(kind: str, *, user_id: str | None, group_id: str | None, ts: int | None = None) -> dict[str, Any]:
    """Return the fields every event has."""
    n = _next()
    source: dict[str, Any]
    if group_id:
        source = {"type": "group", "groupId": group_id}
        if user_id:
            source["userId"] = user_id
    else:
        source = {"type": "user", "userId": user_id}
    return {
        "type": kind,
        "mode": "active",
        "timestamp": ts if ts is not None else int(time.time() * 1000),
        "source": source,
        "webhookEventId": f"01TEST{n:020d}",
        "deliveryContext": {"isRedelivery": False},
    }


def text_event(
    text: str, *, user_id: str = HOST_ID, group_id: str | None = GROUP_ID, ts: int | None = None,
    message_id: str | None = None, mentions: list[str] | None = None, quoted_message_id: str | None = None,
) -> dict[str, Any]:
    """Return a text message event (``quoted_message_id``: it quotes that message, as LINE's quote reply does)."""
    event = base_event("message", user_id=user_id, group_id=group_id, ts=ts)
    n = _next()
    event["replyToken"] = f"rt{n:030d}"
    message: dict[str, Any] = {
        "type": "text", "id": message_id or f"{n:018d}", "text": text, "quoteToken": f"q{n}",
    }
    if quoted_message_id:
        message["quotedMessageId"] = quoted_message_id
    if mentions:
        message["mention"] = {
            "mentionees": [
                {"index": 0, "length": 3, "type": "user", "userId": uid} for uid in mentions
            ]
        }
    event["message"] = message
    return event


def body(*events: dict[str, Any], destination: str = "Ubot0000000000000000000000000001") -> bytes:
    """Return a webhook body holding the events."""
    return json.dumps({"destination": destination, "events": list(events)}, ensure_ascii=False).encode()


def follow_event(user_id: str, *, ts: int | None = None) -> dict[str, Any]:
    """Return a follow event (1:1 only)."""
    event = base_event("follow", user_id=user_id, group_id=None, ts=ts)
    event["replyToken"] = f"rt{_next():030d}"
    event["follow"] = {"isUnblocked": False}
    return event


def unfollow_event(user_id: str, *, ts: int | None = None) -> dict[str, Any]:
    """Return an unfollow event."""
    return base_event("unfollow", user_id=user_id, group_id=None, ts=ts)


def unsend_event(message_id: str, *, user_id: str, group_id: str | None = GROUP_ID) -> dict[str, Any]:
    """Return an unsend event for a message."""
    event = base_event("unsend", user_id=user_id, group_id=group_id)
    event["unsend"] = {"messageId": message_id}
    return event


def edited_event(message_id: str, text: str, *, user_id: str, group_id: str = GROUP_ID,
                 ts: int | None = None) -> dict[str, Any]:
    """Return a messageEdited event carrying the new text."""
    event = base_event("messageEdited", user_id=user_id, group_id=group_id, ts=ts)
    n = _next()
    event["replyToken"] = f"rt{n:030d}"
    event["message"] = {"type": "text", "id": message_id, "text": text, "quoteToken": f"q{n}"}
    return event


def postback_event(data: str, *, user_id: str, group_id: str | None = None) -> dict[str, Any]:
    """Return a postback event."""
    event = base_event("postback", user_id=user_id, group_id=group_id)
    event["replyToken"] = f"rt{_next():030d}"
    event["postback"] = {"data": data}
    return event


def file_event(message_id: str, file_name: str, size: int, *, user_id: str,
               group_id: str | None = None, ts: int | None = None) -> dict[str, Any]:
    """Return a file message event (content is served by the messenger under ``message_id``)."""
    event = base_event("message", user_id=user_id, group_id=group_id, ts=ts)
    event["replyToken"] = f"rt{_next():030d}"
    event["message"] = {"type": "file", "id": message_id, "fileName": file_name, "fileSize": size}
    return event
