"""Webhook traffic: the inbox worker holds back while webhooks arrive in this or any sibling process."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from infra.traffic import Traffic, traffic_path


def test_no_traffic_is_quiet_at_once() -> None:
    assert Traffic(quiet_s=0.01).wait_quiet(0.0)


def test_a_request_in_flight_is_not_quiet() -> None:
    traffic = Traffic(quiet_s=0.0)
    with traffic.request():
        assert traffic.in_flight == 1
        assert not traffic.wait_quiet(0.02)
    assert traffic.in_flight == 0
    assert traffic.wait_quiet(0.0)


def test_quiet_only_after_the_quiet_period() -> None:
    traffic = Traffic(quiet_s=60.0)
    with traffic.request():
        pass
    assert not traffic.wait_quiet(0.02)  # the last webhook ended just now


def test_the_wait_ends_when_the_burst_pauses() -> None:
    traffic = Traffic(quiet_s=0.01)
    released = threading.Event()

    def request() -> None:
        with traffic.request():
            released.wait(5)

    sender = threading.Thread(target=request)
    sender.start()
    while traffic.in_flight == 0:
        pass
    threading.Timer(0.05, released.set).start()
    assert traffic.wait_quiet(5.0)
    sender.join(5)


def test_a_waiting_worker_sleeps_through_the_burst_instead_of_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    naps: list[float] = []
    sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: (naps.append(s), sleep(s)))
    traffic = Traffic(quiet_s=0.1)
    with traffic.request():  # a burst that lasts the whole wait
        assert not traffic.wait_quiet(0.5)
    assert 1 <= len(naps) <= 6  # about once per quiet period, not every few milliseconds (was 100)
    naps.clear()
    assert not traffic.wait_quiet(0.05)  # the burst ended just now: one nap until the wait runs out
    assert len(naps) == 1


def test_a_sibling_process_sees_the_traffic_through_the_shared_file(tmp_path: Path) -> None:
    path = str(tmp_path / "groupbuy.db-traffic")
    web, worker = Traffic(path, quiet_s=60.0), Traffic(path, quiet_s=60.0)  # two processes' views of one file
    assert worker.wait_quiet(0.0)
    with web.request():
        pass
    assert worker.in_flight == 0
    assert not worker.wait_quiet(0.02)


def test_a_forked_worker_shares_the_file_with_its_parent(tmp_path: Path) -> None:
    """Gunicorn forks its workers after the master may have used the gauge: both still see each other."""
    traffic = Traffic(str(tmp_path / "groupbuy.db-traffic"), quiet_s=60.0)
    assert traffic.wait_quiet(0.0)  # the parent maps the file before forking
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: answers one webhook and reports the process it mapped the file in
        try:
            with traffic.request():
                pass
            os.write(write, str(traffic._pid == os.getpid()).encode())
        finally:
            os._exit(0)
    os.close(write)
    assert os.read(read, 10) == b"True"
    os.waitpid(pid, 0)
    assert not traffic.wait_quiet(0.02)  # the parent sees the child's webhook


def test_an_unusable_shared_file_falls_back_to_this_process(tmp_path: Path) -> None:
    traffic = Traffic(str(tmp_path / "missing-dir" / "traffic"), quiet_s=0.0)
    with traffic.request():
        assert not traffic.wait_quiet(0.0)
    assert traffic.wait_quiet(0.0)


def test_traffic_file_sits_next_to_a_sqlite_database(tmp_path: Path) -> None:
    assert traffic_path(f"sqlite:///{tmp_path}/groupbuy.db") == f"{tmp_path}/groupbuy.db-traffic"


def test_traffic_file_of_a_server_database_is_per_database_and_keeps_no_password() -> None:
    one = traffic_path("postgresql+psycopg://bot:secret@127.0.0.1:5432/groupbuy")
    same = traffic_path("postgresql+psycopg://bot:other@127.0.0.1:5432/groupbuy")
    other = traffic_path("postgresql+psycopg://bot:secret@127.0.0.1:5432/test")
    assert one == same != other
    assert "secret" not in one and "groupbuy-traffic-" in one
