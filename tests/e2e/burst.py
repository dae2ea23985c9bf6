"""A webhook burst and its ground truth: shared by ``bench/webhook_*.py`` and ``tests/e2e/test_burst.py``.

The burst is built from the comment forms of the parser corpus (``comments.tsv``), sent by concurrent lanes the
way LINE delivers (signed bodies, some carrying several events, some redelivered, every body that did not get a 200
sent again), and checked against an order book computed here from what was sent: in send-time order, honouring
the stock limit, without any of the bot's code.
"""

from __future__ import annotations

import functools
import http.client
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flask import Flask, request
from linebot.v3.webhook import SignatureValidator
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot.fakeline import EventFactory, FakeLinePlatform, WebhookSender, as_redelivery, encode, sign, webhook_body
from infra.inbox_db import inbox_url
from tests.e2e.conftest import (
    E2E_GROUP,
    E2E_HOST,
    E2E_SECRET,
    bot_env,
    free_port,
    is_healthy,
    spawn,
    start_gunicorn,
    start_worker,
    stop,
    wait_until,
)
from tests.factories.campaigns import HOTPOT, at

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "unit" / "parsers" / "corpus" / "comments.tsv"
ITEMS = ("A", "B", "C")  # HOTPOT's items; C is the limited one
LIMITED = "C"
# Corpus forms whose meaning against HOTPOT differs from the corpus' "dumplings" campaign (other item names),
# and "none" rows another interpreter may take (payment reports).
NOT_HOTPOT = ("鮮蝦", "鲜虾", "湯", "好吃", "匯", "轉帳", "碼")
WORKERS = 2  # gunicorn workers of both servers (the Procfile's default)
STEP_MS = 7  # send-time distance between consecutive comments of a burst
Step = tuple[str, str | None, int | None]  # (add|set|remove|cancel, item code or None, quantity or None)


@dataclass(frozen=True)
class Form:
    """A comment text and what it means (from the corpus' expected column)."""

    text: str
    steps: tuple[Step, ...]


def load_forms() -> list[Form]:
    """Return the corpus' order and chit-chat comments that mean the same against HOTPOT."""
    forms = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        campaign, comment, expected = line.split("\t")
        words = expected.split()
        if campaign != "dumplings" or words[0] not in ("order", "none") or any(w in comment for w in NOT_HOTPOT):
            continue
        steps = []
        for word in words[1:]:
            action, item, *qty = word.split(":")
            steps.append((action, None if item == "-" else item, int(qty[0]) if qty else None))
        forms.append(Form(comment.replace("\\n", "\n"), tuple(steps)))
    return forms


@dataclass(frozen=True)
class Comment:
    """One comment event that was sent."""

    event_id: str
    member: str
    timestamp: int
    steps: tuple[Step, ...]
    reply_token: str = ""
    quote_token: str = ""
    group: str = E2E_GROUP  # the LINE group it was posted in


@dataclass(frozen=True)
class Post:
    """One webhook POST a lane makes: a signed body and its redelivery form."""

    raw: bytes
    signature: str
    redelivery: bytes
    redelivery_signature: str
    events: int
    due_s: float  # when to send it, from the start of the burst (used with a rate)
    duplicate: bool  # a second delivery of a body already sent
    seq: int = 0  # how many comments the burst had made before this POST (its place in the whole send order)
    reply_tokens: tuple[str, ...] = ()  # of its events


@dataclass
class Burst:
    """Comments (in send-time order) and the POSTs of each sender lane."""

    comments: list[Comment]
    lanes: list[list[Post]]

    @property
    def posts(self) -> int:
        """Return how many POSTs the burst makes (without retries)."""
        return sum(len(lane) for lane in self.lanes)

    def parts(self, count: int) -> list[Burst]:
        """Split the POSTs into ``count`` consecutive parts, each lane's in order (the parts carry no comments).

        Sent one after the other, the parts deliver exactly what the whole burst does; the benchmark sends each to
        the bare endpoint and to the bot in turn, so both are measured over the same stretches of time.
        """
        total = 1 + max((post.seq for lane in self.lanes for post in lane), default=0)
        parts = []
        for k in range(count):
            low, high = total * k // count, total * (k + 1) // count  # the same stretch of the send order in every lane
            lanes = [[post for post in lane if low <= post.seq < high] for lane in self.lanes]
            start_s = min((post.due_s for lane in lanes for post in lane), default=0.0)  # a paced part starts at 0
            parts.append(Burst([], [[replace(post, due_s=post.due_s - start_s) for post in lane] for lane in lanes]))
        return parts


