"""The demo history: marked, closed, paid, the same for the same moment, fast, and only on an empty database."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlmodel import select

from bot.demo_seed import ID_PREFIX, MARK, seed_history
from infra.db import UnitOfWork
from models import Campaign, Member, ReminderSent
from services import payment_report, reports
from tests.factories.orders import add_campaign, taipei

NOW = taipei(2026, 12, 7, 12)
GROUP = "Cdemo0000000000000000000000000001"


def summary(uow: UnitOfWork) -> dict[str, object]:
    report = reports.build_report(uow, NOW)
    return {"weeks": [w.sales for w in report.weeks], "cohorts": report.cohorts, "nps": report.nps,
            "reminded": report.reminders.reminded, "segments": report.segment_sizes}


def test_the_demo_history_fills_every_report(uow: UnitOfWork) -> None:
    started = time.monotonic()
    seeded = seed_history(uow, NOW, group_line_id=GROUP, group_name="幸福社區冷凍團購")
    uow.commit()
    assert time.monotonic() - started < 3
    campaigns = uow.session.exec(select(Campaign)).all()
    assert len(campaigns) == seeded.campaigns >= 6
    assert all(c.title.startswith(MARK) and c.status == "closed" and c.deadline and c.deadline < NOW for c in campaigns)
    members = uow.session.exec(select(Member)).all()
    assert len(members) == seeded.members and all(m.line_user_id.startswith(ID_PREFIX) for m in members)
    assert payment_report.overview(uow).having("unpaid", "short") == []  # every purchase paid
    report = reports.build_report(uow, NOW)
    assert sum(1 for w in report.weeks if w.sales) >= 8
    assert len(report.cohorts) >= 4 and report.repurchase.rate is not None and 0 < report.repurchase.rate < 1
    assert report.nps.answers >= 10 and report.nps.score is not None
    assert report.reminders.reminded.members > 0 and report.reminders.not_reminded.members > 0
    kinds = set(uow.session.exec(select(ReminderSent.kind)).all())
    assert {"refill", "nps"} <= kinds


def test_the_same_moment_gives_the_same_history(uow: UnitOfWork) -> None:
    seed_history(uow, NOW, group_line_id=GROUP, group_name="g")
    uow.commit()
    first = summary(uow)
    for table in ("reminders", "survey_answers", "bank_transactions", "payment_claims", "statement_imports",
                  "order_lines", "items", "campaigns", "group_members", "members"):
        uow.session.connection().execute(text(f"DELETE FROM {table}"))
    uow.commit()
    seed_history(uow, NOW, group_line_id=GROUP, group_name="g")
    uow.commit()
    assert summary(uow) == first


def test_nothing_is_seeded_once_there_are_campaigns(uow: UnitOfWork) -> None:
    add_campaign(uow, "真的團")
    assert seed_history(uow, NOW, group_line_id=GROUP, group_name="g").campaigns == 0
    assert len(uow.session.exec(select(Campaign)).all()) == 1
