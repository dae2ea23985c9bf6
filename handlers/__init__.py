"""Event handlers, one module per event kind; ``dispatch`` picks the handler for an event."""

from __future__ import annotations

import logging
from collections.abc import Callable

from linebot.v3.webhooks import (
    FileMessageContent,
    FollowEvent,
    ImageMessageContent,
    JoinEvent,
    LeaveEvent,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEditedEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
)

from handlers.commands import load_all
from handlers.context import EventContext
from handlers.files import handle_file, handle_image
from handlers.lifecycle import (
    handle_follow,
    handle_join,
    handle_leave,
    handle_member_joined,
    handle_member_left,
    handle_unfollow,
)
from handlers.message_changes import handle_edited, handle_unsend
from handlers.postback import handle_postback
from handlers.text import handle_text

log = logging.getLogger(__name__)
Handler = Callable[[EventContext], None]

EVENT_HANDLERS: dict[type, Handler] = {
    FollowEvent: handle_follow,
    UnfollowEvent: handle_unfollow,
    JoinEvent: handle_join,
    LeaveEvent: handle_leave,
    MemberJoinedEvent: handle_member_joined,
    MemberLeftEvent: handle_member_left,
    UnsendEvent: handle_unsend,
    MessageEditedEvent: handle_edited,
    PostbackEvent: handle_postback,
}
MESSAGE_HANDLERS: dict[type, Handler] = {
    TextMessageContent: handle_text,
    FileMessageContent: handle_file,
    ImageMessageContent: handle_image,
}


def dispatch(ctx: EventContext) -> None:
    """Run the handler for the event's kind; kinds the bot does not use are ignored."""
    event = ctx.event
    handler = MESSAGE_HANDLERS.get(type(event.message)) if isinstance(event, MessageEvent) else EVENT_HANDLERS.get(type(event))
    if handler is None:
        log.debug("no handler for %s", type(event).__name__)
        return
    handler(ctx)


load_all()
