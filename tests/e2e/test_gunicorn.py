"""The bot under real gunicorn, its SDK talking real HTTP to the fake LINE platform."""

from __future__ import annotations

import http.client
import json
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.fakeline import FakeLineServer, webhook_body
from bot.gunicorn_conf import REQUESTS_PER_CONNECTION
from tests.e2e.burst import worker_pids
from tests.e2e.conftest import E2E_GROUP, E2E_HOST, RunningBot, bot_env, start_gunicorn, stop, wait_until
from tests.factories.campaigns import HOTPOT, at

pytestmark = pytest.mark.e2e


def texts_in(fake_line: FakeLineServer, chat_id: str) -> list[str]:
    """Return every text the bot sent into a chat."""
    return fake_line.platform.texts_to(chat_id)


def confirmed_in(fake_line: FakeLineServer, chat_id: str) -> set[str]:
    """Return the members the bot told their order in a chat: by a quote reply or a line of a folded one."""
    found = set()
    for entry in fake_line.platform.timeline():
        message = entry.message
        if entry.chat_id == chat_id and entry.sender_id is None and "已登記" in str(message.get("text", "")):
            for sub in (message.get("substitution") or {}).values():
                found.add(sub.get("mentionee", {}).get("userId"))
    return found


def test_signed_webhook_is_answered_and_forged_one_rejected(gunicorn_bot: RunningBot, fake_line: FakeLineServer) -> None:
    member = "Ue2emember0000000000000000000001"
    fake_line.platform.add_user(member, "小美", friend=False)
    fake_line.platform.add_group(E2E_GROUP, "e2e 群組", [E2E_HOST, member])
    event = gunicorn_bot.events.text("/說明", user_id=member, group_id=E2E_GROUP)
    delivery = gunicorn_bot.sender.send(event)
    assert delivery.status == 200
    assert wait_until(lambda: any("團購小幫手" in t for t in texts_in(fake_line, E2E_GROUP)))
    forged = gunicorn_bot.events.text("/說明", user_id=member, group_id=E2E_GROUP)
    rejected = gunicorn_bot.sender.send_body(webhook_body([forged]), signature="Zm9yZ2Vk")
    assert rejected.status == 400
    assert fake_line.platform.violations == []
    assert len(fake_line.platform.replies) == 1


def test_campaign_under_concurrent_comments_never_oversells(gunicorn_bot: RunningBot, fake_line: FakeLineServer) -> None:
    platform = fake_line.platform
    members = [f"Ue2emember{n:022d}" for n in range(24)]
    platform.add_group(E2E_GROUP, "e2e 群組", [E2E_HOST, *members])
    for n, m in enumerate(members):
        platform.add_user(m, f"成員{n}", friend=False)
    opened = gunicorn_bot.sender.send(gunicorn_bot.events.text(
        HOTPOT.replace("限量30盒", "限量20盒"), user_id=E2E_HOST, group_id=E2E_GROUP, timestamp_ms=at(1, 10)))
    assert opened.status == 200
    assert wait_until(lambda: any("開團成功" in t for t in texts_in(fake_line, E2E_GROUP)))
    events = [gunicorn_bot.events.text("C+1", user_id=m, group_id=E2E_GROUP, timestamp_ms=at(2, 9, 0, n))
              for n, m in enumerate(members)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda e: gunicorn_bot.sender.send(e).status, events))
    assert statuses == [200] * len(members)
    # Redeliver a few bodies: nothing may double.
    for event in events[:5]:
        assert gunicorn_bot.sender.redeliver(webhook_body([event])).status == 200
    assert wait_until(lambda: confirmed_in(fake_line, E2E_GROUP) >= set(members), timeout=30)
    gunicorn_bot.sender.send(gunicorn_bot.events.text("/統計", user_id=E2E_HOST, group_id=E2E_GROUP,
                                                      timestamp_ms=at(2, 10)))
    assert wait_until(lambda: any("📊" in t for t in texts_in(fake_line, E2E_GROUP)))
    stats = next(t for t in texts_in(fake_line, E2E_GROUP) if "📊" in t)
    assert "C 手工蛋捲：20，剩 0，候補 4" in stats, stats
    tokens = [json.loads(json.dumps(r.body))["replyToken"] for r in platform.replies]
    assert len(tokens) == len(set(tokens))
    assert platform.violations == []


def listening_inodes(pid: int, port: int) -> set[str]:
    """Return the inodes of the TCP sockets listening on ``port`` that process ``pid`` holds open."""
    listening = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                listening.add(fields[9])
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            held.add(target[len("socket:["):-1])
    return listening & held


def test_each_worker_listens_on_its_own_socket(gunicorn_bot: RunningBot) -> None:
    # The kernel then spreads a burst's connections over the workers instead of the first to wake taking them all.
    port = int(gunicorn_bot.url.rsplit(":", 1)[1])

    def sockets() -> list[set[str]]:
        return [listening_inodes(pid, port) for pid in worker_pids(gunicorn_bot.process.pid)]

    assert wait_until(lambda: len(sockets()) == 2 and all(sockets()), timeout=15), sockets()
    first, second = sockets()
    assert len(first) == len(second) == 1
    assert first != second


def test_a_kept_alive_connection_is_closed_after_its_share_of_requests(gunicorn_bot: RunningBot) -> None:
    """Every REQUESTS_PER_CONNECTION-th answer says "Connection: close", so a burst's connections are dealt anew."""
    host, port = gunicorn_bot.url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    answers = []
    try:
        for _ in range(REQUESTS_PER_CONNECTION * 2):
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            answers.append((response.status, response.getheader("Connection")))
    finally:
        conn.close()
    closing = [n + 1 for n, (_status, header) in enumerate(answers) if header == "close"]
    assert {status for status, _header in answers} == {200}
    assert closing == [REQUESTS_PER_CONNECTION, REQUESTS_PER_CONNECTION * 2]  # http.client reconnected in between


def test_a_taken_port_is_refused_with_advice(fake_line: FakeLineServer, database_url: str, tmp_path: Path) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        log_path = tmp_path / "gunicorn.log"
        process = start_gunicorn(bot_env(fake_line.base_url, database_url), port, log_path)
        try:
            assert process.wait(30) != 0
        finally:
            stop(process)
    log = log_path.read_text(errors="replace")
    assert f"Cannot listen on 127.0.0.1:{port}" in log, log
    assert "stop it, or choose another port" in log
