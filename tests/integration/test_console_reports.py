"""The console's 報表 page: its JSON numbers are the services' numbers, and where they overlap, the export's."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections import Counter
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.cli.export_members import member_rows
from bot.console.reports import report_data
from infra.config import Settings
from infra.db import UnitOfWork
from models import ReminderSent
from services import reports
from tests.conftest import Webhook
from tests.factories.orders import add_campaign, add_member, add_order, taipei
from tests.fakes import FakeMessenger
from tests.integration.test_console_signin import ask_link, link_of, sign_in

NOW = taipei(2026, 12, 7, 12)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, public_url="https://console.example.tw")


def page_data(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert found
    data: dict[str, object] = json.loads(found.group(1))
    return data


def seed(uow: UnitOfWork) -> None:
    """Five monthly campaigns (Aug–Dec 2026), six buyers, one who never bought, reminders and NPS answers."""
    m = {n: add_member(uow, n, f"會員{n}", is_friend=True) for n in range(1, 8)}
    monthly = {month: add_campaign(uow, f"{month}月團", delivery=date(2026, month, 10)) for month in range(8, 13)}
    plan = {1: (8, 9, 10, 11, 12), 2: (8, 10), 3: (9,), 4: (9, 12), 5: (11,), 6: (12,)}
    for n, months in plan.items():
        for month in months:
            add_order(uow, monthly[month], m[n], {"A": 1, "B": n % 2})
    for n, score in ((1, 10), (2, 9), (3, 7), (4, 3)):
        sent = NOW - timedelta(days=20 + n)
        uow.session.add(ReminderSent(member_id=m[n].id, kind="nps", dedupe_key=f"nps:{m[n].id}:4", status="sent",
                                     retry_key=str(uuid.uuid4()), due_at=sent, created_at=sent, sent_at=sent,
                                     detail=json.dumps({"campaign": 4, "score": score})))
    uow.commit()


def test_the_report_needs_a_session(client: FlaskClient) -> None:
    page = client.get("/console/reports")
    assert page.status_code == 403 and "/後台" in page.get_data(as_text=True)


def test_the_page_numbers_are_the_services_and_the_exports(
    webhook: Webhook, messenger: FakeMessenger, client: FlaskClient, app: Flask, uow: UnitOfWork,
) -> None:
    app.extensions["groupbuy"].clock = lambda: NOW
    seed(uow)
    sign_in(client, link_of(ask_link(webhook, messenger)))
    response = client.get("/console/reports")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "報表" in html
    assert "<script>" not in html and " style=" not in html  # the data is JSON, the code a static file
    data = page_data(html)
    expected = json.loads(json.dumps(report_data(reports.build_report(uow, NOW))))
    uow.rollback()
    assert data == expected

    rows = [r for r in member_rows(uow, now=NOW) if r["display_name"]]  # the host signed in is a member too
    assert data["repurchase"] == {"buyers": sum(1 for r in rows if r["orders"] >= 1),
                                  "repeat": sum(1 for r in rows if r["orders"] >= 2),
                                  "rate": pytest.approx(3 / 6)}  # members 1, 2, 4
    exported = Counter(r["segment"] or "none" for r in member_rows(uow, now=NOW))
    shown = {s["key"]: s["count"] for s in data["segments"]}  # type: ignore[attr-defined]
    assert {k: n for k, n in shown.items() if n} == dict(exported)
    moved_to: Counter[str] = Counter()
    for m in data["movement"]:  # type: ignore[attr-defined]
        moved_to[m["to"]] += m["count"]
    assert {k: n for k, n in shown.items() if n} == dict(moved_to)
    assert data["nps"] == {"asked": 4, "answers": 4, "promoters": 2, "passives": 1, "detractors": 1, "score": 25}
    assert sum(w["sales"] for w in data["weeks"]) == sum(r["spent"] for r in rows)  # type: ignore[attr-defined]
    assert re.search(r'id="repurchase-rate">50%<', html) and re.search(r'id="nps-score">\+25<', html)
    assert [c["month"] for c in data["cohorts"]] == ["2026-08", "2026-09", "2026-11", "2026-12"]  # type: ignore[attr-defined]
    effect = data["reminders"]  # nobody was sent a refill or win-back: only friends who were due and not reminded
    assert effect["reminded"]["members"] == 0 and effect["not_reminded"]["members"] > 0  # type: ignore[index]
    assert effect["difference"] is None and "還沒有可以比較的資料" in html  # type: ignore[index]


def test_an_empty_database_still_shows_the_page(webhook: Webhook, messenger: FakeMessenger, client: FlaskClient,
                                                app: Flask) -> None:
    app.extensions["groupbuy"].clock = lambda: NOW
    sign_in(client, link_of(ask_link(webhook, messenger)))
    html = client.get("/console/reports").get_data(as_text=True)
    data = page_data(html)
    assert data["months"] == [] and data["cohorts"] == [] and data["repurchase"]["rate"] is None  # type: ignore[index]
    assert "還沒有人買過" in html and "還沒有可以比較的資料" in html


def test_the_charting_library_is_served_by_the_app(client: FlaskClient) -> None:
    for path in ("/console/static/vendor/chart.umd.min.js", "/console/static/reports.js"):
        response = client.get(path)
        assert response.status_code == 200 and b"Chart" in response.get_data(), path
        response.close()
