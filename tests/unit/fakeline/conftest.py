"""Fixtures: a fake LINE platform served on localhost and an SDK client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakeline_people import GROUP, HOST, MEI, MING, STRANGER, TOKEN
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, MessagingApiBlob

from bot.fakeline import FakeLinePlatform, FakeLineServer


@pytest.fixture
def platform() -> FakeLinePlatform:
    """Return a platform with a host, two members (one not a friend) and a group of four."""
    platform = FakeLinePlatform(TOKEN, quota=200)
    platform.add_user(HOST, "團主")
    platform.add_user(MEI, "小美")
    platform.add_user(MING, "阿明")
    platform.add_user(STRANGER, "陳先生", friend=False)
    platform.add_group(GROUP, "大樓冷凍團", [HOST, MEI, MING, STRANGER])
    return platform


@pytest.fixture
def server(platform: FakeLinePlatform) -> Iterator[FakeLineServer]:
    """Serve `platform` on a free port."""
    with FakeLineServer(platform) as server:
        yield server


@pytest.fixture
def api_client(server: FakeLineServer) -> Iterator[ApiClient]:
    """Return a real line-bot-sdk client talking HTTP to the fake."""
    with ApiClient(Configuration(host=server.base_url, access_token=TOKEN)) as client:
        yield client


@pytest.fixture
def messaging(api_client: ApiClient) -> MessagingApi:
    """Return the SDK's MessagingApi."""
    return MessagingApi(api_client)


@pytest.fixture
def blob(api_client: ApiClient) -> MessagingApiBlob:
    """Return the SDK's MessagingApiBlob (message content)."""
    return MessagingApiBlob(api_client)
