"""Console sign-in by one-time link, sign-out, the session check and the security headers."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from bot.console import csrf
from infra.db import UnitOfWork
from models.base import utcnow
from services import console_auth
from services.console_auth import HOW_TO_GET_A_LINK, LinkRefused

bp = Blueprint("console_auth", __name__, url_prefix="/console", template_folder="templates")
OPEN_ENDPOINTS = {"console_auth.login", "console_auth.login_post", "console_pages.static"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def refused(message: str, status: int = 403) -> ResponseReturnValue:
    """Return the page that says why the console cannot be opened and how to get a new link."""
    return render_template("console/refused.html", message=message), status


@bp.app_context_processor
def signed_in_host() -> dict[str, object]:
    """Expose the signed-in host to every console template."""
    return {"host_user_id": g.get("host_user_id")}


def require_session() -> ResponseReturnValue | None:
    """Before every console request: a session is needed (but for sign-in), and a CSRF token on every POST."""
    if request.method == "POST":
        csrf.protect()
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    host = session.get("host")
    rt = current_app.extensions["groupbuy"]
    if not isinstance(host, str):
        return refused(f"請先登入後台。{HOW_TO_GET_A_LINK}")
    with UnitOfWork(rt.engine, read_only=True) as uow:
        if not console_auth.still_host(uow, rt.settings, host):
            session.clear()
            return refused("這個帳號已經不是團主，不能進入後台。")
    g.host_user_id = host
    return None


def security_headers(response: Response) -> Response:
    """After every console response: CSP without inline scripts, no framing, no caching of personal data."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"  # the sign-in link's token never leaks in a Referer
    if request.endpoint != "console_pages.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/login")
def login() -> ResponseReturnValue:
    """Show the sign-in button for a valid link (opening the link alone uses nothing: link previews fetch it)."""
    token = request.args.get("t", "")
    rt = current_app.extensions["groupbuy"]
    with UnitOfWork(rt.engine, read_only=True) as uow:
        try:
            console_auth.check(uow, rt.settings, token, utcnow())
        except LinkRefused as exc:
            return refused(str(exc))
    return render_template("console/login.html", token=token)


@bp.post("/login")
def login_post() -> ResponseReturnValue:
    """Use the link's token once and start a seven-day session."""
    token = request.form.get("t", "")
    rt = current_app.extensions["groupbuy"]
    with UnitOfWork(rt.engine) as uow:
        try:
            host = console_auth.redeem(uow, rt.settings, token, utcnow())
        except LinkRefused as exc:
            uow.rollback()
            return refused(str(exc))
        uow.commit()
    session.clear()
    session["host"] = host
    session.permanent = True
    return redirect(url_for("console_pages.today"))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """End the session."""
    session.clear()
    return render_template("console/refused.html", message=f"已登出。{HOW_TO_GET_A_LINK}", title="已登出")
