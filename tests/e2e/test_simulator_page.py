"""The LINE simulator page in headless Chromium, talking to a tiny stand-in bot over real HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    FlexMessage,
    MentionSubstitutionObject,
    MessageAction,
    MessagingApi,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessageV2,
    UserMentionTarget,
)
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import MessageEvent, PostbackEvent, TextMessageContent
from werkzeug.wrappers import Request, Response

from bot.fakeline import FakeLineServer
from bot.fakeline.server import serving
from bot.simulator import build_simulator_server, demo_cast
from tests.e2e.conftest import chromium_page, needs_chromium, say_as

SECRET = "e2e-channel-secret"
TOKEN = "e2e-channel-access-token"
pytestmark = needs_chromium


class StandInBot:
    """A minimal bot: verify the signature, reply "{user} 收到：<text>" with two quick-reply chips."""

    def __init__(self) -> None:
        self.parser = WebhookParser(SECRET)
        self.line_base_url = ""
        self.bodies: list[bytes] = []

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        raw = request.get_data()
        self.bodies.append(raw)
        try:
            events = self.parser.parse(raw.decode("utf-8"), request.headers.get("X-Line-Signature", ""))
        except InvalidSignatureError:
            return Response("bad signature", status=400)(environ, start_response)
        for event in events:
            self.handle(event)
        return Response("OK")(environ, start_response)

    def handle(self, event: Any) -> None:
        if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
            if event.message.text.startswith("【"):
                self.reply_card(event.reply_token, event.message.text.splitlines())
                return
            text = f"{{who}} 收到：{event.message.text}"
            self.reply(event.reply_token, text, event.source.user_id, event.message.quote_token)
        elif isinstance(event, PostbackEvent):
            self.reply(event.reply_token, f"{{who}} 已確認（{event.postback.data}）", event.source.user_id, None)

    def reply(self, token: str, text: str, user_id: str, quote_token: str | None) -> None:
        chips = QuickReply(
            items=[
                QuickReplyItem(action=MessageAction(label="再加一份", text="A+1")),
                QuickReplyItem(action=PostbackAction(label="確認訂單", data="confirm", display_text="確認訂單")),
            ]
        )
        who = MentionSubstitutionObject(mentionee=UserMentionTarget(user_id=user_id))
        message = TextMessageV2(text=text, substitution={"who": who}, quick_reply=chips, quote_token=quote_token)
        with ApiClient(Configuration(host=self.line_base_url, access_token=TOKEN)) as client:
            MessagingApi(client).reply_message(ReplyMessageRequest(reply_token=token, messages=[message]))

    def reply_card(self, token: str, lines: list[str]) -> None:
        """Answer an announcement with a Flex card (raw JSON, as a bot might build it)."""
        rows: list[dict[str, Any]] = [{"type": "text", "text": line, "size": "sm"} for line in lines[1:3]]
        card = {
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {"type": "text", "text": f"開團成功 {lines[0]}", "weight": "bold", "size": "lg"},
                    {"type": "separator"},
                    *rows,
                ],
            },
            "footer": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {"type": "button", "style": "primary", "action": {"type": "message", "label": "我要喊單", "text": "A+1"}}
                ],
            },
        }
        message = FlexMessage.from_dict({"type": "flex", "altText": "開團成功", "contents": card})
        with ApiClient(Configuration(host=self.line_base_url, access_token=TOKEN)) as client:
            MessagingApi(client).reply_message(ReplyMessageRequest(reply_token=token, messages=[message]))


@pytest.fixture
def stand_in_bot() -> Iterator[tuple[str, StandInBot]]:
    """Serve the stand-in bot's webhook on a free port."""
    bot = StandInBot()
    with serving(bot) as url:
        yield f"{url}/callback", bot


@pytest.fixture
def simulator(stand_in_bot: tuple[str, StandInBot]) -> Iterator[FakeLineServer]:
    """Start the fake LINE platform + simulator page, wired to the stand-in bot."""
    url, bot = stand_in_bot
    server = build_simulator_server(bot_webhook_url=url, channel_secret=SECRET, channel_access_token=TOKEN)
    with server:
        bot.line_base_url = server.base_url
        yield server


