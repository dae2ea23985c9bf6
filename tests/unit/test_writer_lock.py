"""The SQLite writer queue: one writer at a time across threads and processes, handed on as soon as it is free."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from infra.writer_lock import WriterLock


def test_writers_of_two_processes_take_turns(tmp_path: Path) -> None:
    path = str(tmp_path / "groupbuy.db-writer.lock")
    here, other_process = WriterLock(path), WriterLock(path)  # separate descriptors: separate flock holders
    assert other_process.acquire(1.0)
    got = threading.Event()

    def write() -> None:
        assert here.acquire(5.0)
        got.set()
        here.release()

    writer = threading.Thread(target=write)
    writer.start()
    assert not got.wait(0.05)  # waits for the other process's transaction…
    other_process.release()
    assert got.wait(1.0)  # …and goes as soon as it ends
    writer.join(5)


def test_writers_of_one_process_queue_on_the_thread_lock(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "groupbuy.db-writer.lock"))
    inside, most = [0], [0]

    def write() -> None:
        for _ in range(20):
            assert lock.acquire(5.0)
            inside[0] += 1
            most[0] = max(most[0], inside[0])
            time.sleep(0.0005)
            inside[0] -= 1
            lock.release()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert most[0] == 1


def test_a_writer_gives_up_at_its_timeout(tmp_path: Path) -> None:
    path = str(tmp_path / "groupbuy.db-writer.lock")
    holder, waiter = WriterLock(path), WriterLock(path)
    assert holder.acquire(1.0)
    started = time.monotonic()
    assert not waiter.acquire(0.1)
    assert 0.09 <= time.monotonic() - started < 1.0
    holder.release()
    assert waiter.acquire(0.1)
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
