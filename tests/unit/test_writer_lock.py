"""The SQLite writer queue: webhook inserts (urgent) go before event processing (background), never starving it."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from infra.writer_lock import BACKGROUND_YIELD_S, WriterLock


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


def test_a_forked_worker_queues_with_its_own_descriptor(tmp_path: Path) -> None:
    """Gunicorn forks workers after the lock file may have been opened: a child sharing the parent's descriptor
    would share its flock too, and both would write at once."""
    lock = WriterLock(str(tmp_path / "groupbuy.db-writer.lock"))
    assert lock.acquire(1.0)
    lock.release()  # the parent has opened the file
    held, done = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: takes the lock and holds it until the parent has tried
        try:
            if lock.acquire(1.0):
                os.write(held[1], b"1")
                os.read(done[0], 1)
                lock.release()
        finally:
            os._exit(0)
    try:
        assert os.read(held[0], 1) == b"1"
        assert not lock.acquire(0.05)  # the child's flock excludes the parent
    finally:
        os.write(done[1], b"1")
        os.waitpid(pid, 0)
    assert lock.acquire(1.0)
    lock.release()
