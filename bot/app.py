"""The Flask app factory."""

from __future__ import annotations

import logging

from flask import Flask

from bot.processor import EventProcessor
from bot.runtime import Runtime
from infra.config import Settings
from infra.db import make_engine
from infra.messenger import LineMessenger, Messenger


def create_app(settings: Settings | None = None, *, messenger: Messenger | None = None) -> Flask:
    """Create the web app: the webhook, health check and download routes.

    The webhook verifies, stores and answers; ``groupbuy worker`` (bot.worker) applies the stored events. With
    ``webhook_mode="inline"`` (tests) the app applies them itself before answering.
    """
    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = Flask(__name__)
    engine = make_engine(settings.database_url)
    messenger = messenger or LineMessenger(settings.channel_access_token, settings.line_api_base_url)
    rt = Runtime(settings=settings, engine=engine, messenger=messenger,
                 processor=EventProcessor(engine, settings, messenger))  # no courier: inline mode sends before answering
    app.extensions["groupbuy"] = rt

    from bot.console import init_console
    from bot.downloads import bp as downloads
    from bot.webhook import bp as webhook

    app.register_blueprint(webhook)
    app.register_blueprint(downloads)
    init_console(app, rt)
    return app
