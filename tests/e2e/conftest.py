"""End-to-end fixtures: the fake LINE platform over real HTTP, and the bot under real gunicorn beside a worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.demo import Demo
from bot.fakeline import EventFactory, FakeLineServer, WebhookSender

E2E_SECRET = "e2e-channel-secret-0123456789"
E2E_TOKEN = "e2e-channel-access-token"
E2E_HOST = "Ue2ehost000000000000000000000001"
E2E_GROUP = "Ce2egroup00000000000000000000001"


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Callable[[], bool], timeout: float = 20.0, interval: float = 0.1) -> bool:
    """Poll ``check`` until it is true or the timeout passes; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


@pytest.fixture
def fake_line() -> Iterator[FakeLineServer]:
    """Start the fake LINE platform on a free port."""
    server = FakeLineServer()
    server.platform.channel_access_token = E2E_TOKEN
    server.start()
    yield server
    server.stop()


@dataclass
class RunningBot:
    """A bot as the Procfile runs it: gunicorn (web) and ``groupbuy worker``, each in a subprocess."""

    url: str
    process: subprocess.Popen[bytes]  # the gunicorn master
    log_path: Path
    sender: WebhookSender
    events: EventFactory
    worker: subprocess.Popen[bytes] | None = None
    worker_log_path: Path | None = None

    def log(self) -> str:
        """Return what gunicorn and the worker printed so far."""
        text = self.log_path.read_text(errors="replace")
        if self.worker_log_path is not None and self.worker_log_path.exists():
            text += "\n--- worker ---\n" + self.worker_log_path.read_text(errors="replace")
        return text


def spawn(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Run a server command in its own process group, its output going to ``log_path``."""
    with log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Run ``groupbuy worker`` (the Procfile's ``worker:``) in the background: it applies what the web side stores."""
    exe = Path(sys.executable).with_name("groupbuy")
    profile = os.environ.get("GROUPBUY_BENCH_PROFILE_WORKER")  # a benchmark's cProfile output of the worker
    if profile:
        return spawn([sys.executable, "-m", "cProfile", "-o", f"{profile}.{log_path.stem}", str(exe), "worker"],
                     env, log_path)
    return spawn([str(exe), "worker"], env, log_path)


def start_gunicorn(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Run ``groupbuy serve`` (migrate + gunicorn with the Procfile's settings) in the background.

    The web side only stores events: pair it with :func:`start_worker` (once it is healthy, so the database is
    migrated) for them to be applied.
    """
    exe = Path(sys.executable).with_name("groupbuy")
    return spawn([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"], env, log_path)


def bot_env(line_api_base_url: str, database_url: str) -> dict[str, str]:
    """Return the environment of a bot served against the fake LINE platform and ``database_url``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "GROUPBUY_", "DATABASE_URL", "WEB_CONCURRENCY"))
    }
    env.update(
        LINE_CHANNEL_SECRET=E2E_SECRET, LINE_CHANNEL_ACCESS_TOKEN=E2E_TOKEN, LINE_API_BASE_URL=line_api_base_url,
        DATABASE_URL=database_url, GROUPBUY_ADMINS=E2E_HOST,
    )
    return env


def is_healthy(url: str) -> bool:
    """Return True when the server at ``url`` answers ``/healthz`` with 200."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a spawned server and its workers: SIGTERM to its process group, SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)
    except ProcessLookupError:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@pytest.fixture
def gunicorn_bot(fake_line: FakeLineServer, database_url: str, tmp_path: Path) -> Iterator[RunningBot]:
    """Serve the bot with real gunicorn and a ``groupbuy worker`` against the fake LINE platform and the test database."""
    port = free_port()
    log_path, worker_log_path = tmp_path / "gunicorn.log", tmp_path / "worker.log"
    env = bot_env(fake_line.base_url, database_url)
    process = start_gunicorn(env, port, log_path)
    url = f"http://127.0.0.1:{port}"
    if not wait_until(lambda: is_healthy(url), timeout=30):
        stop(process)
        pytest.fail("gunicorn did not become healthy:\n" + log_path.read_text(errors="replace"))
    worker = start_worker(env, worker_log_path)  # after `serve` has migrated the database
    bot = RunningBot(url=url, process=process, log_path=log_path, worker=worker, worker_log_path=worker_log_path,
                     sender=WebhookSender(f"{url}/callback", E2E_SECRET), events=EventFactory(fake_line.platform))
    try:
        yield bot
    finally:
        stop(worker)
        stop(process)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
needs_chromium = [
    pytest.mark.e2e,
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"headless Chromium not installed at {CHROMIUM}"),
]


@contextmanager
def chromium_page(url: str, *, width: int = 900, height: int = 900) -> Iterator[Any]:
    """Open ``url`` in Debian's headless Chromium through Playwright and yield the page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-TW")
        page.goto(url)
        yield page
        browser.close()


def say_as(page: Any, who: str, text: str) -> None:
    """Pick ``who`` in the simulator's sidebar and send ``text``."""
    page.locator(f".person[data-name='{who}']").click()
    page.fill("#text", text)
    page.press("#text", "Enter")


@pytest.fixture
def demo(database_url: str) -> Iterator[Demo]:
    """Run ``groupbuy demo`` (the bot + the LINE simulator) on free ports against the test database.

    Without the demo history (``bot.demo_seed``): these tests count the money of their own campaigns from zero.
    """
    running = Demo(database_url=database_url, simulator_port=0, bot_port=0, seed=False)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def seeded_demo(database_url: str) -> Iterator[Demo]:
    """Run ``groupbuy demo`` as a newcomer does: first start on an empty database, so with the demo history."""
    running = Demo(database_url=database_url, simulator_port=0, bot_port=0)
    running.start()
    yield running
    running.stop()
