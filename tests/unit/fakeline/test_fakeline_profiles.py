"""Profiles, group summaries and message content as the SDK sees them."""

from __future__ import annotations

import pytest
from fakeline_people import GROUP, MEI, STRANGER
from linebot.v3.messaging import MessagingApi, MessagingApiBlob
from linebot.v3.messaging.exceptions import ApiException

from bot.fakeline import FakeLinePlatform


def test_profile_of_a_friend(messaging: MessagingApi) -> None:
    profile = messaging.get_profile(MEI)
    assert (profile.user_id, profile.display_name) == (MEI, "小美")


def test_profile_of_a_non_friend_is_404(messaging: MessagingApi) -> None:
    with pytest.raises(ApiException) as caught:
        messaging.get_profile(STRANGER)
    assert caught.value.status == 404


def test_group_member_profile_works_for_non_friends(messaging: MessagingApi) -> None:
    assert messaging.get_group_member_profile(GROUP, STRANGER).display_name == "陳先生"


def test_group_member_profile_of_an_outsider_is_404(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    platform.remove_member(GROUP, STRANGER)
    with pytest.raises(ApiException) as caught:
        messaging.get_group_member_profile(GROUP, STRANGER)
    assert caught.value.status == 404


def test_group_summary_and_member_count(messaging: MessagingApi) -> None:
    assert messaging.get_group_summary(GROUP).group_name == "大樓冷凍團"
    assert messaging.get_group_member_count(GROUP).count == 4


def test_message_content_bytes(platform: FakeLinePlatform, blob: MessagingApiBlob) -> None:
    statement = "交易日期,摘要,存入\n115/11/28,跨行轉入(812)****12345,540\n".encode("big5")
    event = platform.events.file("對帳單.csv", len(statement), user_id=MEI)
    platform.add_content(event["message"]["id"], statement, "text/csv")

    response = blob.get_message_content_with_http_info(event["message"]["id"])

    assert response.raw_data == statement
    assert response.headers["Content-Type"] == "text/csv"


def test_missing_message_content_is_404(blob: MessagingApiBlob) -> None:
    with pytest.raises(ApiException) as caught:
        blob.get_message_content("123")
    assert caught.value.status == 404


def test_every_request_is_recorded(platform: FakeLinePlatform, messaging: MessagingApi) -> None:
    messaging.get_profile(MEI)
    (recorded,) = platform.requests
    assert (recorded.method, recorded.path, recorded.status) == ("GET", f"/v2/bot/profile/{MEI}", 200)
    assert recorded.response["displayName"] == "小美"
