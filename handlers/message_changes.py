"""``unsend`` (收回) and ``messageEdited``: what a message did is withdrawn, or follows the new text."""

from __future__ import annotations

from collections.abc import Callable

from handlers.commands import ordering, supply
from handlers.context import EventContext

# What follows a withdrawn message (context, message id) and an edited one (context, message id, new text).
# A withdrawn or edited /缺貨 gives its cuts back first, so the order book finds nothing left of it to undo.
UNSEND_HANDLERS: tuple[Callable[[EventContext, str], None], ...] = (supply.withdraw_unsent, ordering.withdraw_unsent)
EDIT_HANDLERS: tuple[Callable[[EventContext, str, str], None], ...] = (supply.follow_edit, ordering.follow_edit)


def handle_unsend(ctx: EventContext) -> None:
    """A member withdrew a message: whatever it did is withdrawn too."""
    message_id = getattr(ctx.event.unsend, "message_id", None)
    if not message_id:
        return
    for hook in UNSEND_HANDLERS:
        hook(ctx, message_id)


def handle_edited(ctx: EventContext) -> None:
    """A member edited a text message: what it did follows the new text."""
    message = ctx.event.message
    text = getattr(message, "text", None)
    if not getattr(message, "id", None) or text is None:
        return
    for hook in EDIT_HANDLERS:
        hook(ctx, message.id, text)
