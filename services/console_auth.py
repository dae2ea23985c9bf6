"""Signing in to the host's console the LINE way: a one-time link a host asks the bot for in a 1:1 chat.

A link carries a random token (only its SHA-256 is stored), is bound to the host who asked, lasts ten minutes and
opens the console once. Opening the link shows a page with a sign-in button; only pressing it (a POST) uses the
token, so LINE's link preview, which fetches the URL, never burns it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import update
from sqlmodel import select

from infra.config import Settings
from infra.db import UnitOfWork
from models import ConsoleToken
from services import hosts
from services.errors import DomainError

LINK_TTL = timedelta(minutes=10)
SESSION_DAYS = 7
HOW_TO_GET_A_LINK = "請在 LINE 私訊機器人（1 對 1 聊天）輸入 /後台，取得新的登入連結（10 分鐘內有效，只能用一次）。"


class LinkRefused(DomainError):
    """A sign-in link that cannot sign anyone in; ``reason`` says why (unknown, used, expired, not_host)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(uow: UnitOfWork, settings: Settings, host_user_id: str, now: datetime) -> str:
    """Return a new one-time token for ``host_user_id`` (who must be a host)."""
    if not hosts.is_host(uow, settings, host_user_id):
        raise LinkRefused("not_host", "後台只有團主可以使用。")
    token = secrets.token_urlsafe(32)
    uow.session.add(ConsoleToken(token_hash=_hash(token), host_user_id=host_user_id, expires_at=now + LINK_TTL))
    return token


def link(public_url: str, token: str) -> str:
    """Return the sign-in link for a token."""
    return f"{public_url.rstrip('/')}/console/login?{urlencode({'t': token})}"


def check(uow: UnitOfWork, settings: Settings, token: str, now: datetime) -> ConsoleToken:
    """Return the token's row when it can still sign in, or raise LinkRefused saying why."""
    row = uow.session.exec(select(ConsoleToken).where(ConsoleToken.token_hash == _hash(token))).first() if token else None
    if row is None:
        raise LinkRefused("unknown", f"這個登入連結無效。{HOW_TO_GET_A_LINK}")
    if row.used_at is not None:
        raise LinkRefused("used", f"這個登入連結已經用過了。{HOW_TO_GET_A_LINK}")
    if now >= row.expires_at:
        raise LinkRefused("expired", f"這個登入連結已經過期（10 分鐘）。{HOW_TO_GET_A_LINK}")
    if not hosts.is_host(uow, settings, row.host_user_id):
        raise LinkRefused("not_host", "這個帳號已經不是團主，不能進入後台。")
    return row


def redeem(uow: UnitOfWork, settings: Settings, token: str, now: datetime) -> str:
    """Use a token once and return the host it signs in; two presses at once: only one wins."""
    row = check(uow, settings, token, now)
    taken = uow.session.execute(
        update(ConsoleToken).where(ConsoleToken.id == row.id, ConsoleToken.used_at.is_(None))  # type: ignore[union-attr,arg-type]
        .values(used_at=now)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused("used", f"這個登入連結已經用過了。{HOW_TO_GET_A_LINK}")
    return row.host_user_id


def session_key(settings: Settings) -> str:
    """Return the key that signs console session cookies (derived from the channel secret)."""
    return hmac.new(settings.channel_secret.encode(), b"groupbuy console session", hashlib.sha256).hexdigest()


def still_host(uow: UnitOfWork, settings: Settings, host_user_id: str) -> bool:
    """Tell whether a signed-in host is still a host (a removed host loses the console at once)."""
    return hosts.is_host(uow, settings, host_user_id)
