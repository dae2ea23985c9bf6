"""Signed, expiring download links, so a host on a phone can open the shipping list from LINE."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

LINK_TTL_SECONDS = 24 * 3600


def signature(secret: str, campaign_id: int, expires: int) -> str:
    """Return the signature of one campaign's link expiring at ``expires`` (epoch seconds)."""
    message = f"orders:{campaign_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def orders_link(base_url: str, secret: str, campaign_id: int, *, now: float | None = None) -> str:
    """Return a link to one campaign's XLSX shipping list, valid for a day."""
    expires = int((now if now is not None else time.time()) + LINK_TTL_SECONDS)
    query = urlencode({"campaign": campaign_id, "expires": expires, "sig": signature(secret, campaign_id, expires)})
    return f"{base_url.rstrip('/')}/exports/orders.xlsx?{query}"


def shipping_signature(secret: str, group_id: int, expires: int) -> str:
    """Return the signature of one group's shipping-list link expiring at ``expires`` (epoch seconds)."""
    message = f"shipping:{group_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def shipping_link(base_url: str, secret: str, group_id: int, *, now: float | None = None) -> str:
    """Return a link to one group's XLSX shipping list across campaigns (合併出貨), valid for a day."""
    expires = int((now if now is not None else time.time()) + LINK_TTL_SECONDS)
    query = urlencode({"group": group_id, "expires": expires, "sig": shipping_signature(secret, group_id, expires)})
    return f"{base_url.rstrip('/')}/exports/shipping.xlsx?{query}"
