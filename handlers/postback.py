"""Postback events: ``data`` is ``action=…&key=value``; each action has one handler."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import parse_qs

from handlers.context import EventContext

log = logging.getLogger(__name__)
PostbackHandler = Callable[[EventContext, dict[str, str]], None]
POSTBACKS: dict[str, PostbackHandler] = {}


def postback(action: str) -> Callable[[PostbackHandler], PostbackHandler]:
    """Register the handler for one postback action."""

    def register(fn: PostbackHandler) -> PostbackHandler:
        POSTBACKS[action] = fn
        return fn

    return register


def handle_postback(ctx: EventContext) -> None:
    """Route a postback to its action's handler; unknown actions are logged and ignored."""
    data = getattr(ctx.event.postback, "data", "") or ""
    params = {k: v[0] for k, v in parse_qs(data, keep_blank_values=True).items()}
    action = params.pop("action", "")
    fn = POSTBACKS.get(action)
    if fn is None:
        log.info("ignored postback with unknown action %r", action[:30])
        return
    fn(ctx, params)
