"""Settings come from the environment only; missing or placeholder secrets stop startup with a clear reason."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from infra.config import LINE_API_DEFAULT, ConfigError, Settings

GOOD = {"LINE_CHANNEL_SECRET": "0123456789abcdef", "LINE_CHANNEL_ACCESS_TOKEN": "tok-0123456789"}


def test_defaults() -> None:
    s = Settings.from_env(GOOD)
    assert s.line_api_base_url == LINE_API_DEFAULT
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("groupbuy.db")
    assert s.timezone == "Asia/Taipei" and s.admins == frozenset()
    assert s.webhook_mode == "store" and s.public_url is None


def test_everything_from_the_environment() -> None:
    s = Settings.from_env({
        **GOOD, "LINE_API_BASE_URL": "http://127.0.0.1:9999/", "DATABASE_URL": "postgres://u@h/db",
        "GROUPBUY_ADMINS": " U1 ,U2,, ", "GROUPBUY_TIMEZONE": "Asia/Tokyo", "GROUPBUY_PUBLIC_URL": "https://x.tw/",
    })
    assert s.line_api_base_url == "http://127.0.0.1:9999"
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.admins == frozenset({"U1", "U2"})
    assert s.tz.key == "Asia/Tokyo" and s.public_url == "https://x.tw"
    assert Settings.from_env({**GOOD, "GROUPBUY_WEBHOOK_MODE": "inline"}).webhook_mode == "inline"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN"),
        ({"LINE_CHANNEL_SECRET": "abc"}, "LINE_CHANNEL_ACCESS_TOKEN"),
        ({**GOOD, "LINE_CHANNEL_SECRET": "changethis"}, "placeholder"),
        ({**GOOD, "GROUPBUY_TIMEZONE": "Mars/Olympus"}, "not a known time zone"),
        ({**GOOD, "GROUPBUY_WEBHOOK_MODE": "async"}, "GROUPBUY_WEBHOOK_MODE"),
        ({**GOOD, "GROUPBUY_WEBHOOK_MODE": "thread"}, "groupbuy worker"),  # the in-process consumer is gone
    ],
)
def test_bad_configuration_is_refused_with_the_reason(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_serve_without_secrets_exits_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINE_CHANNEL_SECRET", raising=False)
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code != 0
    assert "Missing required environment variable" in result.output and "groupbuy demo" in result.output