@pytest.fixture
def page(simulator: FakeLineServer) -> Iterator[Any]:
    """Open the simulator in headless Chromium."""
    with chromium_page(simulator.base_url + "/", width=860, height=820) as page:
        yield page


_say = say_as


def test_member_chats_with_the_bot_and_taps_quick_replies(page: Any, simulator: FakeLineServer, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    _say(page, "小美", "A+2")

    bot_rows = page.locator(".row.bot")
    expect(bot_rows.last).to_contain_text("@小美 收到：A+2")
    expect(bot_rows.last.locator(".quote")).to_contain_text("小美：A+2")
    expect(page.locator(".row.mine")).to_contain_text("A+2")
    chip = page.locator(".chip", has_text="再加一份")
    expect(chip).to_be_visible()

    chip.click()

    expect(bot_rows.last).to_contain_text("@小美 收到：A+1")
    page.locator(".chip", has_text="確認訂單").click()
    expect(bot_rows.last).to_contain_text("已確認（confirm）")
    expect(page.locator(".row.mine").last).to_contain_text("確認訂單")

    platform = simulator.platform
    assert platform.violations == []
    assert len(platform.replies) == 3
    assert platform.usage == 0

    _say(page, "阿明", "B+1")
    expect(bot_rows.last).to_contain_text("@阿明 收到：B+1")


def test_flex_card_renders_and_its_button_sends_a_message(page: Any, simulator: FakeLineServer, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    _say(page, "林姐（團主）", "【12月冷凍團】\nA. 高麗菜水餃 $180/包\nB. 鮮蝦餛飩 $220/包\n12/1(二) 20:00 截單")
    card = page.locator(".row.bot .card").last
    expect(card).to_contain_text("開團成功 【12月冷凍團】")
    expect(card).to_contain_text("A. 高麗菜水餃 $180/包")
    expect(page.locator(".row.bot .alt").last).to_contain_text("開團成功")

    _say(page, "小美", "A+2 B+1")
    expect(page.locator(".row.bot").last).to_contain_text("@小美 收到：A+2 B+1")
    page.locator(".person[data-name='阿明']").click()
    card.locator("button", has_text="我要喊單").click()
    expect(page.locator(".row.bot").last).to_contain_text("@阿明 收到：A+1")
    expect(page.locator(".chip", has_text="確認訂單")).to_be_visible()
    assert simulator.platform.violations == []

    page.screenshot(path=str(tmp_path / "simulator.png"))
    if os.environ.get("GROUPBUY_SIMULATOR_SCREENSHOT"):
        page.screenshot(path=os.environ["GROUPBUY_SIMULATOR_SCREENSHOT"])


def test_unsend_edit_and_one_to_one_chat(page: Any, simulator: FakeLineServer, stand_in_bot: Any) -> None:
    from playwright.sync_api import expect

    _, bot = stand_in_bot
    _say(page, "王媽媽", "C+1")
    expect(page.locator(".row.bot").last).to_contain_text("收到：C+1")

    page.once("dialog", lambda dialog: dialog.accept("C+3"))
    page.locator(".row.mine .ops a", has_text="編輯").click()
    expect(page.locator(".row.mine").first).to_contain_text("C+3")
    expect(page.locator(".row.mine").first).to_contain_text("已編輯")
    page.locator(".row.mine .ops a", has_text="收回").first.click()
    expect(page.locator(".system")).to_contain_text("王媽媽已收回訊息")

    page.locator("#tab-dm").click()
    page.locator("#friend-toggle", has_text="加入好友").click()
    expect(page.locator(".system")).to_contain_text("已將機器人加入好友")
    expect(page.locator(".person[data-name='王媽媽'] .badge.friend")).to_be_visible()

    page.set_input_files("#file", files=[{"name": "對帳單.csv", "mimeType": "text/csv", "buffer": b"a,b\n1,2\n"}])
    expect(page.locator(".row.mine .file")).to_contain_text("對帳單.csv")

    kinds = [b.decode("utf-8") for b in bot.bodies]
    assert any('"type":"messageEdited"' in b for b in kinds)
    assert any('"type":"unsend"' in b for b in kinds)
    assert any('"type":"follow"' in b for b in kinds)
    assert any('"fileName":"對帳單.csv"' in b for b in kinds)
    assert simulator.platform.users[demo_cast().person("Udemo00000000000000000000000wang3").user_id].friend
