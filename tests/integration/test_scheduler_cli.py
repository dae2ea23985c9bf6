"""``groupbuy scheduler tick`` through the CLI against the fake LINE platform (real HTTP), and the clock."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date

import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.cli import cli
from bot.fakeline import FakeLinePlatform, FakeLineServer
from infra.config import Settings
from infra.db import UnitOfWork, make_engine
from infra.messenger import LineMessenger
from models import ReminderSent
from scheduler import clock, jobs
from tests.conftest import SECRET, TOKEN
from tests.factories.orders import add_campaign, add_member, add_order, taipei
from tests.factories.webhook import member_id

FAMILY = {"household_size": 4, "freezer_size": "medium", "meals_per_week": "3-4"}


@pytest.fixture
def line() -> Iterator[FakeLineServer]:
    """Serve a fake LINE platform that knows two friends."""
    platform = FakeLinePlatform(TOKEN, quota=200)
    for n in (1, 2):
        platform.add_user(member_id(n), f"成員{n}")
    with FakeLineServer(platform) as server:
        yield server


@pytest.fixture
def env(database_url: str, line: FakeLineServer) -> dict[str, str]:
    """Return the environment a deployed clock would have."""
    return {
        "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "DATABASE_URL": database_url,
        "LINE_API_BASE_URL": line.base_url, "GROUPBUY_TIMEZONE": "Asia/Taipei",
    }


def store_households(database_url: str) -> None:
    """Store two surveyed families who bought in a campaign delivered 2026-03-02; refill reminders only."""
    from services import reminder_settings

    engine = make_engine(database_url)
    with UnitOfWork(engine) as uow:
        campaign = add_campaign(uow, "春季冷凍團", delivery=date(2026, 3, 2))
        for n in (1, 2):
            add_order(uow, campaign, add_member(uow, n, f"成員{n}", is_friend=True, **FAMILY), {"A": 8, "B": 6})
        for name in ("推薦", "熟客", "回購"):
            reminder_settings.change_setting(uow, name, "關")
        uow.commit()
    engine.dispose()


def test_tick_cli_sends_due_reminders_once_through_real_http(
    env: dict[str, str], database_url: str, line: FakeLineServer
) -> None:
    store_households(database_url)
    runner = CliRunner()
    early = runner.invoke(cli, ["scheduler", "tick", "--now", "2026-03-10T10:00"], env=env)
    assert early.exit_code == 0, early.output
    assert "sent 0" in early.output and line.platform.pushes == []
    first = runner.invoke(cli, ["scheduler", "tick", "--now", "2026-03-19T10:00:00+08:00"], env=env)
    assert first.exit_code == 0, first.output
    assert "sent 2" in first.output
    again = runner.invoke(cli, ["scheduler", "tick", "--now", "2026-03-19T10:00:00+08:00"], env=env)
    assert "sent 0" in again.output
    assert len(line.platform.pushes) == 2
    assert any("吃完" in text for text in line.platform.texts_to(member_id(1)))
    assert line.platform.violations == []


def test_pending_reminder_resent_with_its_key_is_answered_409_and_marked_sent(
    database_url: str, line: FakeLineServer
) -> None:
    store_households(database_url)
    settings = Settings(channel_secret=SECRET, channel_access_token=TOKEN, line_api_base_url=line.base_url,
                        database_url=database_url)
    messenger = LineMessenger(TOKEN, line.base_url)
    now = taipei(2026, 3, 19, 10)
    jobs.tick(now, settings=settings, messenger=messenger)
    engine = make_engine(database_url)
    with UnitOfWork(engine) as uow:  # simulate a crash after LINE accepted the push, before "sent" was stored
        rows = uow.session.exec(select(ReminderSent)).all()
        for row in rows:
            row.status = "pending"
            uow.session.add(row)
        uow.commit()
    report = jobs.tick(now, settings=settings, messenger=messenger)
    assert report.reminders.already_delivered == 2 and report.reminders.resent == 0
    assert len(line.platform.pushes) == 2
    with UnitOfWork(engine) as uow:
        assert {r.status for r in uow.session.exec(select(ReminderSent)).all()} == {"sent"}
    engine.dispose()


def test_tick_cli_refuses_a_bad_instant_and_missing_secrets(env: dict[str, str]) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["scheduler", "tick", "--now", "next tuesday"], env=env)
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
    missing = runner.invoke(cli, ["scheduler", "tick"], env={**env, "LINE_CHANNEL_SECRET": ""})
    assert missing.exit_code == 1 and "LINE_CHANNEL_SECRET" in missing.output


def test_clock_schedules_the_reminder_job_without_warnings() -> None:
    settings = Settings(channel_secret=SECRET, channel_access_token=TOKEN)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler = clock.build_scheduler(settings)
    (job,) = scheduler.get_jobs()
    assert job.func is jobs.send_reminders and job.max_instances == 1 and job.coalesce
    assert "minute='*/15'" in str(job.trigger)
