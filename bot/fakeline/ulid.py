"""Generate ULIDs like LINE's `webhookEventId` (26 Crockford base32 characters)."""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last: tuple[int, int] = (0, 0)


def _encode(value: int, length: int) -> str:
    """Encode `value` as `length` Crockford base32 characters."""
    chars = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_ulid(timestamp_ms: int | None = None) -> str:
    """Return a new ULID; monotonic within the same millisecond."""
    global _last
    ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    with _lock:
        last_ms, last_rand = _last
        rand = last_rand + 1 if ms == last_ms else int.from_bytes(os.urandom(10), "big")
        rand &= (1 << 80) - 1
        _last = (ms, rand)
    return _encode(ms & ((1 << 48) - 1), 10) + _encode(rand, 16)


def is_ulid(text: str) -> bool:
    """Return True if `text` looks like a ULID."""
    return len(text) == 26 and all(c in _ALPHABET for c in text) and text[0] in "01234567"