def make_burst(
    factory: EventFactory, *, members: list[str], events: int, senders: int, secret: str = E2E_SECRET,
    start_ms: int = at(2, 9), rate: float | None = None, multi_share: float = 0.2, redeliver_share: float = 0.1, seed: int = 7,
    groups: Sequence[str] = (E2E_GROUP,),
) -> Burst:
    """Build ``events`` comments from ``members``; each member's comments go through one lane, in send order.

    With several ``groups``, member n comments in group n mod len(groups) (see :func:`group_members`).
    """
    group_of = {member: groups[n % len(groups)] for n, member in enumerate(members)}
    rng = random.Random(seed)
    forms = load_forms()
    orders = [f for f in forms if f.steps]
    chat = [f for f in forms if not f.steps]
    lane_members = [members[k::senders] for k in range(senders)]
    comments: list[Comment] = []
    lanes: list[list[Post]] = [[] for _ in range(senders)]
    later: list[list[tuple[int, Post]]] = [[] for _ in range(senders)]  # redeliveries waiting a few bodies
    while len(comments) < events:
        lane = rng.randrange(senders)
        size = min(events - len(comments), 1 if rng.random() >= multi_share else rng.randint(2, 4))
        body_events = []
        for _ in range(size):
            member = rng.choice(lane_members[lane])
            form = rng.choice(orders) if rng.random() < 0.9 else rng.choice(chat)
            ts = start_ms + len(comments) * STEP_MS
            event = factory.text(form.text, user_id=member, group_id=group_of[member], timestamp_ms=ts)
            comments.append(Comment(event["webhookEventId"], member, ts, form.steps, event["replyToken"],
                                    event["message"]["quoteToken"], group_of[member]))
            body_events.append(event)
        due = (len(comments) - size) / rate if rate else 0.0
        post = _post(webhook_body(body_events), secret, due, seq=len(comments) - size)
        waiting = later[lane]
        for entry in list(waiting):
            if entry[0] <= 0:
                lanes[lane].append(replace(entry[1], due_s=due, seq=post.seq))
                waiting.remove(entry)
        later[lane] = [(n - 1, p) for n, p in waiting]
        lanes[lane].append(post)
        if rng.random() < redeliver_share:
            again = replace(post, raw=post.redelivery, signature=post.redelivery_signature, duplicate=True)
            later[lane].append((rng.randint(0, 3), again))
    for lane, waiting in enumerate(later):  # redeliveries still waiting go last
        lanes[lane].extend(replace(p, seq=len(comments) - 1) for _, p in waiting)
    return Burst(comments, lanes)


def _post(body: dict[str, Any], secret: str, due_s: float, *, seq: int) -> Post:
    raw, again = encode(body), encode(as_redelivery(body))
    tokens = tuple(event["replyToken"] for event in body["events"])
    return Post(raw, sign(raw, secret), again, sign(again, secret), len(body["events"]), due_s, False, seq, tokens)


# -- ground truth --------------------------------------------------------------------------------------------


@dataclass
class _Line:
    member: str
    qty: int
    confirmed: int = 0


Book = dict[tuple[str, str], tuple[int, int]]  # (member, item) -> (quantity, confirmed quantity)


def expected_book(comments: list[Comment], limits: dict[str, int | None]) -> Book:
    """Apply the comments in send-time order: lines per comment, newest reduced first, stock in send order."""
    lines: dict[str, list[_Line]] = {item: [] for item in limits}
    for comment in sorted(comments, key=lambda c: c.timestamp):
        touched = set()
        for action, code, qty in comment.steps:
            for item in [code] if code else (list(limits) if action == "cancel" else []):
                mine = [ln for ln in lines[item] if ln.member == comment.member and ln.qty > 0]
                total = sum(ln.qty for ln in mine)
                delta = {"add": qty or 0, "set": (qty or 0) - total, "remove": -min(qty or 0, total)}.get(action, -total)
                if delta > 0:
                    lines[item].append(_Line(comment.member, delta))
                for ln in reversed(mine if delta < 0 else []):
                    take = min(ln.qty, -delta)
                    ln.qty, delta = ln.qty - take, delta + take
                    ln.confirmed = min(ln.confirmed, ln.qty)
                touched.add(item)
        for item in touched:
            limit = limits[item]
            free = None if limit is None else limit - sum(ln.confirmed for ln in lines[item])
            for ln in lines[item]:
                take = ln.qty - ln.confirmed if free is None else min(ln.qty - ln.confirmed, free)
                ln.confirmed += take
                free = None if free is None else free - take
    book: dict[tuple[str, str], list[int]] = {}
    for item, item_lines in lines.items():
        for ln in item_lines:
            if ln.qty:
                entry = book.setdefault((ln.member, item), [0, 0])
                entry[0] += ln.qty
                entry[1] += ln.confirmed
    return {key: (q, c) for key, (q, c) in book.items()}


