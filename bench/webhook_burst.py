"""Benchmark a webhook burst against the bot under gunicorn, and against a bare endpoint (the ceiling).

    .venv/bin/python bench/webhook_burst.py [--database sqlite|postgresql] [--events 5000] [--members 500]
                                            [--senders 16] [--rate EVENTS_PER_S] [--parts 6] [--timeout 600]

Starts the fake LINE platform, ``groupbuy serve`` and an endpoint that only verifies the signature under the same
gunicorn settings (the ceiling) on 127.0.0.1, opens HOTPOT (item C limited), and sends the burst (signed comment
events of the parser corpus, 16 lanes, some bodies with several events, 10% redelivered) in parts: each part goes to
the ceiling and to the bot in turn (ABBA), while the other server is paused. A shared machine's speed drifts by tens
of percent within seconds, so two runs one after the other compare the moments more than the servers. Prints
events/s, the ratio (overall and by part), acknowledgement latency, the time until every order is applied and the
book against the ground truth.
Not a test: run it by hand. Exit status 1 when anything was lost, doubled, oversold or answered 5xx.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bot.fakeline import EventFactory, FakeLineServer  # noqa: E402
from tests.e2e.burst import (  # noqa: E402
    ITEMS,
    LIMITED,
    Burst,
    Sent,
    Verdict,
    add_members,
    make_burst,
    open_campaign,
    scratch_database,
    send_burst,
    serve,
    verdict,
    wait_applied,
)
from tests.e2e.conftest import E2E_TOKEN  # noqa: E402


def arguments(description: str, *, events: int = 5000, members: int = 500, extra: tuple[str, ...] = ()) -> argparse.Namespace:
    """Read the command line shared by the burst and fault benchmarks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--events", type=int, default=events)
    parser.add_argument("--members", type=int, default=members)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--rate", type=float, default=None, help="pace the burst at this many events/s")
    parser.add_argument("--limit", type=int, default=300, help="stock limit of item C")
    parser.add_argument("--timeout", type=int, default=600, help="hard limit for the whole run, seconds")
    parser.add_argument("--parts", type=int, default=6,
                        help="send the burst in this many parts, each to the ceiling and to the bot in turn")
    if "--only" in extra:
        parser.add_argument("--only", choices=("worker", "restart", "database", "reminder"), default=None)
    return parser.parse_args()


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


def run(args: argparse.Namespace, workdir: Path) -> bool:
    """Send the burst's parts to the bare endpoint and the bot in turn; print the figures; True when the book is exact."""
    with scratch_database(args.database, workdir) as url, FakeLineServer() as fake:
        platform = fake.platform
        platform.channel_access_token, platform.quota, platform.reply_token_ttl_s = E2E_TOKEN, None, None
        members = add_members(platform, args.members)
        burst: Burst = make_burst(EventFactory(platform), members=members, events=args.events, senders=args.senders,
                                  rate=args.rate)
        say(f"burst: {len(burst.comments)} comment events from {args.members} members in {burst.posts} POSTs "
              f"({args.senders} senders{f', paced at {args.rate:g} events/s' if args.rate else ''}), "
              f"database {args.database}, item {LIMITED} limited to {args.limit}; sent in {args.parts} parts, "
              "each to the ceiling and to the bot in turn")
        engine = create_engine(url, pool_pre_ping=True)
        bare = serve("bare", fake.base_url, url, workdir / "bare.log")
        bot = serve("bot", fake.base_url, url, workdir / "bot.log")
        try:
            cid = open_campaign(bot.url, platform, engine, limit=args.limit)
            ceiling, real, ratios = Sent(), Sent(), []
            cpu = {"bare": 0.0, "bot": 0.0, "sender bare": 0.0, "sender bot": 0.0}  # seconds, during the parts
            for k, part in enumerate(burst.parts(args.parts)):
                turns = (bare, bot) if k % 2 == 0 else (bot, bare)  # ABBA: a steady drift weighs on both alike
                rates = {}
                for server in turns:
                    (bot if server is bare else bare).pause()  # the other takes no CPU meanwhile
                    server.resume()
                    server_cpu, sender_cpu = server.cpu_s, time.process_time()
                    sent = send_burst(f"{server.url}/callback", part, deadline_s=args.timeout / 4, paced=bool(args.rate))
                    cpu[server.kind] += server.cpu_s - server_cpu
                    cpu[f"sender {server.kind}"] += time.process_time() - sender_cpu
                    (ceiling if server is bare else real).add(sent)
                    rates[server.kind] = rate(sent)
                ratios.append(rates["bot"] / rates["bare"] if rates["bare"] else 0.0)
                say(f"part {k + 1}: ceiling {rates['bare']:.0f} events/s, groupbuy {rates['bot']:.0f}")
            bare.stop()
            with engine.connect() as conn:  # the bot is paused or has just finished its last part
                during = conn.execute(text("SELECT COUNT(*) FROM webhook_events WHERE status <> 'pending'")).scalar_one()
            bot.resume()
            applied = wait_applied(engine, len(burst.comments) + 1, timeout_s=args.timeout / 3)
            apply_s = bot.running_s  # since it started: the opening, its parts and the catching up, not its pauses
            limits: dict[str, int | None] = {item: (args.limit if item == LIMITED else None) for item in ITEMS}
            result = verdict(engine, cid, burst.comments, limits)
        finally:
            bare.stop()
            bot.stop()
            engine.dispose()
        say("events/s: while all senders were busy; whole: including opening connections and the last lanes' tail")
        say(header())
        say(line("ceiling", ceiling))
        say(line("groupbuy", real))
        ratios.sort()
        say(f"ratio {rate(real) / rate(ceiling):.2f} of the ceiling (goal >= 0.50); by part: min {ratios[0]:.2f}, "
            f"median {ratios[len(ratios) // 2]:.2f}, max {ratios[-1]:.2f}; p99 goal < 100 ms at 200 events/s")
        say(f"CPU per event (ms, during the parts): ceiling server {cpu_ms(cpu['bare'], ceiling)}, "
            f"groupbuy server {cpu_ms(cpu['bot'], real)}; sender {cpu_ms(cpu['sender bare'], ceiling)} and "
            f"{cpu_ms(cpu['sender bot'], real)}")
        say(f"time until every order is applied: {apply_s:.1f} s of the bot's running time"
            + ("" if applied else " (NOT all applied: timed out)") + f"; {during} were applied while the burst ran")
        say(f"LINE: {len(platform.replies)} replies, {len(platform.pushes)} pushes, "
              f"{len(platform.violations)} requests LINE would reject")
        return judge(result, real) and applied


def main() -> int:
    """Run the benchmark from the command line."""
    args = arguments(__doc__.splitlines()[0])
    hard_timeout(args.timeout)
    with tempfile.TemporaryDirectory(prefix="groupbuy-burst-") as tmp:
        ok = run(args, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
