"""Benchmark the clock's no-show step: a campaign of N buyers (three lines each) past its pickup deadline.

User-visible result first: every buyer recorded as a no-show exactly once and the host told once, and the
seconds the tick took; then a repeated tick at the same instant (nothing to do) and a tick with nothing due.
Run: ``python bench/no_shows.py [--members N]`` (SQLite file; DATABASE_URL=postgresql+psycopg://… for PostgreSQL
— that database is dropped and recreated, so point it at a scratch one).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert
from sqlmodel import select

from infra.config import Settings
from infra.db import UnitOfWork, make_engine, upgrade
from models import Campaign, Group, Item, Member, NoShow, OrderLine
from parsers.deadline import TAIPEI
from services import no_shows
from tests.fakes import FakeMessenger

DEADLINE = datetime(2026, 12, 3, 23, 59, tzinfo=TAIPEI)


def setup(url: str, members: int) -> None:
    """Store one arrived campaign whose ``members`` buyers have three confirmed lines each, none picked up."""
    upgrade(url)
    engine = make_engine(url)
    with UnitOfWork(engine) as uow:
        group = Group(line_group_id="Cbench")
        uow.session.add(group)
        uow.session.flush()
        campaign = Campaign(group_id=group.id or 0, title="大團", status="closed", opened_by="Uhost",
                            arrived_at=datetime(2026, 12, 1, tzinfo=TAIPEI), pickup_deadline=DEADLINE)
        uow.session.add(campaign)
        uow.session.flush()
        items = [Item(campaign_id=campaign.id or 0, code=c, name=f"品項{c}", price=100 + n, position=n)
                 for n, c in enumerate("ABC")]
        uow.session.add_all(items)
        uow.session.flush()
        conn = uow.session.connection()
        conn.execute(insert(Member), [{"line_user_id": f"U{n:032x}", "display_name": f"成員{n}"} for n in range(members)])
        ids = uow.session.exec(select(Member.id)).all()
        sent = datetime(2026, 11, 1, tzinfo=TAIPEI)
        conn.execute(insert(OrderLine), [
            {"campaign_id": campaign.id, "item_id": it.id, "member_id": mid, "qty": 2, "confirmed_qty": 2, "sent_at": sent,
             "pickup_status": "pending"} for mid in ids for it in items
        ])
        uow.commit()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=10_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    setup(url, args.members)
    engine = make_engine(url)
    settings = Settings(channel_secret="bench-secret-0123456789abcdef0123", channel_access_token="t", database_url=url)
    messenger = FakeMessenger()
    for label, when in [("nothing due", DEADLINE.replace(hour=12)), ("deadline passed", DEADLINE.replace(day=4, hour=10)),
                        ("same instant again", DEADLINE.replace(day=4, hour=10))]:
        start = time.perf_counter()
        summary = no_shows.run_step(engine, settings, messenger, when)
        print(f"{label:>20}: {time.perf_counter() - start:6.2f} s  {summary}")  # noqa: T201
    with UnitOfWork(engine, read_only=True) as uow:
        recorded = uow.session.exec(select(func.count()).select_from(NoShow)).one()
    ok = recorded == args.members and len(messenger.pushes) == 1
    print(f"{args.members:,} buyers: {recorded:,} no-shows recorded, {len(messenger.pushes)} host push — "  # noqa: T201
          + ("ok" if ok else "WRONG"))
    engine.dispose()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
