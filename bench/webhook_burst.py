"""Benchmark a webhook burst end to end: groupbuy against a minimal inline bot, and its acknowledgements.

    .venv/bin/python bench/webhook_burst.py [--database sqlite|postgresql] [--events 2000] [--members 200]
                                            [--worker-procs 1] [--senders 16] [--rate EVENTS_PER_S [--seconds S]]
                                            [--parts 6] [--no-ack] [--timeout 900]

Everything on 127.0.0.1 against the fake LINE platform, with LINE's 60 s reply-token window. HOTPOT is opened with
item C limited, and the burst (signed comment events of the parser corpus, 16 lanes, some bodies with several
events, 10% redelivered) is sent:

1. acknowledgement (unless --no-ack): in parts, from a sender process of its own, to a signature-only endpoint (the
   first ceiling) and to groupbuy in turn (ABBA), the other server paused, since a shared machine's speed drifts by
   tens of percent within seconds; events/s, their ratio and acknowledgement latency;
2. end to end: the same comments and lanes, as fresh events (a reply token is used once, and its window opens when
   its body is first sent), to the minimal inline bot (``bench/minimal_bot.py``, the second ceiling: stores each
   event once and replies "收到 <text>" before answering) and then to groupbuy (gunicorn in
   GROUPBUY_WEBHOOK_MODE=store and --worker-procs ``groupbuy worker`` processes), each on a fresh database.
   Time from the first post to the last accepted reply and until the book is complete, replies accepted and
   refused by reason, members never confirmed (quoted, or named by a textV2 mention), post-to-confirmation
   percentiles of the comments that order something, the end-to-end ratio, and the book against the ground truth.
Not a test: run it by hand. Exit status 1 when anything was lost, doubled, oversold or answered 5xx, or a member
was never confirmed.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bot.fakeline import REFUSALS, EventFactory, FakeLinePlatform, FakeLineServer  # noqa: E402
from models import WebhookEvent  # noqa: E402
from tests.e2e.burst import (  # noqa: E402
    ITEMS,
    LIMITED,
    Burst,
    Comment,
    Post,
    Sent,
    Served,
    Verdict,
    add_members,
    burst_groups,
    inbox_of,
    make_burst,
    open_campaigns,
    scratch_database,
    send_burst,
    serve,
    verdict,
    wait_applied,
)
from tests.e2e.conftest import E2E_TOKEN  # noqa: E402


def arguments(description: str, *, events: int = 2000, members: int = 200, extra: tuple[str, ...] = ()) -> argparse.Namespace:
    """Read the command line shared by the burst and fault benchmarks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--events", type=int, default=events)
    parser.add_argument("--members", type=int, default=members)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--rate", type=float, default=None, help="pace the burst at this many events/s")
    parser.add_argument("--seconds", type=float, default=None, help="with --rate: send rate × seconds events")
    parser.add_argument("--worker-procs", type=int, default=1, help="groupbuy worker processes beside the web")
    parser.add_argument("--groups", type=int, default=1, help="spread the members over this many LINE groups")
    parser.add_argument("--no-ack", action="store_true", help="skip the acknowledgement phase (ABBA parts)")
    parser.add_argument("--limit", type=int, default=300, help="stock limit of item C")
    parser.add_argument("--timeout", type=int, default=900, help="hard limit for the whole run, seconds")
    parser.add_argument("--parts", type=int, default=6,
                        help="send the burst in this many parts, each to the ceiling and to the bot in turn")
    if "--only" in extra:
        parser.add_argument("--only", choices=("worker", "applier", "restart", "database", "reminder"), default=None)
    args = parser.parse_args()
    if args.rate and args.seconds:
        args.events = round(args.rate * args.seconds)
    return args


def say(text: str) -> None:
    """Write a line of results to stdout at once."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def hard_timeout(seconds: int) -> None:
    """Abort the run (servers are stopped by the finally blocks) after ``seconds``."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"benchmark exceeded its {seconds}s limit")

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)


def rate(sent: Sent) -> float:
    """Return the events acknowledged per second while every sender was busy (the steady stretch)."""
    return sent.steady_events / sent.steady_s if sent.steady_s else 0.0


