"""File and image messages (bank statements uploaded by hosts)."""

from __future__ import annotations

from collections.abc import Callable

from handlers.context import EventContext

FileHook = Callable[[EventContext], bool]
FILE_HOOKS: list[FileHook] = []


def handle_file(ctx: EventContext) -> None:
    """Offer the file to each registered consumer (the reconciliation layer) until one takes it."""
    for hook in FILE_HOOKS:
        if hook(ctx):
            return
