"""The SQLite writer queue: webhook inserts (urgent) go before event processing (background), never starving it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from bot.writer_lock import BACKGROUND_YIELD_S, WriterLock


def test_an_urgent_writer_goes_before_a_background_writer_already_waiting(tmp_path: Path) -> None:
    path = str(tmp_path / "groupbuy.db-writer.lock")
    here, other_process = WriterLock(path), WriterLock(path)  # separate descriptors: separate flock holders
    assert other_process.acquire(1.0)
    order: list[str] = []

    def write(priority: str) -> None:
        assert here.acquire(5.0, priority)
        order.append(priority)
        time.sleep(0.02)
        here.release()

    background = threading.Thread(target=write, args=("background",))
    background.start()
    time.sleep(0.02)  # processing waits for the other process's transaction…
    urgent = threading.Thread(target=write, args=("urgent",))
    urgent.start()
    time.sleep(0.02)  # …when a webhook insert arrives
    other_process.release()
    background.join(5)
    urgent.join(5)
    assert order == ["urgent", "background"]


def test_a_background_writer_yields_only_for_a_while(tmp_path: Path) -> None:
    path = str(tmp_path / "groupbuy.db-writer.lock")
    announcer, processor = WriterLock(path), WriterLock(path)
    announcer._announce(+1)  # an urgent writer of another process that never gets going
    try:
        started = time.monotonic()
        assert processor.acquire(2.0, "background")
        waited = time.monotonic() - started
        processor.release()
    finally:
        announcer._announce(-1)
    assert BACKGROUND_YIELD_S * 0.9 <= waited < 1.0


def test_a_writer_gives_up_at_its_timeout(tmp_path: Path) -> None:
    path = str(tmp_path / "groupbuy.db-writer.lock")
    holder, waiter = WriterLock(path), WriterLock(path)
    assert holder.acquire(1.0)
    started = time.monotonic()
    assert not waiter.acquire(0.1, "urgent")
    assert 0.09 <= time.monotonic() - started < 1.0
    holder.release()
    assert waiter.acquire(0.1, "background")
    waiter.release()
