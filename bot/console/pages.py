"""Console pages: 今日 (today) first; each page reads the same services the chat and the exports use."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from infra.db import UnitOfWork
from services import console_today

bp = Blueprint("console_pages", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.get("/")
def today() -> ResponseReturnValue:
    """The 今日 page: open campaigns, money to collect, pickups pending and the week's reminders."""
    rt = current_app.extensions["groupbuy"]
    now = rt.clock()
    with UnitOfWork(rt.engine, read_only=True) as uow:
        page = console_today.today(uow, rt.settings, now)
        return render_template("console/today.html", page=page, tz=rt.settings.tz, now=now, title="今日")
