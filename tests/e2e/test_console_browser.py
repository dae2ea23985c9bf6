"""The host's console in headless Chromium at phone size (390×844): sign in by link (and the refusals), each page with
a screenshot kept, an order edited in the browser reaching the chat and the export, a statement uploaded."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.demo import Demo
from tests.e2e.conftest import chromium_page, needs_chromium
from tests.e2e.conftest import say_as as say
from tests.factories.statements import with_balances, write_statement
from tests.integration.test_payments import row

pytestmark = needs_chromium
ARTIFACTS = Path(os.environ.get("GROUPBUY_ARTIFACTS", "test-artifacts"))
PHONE = {"width": 390, "height": 844}
IN_A_WEEK = datetime.now(ZoneInfo("Asia/Taipei")) + timedelta(days=7)  # the demo runs on the real clock
POST = f"/開團\n【冬季火鍋團】\nA. 高麗菜豬肉水餃 $180/包\nC. 手工蛋捲 $250/盒 限量3盒\n{IN_A_WEEK:%-m/%-d} 20:00 截單"


def keep(page: Any, name: str) -> Path:
    """Keep a screenshot of the page as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def fits_the_phone(page: Any) -> bool:
    """Tell whether nothing sticks out sideways (no horizontal scrolling at 390 px)."""
    return bool(page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"))


def test_a_host_signs_in_on_a_phone_and_sees_today(demo: Demo, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    assert demo.simulator is not None
    with chromium_page(demo.simulator.base_url + "/") as chat:
        say(chat, "林姐（團主）", POST)
        expect(chat.locator(".row.bot").last).to_contain_text("開團成功", timeout=15_000)
        say(chat, "小美", "A+2 C+1")
        expect(chat.locator(".row.bot").last).to_contain_text("已登記", timeout=15_000)
        say(chat, "小美", "已匯款 後五碼12345 610元")
        expect(chat.locator(".row.bot").last).to_contain_text("12345", timeout=15_000)
    link = demo.console_link()
    with chromium_page(link, **PHONE) as page:
        expect(page.locator("h1")).to_contain_text("登入後台")
        page.click("#sign-in")
        expect(page.locator("h2").first).to_contain_text("收單中的團（1）", timeout=10_000)
        expect(page.locator(".campaign h3")).to_contain_text("冬季火鍋團")
        expect(page.locator("#to-collect")).to_have_text("$610")
        expect(page.locator(".stock")).to_contain_text("C 手工蛋捲：剩 2")
        assert fits_the_phone(page)
        assert keep(page, "console-today-390").stat().st_size > 10_000
        page.click("nav >> text=團")
        page.click(".campaign h3 a")
        expect(page.locator("#by-item")).to_contain_text("C 手工蛋捲")
        expect(page.locator(".member").first).to_contain_text("小美")
        expect(page.locator(".member").first).to_contain_text("A 高麗菜豬肉水餃 ×2")
        assert fits_the_phone(page)
        keep(page, "console-campaign-390")
        page.click("#close")
        expect(page.locator(".flash")).to_contain_text("已截單")
        page.click("nav >> text=對帳")
        expect(page.locator("#unpaid")).to_have_text("$610")
        statement = tmp_path / "交易明細.csv"
        statement.write_bytes(write_statement(bank="post", rows=with_balances([row(610, "12345", 1)])))
        page.set_input_files("#statement", str(statement))
        page.click("#upload")
        expect(page.locator(".flash")).to_contain_text("已付清", timeout=10_000)
        expect(page.locator("#unpaid")).to_have_text("$0")
        assert fits_the_phone(page)
        keep(page, "console-payments-390")
        page.goto(link)  # the same link again: used
        expect(page.locator("h1")).to_contain_text("無法進入後台")
        expect(page.locator("[role=alert]")).to_contain_text("/後台")


def test_the_simulator_opens_the_console_from_the_host_at_phone_size(demo: Demo) -> None:
    from playwright.sync_api import expect

    assert demo.simulator is not None
    with chromium_page(demo.simulator.base_url + "/", **PHONE) as chat:
        width = chat.evaluate("document.querySelector('.phone').getBoundingClientRect().width")
        assert width >= 360 and fits_the_phone(chat)  # the chat takes the phone's width, not a sliver
        keep(chat, "simulator-390")
        with chat.context.expect_page() as opened:
            chat.locator(".person .console-button").click()
        console = opened.value
        expect(console.locator("#sign-in")).to_be_visible(timeout=15_000)
        console.click("#sign-in")
        expect(console.locator("h2").first).to_contain_text("收單中的團", timeout=10_000)
        expect(chat.locator(".row.bot").last).to_contain_text("後台登入連結")  # the 1:1 chat shows the bot's reply
        expect(chat.locator(".row.bot a.link").last).to_have_attribute("href", re.compile(r"/console/login\?t="))


def test_an_order_edited_in_the_browser_shows_in_the_chat_and_the_export(demo: Demo) -> None:
    from playwright.sync_api import expect

    from infra.db import UnitOfWork
    from services.order_export import order_rows

    assert demo.simulator is not None
    with chromium_page(demo.simulator.base_url + "/") as chat:
        say(chat, "林姐（團主）", POST)
        expect(chat.locator(".row.bot").last).to_contain_text("開團成功", timeout=15_000)
        say(chat, "小美", "A+2 C+1")
        expect(chat.locator(".row.bot").last).to_contain_text("已登記", timeout=15_000)
        page = chat.context.browser.new_page(viewport=PHONE, locale="zh-TW")  # the host's phone, beside the chat
        page.goto(demo.console_link())
        page.click("#sign-in")
        page.click("nav >> text=團")
        page.click(".campaign h3 a")
        line = page.locator(".member[data-member='小美'] .lines li", has_text="A 高麗菜豬肉水餃")
        line.locator("input[name=qty]").fill("5")
        line.locator("button").click()
        expect(page.locator(".flash")).to_contain_text("從 2 改成 5")
        expect(page.locator(".member[data-member='小美']")).to_contain_text("A 高麗菜豬肉水餃 ×5")
        page.click("nav >> text=會員")
        expect(page.locator(".member-row").first).to_contain_text("小美")
        assert fits_the_phone(page)
        keep(page, "console-members-390")
        page.locator(".member-row h3 a", has_text="小美").click()
        expect(page.locator("h1")).to_contain_text("小美")
        keep(page, "console-member-390")
        # The member is told in the group, as if she had changed it herself; /統計 and the export agree.
        expect(chat.locator(".row.bot").last).to_contain_text("團主幫你修改了訂單", timeout=15_000)
        say(chat, "林姐（團主）", "/統計")
        expect(chat.locator(".row.bot").last).to_contain_text("A 高麗菜豬肉水餃：5", timeout=15_000)
    engine = demo._bot_server.app.extensions["groupbuy"].engine  # type: ignore[union-attr]
    with UnitOfWork(engine, read_only=True) as uow:
        rows = [r for r in order_rows(uow) if r["item_code"] == "A" and r["status"] == "confirmed"]
    assert sum(r["qty"] for r in rows) == 5
    assert demo.simulator.platform.violations == []


def test_a_tampered_or_expired_link_shows_how_to_get_a_new_one(demo: Demo) -> None:
    from playwright.sync_api import expect
    from sqlmodel import select

    from infra.db import UnitOfWork
    from models import ConsoleToken
    from models.base import utcnow

    link = demo.console_link()
    with chromium_page(link[:-4] + "AAAA", **PHONE) as page:
        expect(page.locator("[role=alert]")).to_contain_text("連結無效")
        expect(page.locator("[role=alert]")).to_contain_text("/後台")
        engine = demo._bot_server.app.extensions["groupbuy"].engine  # type: ignore[union-attr]
        with UnitOfWork(engine) as uow:
            for token in uow.session.exec(select(ConsoleToken)).all():
                token.expires_at = utcnow() - timedelta(seconds=1)
                uow.session.add(token)
            uow.commit()
        page.goto(link)
        expect(page.locator("[role=alert]")).to_contain_text("過期")
        page.goto(link.split("/console/")[0] + "/console/")
        expect(page.locator("[role=alert]")).to_contain_text("請先登入")
