"""Domain exceptions; handlers turn them into friendly zh-TW replies (``str(exc)``)."""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused; the message is a zh-TW sentence telling the user what to do next."""


class NotAHost(DomainError):
    """Someone who is not a host tried a host command."""


class CampaignClosed(DomainError):
    """The campaign no longer takes orders."""


class NoOpenCampaign(DomainError):
    """There is no open campaign where one is needed."""


class OutOfStock(DomainError):
    """Not enough stock; the overflow is waitlisted."""