def line(name: str, sent: Sent) -> str:
    """Format one row of the results table."""
    no_answer = sent.statuses.get(0, 0)
    whole = sent.events / sent.elapsed_s if sent.elapsed_s else 0.0
    return (f"{name:<18}{rate(sent):>10.1f}{whole:>8.1f}"
            f"{sent.percentile(50):>9.1f}{sent.percentile(95):>9.1f}{sent.percentile(99):>9.1f}"
            f"{max(sent.latencies, default=0) * 1000:>9.0f}{sent.server_errors:>6}{no_answer:>10}{sent.retries:>8}")


def cpu_ms(seconds: float, sent: Sent) -> str:
    """Format CPU time per acknowledged event in ms."""
    return f"{1000 * seconds / sent.events:.2f}" if sent.events else "-"


def header() -> str:
    """Return the results table's header."""
    columns = (("events/s", 10), ("whole", 8), ("p50 ms", 9), ("p95 ms", 9), ("p99 ms", 9), ("max ms", 9), ("5xx", 6),
               ("no answer", 10))
    return f"{'':<18}" + "".join(f"{name:>{width}}" for name, width in columns) + f"{'retries':>8}"


def judge(result: Verdict, sent: Sent, *, errors_expected: bool = False) -> bool:
    """Print the correctness line; return True when every invariant holds (5xx too, unless a fault causes them)."""
    say(f"correctness: lost {result.lost}, doubled {result.doubled}, oversold {result.oversold}, "
          f"5xx {sent.server_errors}; events not stored {result.not_stored}, failed {result.failed}, "
          f"bodies given up {sent.gave_up}; limited stock given out of send order {result.out_of_order}")
    return result.ok and (errors_expected or not sent.server_errors) and not sent.gave_up

STORE_MODE = {"GROUPBUY_WEBHOOK_MODE": "store"}  # the web processes verify, store and answer; workers apply
REPLY = "/v2/bot/message/reply"


def groupbuy(args: argparse.Namespace, fake: FakeLineServer, url: str, workdir: Path) -> Served:
    """Start groupbuy's web processes in store mode and its worker processes."""
    return serve("bot", fake.base_url, url, workdir / "bot.log", worker_procs=args.worker_procs, env=STORE_MODE)


class ApartSender:
    """Sends the acknowledgement phase's parts from a process of its own, forked before the fake LINE starts.

    The fake LINE platform runs in the benchmark's process and answers the bot's replies and display-name look-ups
    (about 110 requests in the bot's turns, 2-7 in the bare endpoint's). Had the lanes shared that process's
    interpreter lock, the bot's turns would be sent by a slower client: the process took 0.28-0.30 s of CPU in the
    bare endpoint's turns and 0.43-0.55 s in the bot's, for the same events. LINE's webhook sender is not slowed by
    the replies it receives.
    """

    def __enter__(self) -> ApartSender:
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        self.pool.submit(int).result()  # fork now, while this process runs no other thread
        return self

    def __exit__(self, *_exc: object) -> None:
        self.pool.shutdown()

    def send(self, url: str, part: Burst, *, deadline_s: float, paced: bool) -> Sent:
        """Send one part from the sender process; return what its lanes saw."""
        return self.pool.submit(send_burst, url, part, deadline_s=deadline_s, paced=paced).result()


