"""A tick's reminder pushes side by side (``Messenger.pushes_at_once``): still each once, and LINE's 429 still stops them."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.fakeline import FakeLinePlatform, FakeLineServer
from infra.config import Settings
from infra.db import UnitOfWork, make_engine
from infra.messages import Message, QuickReply
from infra.messenger import LineError, LineMessenger, Quota
from models import ReminderSent
from scheduler.jobs import tick
from services import reminder_batch, reminders
from services.lifecycle import NPS_QUICK, ORDER_QUICK, STOP_QUICK, Candidate
from tests.conftest import TOKEN
from tests.factories.orders import add_campaign, add_member, add_order, taipei
from tests.factories.webhook import member_id
from tests.fakes import FakeMessenger

BUYERS = 12
NOW = taipei(2026, 3, 5, 10)  # three days after the delivery: each buyer's recommendation question is due


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Return an engine on a test database where BUYERS friends bought in a campaign delivered 2026-03-02."""
    eng = make_engine(database_url)
    with UnitOfWork(eng) as uow:
        campaign = add_campaign(uow, "春季冷凍團", delivery=date(2026, 3, 2))
        for n in range(1, BUYERS + 1):
            add_order(uow, campaign, add_member(uow, n, f"成員{n}", is_friend=True), {"A": 2})
        uow.commit()
    yield eng
    eng.dispose()


def statuses(engine: Engine) -> Counter[str]:
    """Return how many reminder rows are in each status."""
    with UnitOfWork(engine, read_only=True) as uow:
        return Counter(uow.session.exec(select(ReminderSent.status)).all())


class SideBySide(FakeMessenger):
    """Lets no push through until four are in flight together (fails when pushes go one after another)."""

    def __init__(self) -> None:
        super().__init__(pushes_at_once=4)
        self.together = threading.Barrier(4, timeout=10)

    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
        """Wait for three other pushes, then record this one."""
        self.together.wait()
        return super().push(to, messages, retry_key)


def test_pushes_side_by_side_reach_each_member_once_and_a_repeated_tick_sends_none(
    engine: Engine, settings: Settings
) -> None:
    line = SideBySide()
    first = tick(NOW, settings=settings, messenger=line)
    again = tick(NOW, settings=settings, messenger=line)
    assert first.reminders.sent == BUYERS and again.reminders.sent == 0
    assert Counter(to for to, _, _ in line.pushes) == {member_id(n): 1 for n in range(1, BUYERS + 1)}
    assert statuses(engine) == {"sent": BUYERS}


class QuotaRunsOut(FakeMessenger):
    """Takes the first ``room`` pushes, then answers 429 (the month's quota spent), four pushes at a time."""

    def __init__(self, room: int) -> None:
        super().__init__(pushes_at_once=4)
        self.room = room
        self.lock = threading.Lock()

    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
        """Record the push while there is room, else refuse it as LINE does."""
        with self.lock:
            if self.room <= 0:
                raise LineError(429, "You have reached your monthly limit.")
            self.room -= 1
        return super().push(to, messages, retry_key)


def test_a_429_among_pushes_side_by_side_keeps_who_got_theirs_and_frees_the_rest_for_later(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    spent = QuotaRunsOut(room=5)
    report = tick(NOW, settings=settings, messenger=spent).reminders
    assert report.sent == 5 and report.deferred == BUYERS - 5
    assert statuses(engine) == {"sent": 5}  # nothing left pending: the refused ones may be planned again
    later = tick(NOW.replace(hour=11), settings=settings, messenger=messenger).reminders
    assert later.sent == BUYERS - 5
    pushed = Counter(to for to, _, _ in spent.pushes + messenger.pushes)
    assert pushed == {member_id(n): 1 for n in range(1, BUYERS + 1)}


class DiesMidBatch(FakeMessenger):
    """Delivers to ``line`` four pushes at a time, and the clock process dies during the third push."""

    def __init__(self, line: FakeMessenger) -> None:
        super().__init__(pushes_at_once=4)
        self.line = line
        self.count = 0
        self.lock = threading.Lock()

    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
        """Deliver, except the third push, which kills the process."""
        with self.lock:
            self.count += 1
            dies = self.count == 3
        if dies:
            raise KeyboardInterrupt("clock process killed")
        return self.line.push(to, messages, retry_key)

    def quota(self) -> Quota:
        """Return the real line's quota."""
        return self.line.quota()


def test_a_crash_among_pushes_side_by_side_neither_loses_nor_doubles(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    with pytest.raises(KeyboardInterrupt):
        tick(NOW, settings=settings, messenger=DiesMidBatch(messenger))
    assert statuses(engine) == {"pending": BUYERS}  # recorded before any push; nothing marked
    delivered = len(messenger.pushes)
    assert 0 < delivered < BUYERS
    report = tick(NOW.replace(minute=15), settings=settings, messenger=messenger).reminders
    assert (report.already_delivered, report.resent) == (delivered, BUYERS - delivered)  # the same keys again
    assert Counter(to for to, _, _ in messenger.pushes) == {member_id(n): 1 for n in range(1, BUYERS + 1)}
    assert statuses(engine) == {"sent": BUYERS}


def test_the_line_messenger_pushes_side_by_side_over_real_http_each_once(engine: Engine, settings: Settings) -> None:
    platform = FakeLinePlatform(TOKEN, quota=1000)
    for n in range(1, BUYERS + 1):
        platform.add_user(member_id(n), f"成員{n}")
    with FakeLineServer(platform) as server:
        line = LineMessenger(TOKEN, server.base_url, pushes_at_once=4)
        assert tick(NOW, settings=settings, messenger=line).reminders.sent == BUYERS
        assert tick(NOW, settings=settings, messenger=line).reminders.sent == 0
    assert Counter(p.body["to"] for p in platform.pushes) == {member_id(n): 1 for n in range(1, BUYERS + 1)}
    assert platform.violations == []
    assert statuses(engine) == {"sent": BUYERS}


@pytest.mark.parametrize("quick", [(), STOP_QUICK, ORDER_QUICK, NPS_QUICK,
                                   (QuickReply(label="空", text="空", postback_data=""),)])
def test_a_first_push_sends_what_a_resend_makes_of_the_record(quick: tuple[QuickReply, ...]) -> None:
    c = Candidate(member_id=7, kind="refill", dedupe_key="refill:7:3", due_at=NOW, value=1.0, reason="", text="補貨 {x}",
                  quick=quick, extra={"campaign": 3, "bundle": {"A": 2}})
    assert reminder_batch.message(c, 42) == reminders.message_from(json.loads(reminder_batch.detail(c)), 42)