@dataclass(frozen=True)
class Verdict:
    """The bot's book against the ground truth, and the inbox's state."""

    lost: int  # quantities sent but missing from the book
    doubled: int  # quantities in the book beyond what was sent
    oversold: int  # confirmed beyond the stock limit
    out_of_order: int  # limited stock confirmed to a later comment than the ground truth (not an invariant)
    not_stored: int  # sent events missing from the inbox
    failed: int  # events parked as failed

    @property
    def ok(self) -> bool:
        """Return True when nothing was lost, doubled or oversold."""
        return not (self.lost or self.doubled or self.oversold or self.not_stored or self.failed)


def actual_book(engine: Engine, campaign_id: int) -> Book:
    """Return the bot's order book of a campaign by member and item code."""
    query = text(
        "SELECT m.line_user_id, i.code, SUM(l.qty), SUM(l.confirmed_qty) FROM order_lines l "
        "JOIN members m ON m.id = l.member_id JOIN items i ON i.id = l.item_id "
        "WHERE l.campaign_id = :c AND l.qty > 0 GROUP BY m.line_user_id, i.code"
    )
    with engine.connect() as conn:
        return {(m, code): (int(q), int(c)) for m, code, q, c in conn.execute(query, {"c": campaign_id})}


def verdict(
    engine: Engine, campaign_id: int | dict[str, int], comments: list[Comment], limits: dict[str, int | None]
) -> Verdict:
    """Compare the bot's book and inbox with what was sent (``campaign_id``: the campaign, or each group's)."""
    campaigns = campaign_id if isinstance(campaign_id, dict) else {E2E_GROUP: campaign_id}
    books = [_compare(engine, cid, [c for c in comments if c.group == group], limits)
             for group, cid in campaigns.items()]
    with inbox_of(engine).connect() as conn:
        stored: dict[str, str] = dict(conn.execute(text("SELECT webhook_event_id, status FROM webhook_events")).all())
    return Verdict(
        lost=sum(b[0] for b in books), doubled=sum(b[1] for b in books), oversold=sum(b[2] for b in books),
        out_of_order=sum(b[3] for b in books), not_stored=sum(c.event_id not in stored for c in comments),
        failed=sum(s == "failed" for s in stored.values()),
    )


def _compare(engine: Engine, campaign_id: int, comments: list[Comment], limits: dict[str, int | None]
             ) -> tuple[int, int, int, int]:
    """Return (lost, doubled, oversold, out of order) of one campaign's book against its comments."""
    want, got = expected_book(comments, limits), actual_book(engine, campaign_id)
    keys = set(want) | set(got)
    diff = [(got.get(k, (0, 0))[0] - want.get(k, (0, 0))[0]) for k in keys]
    oversold = sum(max(0, c - q) for q, c in got.values())
    for item, limit in limits.items():
        if limit is not None:
            oversold += max(0, sum(c for (_, i), (_, c) in got.items() if i == item) - limit)
    out_of_order = sum(max(0, got.get(k, (0, 0))[1] - want.get(k, (0, 0))[1]) for k in keys if k[1] == LIMITED)
    return sum(-d for d in diff if d < 0), sum(d for d in diff if d > 0), oversold, out_of_order


def inbox_of(engine: Engine) -> Engine:
    """Return an engine on the webhook inbox of the bot's database (beside a SQLite file, a file of its own)."""
    own = inbox_url(engine.url.render_as_string(hide_password=False))
    return engine if own is None else _inbox_engine(own)


