"""Gunicorn settings shared by the Procfile, ``groupbuy serve`` and the benchmarks."""

import os
from typing import Any

bind = os.environ.get("GROUPBUY_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GROUPBUY_THREADS", "8"))
timeout = 30
graceful_timeout = 10
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GROUPBUY_LOG_LEVEL", "info")


def post_worker_init(worker: Any) -> None:
    """Log when a worker has loaded the app (the benchmarks wait for every worker before a burst)."""
    worker.log.info("worker %s ready", worker.pid)
