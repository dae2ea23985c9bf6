"""A small webhook burst under real gunicorn: nothing lost, doubled or oversold, even when a worker is killed.

The full-size runs and the figures are in ``bench/webhook_burst.py`` and ``bench/webhook_faults.py``.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from bot.fakeline import EventFactory, FakeLineServer
from tests.e2e.burst import (
    ITEMS,
    LIMITED,
    Burst,
    Sent,
    add_members,
    kill_a_worker,
    make_burst,
    open_campaign,
    send_burst,
    serve,
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


def test_the_parts_of_a_burst_deliver_exactly_the_burst() -> None:
    members = [f"U{n:032x}" for n in range(40)]
    burst = make_burst(EventFactory(), members=members, events=300, senders=8, rate=100.0)
    parts = burst.parts(4)
    sizes = [sum(len(lane) for lane in part.lanes) for part in parts]
    assert sum(sizes) == burst.posts and min(sizes) >= burst.posts // 6  # every part carries a fair share
    for number, lane in enumerate(burst.lanes):
        again = [post for part in parts for post in part.lanes[number]]
        assert [post.raw for post in again] == [post.raw for post in lane]  # in order, nothing left out or added
        assert [post.duplicate for post in again] == [post.duplicate for post in lane]
    for part in parts:  # sent paced, each part starts at once and keeps the pace within it
        dues = [post.due_s for lane in part.lanes for post in lane]
        assert min(dues) == 0.0
        assert max(dues) == pytest.approx(sum(post.events for lane in part.lanes for post in lane) / 100.0, rel=0.2)


@pytest.mark.parametrize(
    ("first_answers", "lanes_done", "window", "events"),
    [
        ([0.5, 1.0], [8.0, 9.5], 7.0, 3),  # from the last lane's first answer to the first lane's end
        ([5.0, 5.2], [5.5, 9.8], 10.0, 15),  # too short a stretch: the whole run counts
    ],
)
def test_the_steady_stretch_leaves_out_the_opening_and_the_tail(
    first_answers: list[float], lanes_done: list[float], window: float, events: int,
) -> None:
    sent = Sent(elapsed_s=10.0)
    sent.settle([(0.2, 3), (1.0, 5), (2.0, 2), (7.9, 1), (9.0, 4), (9.9, 0)], first_answers, lanes_done)
    assert (sent.steady_s, sent.steady_events) == (pytest.approx(window), events)
    total = Sent()
    total.add(sent)
    total.add(sent)
    assert (total.steady_s, total.steady_events, total.elapsed_s) == (pytest.approx(2 * window), 2 * events, 20.0)


def test_a_paused_server_answers_nothing_until_it_resumes(fake_line: FakeLineServer, database_url: str,
                                                           tmp_path: Path) -> None:
    served = serve("bare", fake_line.base_url, database_url, tmp_path / "bare.log")
    try:
        served.pause()
        paused_at = served.running_s
        with pytest.raises(OSError):  # the kernel accepts the connection, nobody answers it
            urllib.request.urlopen(f"{served.url}/healthz", timeout=0.5)
        assert served.running_s == paused_at  # the pause does not count as running time
        served.resume()
        with urllib.request.urlopen(f"{served.url}/healthz", timeout=5) as answer:
            assert answer.status == 200
        assert served.running_s > paused_at
    finally:
        served.stop()
    assert served.process is None
