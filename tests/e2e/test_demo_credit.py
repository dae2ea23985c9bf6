"""In the demo, over the fake LINE platform: an over-payment becomes credit, points are earned and redeemed, and
members read their credit and points in replies LINE accepts (textV2 mentions, real @mention spans)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.demo import Demo
from bot.simulator import DEMO_HOST_ID
from tests.e2e.conftest import wait_until
from tests.e2e.test_demo_reconcile import GROUP, MEI, MING, bot_texts, open_and_order, say, upload
from tests.factories.statements import StatementRow, with_balances, write_statement

pytestmark = pytest.mark.e2e


def replied(demo: Demo, chat: str, text: str) -> bool:
    """Wait until the bot said something containing ``text`` in the chat."""
    return wait_until(lambda: any(text in t for t in bot_texts(demo, chat)), timeout=20)


def test_credit_and_points_in_the_demo(demo: Demo) -> None:
    say(demo, DEMO_HOST_ID, GROUP, "/設定 集點 100")
    assert replied(demo, GROUP, "集點：每付 $100 集 1 點")
    open_and_order(demo)  # 小美 A+3 ($540)
    say(demo, MEI, GROUP, "已匯款 後五碼12345 560元")
    assert replied(demo, GROUP, "後五碼 12345")
    rows = with_balances([StatementRow(date.today(), 560, payer="0000123456712345", summary="跨行轉入")])
    upload(demo, DEMO_HOST_ID, DEMO_HOST_ID, "對帳單.csv", write_statement(bank="post", rows=rows))
    assert replied(demo, DEMO_HOST_ID, "多的錢已轉為購物金")
    assert replied(demo, DEMO_HOST_ID, "共 5 點")

    say(demo, MEI, GROUP, "我的購物金")
    assert replied(demo, GROUP, "的購物金：$20")
    say(demo, DEMO_HOST_ID, GROUP, "/點數 兌換 @小美 5")
    assert replied(demo, GROUP, "✅ 小美 用 5 點換了 $5 購物金；剩 0 點，購物金 $25。")
    say(demo, DEMO_HOST_ID, GROUP, "/購物金 @小美 -5 點錯了")
    assert replied(demo, GROUP, "購物金 -$5（點錯了），目前購物金 $20")
    say(demo, MING, GROUP, "/購物金 @小美 +999")
    assert replied(demo, GROUP, "只有團主可以使用「/購物金」")
    say(demo, MEI, MEI, "我的點數")
    assert replied(demo, MEI, "⭐ 你 的點數：0 點")
    assert demo.simulator is not None and demo.simulator.platform.violations == []
