"""``unsend`` (收回) and ``messageEdited``: later layers undo or redo what a message did."""

from __future__ import annotations

from collections.abc import Callable

from handlers.context import EventContext

# Each hook gets the context and the message id; the orders layer registers here.
UnsendHook = Callable[[EventContext, str], None]
EditHook = Callable[[EventContext, str, str], None]
UNSEND_HOOKS: list[UnsendHook] = []
EDIT_HOOKS: list[EditHook] = []


def handle_unsend(ctx: EventContext) -> None:
    """A member withdrew a message: whatever it did is withdrawn too."""
    message_id = getattr(ctx.event.unsend, "message_id", None)
    if not message_id:
        return
    for hook in UNSEND_HOOKS:
        hook(ctx, message_id)


def handle_edited(ctx: EventContext) -> None:
    """A member edited a text message: what it did follows the new text."""
    message = ctx.event.message
    text = getattr(message, "text", None)
    if not getattr(message, "id", None) or text is None:
        return
    for hook in EDIT_HOOKS:
        hook(ctx, message.id, text)
