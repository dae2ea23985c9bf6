"""The host's console: phone-first, server-rendered pages over the services layer (no business logic here).

Signing in: a host sends ``/後台`` to the bot 1:1 and opens the one-time link (services.console_auth); the session
is a signed cookie (HttpOnly, SameSite=Lax, Secure behind https) lasting seven days. Every page needs a session,
every form POST a CSRF token (Flask-WTF), and every response carries security headers.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect

from bot.runtime import Runtime
from services import console_auth

csrf = CSRFProtect()
BLUEPRINTS = ("console_auth", "console_pages", "console_payments", "console_members", "console_orders",
              "console_reports")


class ConsoleSessions(SecureCookieSessionInterface):
    """The console's signed-cookie sessions, not opened for LINE's webhook and the health check.

    Those carry no cookie, yet Flask would build a signing serializer (key derivation and all) for each of their
    requests: measured in-process, an eighth of a webhook request's time.
    """

    SESSIONLESS = frozenset({"/callback", "/healthz"})

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """Open the request's session; none (Flask's null session) on the sessionless paths."""
        if request.path in self.SESSIONLESS:
            return None
        return super().open_session(app, request)


def init_console(app: Flask, rt: Runtime) -> None:
    """Configure sessions and CSRF for the console and register its pages."""
    from bot.console.auth import bp as auth
    from bot.console.auth import refused, require_session, security_headers
    from bot.console.members import bp as members
    from bot.console.orders import bp as orders
    from bot.console.pages import bp as pages
    from bot.console.payments import bp as payments
    from bot.console.reports import bp as reports

    app.config.update(
        SECRET_KEY=console_auth.session_key(rt.settings),
        SESSION_COOKIE_NAME="groupbuy_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=(rt.settings.public_url or "").startswith("https://"),
        PERMANENT_SESSION_LIFETIME=timedelta(days=console_auth.SESSION_DAYS),
        WTF_CSRF_CHECK_DEFAULT=False,  # the webhook and the simulator are not forms: the console checks its own
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    app.session_interface = ConsoleSessions()
    csrf.init_app(app)
    app.add_template_filter(money)
    app.add_template_filter(time_left)
    app.register_blueprint(auth)
    app.register_blueprint(pages)
    app.register_blueprint(payments)
    app.register_blueprint(members)
    app.register_blueprint(orders)
    app.register_blueprint(reports)

    @app.before_request
    def guard() -> ResponseReturnValue | None:
        return require_session() if request.blueprint in BLUEPRINTS else None

    @app.after_request
    def headers(response: Response) -> Response:
        return security_headers(response) if request.blueprint in BLUEPRINTS else response

    @app.errorhandler(CSRFError)
    def csrf_refused(_exc: CSRFError) -> ResponseReturnValue:
        return refused("這個表單已經失效（缺少或過期的安全碼）：請重新整理頁面再操作一次。", 400)


def money(amount: int) -> str:
    """Format NT$ the way the chat does: $1,234."""
    return f"-${-amount:,}" if amount < 0 else f"${amount:,}"


def time_left(minutes: int | None) -> str:
    """Say how long a campaign still takes orders: 2 小時 5 分後截單."""
    if minutes is None:
        return "沒有截單時間"
    days, rest = divmod(max(0, minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小時後截單"
    return f"{hours} 小時 {mins} 分後截單" if hours else f"{mins} 分鐘後截單"
