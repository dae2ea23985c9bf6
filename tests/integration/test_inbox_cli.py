"""An event whose handling keeps failing is parked, the rest go on; ``groupbuy db inbox`` shows it and requeues it."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlmodel import select

from bot import processor as processor_module
from bot.cli import cli
from bot.processor import EventProcessor
from handlers.context import EventContext
from infra import inbox
from infra.config import Settings
from infra.db import UnitOfWork
from models import OrderLine, WebhookEvent
from tests.factories.campaigns import HOTPOT, at
from tests.factories.webhook import HOST_ID, member_id, text_event
from tests.fakes import FakeMessenger

BROKEN = "B+2"  # the comment whose handling raises while the "bug" is in place


def statuses(uow: UnitOfWork) -> dict[str, tuple[str, int]]:
    """Return each stored text's status and attempts."""
    uow.session.expire_all()
    rows = uow.session.exec(select(WebhookEvent)).all()
    found = {json.loads(row.payload)["message"]["text"]: (row.status, row.attempts) for row in rows}
    uow.rollback()
    return found


def ordered(uow: UnitOfWork) -> int:
    """Return the total quantity in the order book."""
    uow.session.expire_all()
    total = sum(line.qty for line in uow.session.exec(select(OrderLine)).all())
    uow.rollback()
    return total


def run_cli(database_url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["db", "inbox", *args], env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def fix_for_bug(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Put a bug in the handlers (one comment raises; the rest are handled for real); return what removes it."""
    real = processor_module.dispatch

    def dispatch(ctx: EventContext) -> None:
        message = getattr(ctx.event, "message", None)
        if getattr(message, "text", None) == BROKEN:
            raise RuntimeError("handler bug")
        real(ctx)

    monkeypatch.setattr(processor_module, "dispatch", dispatch)
    return lambda: monkeypatch.setattr(processor_module, "dispatch", real)


def test_a_failing_event_is_parked_and_requeued_after_the_fix(
    app: Flask, settings: Settings, uow: UnitOfWork, inbox_uow: UnitOfWork, database_url: str,
    fix_for_bug: Callable[[], None],
) -> None:
    rt = app.extensions["groupbuy"]
    processor = EventProcessor(rt.engine, settings, FakeMessenger())
    rt.inbox.store([
        text_event(HOTPOT, user_id=HOST_ID, ts=at(1, 10)),
        text_event("A+1", user_id=member_id(1), ts=at(1, 11)),
        text_event(BROKEN, user_id=member_id(2), ts=at(1, 12)),
        text_event("A+3", user_id=member_id(3), ts=at(1, 13)),
    ], 5)

    processor.drain()
    found = statuses(inbox_uow)
    assert found[BROKEN] == ("failed", inbox.MAX_ATTEMPTS)
    assert found["A+1"][0] == found["A+3"][0] == "done"  # the event behind the failing one was not held up
    assert ordered(uow) == 4

    shown = run_cli(database_url)
    assert "inbox: 0 pending, 3 done, 1 failed" in shown
    assert "'B+2'" in shown and "RuntimeError: handler bug" in shown and "after 3 attempts" in shown
    assert "--retry-failed" in shown

    fix_for_bug()  # the fix is deployed
    requeued = run_cli(database_url, "--retry-failed")
    assert "requeued 1 failed event(s)" in requeued
    assert "inbox: 1 pending, 3 done, 0 failed" in requeued
    assert processor.drain() == 1
    assert statuses(inbox_uow)[BROKEN] == ("done", 1)
    assert ordered(uow) == 6
    assert "inbox: 0 pending, 4 done, 0 failed" in run_cli(database_url)


def test_an_empty_inbox_says_so_and_requeues_nothing(database_url: str) -> None:
    assert run_cli(database_url).strip() == "inbox: 0 pending, 0 done, 0 failed"
    output = run_cli(database_url, "--retry-failed")
    assert "requeued 0 failed event(s)" in output and "LINE no longer" not in output