def acknowledgement(args: argparse.Namespace, fake: FakeLineServer, members: list[str], workdir: Path,
                    sender: ApartSender) -> float:
    """Send the burst's parts to the bare endpoint and groupbuy in turn; print the figures; return the ratio."""
    platform = fake.platform
    burst = make_burst(EventFactory(platform), members=members, events=args.events, senders=args.senders, rate=args.rate,
                       groups=burst_groups(args.groups))
    with scratch_database(args.database, workdir) as url:
        engine = create_engine(url, pool_pre_ping=True)
        bare = serve("bare", fake.base_url, url, workdir / "bare.log")
        bot = groupbuy(args, fake, url, workdir)
        try:
            open_campaigns(bot.url, platform, engine, limit=args.limit, groups=burst_groups(args.groups))
            ceiling, real, ratios = Sent(), Sent(), []
            cpu = {"bare": 0.0, "bot": 0.0}  # seconds, during the parts
            for k, part in enumerate(burst.parts(args.parts)):
                turns = (bare, bot) if k % 2 == 0 else (bot, bare)  # ABBA: a steady drift weighs on both alike
                rates = {}
                for server in turns:
                    (bot if server is bare else bare).pause()  # the other takes no CPU meanwhile
                    server.resume()
                    server_cpu = server.cpu_s
                    sent = sender.send(f"{server.url}/callback", part, deadline_s=args.timeout / 6, paced=bool(args.rate))
                    cpu[server.kind] += server.cpu_s - server_cpu
                    (ceiling if server is bare else real).add(sent)
                    rates[server.kind] = rate(sent)
                ratios.append(rates["bot"] / rates["bare"] if rates["bare"] else 0.0)
        finally:
            bare.stop()
            bot.stop()
            engine.dispose()
    ratio = rate(real) / rate(ceiling) if rate(ceiling) else 0.0
    ratios.sort()
    say("\n1. acknowledgement (events/s while all senders were busy; whole: with the opening and the tail)")
    say(header())
    say(line("signature only", ceiling))
    say(line("groupbuy web", real))
    say(f"ratio {ratio:.2f} of the signature-only endpoint (goal >= 0.50); by part: min {ratios[0]:.2f}, "
        f"median {ratios[len(ratios) // 2]:.2f}, max {ratios[-1]:.2f}; CPU per event (ms): signature only "
        f"{cpu_ms(cpu['bare'], ceiling)}, groupbuy (web and workers) {cpu_ms(cpu['bot'], real)}")
    return ratio


