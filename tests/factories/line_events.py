"""Webhook event builders backed by the fake LINE platform (re-exported for tests).

`platform.events.text("A+2", user_id=..., group_id=...)` registers the reply token with `platform`, so the
bot's reply is accepted; `EventFactory()` alone builds events whose tokens nobody will accept.
"""

from bot.fakeline.delivery import Delivery, WebhookSender, as_redelivery, encode, sign, webhook_body
from bot.fakeline.events import EventFactory, Mention, source

__all__ = [
    "Delivery",
    "EventFactory",
    "Mention",
    "WebhookSender",
    "as_redelivery",
    "encode",
    "sign",
    "source",
    "webhook_body",
]
