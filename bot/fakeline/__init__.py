"""A fake LINE platform on localhost: the bot's line-bot-sdk talks real HTTP to it."""

from bot.fakeline.delivery import Delivery, WebhookSender, as_redelivery, encode, sign, webhook_body
from bot.fakeline.events import EventFactory, Mention
from bot.fakeline.platform import FakeLinePlatform
from bot.fakeline.records import REFUSALS, ChatEntry, RecordedRequest, Violation
from bot.fakeline.server import FakeLineServer
from bot.fakeline.validation import RequestValidator

__all__ = [
    "REFUSALS",
    "ChatEntry",
    "Delivery",
    "EventFactory",
    "FakeLinePlatform",
    "FakeLineServer",
    "Mention",
    "RecordedRequest",
    "RequestValidator",
    "Violation",
    "WebhookSender",
    "as_redelivery",
    "encode",
    "sign",
    "webhook_body",
]
