"""Gunicorn settings shared by the Procfile, ``groupbuy serve`` and the benchmarks."""

import errno
import os
import socket
import time
from typing import Any

bind = os.environ.get("GROUPBUY_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GROUPBUY_THREADS", "8"))
# Each worker listens on its own socket (SO_REUSEPORT) and the kernel spreads new connections over them. With one
# shared socket, whichever worker wakes first accepts, and LINE's kept-alive connections of a burst often all land
# on one worker, which then runs them on one core (the GIL) while the other idles.
reuse_port = True
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GROUPBUY_LOG_LEVEL", "info")


def on_starting(server: Any) -> None:
    """Refuse to start on a port another server listens on (with ``reuse_port`` the two would share it silently)."""
    for address in server.cfg.address:
        if isinstance(address, tuple):
            port_free_or_exit(str(address[0]), int(address[1]))


def port_free_or_exit(host: str, port: int, wait_s: float = 5.0) -> None:
    """Return when ``host:port`` can be bound (waiting ``wait_s`` for a stopping server); else exit with advice."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = time.monotonic() + wait_s
    while True:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn's own sockets
            try:
                probe.bind((host, port))
                return
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE or time.monotonic() >= deadline:
                    raise SystemExit(
                        f"Cannot listen on {host}:{port}: {exc.strerror}. Another server is using the port: "
                        "stop it, or choose another port (PORT or --port)."
                    ) from exc
        time.sleep(0.25)


# A kept-alive connection is closed after this many requests (as nginx's ``keepalive_requests``), and the client's
# next one lands on a worker the kernel picks anew. LINE keeps a burst's few connections open, and reuse_port deals
# them out at random: 13 of 16 on one worker happened, and that worker's core then capped the whole bot.
REQUESTS_PER_CONNECTION = 50


def pre_request(worker: Any, req: Any) -> None:
    """Answer every REQUESTS_PER_CONNECTION-th request of a connection with ``Connection: close``."""
    if getattr(req, "req_number", 1) % REQUESTS_PER_CONNECTION == 0:  # HTTP/1.x requests count per connection
        req.must_close = True


def post_worker_init(worker: Any) -> None:
    """Log when a worker has loaded the app (the benchmarks wait for every worker before a burst)."""
    worker.log.info("worker %s ready", worker.pid)
