"""The console's 報表 page: the report numbers (services.reports) as tables, and as JSON that reports.js charts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from infra.db import UnitOfWork
from services import reports
from services.reminder_effect import SMALL_SAMPLE, ReminderEffect
from services.reports import Report
from services.segments import NO_PURCHASE_LABEL, SEGMENTS

bp = Blueprint("console_reports", __name__, url_prefix="/console", template_folder="templates")
SEGMENT_LABELS = {**SEGMENTS, reports.NONE_KEY: NO_PURCHASE_LABEL}
WHY_LABELS = {"opted_out": "已停止提醒", "skipped": "略過（不再是好友或已停止）", "not_sent": "沒發出（額度或開關）"}


@bp.get("/reports")
def report() -> ResponseReturnValue:
    """Sales, buyers, repurchase, cohorts, segments, NPS and what reminders did."""
    rt = current_app.extensions["groupbuy"]
    with UnitOfWork(rt.engine, read_only=True) as uow:
        numbers = reports.build_report(uow, rt.clock(), tz=rt.settings.tz)
    return render_template("console/reports.html", report=numbers, data=report_data(numbers), tz=rt.settings.tz,
                           labels=SEGMENT_LABELS, why_labels=WHY_LABELS, small=SMALL_SAMPLE, title="報表")


def report_data(report: Report) -> dict[str, Any]:
    """Return the numbers as plain JSON values for the charts (and for the tests to compare with the services)."""
    return {
        "weeks": [{"week": w.week, "start": w.start.isoformat(), "sales": w.sales, "purchases": w.purchases}
                  for w in report.weeks],
        "months": [{"month": m.month, "new": m.new, "returning": m.returning} for m in report.months],
        "repurchase": {"buyers": report.repurchase.buyers, "repeat": report.repurchase.repeat,
                       "rate": report.repurchase.rate},
        "cohorts": [{"month": c.month, "size": c.size, "repeat": c.repeat, "rate": c.repurchase_rate,
                     "retention": list(c.retention)} for c in report.cohorts],
        "segments": [{"key": key, "label": SEGMENT_LABELS[key], "count": n} for key, n in report.segment_sizes.items()],
        "movement": [{"from": m.before, "to": m.after, "count": m.count} for m in report.movement],
        "nps": {"asked": report.nps.asked, "answers": report.nps.answers, "promoters": report.nps.promoters,
                "passives": report.nps.passives, "detractors": report.nps.detractors, "score": report.nps.score},
        "reminders": _effect(report.reminders),
    }


def _effect(effect: ReminderEffect) -> dict[str, Any]:
    return {
        "since": effect.since.isoformat(), "until": effect.until.isoformat(),
        "reminded": {"members": effect.reminded.members, "ordered": effect.reminded.ordered, "rate": effect.reminded.rate},
        "not_reminded": {"members": effect.not_reminded.members, "ordered": effect.not_reminded.ordered,
                         "rate": effect.not_reminded.rate, "why": effect.not_reminded_why},
        "difference": effect.difference, "small_sample": effect.small_sample,
    }
