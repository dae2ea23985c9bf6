"""Typed settings, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LINE_API_DEFAULT = "https://api.line.me"
PLACEHOLDER_SECRETS = {"changethis", "changeme", "secret", "token", "xxx"}


class ConfigError(RuntimeError):
    """A required setting is missing or invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to run, with safe defaults for the optional parts."""

    channel_secret: str
    channel_access_token: str
    line_api_base_url: str = LINE_API_DEFAULT
    database_url: str = field(default_factory=lambda: default_database_url())
    admins: frozenset[str] = frozenset()
    timezone: str = "Asia/Taipei"
    # "store": the web processes only verify, store and answer; ``groupbuy worker`` processes apply (bot.worker);
    # "inline": events are applied before the webhook answers (deterministic tests).
    webhook_mode: str = "store"
    # Where hosts' phones can reach this app (for /匯出 download links); None = links are not offered.
    public_url: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        """Return the configured time zone."""
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables, refusing missing or placeholder secrets."""
        env = os.environ if environ is None else environ
        missing = [
            name for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN") if not env.get(name, "").strip()
        ]
        if missing:
            raise ConfigError(
                f"Missing required environment variable(s): {', '.join(missing)}. "
                "Copy them from the LINE Developers console (Messaging API channel), "
                "or run `groupbuy demo` to try the bot without a LINE account."
            )
        secret = env["LINE_CHANNEL_SECRET"].strip()
        token = env["LINE_CHANNEL_ACCESS_TOKEN"].strip()
        for name, value in (("LINE_CHANNEL_SECRET", secret), ("LINE_CHANNEL_ACCESS_TOKEN", token)):
            if value.lower() in PLACEHOLDER_SECRETS:
                raise ConfigError(f"{name} is a placeholder ({value!r}); set the real value from LINE Developers.")
        tz = str(timezone_from_env(env))
        mode = env.get("GROUPBUY_WEBHOOK_MODE", "store").strip() or "store"
        if mode not in {"store", "inline"}:
            raise ConfigError(
                "GROUPBUY_WEBHOOK_MODE must be 'store' (the default: run `groupbuy worker` beside the web processes) "
                "or 'inline' (tests: apply before answering)."
            )
        admins = frozenset(a.strip() for a in env.get("GROUPBUY_ADMINS", "").split(",") if a.strip())
        return cls(
            channel_secret=secret,
            channel_access_token=token,
            line_api_base_url=(env.get("LINE_API_BASE_URL", "").strip() or LINE_API_DEFAULT).rstrip("/"),
            admins=admins,
            timezone=tz,
            webhook_mode=mode,
            public_url=env.get("GROUPBUY_PUBLIC_URL", "").strip().rstrip("/") or None,
            database_url=database_url_from_env(env),
        )


def default_database_url() -> str:
    """Return the embedded default: a SQLite file in the working directory."""
    return f"sqlite:///{Path.cwd() / 'groupbuy.db'}"


def database_url_from_env(environ: Mapping[str, str] | None = None, default: str | None = None) -> str:
    """Return DATABASE_URL (normalised for psycopg 3), or ``default`` (the SQLite file) when it is not set.

    Commands that need no LINE credentials (exports, migrations, the demo) read the database from here.
    """
    env = os.environ if environ is None else environ
    url = env.get("DATABASE_URL", "").strip()
    return normalize_database_url(url) if url else (default or default_database_url())


def timezone_from_env(environ: Mapping[str, str] | None = None) -> ZoneInfo:
    """Return GROUPBUY_TIMEZONE (Asia/Taipei by default), refusing an unknown zone."""
    env = os.environ if environ is None else environ
    name = env.get("GROUPBUY_TIMEZONE", "").strip() or "Asia/Taipei"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"GROUPBUY_TIMEZONE={name!r} is not a known time zone (e.g. Asia/Taipei).") from exc


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgres://`` / ``postgresql://`` URLs (as Heroku-style hosts give them)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
