"""Group commit: concurrent requests share a write, each gets its own answer, failures and timeouts are contained."""

from __future__ import annotations

import random
import threading
import time

import pytest

from infra.group_commit import GroupCommit, StoreFailed, StoreTimeout


class Recorder:
    """A write function that records its batches and can be held (to let requests queue up) or made to fail."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.fail_on: set[int] = set()
        self.lock = threading.Lock()

    def __call__(self, items: list[int], budget_s: float) -> list[str]:
        assert budget_s > 0
        with self.lock:
            self.batches.append(list(items))
        self.entered.set()
        self.gate.wait(10)
        if self.fail_on & set(items):
            raise RuntimeError("database is locked")
        return [f"stored {item}" for item in items]


def submit_in_thread(group: GroupCommit[int, str], item: int, out: dict[int, object], timeout_s: float = 5.0) -> threading.Thread:
    def run() -> None:
        try:
            out[item] = group.submit(item, timeout_s)
        except Exception as exc:  # the test inspects what each request got
            out[item] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_queued(group: GroupCommit[int, str], count: int) -> None:
    deadline = time.monotonic() + 5
    while len(group._queue) < count:
        assert time.monotonic() < deadline, "requests did not queue"
        time.sleep(0.001)


def behind_a_held_write(group: GroupCommit[int, str], write: Recorder, first: int, queued: list[int]) -> dict[int, object]:
    """Submit ``first`` and hold its write while ``queued`` line up behind it; release; return every answer."""
    out: dict[int, object] = {}
    write.gate.clear()
    leader = submit_in_thread(group, first, out)
    assert write.entered.wait(5)
    others = [submit_in_thread(group, n, out) for n in queued]
    wait_queued(group, len(queued))
    write.gate.set()
    for thread in [leader, *others]:
        thread.join(5)
    return out


def test_a_lone_request_is_written_by_itself() -> None:
    write = Recorder()
    group = GroupCommit(write)
    assert group.submit(7, 1.0) == "stored 7"
    assert write.batches == [[7]]
    assert (group.batches, group.items) == (1, 1)


def test_requests_arriving_during_a_write_share_the_next_one() -> None:
    write = Recorder()
    group = GroupCommit(write)
    out = behind_a_held_write(group, write, 1, [2, 3, 4, 5, 6])
    assert write.batches[0] == [1]
    assert sorted(write.batches[1]) == [2, 3, 4, 5, 6]  # one transaction for the five that waited
    assert out == {n: f"stored {n}" for n in range(1, 7)}


def test_a_failed_write_fails_exactly_its_batch_and_the_next_leader_carries_on() -> None:
    write = Recorder()
    group = GroupCommit(write)
    write.fail_on = {1}
    out = behind_a_held_write(group, write, 1, [2])
    assert isinstance(out[1], StoreFailed) and "database is locked" in str(out[1])
    assert isinstance(out[1].__cause__, RuntimeError)
    assert out[2] == "stored 2"
    assert group.submit(3, 1.0) == "stored 3"


def test_a_request_that_waits_too_long_gives_up_and_is_never_written() -> None:
    write, out = Recorder(), {}
    group = GroupCommit(write)
    write.gate.clear()
    first = submit_in_thread(group, 1, out)
    assert write.entered.wait(5)
    late = submit_in_thread(group, 2, out, timeout_s=0.05)
    late.join(5)
    assert isinstance(out[2], StoreTimeout)
    write.gate.set()
    first.join(5)
    assert out[1] == "stored 1"
    assert all(2 not in batch for batch in write.batches)
    assert group.submit(3, 1.0) == "stored 3"  # the lead was given up cleanly


def test_the_idle_hook_runs_once_the_queue_drains_not_between_batches() -> None:
    write, idle = Recorder(), []
    group = GroupCommit(write, on_idle=lambda: idle.append(len(write.batches)))
    out = behind_a_held_write(group, write, 1, [2])
    assert out == {1: "stored 1", 2: "stored 2"}
    assert idle == [2]  # not after the first batch: a request was waiting for the lead


def test_batches_are_capped() -> None:
    write = Recorder()
    group = GroupCommit(write, max_batch=3)
    out = behind_a_held_write(group, write, 0, list(range(1, 8)))
    assert [len(batch) for batch in write.batches] == [1, 3, 3, 1]
    assert out == {n: f"stored {n}" for n in range(8)}


@pytest.mark.parametrize("seed", range(5))
def test_many_concurrent_requests_each_get_their_own_answer_once(seed: int) -> None:
    rng = random.Random(seed)
    write, out = Recorder(), {}
    group = GroupCommit(write, max_batch=rng.randint(1, 20))
    threads = [submit_in_thread(group, n, out) for n in range(rng.randint(20, 80))]
    for thread in threads:
        thread.join(10)
    written = [item for batch in write.batches for item in batch]
    assert sorted(written) == list(range(len(threads)))  # every request written exactly once
    assert out == {n: f"stored {n}" for n in range(len(threads))}
    assert group.items == len(threads) and group.batches == len(write.batches)
