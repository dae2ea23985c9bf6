"""Sign webhook bodies and POST them to a bot, the way LINE does (including redelivery)."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.fakeline.events import DEFAULT_DESTINATION, Event

logger = logging.getLogger(__name__)


def webhook_body(events: Iterable[Event], *, destination: str = DEFAULT_DESTINATION) -> dict[str, Any]:
    """Return the webhook request body carrying `events`."""
    return {"destination": destination, "events": list(events)}


def as_redelivery(body: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of `body` with every event marked `isRedelivery: true` (ids and tokens unchanged)."""
    out = copy.deepcopy(body)
    for event in out["events"]:
        event["deliveryContext"] = {"isRedelivery": True}
    return out


def encode(body: dict[str, Any]) -> bytes:
    """Serialize a webhook body as LINE does (compact UTF-8 JSON)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, channel_secret: str) -> str:
    """Return the `X-Line-Signature` for `body`: base64(HMAC-SHA256(channel secret, body))."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class Delivery:
    """The bot's answer to one webhook POST."""

    status: int
    text: str
    elapsed_s: float
    body: dict[str, Any]


class WebhookSender:
    """POST signed webhook bodies to a bot, the way LINE does."""

    def __init__(self, bot_url: str, channel_secret: str, *, timeout_s: float = 10.0) -> None:
        """Target `bot_url`, signing with `channel_secret`."""
        self.bot_url = bot_url
        self.channel_secret = channel_secret
        self.timeout_s = timeout_s
        self.deliveries: list[Delivery] = []

    def send(self, *events: Event, destination: str | None = None) -> Delivery:
        """POST one body holding `events`."""
        body = webhook_body(events) if destination is None else webhook_body(events, destination=destination)
        return self.send_body(body)

    def redeliver(self, body: dict[str, Any]) -> Delivery:
        """POST `body` again, marked as a redelivery."""
        return self.send_body(as_redelivery(body))

    def send_body(self, body: dict[str, Any], *, signature: str | None = None) -> Delivery:
        """POST `body` with a real signature (or the given one, to test rejection)."""
        raw = encode(body)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Signature": signature if signature is not None else sign(raw, self.channel_secret),
            "User-Agent": "LineBotWebhook/2.0",
        }
        request = urllib.request.Request(self.bot_url, data=raw, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                status, text = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        delivery = Delivery(status=status, text=text, elapsed_s=time.monotonic() - started, body=body)
        if delivery.elapsed_s > 2:
            logger.warning("bot took %.2fs to answer the webhook (LINE times out at 2s)", delivery.elapsed_s)
        self.deliveries.append(delivery)
        return delivery
