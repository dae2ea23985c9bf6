"""This process's id without a system call per look: gunicorn forks its workers, and per-process resources (an
flock descriptor, a shared map) are opened again in a child. A fork hook keeps the id current."""

from __future__ import annotations

import os

_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def pid() -> int:
    """Return the current process id (what ``os.getpid()`` returns)."""
    return _pid
