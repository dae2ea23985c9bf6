"""In ``groupbuy demo``, the week after the cutoff: the supplier order, a shortage, the arrival notice, a pickup,
and — the demo's own clock running — the no-show once the pickup deadline passes; every request LINE-valid."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.demo import Demo
from bot.simulator import DEMO_HOST_ID
from infra.db import UnitOfWork, make_engine
from models import NoShow
from tests.e2e.conftest import wait_until
from tests.e2e.test_demo_reconcile import GROUP, bot_texts, open_and_order, say

pytestmark = pytest.mark.e2e
TPE = ZoneInfo("Asia/Taipei")


@pytest.fixture
def demo(database_url: str) -> Iterator[Demo]:
    """The demo with its clock ticking every second (a deployment ticks every 15 minutes)."""
    running = Demo(database_url=database_url, simulator_port=0, bot_port=0, clock_every_s=1.0, seed=False)
    running.start()
    yield running
    running.stop()


def said(demo: Demo, chat: str, text: str, timeout: float = 20) -> bool:
    return wait_until(lambda: any(text in t for t in bot_texts(demo, chat)), timeout=timeout)


def no_shows(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            return len(uow.session.exec(select(NoShow)).all())
    finally:
        engine.dispose()


def test_shortage_arrival_pickup_and_a_no_show_in_the_demo(demo: Demo, database_url: str) -> None:
    open_and_order(demo)  # 小美 A+3, 阿明 B+2
    say(demo, DEMO_HOST_ID, GROUP, "/截單")
    assert said(demo, GROUP, "已截單")
    say(demo, DEMO_HOST_ID, GROUP, "/叫貨")
    assert said(demo, GROUP, "A 高麗菜水餃 3 包")
    say(demo, DEMO_HOST_ID, GROUP, "/缺貨 A 1")
    assert said(demo, GROUP, "缺貨通知")
    soon = datetime.now(TPE) + timedelta(minutes=1)
    say(demo, DEMO_HOST_ID, GROUP, f"/到貨\n取貨地點：社區管理室\n取貨期限：{soon:%m/%d %H:%M}")
    assert said(demo, GROUP, "社區管理室")
    say(demo, DEMO_HOST_ID, GROUP, "/取貨 @小美")
    assert said(demo, GROUP, "取貨")
    # The deadline passes; the demo's clock records 阿明 (who did not pick up) as a no-show, once.
    assert wait_until(lambda: no_shows(database_url) == 1, timeout=120, interval=1.0)
    assert demo.simulator is not None and demo.simulator.platform.violations == []
