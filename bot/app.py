"""The Flask app factory."""

from __future__ import annotations

import logging

from flask import Flask

from bot.processor import EventProcessor
from bot.runtime import Runtime
from infra.config import Settings
from infra.courier import Courier
from infra.db import is_sqlite_file, make_engine
from infra.messenger import LineMessenger, Messenger


def create_app(settings: Settings | None = None, *, messenger: Messenger | None = None) -> Flask:
    """Create the web app: the webhook, health check and (in the demo) the simulator hooks."""
    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = Flask(__name__)
    # With a background worker, WAL checkpoints run on a thread of their own, not in a webhook's commit.
    background = settings.webhook_mode == "thread" and is_sqlite_file(settings.database_url)
    engine = make_engine(settings.database_url, checkpoint_in_background=background)
    messenger = messenger or LineMessenger(settings.channel_access_token, settings.line_api_base_url)
    courier = Courier() if settings.webhook_mode == "thread" else None  # inline mode sends before answering
    rt = Runtime(settings=settings, engine=engine, messenger=messenger,
                 processor=EventProcessor(engine, settings, messenger, courier=courier), background_checkpoints=background)
    app.extensions["groupbuy"] = rt

    from bot.downloads import bp as downloads
    from bot.webhook import bp as webhook

    app.register_blueprint(webhook)
    app.register_blueprint(downloads)
    if settings.webhook_mode == "thread":
        rt.worker.start()  # also picks up events a crashed process left pending
    if rt.checkpointer is not None:
        rt.checkpointer.start()
    return app
