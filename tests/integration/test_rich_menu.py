"""The members' rich menu: ``groupbuy richmenu install|remove`` over real HTTP against the fake LINE platform (which
checks the menu and its image as LINE does), and every button's words doing what its label says."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont
from linebot.v3.messaging import ApiClient, ApiException, Configuration, MessagingApi, MessagingApiBlob, RichMenuRequest
from PIL import Image

from bot.cli import cli
from bot.fakeline import FakeLinePlatform, FakeLineServer
from handlers import member_menu
from infra.richmenu_image import FONT, MissingGlyph, Tile, missing, render
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, at
from tests.factories.webhook import HOST_ID, member_id
from tests.fakes import FakeMessenger
from tests.integration.test_payments import say

TOKEN = "richmenu-test-token"
NAME = member_menu.NAME


@pytest.fixture
def line() -> Iterator[FakeLineServer]:
    """Serve a fake LINE platform on a free port."""
    with FakeLineServer(FakeLinePlatform(TOKEN)) as server:
        yield server


def groupbuy(line: FakeLineServer, *args: str) -> str:
    """Run the CLI against the fake platform; return its output (failing the test on a non-zero exit)."""
    env = {"LINE_CHANNEL_SECRET": "richmenu-secret-0123456789abcdef", "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
           "LINE_API_BASE_URL": line.base_url}
    result = CliRunner().invoke(cli, ["richmenu", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_dry_run_prints_the_menu_every_area_a_message_action_the_bot_understands(line: FakeLineServer) -> None:
    menu = json.loads(groupbuy(line, "install", "--dry-run").split("\nimage:")[0])
    assert menu["size"] == {"width": 2500, "height": 1686} and menu["chatBarText"] == "會員選單"
    texts = [a["action"]["text"] for a in menu["areas"]]
    assert texts == ["我的訂單", "付款資訊", "我的購物金", "我的點數", "填問卷", "我的資料", "停止提醒", "恢復提醒"]
    assert all(a["action"]["type"] == "message" for a in menu["areas"])
    covered = sum(a["bounds"]["width"] * a["bounds"]["height"] for a in menu["areas"])
    assert covered == 2500 * 1686  # the tiles cover the image, no gaps or overlaps
    assert member_menu.unknown_texts() == []
    assert line.platform.rich_menus.menus == {}  # a dry run sends nothing


def test_install_creates_uploads_and_sets_the_default_then_replaces_it(line: FakeLineServer) -> None:
    groupbuy(line, "install")
    store = line.platform.rich_menus
    (first,) = store.menus
    assert store.default == first and store.menus[first]["name"] == NAME
    content_type, data = store.images[first]
    with Image.open(io.BytesIO(data)) as image:
        assert (content_type, image.format, image.size) == ("image/png", "PNG", (2500, 1686))
    assert len(data) < 1024 * 1024
    assert line.platform.violations == []
    groupbuy(line, "install")  # again: the new menu replaces the old one
    (second,) = store.menus
    assert second != first and store.default == second
    assert "removed 1" in groupbuy(line, "remove")
    assert store.menus == {} and store.default is None


def post_raw(line: FakeLineServer, path: str, body: object) -> int:
    """POST JSON to the fake platform as any HTTP client would; return the status."""
    request = urllib.request.Request(line.base_url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_the_fake_refuses_what_line_refuses(line: FakeLineServer) -> None:
    menu = member_menu.rich_menu()
    with ApiClient(Configuration(host=line.base_url, access_token=TOKEN)) as client:
        api, blob = MessagingApi(client), MessagingApiBlob(client)
        for broken in ({**menu, "chatBarText": "這是一段超過十四個字的聊天列文字喔"},
                       {**menu, "size": {"width": 2500, "height": 2500}},
                       {**menu, "areas": [{**menu["areas"][0], "bounds": {"x": 2000, "y": 0, "width": 900, "height": 10}}]}):
            assert post_raw(line, "/v2/bot/richmenu", broken) == 400  # as a client without the SDK's checks
        rich_menu_id = api.create_rich_menu(RichMenuRequest.from_dict(menu)).rich_menu_id
        with pytest.raises(ApiException) as no_image:
            api.set_default_rich_menu(rich_menu_id)
        assert no_image.value.status == 400
        small = io.BytesIO()
        Image.new("RGB", (1200, 405), "white").save(small, format="PNG")
        with pytest.raises(ApiException) as wrong_size:
            blob.set_rich_menu_image(rich_menu_id, body=small.getvalue(), _headers={"Content-Type": "image/png"})
        assert wrong_size.value.status == 400


def test_the_shipped_font_draws_every_label_and_a_missing_glyph_is_refused() -> None:
    cmap = TTFont(FONT).getBestCmap()
    assert [ch for ch in member_menu.glyphs() if ord(ch) not in cmap] == []
    assert missing(member_menu.glyphs()) == ""
    with pytest.raises(MissingGlyph):
        render((2500, 843), [Tile((0, 0, 2500, 843), "龘龘", "", "#ffffff")])


@pytest.mark.parametrize(("text", "said"), [
    ("我的訂單", "🧾"), ("付款資訊", "💳 你 的付款資訊"), ("我的購物金", "購物金"), ("我的點數", "點"),
    ("填問卷", "問卷"), ("我的資料", "補貨提醒"), ("停止提醒", "不會再傳補貨提醒"), ("恢復提醒", "補貨提醒已恢復"),
])
def test_each_button_does_what_its_label_says_in_the_1on1_chat(
    webhook: Webhook, messenger: FakeMessenger, text: str, said: str
) -> None:
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    say(webhook, "A+3", 1, at(2, 9))  # $540 to pay
    say(webhook, text, member_id(1), at(2, 10), group=False)
    assert said in messenger.reply_texts()[-1]


def test_payment_info_says_what_is_left_to_transfer_and_how_to_report(webhook: Webhook, messenger: FakeMessenger) -> None:
    say(webhook, "付款資訊", member_id(1), at(1, 9), group=False)
    assert "目前沒有要付款的訂單" in messenger.reply_texts()[-1]
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    say(webhook, "A+3 B+1", 1, at(2, 9))
    say(webhook, "付款資訊", member_id(1), at(2, 10), group=False)
    text = messenger.reply_texts()[-1]
    assert "第1團【冬季火鍋團】應付 $740" in text and "合計請匯 $740" in text
    assert "已匯款 後五碼12345 540元" in text
    say(webhook, "付款資訊", 1, at(2, 11))  # in the group: the member is mentioned
    message = messenger.replies[-1][1][-1]
    assert message.text.startswith("💳 {m} 的付款資訊") and message.mentions == {"m": member_id(1)}  # type: ignore[union-attr]
