"""File and image messages: bank statements hosts send in 1:1, and the screenshots people send instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from linebot.v3.webhooks import FileMessageContent, MessageEvent

from handlers import payment_messages as say
from handlers.commands import payments
from handlers.context import EventContext
from infra.messages import Text
from parsers.statement_table import MAX_BYTES

# Each consumer returns True when it took the file; the first that does wins.
FILE_CONSUMERS: tuple[Callable[[EventContext], bool], ...] = (
    payments.take_statement,
)


def handle_file(ctx: EventContext) -> None:
    """Offer the file to each consumer in turn until one takes it."""
    for consume in FILE_CONSUMERS:
        if consume(ctx):
            return


def handle_image(ctx: EventContext) -> None:
    """A picture sent 1:1 (a statement or transfer screenshot): say what to send instead; group photos are ignored."""
    if ctx.is_group:
        return
    ctx.reply(Text(say.SCREENSHOT_FOR_HOST if ctx.is_host else say.SCREENSHOT_FOR_MEMBER))


def content_wanted(event: Any) -> str | None:
    """Return the message id whose content handling ``event`` will download (a file sent 1:1), else None.

    The processor downloads it before opening the event's transaction, so no unit of work waits on LINE.
    """
    if not isinstance(event, MessageEvent) or not isinstance(event.message, FileMessageContent):
        return None
    if getattr(event.source, "group_id", None) or getattr(event.source, "room_id", None):
        return None  # files in groups are left alone
    if (event.message.file_size or 0) > MAX_BYTES:
        return None  # refused by its size, never downloaded
    return str(event.message.id)
