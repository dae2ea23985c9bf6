"""The one exception the bank-statement reader raises, with a zh-TW message that says what to do."""

from __future__ import annotations


class StatementError(ValueError):
    """Refuse a statement file; ``str(exc)`` tells the host what is wrong and what to do next."""
