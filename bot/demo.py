"""The embedded demo: the bot on SQLite (web side and a worker), talking to the fake LINE platform and its simulator."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from bot.app import create_app
from bot.demo_seed import Seeded, seed_history
from bot.fakeline import FakeLineServer
from bot.simulator import DEMO_HOST_ID, build_simulator_server
from bot.simulator.cast import demo_cast
from bot.worker import Worker
from infra.config import Settings
from infra.db import UnitOfWork, upgrade
from models.base import utcnow
from services import console_auth

log = logging.getLogger(__name__)
DEMO_SECRET = "demo-channel-secret-not-for-production"
DEMO_TOKEN = "demo-channel-access-token-not-for-production"


@dataclass
class Demo:
    """The simulator (fake LINE) and the bot, each on its own localhost port."""

    database_url: str
    host: str = "127.0.0.1"
    simulator_port: int = 8090
    bot_port: int = 8000
    seed: bool = True  # on a database without campaigns, put in a few months of demo history (bot.demo_seed)
    seeded: Seeded = field(default_factory=lambda: Seeded(0, 0), init=False)
    simulator: FakeLineServer | None = field(default=None, init=False)
    _bot_server: BaseWSGIServer | None = field(default=None, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _worker: Worker | None = field(default=None, init=False)
    _worker_thread: threading.Thread | None = field(default=None, init=False)
    clock_every_s: float = 60.0  # the demo's clock: scheduled jobs (reminders, no-shows, notices) run this often
    _clock_stop: threading.Event = field(default_factory=threading.Event, init=False)
    _clock_thread: threading.Thread | None = field(default=None, init=False)

    def start(self) -> str:
        """Migrate the database, start both servers; return the simulator's URL."""
        upgrade(self.database_url)
        bot_server = make_server(self.host, self.bot_port, _placeholder, threaded=True)
        bot_url = f"http://{self.host}:{bot_server.server_port}"
        self.simulator = build_simulator_server(
            bot_webhook_url=f"{bot_url}/callback", channel_secret=DEMO_SECRET, channel_access_token=DEMO_TOKEN,
            host=self.host, port=self.simulator_port, host_user_id=DEMO_HOST_ID,
        )
        simulator_url = self.simulator.start()
        settings = Settings(
            channel_secret=DEMO_SECRET, channel_access_token=DEMO_TOKEN, line_api_base_url=simulator_url,
            database_url=self.database_url, admins=frozenset({DEMO_HOST_ID}), webhook_mode="store",
            public_url=bot_url,
        )
        bot_server.app = create_app(settings)
        if self.seed:
            self.seeded = self._seed(bot_server.app.extensions["groupbuy"].engine)
        self._bot_server = bot_server
        self._thread = threading.Thread(target=bot_server.serve_forever, name="groupbuy-demo-bot", daemon=True)
        self._thread.start()
        # The web side only stores events; a worker applies them, as `groupbuy worker` does beside gunicorn.
        self._worker = Worker(settings)
        self._worker_thread = threading.Thread(target=self._worker.run, name="groupbuy-demo-worker", daemon=True)
        self._worker_thread.start()
        # As `groupbuy scheduler run` does beside a deployment: a pickup deadline passing makes its no-shows.
        self._clock_stop.clear()
        self._clock_thread = threading.Thread(target=self._clock, args=(settings,), name="groupbuy-demo-clock",
                                              daemon=True)
        self._clock_thread.start()
        log.info("bot listening on %s", bot_url)
        return simulator_url

    @staticmethod
    def _seed(engine: Any) -> Seeded:
        """Seed the demo history once: only while the database has no campaigns."""
        cast = demo_cast()
        with UnitOfWork(engine) as uow:
            seeded = seed_history(uow, utcnow(), group_line_id=cast.group_id, group_name=cast.group_name)
            uow.commit()
        if seeded.campaigns:
            log.info("demo history seeded: %d campaigns, %d members", seeded.campaigns, seeded.members)
        return seeded

    @property
    def bot_url(self) -> str:
        """Return the bot's base URL."""
        assert self._bot_server is not None
        return f"http://{self.host}:{self._bot_server.server_port}"

    def console_link(self) -> str:
        """Return a fresh one-time sign-in link to the console for the demo host (as /後台 gives one in LINE)."""
        assert self._bot_server is not None
        rt = self._bot_server.app.extensions["groupbuy"]  # type: ignore[attr-defined]
        with UnitOfWork(rt.engine) as uow:
            token = console_auth.issue(uow, rt.settings, DEMO_HOST_ID, utcnow())
            uow.commit()
        return console_auth.link(self.bot_url, token)

    def _clock(self, settings: Settings) -> None:
        """Run one clock tick every ``clock_every_s`` until stopped (a failed tick is logged and retried)."""
        from infra.messenger import LineMessenger
        from scheduler import jobs

        messenger = LineMessenger(settings.channel_access_token, settings.line_api_base_url)
        while not self._clock_stop.wait(self.clock_every_s):
            try:
                jobs.tick(utcnow(), settings=settings, messenger=messenger)
            except Exception:
                log.exception("demo clock tick failed; trying again on the next one")

    def stop(self) -> None:
        """Stop both servers, the worker and the clock."""
        self._clock_stop.set()
        if self._clock_thread is not None:
            self._clock_thread.join(10)
            self._clock_thread = None
        if self._worker is not None and self._worker_thread is not None:
            self._worker.stop()
            self._worker_thread.join(10)
            self._worker = self._worker_thread = None
        if self._bot_server is not None:
            self._bot_server.shutdown()
            self._bot_server.server_close()
            app = getattr(self._bot_server, "app", None)
            if app is not None and "groupbuy" in getattr(app, "extensions", {}):
                app.extensions["groupbuy"].stop()
                app.extensions["groupbuy"].engine.dispose()
            self._bot_server = None
        if self.simulator is not None:
            self.simulator.stop()
            self.simulator = None


def _placeholder(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Answer 503 until the bot app is attached (the port is bound first so its URL is known)."""
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def default_database_url(directory: Path) -> str:
    """Return the demo's SQLite URL inside ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(directory / 'demo.db').resolve()}"
