"""Benchmark one clock tick (``scheduler.jobs.tick``, every step) over a large membership.

    .venv/bin/python bench/clock_tick.py [--members 10000 100000] [--database sqlite|URL]

Each size gets a fresh database seeded with bulk inserts: one group, a year of closed campaigns (one delivered a
day, three items each), every member a surveyed friend who bought in one of them, plus one campaign closing in
90 minutes in a group that asked for the closing-soon push, and one big campaign that arrived three days ago
whose pickup deadline passed last night: one member in 25 bought three items in it, one in 100 never picked
them up. User-visible result first: the reminders due that day were each sent once and a second tick at the
same instant sent none, the closing-soon push went once, the no-shows were recorded once and the host told once;
then the seconds of the first tick, and whether time grows linearly with the membership.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import pstats
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine
from sqlmodel import col

from infra.config import Settings
from infra.db import UnitOfWork, make_engine, upgrade
from models import Campaign, Group, GroupMember, Item, Member, NoShow, OrderLine, Setting
from scheduler.jobs import tick
from services import lifecycle, reminders
from services.purchases import TAIPEI
from services.reminder_settings import load_settings
from tests.fakes import FakeMessenger

log = logging.getLogger("bench.clock_tick")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=TAIPEI)  # noon: outside quiet hours
DAYS = 365
PROFILE = "--profile" in sys.argv  # print where the first tick's time goes (cProfile, cumulative)
GROUP = "Cbench000000000000000000000000001"
HOST = "Uhost"
ARRIVED = DAYS + 2  # the campaign whose pickup deadline passed last night
BUYS_ARRIVED, LEFT_BEHIND = 25, 100  # one member in 25 bought in it, one in 100 did not pick up
HOUSEHOLDS = [(4, "medium", "3-4"), (1, "small", "1"), (2, "large", "2"), (5, "large", "5+")]


def seed(engine: Engine, members: int) -> None:
    """Insert the group, a year of campaigns and one purchase per member in a few bulk statements."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Group), [{"id": 1, "line_group_id": GROUP, "active": True, "reply_mode": "quote",
                                      "allow_push": True, "created_at": now}])
        first_day = NOW.date() - timedelta(days=DAYS)
        campaigns = [{"id": n, "group_id": 1, "title": f"第{n}團冷凍團", "announcement": "", "status": "closed",
                      "delivery_date": first_day + timedelta(days=n), "deadline": None, "opened_by": "Uhost", "opened_at": now}
                     for n in range(1, DAYS + 1)]
        campaigns.append({"id": DAYS + 1, "group_id": 1, "title": "年菜團", "announcement": "", "status": "open",
                          "delivery_date": None, "deadline": NOW + timedelta(minutes=90), "opened_by": "Uhost", "opened_at": now})
        conn.execute(insert(Campaign), campaigns)
        arrived = datetime.combine(NOW.date() - timedelta(days=3), dtime(10), tzinfo=TAIPEI)
        conn.execute(insert(Campaign), [{  # its own statement: an executemany takes its columns from the first row
            "id": ARRIVED, "group_id": 1, "title": "大團冷凍年貨", "announcement": "", "status": "closed",
            "delivery_date": arrived.date(), "deadline": None, "opened_by": HOST, "opened_at": now, "arrived_at": arrived,
            "pickup_deadline": datetime.combine(NOW.date() - timedelta(days=1), dtime(21), tzinfo=TAIPEI)}])
        items = [{"id": (c - 1) * 3 + k + 1, "campaign_id": c, "code": code, "name": name, "price": price,
                  "position": k, "tiers": "[]", "variant_names": "[]", "variant_limits": "{}", "shortage": 0}
                 for c in range(1, ARRIVED + 1)
                 for k, (code, name, price) in enumerate([("A", "手工水餃", 180), ("B", "舒肥雞胸", 250), ("C", "高麗菜", 60)])]
        conn.execute(insert(Item), items)
        conn.execute(insert(Setting), [{"scope": "group:1", "key": "closing.mode", "value": "push"}])
        rows: list[dict[str, Any]] = []
        for n in range(1, members + 1):
            size, freezer, meals = HOUSEHOLDS[n % len(HOUSEHOLDS)]
            rows.append({"id": n, "line_user_id": f"U{n:032x}", "display_name": f"會員{n}", "is_friend": True,
                         "reminders_opt_out": False, "household_size": size, "freezer_size": freezer,
                         "meals_per_week": meals, "created_at": now})
        conn.execute(insert(Member), rows)
        conn.execute(insert(GroupMember), [{"group_id": 1, "member_id": n, "joined_at": now} for n in range(1, members + 1)])
        lines = []
        for n in range(1, members + 1):
            campaign = (n * 7919) % DAYS + 1
            lines.append({"campaign_id": campaign, "item_id": (campaign - 1) * 3 + 1 + n % 2, "member_id": n,
                          "qty": 2 + n % 5, "confirmed_qty": 2 + n % 5, "sent_at": now, "pickup_status": "picked",
                          "created_at": now})
        for n in range(BUYS_ARRIVED // 2, members + 1, BUYS_ARRIVED):  # three lines each, some never picked up
            lines += [{"campaign_id": ARRIVED, "item_id": (ARRIVED - 1) * 3 + k + 1, "member_id": n, "qty": 1 + (n + k) % 3,
                       "confirmed_qty": 1 + (n + k) % 3, "sent_at": now, "created_at": now,
                       "pickup_status": "pending" if n % LEFT_BEHIND == BUYS_ARRIVED // 2 else "picked"} for k in range(3)]
        conn.execute(insert(OrderLine), lines)


def database(kind: str, folder: Path, members: int) -> str:
    """Return the URL of a fresh migrated database for one run."""
    if kind == "sqlite":
        return f"sqlite:///{folder / f'clock_{members}.db'}"
    name = f"bench_clock_{members}_{int(time.time())}"
    admin = make_engine(kind)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return kind.rsplit("/", 1)[0] + f"/{name}"


def drop(kind: str, url: str) -> None:
    """Drop a PostgreSQL database the run created (SQLite files go with the temporary folder)."""
    if kind == "sqlite":
        return
    admin = make_engine(kind)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}" WITH (FORCE)'))
    admin.dispose()


def run(kind: str, folder: Path, members: int) -> tuple[float, bool]:
    """Seed, tick twice at the same instant, check once-only; return the first tick's seconds and whether it held."""
    url = database(kind, folder, members)
    try:
        return _run(kind, url, members)
    finally:
        drop(kind, url)


def _run(kind: str, url: str, members: int) -> tuple[float, bool]:
    upgrade(url)
    engine = make_engine(url)
    began = time.perf_counter()
    seed(engine, members)
    seeded = time.perf_counter() - began
    settings = Settings(channel_secret="bench-secret-0123456789abcdef01", channel_access_token="bench-token",
                        database_url=url, admins=frozenset({"Uhost"}))
    with UnitOfWork(engine) as uow:
        rs = load_settings(uow)
        expected = len(reminders.one_per_member(lifecycle.plan(uow, NOW.astimezone(UTC), settings.tz, rs.switches)))
        left_behind = uow.session.execute(select(func.count(func.distinct(OrderLine.member_id))).where(
            col(OrderLine.campaign_id) == ARRIVED, col(OrderLine.pickup_status) == "pending")).scalar_one()
    engine.dispose()  # the tick opens its own engine; this one is used again for the checks
    line = FakeMessenger(member_counts={GROUP: members})
    profiler = cProfile.Profile() if PROFILE else None
    began = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    first = tick(NOW.astimezone(UTC), settings=settings, messenger=line)
    seconds = time.perf_counter() - began
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    pushed_first = len(line.pushes)
    second = tick(NOW.astimezone(UTC), settings=settings, messenger=line)
    with UnitOfWork(engine, read_only=True) as uow:
        no_shows = uow.session.execute(select(func.count()).select_from(NoShow)).scalar_one()
        still_pending = uow.session.execute(select(func.count()).select_from(OrderLine).where(
            col(OrderLine.campaign_id) == ARRIVED, col(OrderLine.pickup_status) == "pending")).scalar_one()
    engine.dispose()
    to_members = Counter(to for to, _, _ in line.pushes if to not in (GROUP, HOST))
    to_group = sum(1 for to, _, _ in line.pushes if to == GROUP)
    to_host = sum(1 for to, _, _ in line.pushes if to == HOST)
    once = (max(to_members.values(), default=1) == 1 and sum(to_members.values()) == expected and to_group == 1
            and len(line.pushes) == pushed_first and no_shows == left_behind > 0 and not still_pending and to_host == 1)
    print(f"{members:>7,} members: {expected:,} reminders due today, sent {sum(to_members.values()):,} "  # noqa: T201
          f"({'each once' if max(to_members.values(), default=1) == 1 else 'SOME TWICE'}); second tick sent "
          f"{len(line.pushes) - pushed_first}; closing-soon push to the group: {to_group}; no-shows recorded "
          f"{no_shows:,} of {left_behind:,} left behind, host told {to_host} -> {'OK' if once else 'WRONG'}")
    print(f"         tick {seconds:.2f} s (seeding {seeded:.1f} s)  [{first.summary().splitlines()[0]}]"  # noqa: T201
          f"  second: [{second.summary().splitlines()[0]}]")
    print(f"         first tick's other steps: {'; '.join(f'{k}: {v}' for k, v in first.steps.items())}")  # noqa: T201
    return seconds, once


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--database", default="sqlite", help="sqlite, or a PostgreSQL URL (a database is created)")
    parser.add_argument("--profile", action="store_true", help="print where the first tick's time goes")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for n in args.members:
            results[n] = run(args.database, Path(folder), n)
    ok = all(once for _, once in results.values())
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        ratio = results[big][0] / max(results[small][0], 1e-9)
        print(f"scaling: {big / small:.0f}x the members took {ratio:.1f}x the time "  # noqa: T201
              f"({'linear' if ratio <= 1.5 * big / small else 'WORSE THAN LINEAR'})")
        ok = ok and ratio <= 1.5 * big / small
    biggest = results[sizes[-1]][0]
    print(f"largest tick: {biggest:.2f} s ({'under' if biggest < 5 else 'OVER'} the 5 s target)")  # noqa: T201
    return 0 if ok and biggest < 5 else 1


if __name__ == "__main__":
    sys.exit(main())