@functools.lru_cache(maxsize=16)
def _inbox_engine(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def wait_applied(engine: Engine, count: int, timeout_s: float) -> bool:
    """Wait until ``count`` events are stored and none is pending; return False on timeout."""
    query = text("SELECT COUNT(*), SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) FROM webhook_events")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with inbox_of(engine).connect() as conn:
                stored, pending = conn.execute(query).one()
        except OperationalError:  # the database is down for a moment (a fault scenario)
            stored, pending = 0, 1
        if stored >= count and not pending:
            return True
        time.sleep(0.05)
    return False


# -- sending -------------------------------------------------------------------------------------------------


@dataclass
class Sent:
    """What the lanes saw: answers, latencies, retries."""

    elapsed_s: float = 0.0
    events: int = 0  # distinct events acknowledged (first deliveries)
    statuses: Counter[int] = field(default_factory=Counter)  # 0 = no answer (connection refused/reset, timeout)
    latencies: list[float] = field(default_factory=list)  # of every answered POST, seconds
    retries: int = 0
    gave_up: int = 0  # bodies never acknowledged before the deadline
    # The steady stretch: from the moment every lane had an answer until the first lane ran out of POSTs (before it,
    # connections are being opened; after it, fewer senders than asked for are left).
    steady_s: float = 0.0
    steady_events: int = 0

    def percentile(self, p: float) -> float:
        """Return the p-th percentile acknowledgement latency in ms."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    def add(self, other: Sent) -> None:
        """Add what another part of the same burst saw."""
        self.elapsed_s += other.elapsed_s
        self.events += other.events
        self.statuses.update(other.statuses)
        self.latencies.extend(other.latencies)
        self.retries += other.retries
        self.gave_up += other.gave_up
        self.steady_s += other.steady_s
        self.steady_events += other.steady_events

    def settle(self, acks: list[tuple[float, int]], first_answers: list[float], lanes_done: list[float]) -> None:
        """Work out the steady stretch from the acknowledgements (seconds from the start, events) and the lanes."""
        begin, end = max(first_answers, default=0.0), min(lanes_done, default=0.0)
        if end - begin < 0.1 * self.elapsed_s:  # too short to tell (a tiny burst): take the whole run
            begin, end = 0.0, self.elapsed_s
        self.steady_s = end - begin
        self.steady_events = sum(events for at, events in acks if begin < at <= end)

    @property
    def server_errors(self) -> int:
        """Return how many POSTs were answered 5xx."""
        return sum(n for status, n in self.statuses.items() if status >= 500)


def send_burst(
    url: str, burst: Burst, *, deadline_s: float = 120.0, paced: bool = False, fault: Callable[[Sent], None] | None = None,
    on_post: Callable[[Post], None] | None = None,
) -> Sent:
    """POST every body from its lane (one keep-alive connection each); redeliver until 200 or the deadline.

    ``fault`` runs in its own thread alongside the lanes with the live counts (to break something mid-burst);
    ``on_post`` is called in the lane just before a body's first delivery (not before a redelivery).
    """
    target = urllib.parse.urlsplit(url)
    host, port = target.hostname or "", target.port
    assert host == "127.0.0.1", "bursts are sent to loopback only"
    sent, lock = Sent(), threading.Lock()
    acks: list[tuple[float, int]] = []  # (seconds from the start, events) of each first delivery's 200
    first_answers: list[float] = []
    lanes_done: list[float] = []
    start = time.monotonic()
    deadline = start + deadline_s

    def lane(posts: list[Post]) -> None:
        conn: http.client.HTTPConnection | None = None
        heard = False  # this lane has had an answer
        for post in posts:
            if paced:
                time.sleep(max(0.0, start + post.due_s - time.monotonic()))
            raw, signature, backoff = post.raw, post.signature, 0.1
            if on_post is not None and not post.duplicate:
                on_post(post)
            while True:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=10)
                began = time.monotonic()
                try:
                    conn.request("POST", target.path, body=raw, headers={
                        "Content-Type": "application/json; charset=utf-8", "X-Line-Signature": signature,
                        "User-Agent": "LineBotWebhook/2.0"})
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn, status = None, 0
                answered = time.monotonic()
                with lock:
                    sent.statuses[status] += 1
                    if status:
                        sent.latencies.append(answered - began)
                        if not heard:
                            heard = True
                            first_answers.append(answered - start)
                    if status == 200 and not post.duplicate:
                        sent.events += post.events
                        acks.append((answered - start, post.events))
                if status == 200:
                    break
                if time.monotonic() > deadline:
                    with lock:
                        sent.gave_up += 1
                    break
                with lock:
                    sent.retries += 1
                time.sleep(backoff)  # LINE redelivers later, marked as a redelivery
                raw, signature, backoff = post.redelivery, post.redelivery_signature, min(backoff * 2, 1.0)
        if conn is not None:
            conn.close()
        with lock:
            lanes_done.append(time.monotonic() - start)

    threads = [threading.Thread(target=lane, args=(posts,), daemon=True) for posts in burst.lanes if posts]
    for thread in threads:
        thread.start()
    breaker = threading.Thread(target=fault, args=(sent,), daemon=True) if fault else None
    if breaker is not None:
        breaker.start()
    for thread in threads:
        thread.join(max(0.0, deadline + 15 - time.monotonic()))
    sent.elapsed_s = time.monotonic() - start
    with lock:
        sent.settle(acks, first_answers, lanes_done)
    if breaker is not None:
        breaker.join(max(0.0, deadline + 30 - time.monotonic()))
    return sent


def when_acknowledged(share: float, total: int, action: Callable[[], None]) -> Callable[[Sent], None]:
    """Return a fault that runs ``action`` once ``share`` of ``total`` events were acknowledged."""

    def fault(sent: Sent) -> None:
        wait_until(lambda: sent.events >= share * total, timeout=120, interval=0.01)
        action()

    return fault


def kill_a_worker(master_pid: int) -> Callable[[], None]:
    """Return an action that kills one worker of a gunicorn master with SIGKILL (the master starts another)."""

    def kill() -> None:
        pids = worker_pids(master_pid)
        assert pids, "no gunicorn worker to kill"
        os.kill(pids[0], signal.SIGKILL)

    return kill


# -- the group, the servers, the database ---------------------------------------------------------------------


def add_members(platform: FakeLinePlatform, count: int, groups: Sequence[str] = (E2E_GROUP,)) -> list[str]:
    """Register ``count`` members (not friends of the bot), member n in group n mod len(groups), with the host."""
    members = [f"Uburst{n:026d}" for n in range(count)]
    for n, member in enumerate(members):
        platform.add_user(member, f"團員{n}", friend=False)
    for k, group in enumerate(groups):
        platform.add_group(group, f"團購壓力測試群{k + 1}", [E2E_HOST, *members[k::len(groups)]])
    return members


def burst_groups(count: int) -> tuple[str, ...]:
    """Return ``count`` LINE group ids, the e2e group first."""
    return (E2E_GROUP, *(f"Ce2egroup{n:023d}" for n in range(2, count + 1)))


@dataclass
class Served:
    """The bot (``groupbuy serve``, with ``groupbuy worker`` processes when asked), the bare endpoint or the
    minimal inline bot (``bench/minimal_bot.py``) under gunicorn, on a loopback port."""

    kind: str  # "bot" | "bare" | "minimal"
    env: dict[str, str]
    log_path: Path
    worker_procs: int = 0  # ``groupbuy worker`` processes beside the bot's web processes
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    running_since: float | None = None  # None while paused
    ran_s: float = 0.0  # running time before the latest pause

    @property
    def url(self) -> str:
        """Return the server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Served:
        """Start the server; wait until it answers ``/healthz`` and every worker has loaded the app."""
        logged = self.log_path.stat().st_size if self.log_path.exists() else 0
        if self.kind == "bot":
            self.process = start_gunicorn(self.env, self.port, self.log_path)
        else:
            self.process = spawn(SERVER_COMMANDS[self.kind](self.port), self.env, self.log_path)

        def ready() -> bool:
            with self.log_path.open("rb") as log:
                log.seek(logged)
                booted = len(re.findall(rb"worker \d+ ready", log.read()))  # bot.gunicorn_conf.post_worker_init
            return booted >= WORKERS and is_healthy(self.url)

        if not wait_until(ready, timeout=60):
            self.stop()
            raise RuntimeError(f"{self.kind} server did not start; see {self.log_path}")
        for n in range(self.worker_procs):  # after ``groupbuy serve`` has migrated the database
            self.workers.append(start_worker(self.env, self.log_path.with_name(f"{self.log_path.stem}-worker{n}.log")))
        self.running_since = time.monotonic()
        return self

    @property
    def groups(self) -> list[int]:
        """Return the process groups of the server and its worker processes."""
        return [p.pid for p in ([self.process] if self.process else []) + self.workers]

    def pause(self) -> None:
        """Freeze the server and its workers (SIGSTOP), so that it takes no CPU while another server is measured."""
        if self.process is not None and self.running_since is not None:
            for group in self.groups:
                os.killpg(group, signal.SIGSTOP)
            self.ran_s += time.monotonic() - self.running_since
            self.running_since = None

    def resume(self) -> None:
        """Let a paused server run again (SIGCONT)."""
        if self.process is not None and self.running_since is None:
            for group in self.groups:
                os.killpg(group, signal.SIGCONT)
            self.running_since = time.monotonic()

    @property
    def cpu_s(self) -> float:
        """Return the CPU time (user and system) the master, its current workers and worker processes have used."""
        if self.process is None:
            return 0.0
        pids = [self.process.pid, *worker_pids(self.process.pid), *(p.pid for p in self.workers)]
        return sum(process_cpu_s(pid) for pid in pids)

    @property
    def running_s(self) -> float:
        """Return how long the server has run since it started, not counting the time it was paused."""
        return self.ran_s + (time.monotonic() - self.running_since if self.running_since is not None else 0.0)

    def stop(self) -> None:
        """Stop the server, its workers and worker processes."""
        self.resume()  # a stopped process would not act on SIGTERM
        for worker in self.workers:
            stop(worker)
        self.workers = []
        if self.process is not None:
            stop(self.process)
            self.process = None


def serve(
    kind: str, line_api_base_url: str, database_url: str, log_path: Path, *, worker_procs: int = 0,
    env: dict[str, str] | None = None,
) -> Served:
    """Start the bot, the bare endpoint or the minimal bot with the Procfile's gunicorn settings.

    ``env`` is added to the bot's environment (e.g. ``GROUPBUY_WEBHOOK_MODE=store`` with ``worker_procs``).
    """
    return Served(kind, {**bot_env(line_api_base_url, database_url), **(env or {})}, log_path, worker_procs).start()


def open_campaign(url: str, platform: FakeLinePlatform, engine: Engine, *, limit: int, group: str = E2E_GROUP) -> int:
    """Have the host open HOTPOT (item C limited to ``limit``) in ``group`` and return the campaign's id."""
    announcement = HOTPOT.replace("限量30盒", f"限量{limit}盒")
    event = EventFactory(platform).text(announcement, user_id=E2E_HOST, group_id=group, timestamp_ms=at(1, 10))
    status = WebhookSender(f"{url}/callback", E2E_SECRET).send(event).status
    if status != 200 or not wait_until(lambda: campaign_id(engine, group) is not None, timeout=30):
        raise RuntimeError(f"the campaign was not opened (webhook answered {status})")
    found = campaign_id(engine, group)
    assert found is not None
    return found


def open_campaigns(url: str, platform: FakeLinePlatform, engine: Engine, *, limit: int, groups: Sequence[str]
                   ) -> dict[str, int]:
    """Open HOTPOT in each group; return each group's campaign id."""
    return {group: open_campaign(url, platform, engine, limit=limit, group=group) for group in groups}


def campaign_id(engine: Engine, group: str = E2E_GROUP) -> int | None:
    """Return the newest campaign's id in a group."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT MAX(c.id) FROM campaigns c JOIN groups g ON g.id = c.group_id "
                                 "WHERE g.line_group_id = :g"), {"g": group}).scalar()


def worker_pids(master_pid: int) -> list[int]:
    """Return the pids of a gunicorn master's workers."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in children.split()]


_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """Return the CPU time (user and system) a live process has used, or 0.0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) * _TICK_S  # utime, stime


def bare_app() -> Flask:
    """Return the ceiling's app: verify the signature, answer 200 (``gunicorn 'tests.e2e.burst:bare_app()'``)."""
    app = Flask(__name__)
    validator = SignatureValidator(os.environ["LINE_CHANNEL_SECRET"])

    @app.post("/callback")
    def callback() -> tuple[str, int]:
        body = request.get_data(as_text=True)
        return ("OK", 200) if validator.validate(body, request.headers.get("X-Line-Signature", "")) else ("bad", 400)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app


def bare_command(port: int) -> list[str]:
    """Return the command serving ``bare_app`` under the Procfile's gunicorn settings."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return [gunicorn, "--chdir", str(ROOT), "-c", "python:bot.gunicorn_conf", "-b", f"127.0.0.1:{port}",
            "tests.e2e.burst:bare_app()"]


def minimal_command(port: int) -> list[str]:
    """Return the command serving ``bench/minimal_bot.py`` under the Procfile's gunicorn settings."""
    return [*bare_command(port)[:-1], "bench.minimal_bot:create_app()"]


SERVER_COMMANDS: dict[str, Callable[[int], list[str]]] = {"bare": bare_command, "minimal": minimal_command}


@contextmanager
def scratch_database(kind: str, directory: Path) -> Iterator[str]:
    """Yield the URL of a new empty database (a SQLite file, or a PostgreSQL database dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'burst-{uuid.uuid4().hex[:10]}.db'}"
        return
    url = make_url(os.environ.get("GROUPBUY_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    name = f"groupbuy_burst_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)  # survives a server restart
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
