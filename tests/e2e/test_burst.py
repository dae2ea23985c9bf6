"""A small webhook burst under real gunicorn: nothing lost, doubled or oversold, even when a worker is killed.

The full-size runs and the figures are in ``bench/webhook_burst.py`` and ``bench/webhook_faults.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from bot.fakeline import FakeLineServer
from tests.e2e.burst import (
    ITEMS,
    LIMITED,
    Burst,
    add_members,
    kill_a_worker,
    make_burst,
    open_campaign,
    send_burst,
    verdict,
    wait_applied,
    when_acknowledged,
    worker_pids,
)
from tests.e2e.conftest import RunningBot

pytestmark = pytest.mark.e2e
LIMIT = 40
LIMITS: dict[str, int | None] = {item: (LIMIT if item == LIMITED else None) for item in ITEMS}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Return an engine on the bot's database, for the checks."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def small_burst(fake_line: FakeLineServer, bot: RunningBot, engine: Engine) -> tuple[int, Burst]:
    """Open HOTPOT (C limited) and build 300 comment events from 60 members over 8 lanes."""
    platform = fake_line.platform
    platform.quota = None
    members = add_members(platform, 60)
    campaign = open_campaign(bot.url, platform, engine, limit=LIMIT)
    return campaign, make_burst(bot.events, members=members, events=300, senders=8)


def test_burst_is_applied_exactly_once_within_the_stock(gunicorn_bot: RunningBot, fake_line: FakeLineServer,
                                                        engine: Engine) -> None:
    campaign, burst = small_burst(fake_line, gunicorn_bot, engine)
    sent = send_burst(f"{gunicorn_bot.url}/callback", burst, deadline_s=30)
    assert sent.statuses == {200: burst.posts}, sent.statuses
    assert sent.events == len(burst.comments)
    assert wait_applied(engine, len(burst.comments) + 1, timeout_s=40), gunicorn_bot.log()[-3000:]
    result = verdict(engine, campaign, burst.comments, LIMITS)
    assert (result.lost, result.doubled, result.oversold, result.not_stored, result.failed) == (0, 0, 0, 0, 0), result
    assert fake_line.platform.violations == []


def test_worker_killed_mid_burst_loses_and_doubles_nothing(gunicorn_bot: RunningBot, fake_line: FakeLineServer,
                                                           engine: Engine) -> None:
    campaign, burst = small_burst(fake_line, gunicorn_bot, engine)
    workers = worker_pids(gunicorn_bot.process.pid)
    kill = when_acknowledged(0.3, len(burst.comments), kill_a_worker(gunicorn_bot.process.pid))
    sent = send_burst(f"{gunicorn_bot.url}/callback", burst, deadline_s=40, fault=kill)
    assert workers[0] not in worker_pids(gunicorn_bot.process.pid), "the worker was not killed"
    assert sent.gave_up == 0 and sent.server_errors == 0, sent.statuses
    assert wait_applied(engine, len(burst.comments) + 1, timeout_s=40), gunicorn_bot.log()[-3000:]
    result = verdict(engine, campaign, burst.comments, LIMITS)
    assert (result.lost, result.doubled, result.oversold, result.not_stored, result.failed) == (0, 0, 0, 0, 0), result
