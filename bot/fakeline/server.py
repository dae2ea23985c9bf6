"""Serve a FakeLinePlatform over real HTTP on localhost, in a background thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from flask import Blueprint
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from bot.fakeline.api import create_app
from bot.fakeline.platform import FakeLinePlatform

logger = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    """Log each request at debug level instead of printing to stderr."""

    def log(self, type: str, message: str, *args: object) -> None:
        """Send werkzeug's access log to our logger."""
        logger.debug("%s " + message, self.address_string(), *args)


class FakeLineServer:
    """A threaded HTTP server for the fake platform (and optionally the simulator page)."""

    def __init__(
        self,
        platform: FakeLinePlatform | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        blueprints: Iterable[Blueprint] = (),
    ) -> None:
        """Prepare a server for `platform` on `host:port` (port 0 picks a free port)."""
        self.platform = platform if platform is not None else FakeLinePlatform()
        self.app = create_app(self.platform, blueprints)
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """Return `http://host:port` (valid once started)."""
        if self._server is None:
            raise RuntimeError("server not started")
        return f"http://{self.host}:{self._server.server_port}"

    def start(self) -> str:
        """Start serving in a daemon thread; return the base URL."""
        if self._server is None:
            self._server = make_server(self.host, self.port, self.app, threaded=True, request_handler=_QuietHandler)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fakeline",
                daemon=True,
            )
            self._thread.start()
            logger.info("fake LINE platform listening on %s", self.base_url)
        return self.base_url

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
            self._thread = None

    def __enter__(self) -> FakeLineServer:
        """Start the server."""
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        """Stop the server."""
        self.stop()


@contextmanager
def serving(app: Any, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve any WSGI app (a stand-in bot in tests) in a background thread; yield its base URL."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
