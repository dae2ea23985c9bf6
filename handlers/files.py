"""File and image messages: bank statements hosts send in 1:1."""

from __future__ import annotations

from collections.abc import Callable

from handlers.commands import payments
from handlers.context import EventContext

# Each consumer returns True when it took the file; the first that does wins.
FILE_CONSUMERS: tuple[Callable[[EventContext], bool], ...] = (
    payments.take_statement,
)


def handle_file(ctx: EventContext) -> None:
    """Offer the file to each consumer in turn until one takes it."""
    for consume in FILE_CONSUMERS:
        if consume(ctx):
            return
