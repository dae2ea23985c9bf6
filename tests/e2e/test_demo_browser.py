"""``groupbuy demo`` as a newcomer sees it: the simulator page in headless Chromium, the real bot behind it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo import Demo
from tests.e2e.conftest import chromium_page, needs_chromium
from tests.e2e.conftest import say_as as say

pytestmark = needs_chromium
ANNOUNCEMENT = """/開團
【冬季火鍋團】
A. 高麗菜豬肉水餃 $180/包
B. 韭菜水餃 $200/包
C. 手工蛋捲 $250/盒 限量3盒
12/31 20:00 截單"""


@pytest.fixture
def page(demo: Demo) -> Iterator[Any]:
    """Open the simulator page in headless Chromium."""
    assert demo.simulator is not None
    with chromium_page(demo.simulator.base_url + "/") as page:
        yield page


def test_member_asks_for_help_and_the_bot_answers(page: Any, demo: Demo) -> None:
    from playwright.sync_api import expect

    say(page, "小美", "/說明")
    expect(page.locator(".row.bot").last).to_contain_text("團購小幫手", timeout=15_000)
    assert demo.simulator is not None and demo.simulator.platform.violations == []


def test_host_runs_a_group_buy_in_the_simulator(page: Any, demo: Demo, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    bot_rows = page.locator(".row.bot")
    say(page, "林姐（團主）", ANNOUNCEMENT)
    expect(bot_rows.last).to_contain_text("開團成功", timeout=15_000)
    say(page, "小美", "A+2 C+2")
    expect(bot_rows.last).to_contain_text("已登記", timeout=15_000)
    expect(bot_rows.last).to_contain_text("@小美")
    say(page, "阿明", "+1")
    expect(bot_rows.last).to_contain_text("哪一項", timeout=15_000)
    page.locator(".chip", has_text="C 手工蛋捲").click()
    expect(bot_rows.last).to_contain_text("C 手工蛋捲 ×1", timeout=15_000)
    say(page, "王媽媽", "蛋捲+1")
    expect(bot_rows.last).to_contain_text("候補第1位", timeout=15_000)
    say(page, "林姐（團主）", "/統計")
    expect(bot_rows.last).to_contain_text("C 手工蛋捲：3，剩 0，候補 1", timeout=15_000)
    assert demo.simulator is not None and demo.simulator.platform.violations == []
    if os.environ.get("GROUPBUY_SCREENSHOT"):
        page.screenshot(path=os.environ["GROUPBUY_SCREENSHOT"])
