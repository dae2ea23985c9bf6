"""The console's 會員 pages: the member table (filter by tag or segment) and one member's history."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from infra.db import UnitOfWork
from services import console_members, segments

bp = Blueprint("console_members", __name__, url_prefix="/console", template_folder="templates")


@bp.get("/members")
def members() -> ResponseReturnValue:
    """Members with their tags, survey answers, segment, orders, spend, last order and next refill."""
    rt = current_app.extensions["groupbuy"]
    tag = request.args.get("tag", "").strip() or None
    segment = request.args.get("segment", "").strip() or None
    with UnitOfWork(rt.engine, read_only=True) as uow:
        rows = console_members.member_rows(uow, tag=tag, segment=segment, now=rt.clock())
        return render_template("console/members.html", rows=rows, tag=tag or "", segment=segment or "",
                               segments=[*segments.SEGMENTS.values(), segments.NO_PURCHASE_LABEL], tz=rt.settings.tz,
                               limit=console_members.LIST_LIMIT, title="會員")


@bp.get("/members/<int:member_id>")
def member(member_id: int) -> ResponseReturnValue:
    """One member: profile, purchases, and the reminders sent with what followed each."""
    rt = current_app.extensions["groupbuy"]
    with UnitOfWork(rt.engine, read_only=True) as uow:
        page = console_members.member_page(uow, member_id, now=rt.clock())
        if page is None:
            abort(404)
        return render_template("console/member.html", page=page, tz=rt.settings.tz, title="會員")