@dataclass
class Run:
    """One server's end-to-end run: what was sent, when, and what LINE accepted or refused."""

    name: str
    comments: list[Comment]
    sent: Sent = field(default_factory=Sent)
    posted: dict[str, float] = field(default_factory=dict)  # reply token -> platform time its body was first sent
    applied: dict[str, float] = field(default_factory=dict)  # webhookEventId -> when groupbuy applied it
    book_s: float | None = None  # first post -> every event applied (groupbuy only)
    last_reply_s: float = math.nan  # first post -> the last accepted reply
    accepted: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # per comment that orders something; inf = never confirmed
    members: int = 0  # members who ordered something
    unconfirmed: int = 0  # of them, never quoted nor named in an accepted reply
    verdict: Verdict | None = None

    @property
    def first_post(self) -> float:
        """Return the platform time of the first post."""
        return min(self.posted.values(), default=0.0)

    def percentile(self, p: float) -> float:
        """Return the p-th percentile post-to-confirmation time in ms (inf when a comment was never confirmed)."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else math.nan


def orders_something(comment: Comment) -> bool:
    """Return True when a comment adds or sets a quantity (the bot must confirm it)."""
    return any(action in ("add", "set") and (qty or 0) > 0 for action, _, qty in comment.steps)


def send_fresh(run: Run, platform: FakeLinePlatform, burst: Burst, url: str, args: argparse.Namespace) -> None:
    """Send a burst whose reply windows open as each body is first sent, recording when."""

    def opened(post: Post) -> None:
        platform.restart_reply_tokens(post.reply_tokens)
        now = platform.now()
        for token in post.reply_tokens:
            run.posted.setdefault(token, now)

    run.sent = send_burst(f"{url}/callback", burst, deadline_s=args.timeout / 6, paced=bool(args.rate), on_post=opened)


def wait_quiet(platform: FakeLinePlatform, *, quiet_s: float, timeout_s: float) -> None:
    """Wait until the bot has made no request to LINE for ``quiet_s`` (or ``timeout_s`` passed)."""
    deadline, seen, since = time.monotonic() + timeout_s, -1, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < quiet_s:
        count = len(platform.requests)
        if count != seen:
            seen, since = count, time.monotonic()
        time.sleep(0.2)


def mentioned(message: dict[str, Any]) -> set[str]:
    """Return the user ids a textV2 message names through mention substitutions."""
    subs = message.get("substitution") or {}
    return {s["mentionee"].get("userId") for s in subs.values() if s.get("type") == "mention" and "mentionee" in s}


def score(run: Run, platform: FakeLinePlatform, *, by_token: bool) -> None:
    """Fill in a run's replies, refusals and confirmations from what LINE recorded.

    ``by_token``: a comment is confirmed by the reply to its own token (the minimal bot). Otherwise by a reply quoting
    it, or by one naming its member, accepted after the comment was applied, to a token of a comment no older in
    send order (a folded reply goes to the newest token of its batch and names each member of the batch).
    """
    mine = [r for r in platform.requests if r.path == REPLY and isinstance(r.body, dict)
            and r.body.get("replyToken") in run.posted]
    accepted = [r for r in mine if r.status == 200]
    run.accepted, run.refused = len(accepted), Counter(r.refusal or "other" for r in mine if r.status != 200)
    run.last_reply_s = max((r.at for r in accepted), default=math.nan) - run.first_post
    by_quote: dict[str, float] = {}
    by_member: dict[str, list[tuple[int, float]]] = defaultdict(list)  # member -> (token's send order, accepted at)
    by_reply_token = {r.body["replyToken"]: r.at for r in accepted}
    send_order = {c.reply_token: c.timestamp for c in run.comments}
    for r in accepted:
        token_at = send_order[r.body["replyToken"]]
        for message in r.messages:
            if message.get("quoteToken"):
                by_quote[message["quoteToken"]] = min(r.at, by_quote.get(message["quoteToken"], math.inf))
            for member in mentioned(message):
                by_member[member].append((token_at, r.at))
    ordering = [c for c in run.comments if orders_something(c)]
    confirmed: set[str] = set()
    run.latencies = []
    for c in ordering:
        posted = run.posted.get(c.reply_token, math.inf)
        if by_token:
            at = by_reply_token.get(c.reply_token, math.inf)
        else:
            applied = run.applied.get(c.event_id, math.inf)
            later = (at for token_at, at in by_member[c.member] if token_at >= c.timestamp and at >= applied)
            at = min(by_quote.get(c.quote_token, math.inf), *later, math.inf)
        run.latencies.append(at - posted)
        if at < math.inf or (not by_token and (by_member[c.member] or c.quote_token in by_quote)):
            confirmed.add(c.member)
    run.members = len({c.member for c in ordering})
    run.unconfirmed = run.members - len(confirmed)


def minimal_run(args: argparse.Namespace, fake: FakeLineServer, members: list[str], workdir: Path) -> Run:
    """Send the burst, as fresh events, to the minimal inline bot alone."""
    platform = fake.platform
    env = {"MINIMAL_BOT_DATABASE": str(workdir / "minimal.db")}
    server = serve("minimal", fake.base_url, f"sqlite:///{workdir / 'unused.db'}", workdir / "minimal.log", env=env)
    try:
        burst = make_burst(EventFactory(platform), members=members, events=args.events, senders=args.senders,
                           rate=args.rate, groups=burst_groups(args.groups))
        run = Run("minimal inline bot", burst.comments)
        send_fresh(run, platform, burst, server.url, args)
        wait_quiet(platform, quiet_s=3, timeout_s=90)
    finally:
        server.stop()
    score(run, platform, by_token=True)
    return run


def groupbuy_run(args: argparse.Namespace, fake: FakeLineServer, members: list[str], workdir: Path) -> Run:
    """Send the burst, as fresh events, to groupbuy alone: web in store mode and worker processes."""
    platform = fake.platform
    with scratch_database(args.database, workdir) as url:
        engine = create_engine(url, pool_pre_ping=True)
        server = groupbuy(args, fake, url, workdir)
        try:
            cid = open_campaigns(server.url, platform, engine, limit=args.limit, groups=burst_groups(args.groups))
            burst = make_burst(EventFactory(platform), members=members, events=args.events, senders=args.senders,
                               rate=args.rate, groups=burst_groups(args.groups))
            run = Run(f"groupbuy ({args.worker_procs} worker{'s' if args.worker_procs > 1 else ''})", burst.comments)
            send_fresh(run, platform, burst, server.url, args)
            if wait_applied(engine, len(burst.comments) + len(cid), timeout_s=args.timeout / 3):
                run.book_s = platform.now() - run.first_post
            wait_quiet(platform, quiet_s=5, timeout_s=90)
            limits: dict[str, int | None] = {item: (args.limit if item == LIMITED else None) for item in ITEMS}
            run.verdict = verdict(engine, cid, burst.comments, limits)
            run.applied = applied_at(engine)
        finally:
            server.stop()
            engine.dispose()
    score(run, platform, by_token=False)
    return run


def applied_at(engine: Engine) -> dict[str, float]:
    """Return when each applied event was applied (the processed_at the bot wrote), by webhookEventId."""
    query = select(WebhookEvent.webhook_event_id, WebhookEvent.processed_at)  # type: ignore[call-overload]
    with Session(inbox_of(engine)) as session:
        return {event_id: at.timestamp() for event_id, at in session.execute(query) if at is not None}


def seconds(value: float | None) -> str:
    """Format a duration in seconds, or a dash."""
    return "-" if value is None or math.isnan(value) else f"{value:.1f}"


def e2e_table(runs: list[Run]) -> None:
    """Print the end-to-end figures, one row per server, user-visible first."""
    columns = [("last reply s", 13), ("book s", 8), ("accepted", 9), *((r, 8) for r in REFUSALS), ("5xx", 5),
               ("unconfirmed", 12), ("p50 ms", 8), ("p95 ms", 8), ("p99 ms", 9)]
    say(f"{'':<22}" + "".join(f"{name:>{width}}" for name, width in columns))
    for run in runs:
        cells = [seconds(run.last_reply_s), seconds(run.book_s), str(run.accepted),
                 *(str(run.refused.get(r, 0)) for r in REFUSALS), str(run.sent.server_errors),
                 f"{run.unconfirmed}/{run.members}", *(f"{run.percentile(p):.0f}" for p in (50, 95, 99))]
        say(f"{run.name:<22}" + "".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, columns, strict=True)))


def run(args: argparse.Namespace, workdir: Path) -> bool:
    """Run the phases; print the figures; return True when the book is exact and every member was confirmed."""
    with ApartSender() as sender, FakeLineServer() as fake:
        platform = fake.platform
        platform.channel_access_token, platform.quota = E2E_TOKEN, None  # LINE's 60 s reply window stays
        members = add_members(platform, args.members, burst_groups(args.groups))
        pace = f", paced at {args.rate:g} events/s" if args.rate else ""
        say(f"burst: {args.events} comment events from {args.members} members, {args.senders} senders{pace}; "
            f"database {args.database}, {args.groups} group(s), groupbuy with {args.worker_procs} worker process(es), "
            f"item {LIMITED} "
            f"limited to {args.limit}; reply tokens expire after {platform.reply_token_ttl_s:g} s")
        ack = None if args.no_ack else acknowledgement(args, fake, members, workdir, sender)
        minimal = minimal_run(args, fake, members, workdir)
        real = groupbuy_run(args, fake, members, workdir)
        pushes = len(platform.pushes)
    say("\n2. end to end (from the first post; refusals by LINE's reason; unconfirmed: members who ordered and were "
        "never quoted nor named; p50-p99: post to accepted confirmation of each comment that orders something)")
    e2e_table([minimal, real])
    slowest = max(real.book_s if real.book_s is not None else math.inf, real.last_reply_s)
    ratio = minimal.last_reply_s / slowest if slowest and not math.isnan(slowest) else 0.0
    say(f"end-to-end ratio {ratio:.2f} (goal >= 0.50): minimal bot's last reply {seconds(minimal.last_reply_s)} s / "
        f"groupbuy's max(book complete {seconds(real.book_s)} s, last reply {seconds(real.last_reply_s)} s); "
        + (f"acknowledgement ratio {ack:.2f} (goal >= 0.50); " if ack is not None else "")
        + f"p99 goal < 1000 ms paced at 200/s; {pushes} pushes")
    assert real.verdict is not None
    ok = judge(real.verdict, real.sent) and real.book_s is not None and not real.unconfirmed
    if real.book_s is None:
        say("the book was NOT complete before the timeout")
    return ok


def main() -> int:
    """Run the benchmark from the command line."""
    args = arguments(__doc__.splitlines()[0])
    hard_timeout(args.timeout)
    with tempfile.TemporaryDirectory(prefix="groupbuy-burst-") as tmp:
        ok = run(args, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
