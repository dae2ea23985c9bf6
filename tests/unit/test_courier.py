"""The courier runs post-commit sends in order, on its own thread, and survives a failing one."""

from __future__ import annotations

import threading

import pytest

from infra.courier import Courier


def test_tasks_run_in_submission_order_on_another_thread() -> None:
    courier, seen, threads = Courier(), [], set()
    for n in range(50):
        courier.submit(lambda n=n: (seen.append(n), threads.add(threading.current_thread().name)))
    courier.join()
    assert seen == list(range(50))
    assert threads == {"groupbuy-courier"}
    courier.stop()


def test_a_failing_task_is_logged_and_the_next_still_runs(caplog: pytest.LogCaptureFixture) -> None:
    courier, seen = Courier(), []

    def fail() -> None:
        raise RuntimeError("LINE is down")

    courier.submit(fail)
    courier.submit(lambda: seen.append("after"))
    courier.join()
    assert seen == ["after"]
    assert "sending to LINE after commit failed" in caplog.text
    courier.stop()


def test_a_full_queue_makes_the_submitter_wait() -> None:
    courier, release, seen = Courier(max_queued=2), threading.Event(), []
    courier.submit(release.wait)  # taken by the thread at once, or still queued
    courier.submit(lambda: seen.append(1))
    courier.submit(lambda: seen.append(2))
    submitted = threading.Event()
    blocked = threading.Thread(target=lambda: (courier.submit(lambda: seen.append(3)), submitted.set()))
    blocked.start()
    assert not submitted.wait(0.2)  # the queue holds at most two waiting tasks
    release.set()
    assert submitted.wait(5)
    courier.join()
    blocked.join()
    assert seen == [1, 2, 3]
    courier.stop()


def test_stop_runs_what_is_queued_first() -> None:
    courier, release, seen = Courier(), threading.Event(), []
    courier.submit(release.wait)
    for n in range(3):
        courier.submit(lambda n=n: seen.append(n))
    release.set()
    courier.stop()
    assert seen == [0, 1, 2]


def test_with_several_threads_sends_wait_for_line_side_by_side() -> None:
    """A batch's replies go out together: four slow calls to LINE overlap instead of queueing."""
    courier, inside, release = Courier(threads=4), threading.Barrier(4, timeout=5), threading.Event()

    def slow_reply() -> None:
        inside.wait()  # all four are in flight at once, or this times out
        release.wait(5)

    for _ in range(4):
        courier.submit(slow_reply)
    release.set()
    courier.join()
    assert not inside.broken
    courier.stop()
