"""The 報表 page in headless Chromium at phone size, on the demo as a newcomer starts it (with the demo history)."""

from __future__ import annotations

from typing import Any

from bot.demo import Demo
from bot.demo_seed import MARK
from tests.e2e.conftest import chromium_page, needs_chromium
from tests.e2e.conftest import say_as as say
from tests.e2e.test_console_browser import PHONE, POST, fits_the_phone, keep

pytestmark = needs_chromium
CHARTS = ("chart-sales", "chart-buyers", "chart-repurchase", "chart-retention", "chart-segments", "chart-nps",
          "chart-reminders")
# For each chart: does Chart.js hold it, and how many of its values are neither empty nor zero.
FILLED = """ids => ids.map(id => {
  const chart = Chart.getChart(id);
  if (!chart) { return -1; }
  return chart.data.datasets.reduce((n, d) => n + d.data.filter(v => v !== null && v !== 0).length, 0);
})"""
INKED = """id => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { inked += 1; } }
  return inked;
}"""


def test_the_demo_history_fills_the_reports_at_phone_size(seeded_demo: Demo) -> None:
    from playwright.sync_api import expect

    assert seeded_demo.seeded.campaigns >= 6
    assert seeded_demo.simulator is not None
    with chromium_page(seeded_demo.simulator.base_url + "/") as chat:  # the seeded campaigns are all closed
        say(chat, "林姐（團主）", POST)
        expect(chat.locator(".row.bot").last).to_contain_text(f"第{seeded_demo.seeded.campaigns + 1}團", timeout=15_000)
        say(chat, "小美", "A+2")
        expect(chat.locator(".row.bot").last).to_contain_text("已登記", timeout=15_000)
    with chromium_page(seeded_demo.console_link(), **PHONE) as page:
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning")
                and not m.location.get("url", "").endswith("/favicon.ico") else None)  # the browser's own ask
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.click("#sign-in")
        expect(page.locator("h2").first).to_contain_text("收單中的團（1）", timeout=10_000)
        page.click("nav >> text=團")
        expect(page.locator("main")).to_contain_text(MARK)
        page.click("nav >> text=報表")
        expect(page.locator("nav [aria-current=page]")).to_have_text("報表")
        page.wait_for_function("() => typeof Chart !== 'undefined' && Chart.getChart('chart-reminders') !== undefined")
        filled: list[Any] = page.evaluate(FILLED, list(CHARTS))
        assert all(n > 0 for n in filled), dict(zip(CHARTS, filled, strict=True))
        assert all(page.evaluate(INKED, name) > 500 for name in CHARTS)  # drawn, not blank
        expect(page.locator("#table-segments tbody tr")).to_have_count(6)
        expect(page.locator("#table-reminders")).to_contain_text("有提醒")
        assert page.locator("#repurchase-rate").inner_text().endswith("%")
        assert fits_the_phone(page)
        assert keep(page, "console-reports-390").stat().st_size > 20_000
        assert problems == []  # no script errors, no CSP violations (Chromium reports them on the console)
