"""Benchmark reconciliation (後五碼對帳) at scale: 100,000 statement rows against 10,000 transfer claims.

    .venv/bin/python bench/reconcile_scale.py [--rows 10000 100000] [--claims 10000] [--service 1000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

The matcher (``services.reconcile.match``, what ``/對帳`` and ``groupbuy reconcile`` run over the deposits waiting)
gets 10,000 members who each claimed a transfer (one in fifty shares the last five digits with another member and
is told apart by the amount), the 10,000 deposits that pay them, and the rest of the statement: deposits from
accounts nobody claimed. User-visible result first: every claim matched to its own deposit, and nothing else
matched; then the seconds, and whether time grows linearly with the rows.

``--service N`` also runs the whole ``/對帳`` service (``services.bank_import.reconcile``: accounts before and
after, deposits marked, claims updated, over-payments settled) over a fresh database of N members with one order
and one claim each and 10×N deposits, seeded with bulk inserts: SQLite by default, or a PostgreSQL database
created (and dropped afterwards) on the server ``--database-url`` names (no ANALYZE after the bulk load, as in
the transaction that imports a statement and reconciles it). It prints where the seconds went (reading members,
claims and accounts; reading the waiting deposits; matching; writing deposits; claims; accounts after and
settling; the rest; the commit; and how much of it was Python's garbage collector), and with two sizes whether
the service grows linearly.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import Engine, make_url

from infra.db import UnitOfWork, make_engine, upgrade
from models import BankTransaction, Campaign, Group, Item, Member, OrderLine, PaymentClaim, StatementImport
from services import bank_import, payments
from services.purchases import TAIPEI
from services.reconcile import Decision, Deposit, OpenClaim, match

DAY = date(2026, 12, 1)
PRICE = 180


def last5_of(n: int) -> str:
    """Return member ``n``'s account digits (unique for n < 100,000); one in fifty shares its neighbour's."""
    k = n - 1 if n % 50 == 0 else n
    return f"{(k * 7919) % 100_000:05d}"


def due_of(n: int) -> int:
    """Return what member ``n`` owes (1 to 9 packs)."""
    return PRICE * (1 + n % 9)


def unclaimed_last5(i: int, claimed: set[str]) -> str:
    """Return digits of an account nobody claimed."""
    k = 100_000 - 1 - (i % 80_000)
    digits = f"{(k * 7919) % 100_000:05d}"
    return digits if digits not in claimed else "99999"


def scenario(rows: int, claims: int) -> tuple[list[Deposit], list[OpenClaim], dict[int, int], dict[int, int]]:
    """Return deposits, open claims, remaining dues, and which deposit pays each claim."""
    open_claims = [OpenClaim(key=n, member=n, last5=last5_of(n), amount=due_of(n)) for n in range(1, claims + 1)]
    claimed = {c.last5 for c in open_claims}
    remaining = {n: due_of(n) for n in range(1, claims + 1)}
    deposits: list[Deposit] = []
    pays: dict[int, int] = {}
    noise = rows - claims
    for i in range(rows):
        key = i + 1
        day = DAY + timedelta(days=i * 30 // rows)
        if i % max(1, rows // claims) == 0 and len(pays) < claims:
            n = len(pays) + 1
            deposits.append(Deposit(key, due_of(n), last5_of(n), day, "跨行轉入"))
            pays[n] = key
        else:
            amount = 1 + (i * 37) % 4999  # odd amounts: nobody owes exactly this (dues are multiples of 180)
            amount += 1 if amount % PRICE == 0 else 0
            deposits.append(Deposit(key, amount, unclaimed_last5(i, claimed), day, "跨行轉入"))
    assert len(pays) == claims and noise >= 0, "need at least as many rows as claims"
    return deposits, open_claims, remaining, pays


def check(decisions: list[Decision], pays: dict[int, int]) -> tuple[int, int, int]:
    """Return (claims matched to their own deposit, matched wrongly, deposits matched that pay no claim)."""
    by_deposit = {d.deposit: d for d in decisions}
    right = sum(1 for n, key in pays.items() if by_deposit[key].kind == "matched" and by_deposit[key].member == n
                and by_deposit[key].claim == n)
    wrong = len(pays) - right
    paying = set(pays.values())
    stray = sum(1 for d in decisions if d.kind == "matched" and d.deposit not in paying)
    return right, wrong, stray


def bench_matcher(rows: int, claims: int, runs: int) -> tuple[float, bool]:
    """Match once for the check, then time the best of ``runs``; return (seconds, all right)."""
    deposits, open_claims, remaining, pays = scenario(rows, claims)
    decisions = match(deposits, open_claims, remaining)
    right, wrong, stray = check(decisions, pays)
    ok = right == claims and wrong == 0 and stray == 0
    best = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        match(deposits, open_claims, remaining)
        best = min(best, time.perf_counter() - began)
    print(f"{rows:>7,} rows vs {claims:,} claims: {right:,} of {claims:,} claims matched to their own deposit, "  # noqa: T201
          f"{wrong} wrong, {stray} other deposits matched -> {'OK' if ok else 'WRONG'}; {best:.3f} s")
    return best, ok


@contextmanager
def fresh_database(server: str | None) -> Iterator[str]:
    """Yield the URL of an empty migrated database: a temporary SQLite file, or a new PostgreSQL database, dropped after."""
    if server is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'reconcile.db'}"
        upgrade(url)
        yield url
        return
    base = make_url(server.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"groupbuy_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# What the service spends its time on: functions it calls, timed where bank_import looks them up.
PHASES = {
    "read": [(payments, "members_with_orders"), (bank_import, "open_claims"), (payments, "snapshot")],
    "waiting": [(bank_import, "_waiting")],
    "match": [(bank_import, "match")],
    "deposits": [(bank_import, "_mark")],
    "claims": [(bank_import, "_update_claims")],
    "after+settle": [(bank_import, "_run")],
}


@contextmanager
def timed_phases() -> Iterator[dict[str, float]]:
    """Time the service's phases (``PHASES``) and the garbage collector's pauses while inside; yield the seconds."""
    seconds: dict[str, float] = defaultdict(float)
    saved = []

    def timing(phase: str, fn: Callable[..., object]) -> Callable[..., object]:
        def timed(*args: object, **kwargs: object) -> object:
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[phase] += time.perf_counter() - began
        return timed

    for phase, targets in PHASES.items():
        for module, name in targets:
            saved.append((module, name, getattr(module, name)))
            setattr(module, name, timing(phase, getattr(module, name)))
    collecting = [0.0]

    def on_gc(step: str, _info: dict[str, int]) -> None:
        if step == "start":
            collecting[0] = time.perf_counter()
        else:
            seconds["gc"] += time.perf_counter() - collecting[0]

    gc.callbacks.append(on_gc)
    try:
        yield seconds
    finally:
        gc.callbacks.remove(on_gc)
        for module, name, fn in saved:
            setattr(module, name, fn)


def bench_service(members: int, server: str | None = None) -> tuple[float, bool]:
    """Run the /對帳 service over a seeded database; print what it matched and the seconds; return (seconds, all right)."""
    with fresh_database(server) as url:
        return _bench_service(url, members)


def seed(engine: Engine, members: int, rows: int, now: datetime) -> dict[int, int]:
    """Store ``members`` members with one order and one claim each and ``rows`` deposits; return which pays whom.

    The scenario's lists are dropped on return, so the service runs with no more Python objects alive than its own.
    """
    deposits, open_claims, _, pays = scenario(rows, members)
    with engine.begin() as conn:
        conn.execute(insert(Group), [{"id": 1, "line_group_id": "Cbench", "active": True, "reply_mode": "quote",
                                      "allow_push": True, "created_at": now}])
        conn.execute(insert(Campaign), [{"id": 1, "group_id": 1, "title": "水餃團", "announcement": "", "status": "closed",
                                         "opened_by": "Uhost", "opened_at": now, "closed_at": now}])
        conn.execute(insert(Item), [{"id": 1, "campaign_id": 1, "code": "A", "name": "水餃", "price": PRICE, "position": 0,
                                     "tiers": "[]", "variant_names": "[]", "variant_limits": "{}", "shortage": 0}])
        conn.execute(insert(Member), [{"id": n, "line_user_id": f"U{n:032x}", "display_name": f"會員{n}",
                                       "is_friend": True, "reminders_opt_out": False, "created_at": now}
                                      for n in range(1, members + 1)])
        conn.execute(insert(OrderLine), [{"campaign_id": 1, "item_id": 1, "member_id": n, "qty": 1 + n % 9,
                                          "confirmed_qty": 1 + n % 9, "sent_at": now, "pickup_status": "pending",
                                          "created_at": now} for n in range(1, members + 1)])
        conn.execute(insert(PaymentClaim), [{"id": c.key, "member_id": c.member, "campaign_id": 1, "last5": c.last5,
                                             "amount": c.amount, "status": "claimed", "claimed_at": now,
                                             "created_at": now} for c in open_claims])
        conn.execute(insert(StatementImport), [{"id": 1, "sha256": "0" * 64, "rows": rows, "new_rows": rows,
                                                "created_at": now}])
        conn.execute(insert(BankTransaction), [{"id": d.key, "fingerprint": f"{d.key:064d}", "import_id": 1,
                                                "booked_on": d.booked_on, "amount": d.amount, "direction": "in",
                                                "last5": d.last5, "memo": d.memo, "status": "unmatched",
                                                "candidates": ""} for d in deposits])
    return pays


def _bench_service(url: str, members: int) -> tuple[float, bool]:
    """Seed ``url``, reconcile once, check every claim against its own deposit."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    rows = 10 * members
    pays = seed(engine, members, rows, now)
    with timed_phases() as phases:
        began = time.perf_counter()
        with UnitOfWork(engine) as uow:
            run = bank_import.reconcile(uow, now=now, tz=TAIPEI)
            reconciled = time.perf_counter()
            uow.commit()
        seconds = time.perf_counter() - began
    phases["rest"] = reconciled - began - sum(v for k, v in phases.items() if k in PHASES)
    phases["commit"] = seconds - (reconciled - began)
    with engine.connect() as conn:
        matched = dict(conn.execute(select(BankTransaction.id, BankTransaction.matched_member_id)
                                    .where(BankTransaction.status == "matched")).all())
        settled = conn.execute(select(func.count()).select_from(PaymentClaim).where(PaymentClaim.status == "matched")).one()[0]
    engine.dispose()
    right = sum(1 for n, key in pays.items() if matched.get(key) == n)
    ok = right == members and len(matched) == members and settled == members
    backend = make_url(url).get_backend_name()
    print(f"/對帳 service ({backend}), {members:,} members, {rows:,} deposits: {right:,} paid by their own deposit, "  # noqa: T201
          f"{len(matched) - right} other deposits matched, {settled:,} claims settled, {len(run.settled):,} members "
          f"told paid -> {'OK' if ok else 'WRONG'}; {seconds:.2f} s")
    print("    " + ", ".join(f"{phase} {phases[phase]:.2f}" for phase in [*PHASES, "rest", "commit", "gc"])  # noqa: T201
          + " s (gc: the collector's pauses inside the others)")
    return seconds, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--service", type=int, nargs="*", default=[], help="members for the whole /對帳 service run")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL server for --service (a fresh database is created on it); SQLite by default")
    args = parser.parse_args()
    results = {rows: bench_matcher(rows, args.claims, args.runs) for rows in args.rows}
    ok = all(good for _, good in results.values())
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, big = sizes[0], sizes[-1]
        ratio = results[big][0] / max(results[small][0], 1e-9)
        linear = ratio <= 1.5 * big / small
        print(f"scaling: {big / small:.0f}x the rows took {ratio:.1f}x the time "  # noqa: T201
              f"({'linear' if linear else 'WORSE THAN LINEAR'})")
        ok = ok and linear
    biggest = results[sizes[-1]][0]
    print(f"largest: {biggest:.3f} s ({'under' if biggest < 2 else 'OVER'} the 2 s target)")  # noqa: T201
    service = {members: bench_service(members, args.database_url) for members in args.service}
    ok = ok and all(good for _, good in service.values())
    fast = True
    if service:
        sizes = sorted(service)
        small, big = sizes[0], sizes[-1]
        if big > small:
            ratio = service[big][0] / max(service[small][0], 1e-9)
            linear = ratio <= 1.5 * big / small
            print(f"service scaling: {big / small:.0f}x the members and deposits took {ratio:.1f}x the time "  # noqa: T201
                  f"({'linear' if linear else 'WORSE THAN LINEAR'})")
            ok = ok and linear
        fast = service[big][0] < 2
        print(f"service largest: {service[big][0]:.2f} s ({'under' if fast else 'OVER'} the 2 s target)")  # noqa: T201
    return 0 if ok and fast and biggest < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
