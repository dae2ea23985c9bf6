"""The simulator's JSON API turns page actions into bubbles and signed webhook events."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from linebot.v3.webhook import WebhookParser
from werkzeug.wrappers import Request, Response

from bot.fakeline import FakeLineServer
from bot.fakeline.server import serving
from bot.simulator import build_simulator_server, demo_cast

SECRET = "sim-secret"
CAST = demo_cast("Uhost0000000000000000000000000042")
HOST = CAST.host.user_id
MEI = CAST.people[1].user_id
WANG = CAST.people[3].user_id


class _Bot:
    """Remember the events of every webhook; answer 200 (or `status`)."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.raw: list[dict[str, Any]] = []
        self.status = 200

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data(as_text=True)
        self.events.extend(WebhookParser(SECRET).parse(body, request.headers["X-Line-Signature"]))
        self.raw.extend(json.loads(body)["events"])
        return Response("OK", status=self.status)(environ, start_response)


@pytest.fixture
def bot() -> Iterator[tuple[str, _Bot]]:
    """Serve a recording bot."""
    recorder = _Bot()
    with serving(recorder) as url:
        yield f"{url}/callback", recorder


@pytest.fixture
def sim(bot: tuple[str, _Bot]) -> FakeLineServer:
    """Build (not start) the simulator server for the recording bot."""
    return build_simulator_server(bot_webhook_url=bot[0], channel_secret=SECRET, channel_access_token="sim-token", cast=CAST)


@pytest.fixture
def client(sim: FakeLineServer) -> FlaskClient:
    """Return a test client for the simulator's routes."""
    return sim.app.test_client()


def _timeline(client: FlaskClient) -> list[dict[str, Any]]:
    return client.get("/simulator/api/timeline").get_json()["entries"]


def test_page_and_state_are_served(client: FlaskClient) -> None:
    assert "LINE 模擬器" in client.get("/").get_data(as_text=True)
    with client.get("/simulator/static/app.js") as script:
        assert script.status_code == 200
    state = client.get("/simulator/api/state").get_json()
    assert state["group"]["id"] == CAST.group_id
    assert [p["name"] for p in state["people"]][:2] == ["林姐（團主）", "小美"]
    assert state["people"][0]["id"] == HOST


def test_say_in_group_sends_a_message_event_with_mentions(client: FlaskClient, bot: tuple[str, _Bot]) -> None:
    answer = client.post("/simulator/api/say", json={"as": MEI, "chat": CAST.group_id, "text": "@團購小幫手 A+2"})

    assert answer.get_json()["ok"] is True
    (event,) = bot[1].events
    assert (event.source.group_id, event.source.user_id, event.message.text) == (CAST.group_id, MEI, "@團購小幫手 A+2")
    assert event.message.mention.mentionees[0].is_self is True
    (bubble,) = _timeline(client)
    assert (bubble["senderId"], bubble["senderName"], bubble["messageId"]) == (MEI, "小美", event.message.id)


def test_edit_and_unsend_follow_the_bubble(client: FlaskClient, bot: tuple[str, _Bot]) -> None:
    client.post("/simulator/api/say", json={"as": WANG, "chat": CAST.group_id, "text": "C+1"})
    message_id = _timeline(client)[0]["messageId"]

    client.post("/simulator/api/edit", json={"messageId": message_id, "text": "C+3"})
    client.post("/simulator/api/unsend", json={"messageId": message_id})

    kinds = [e["type"] for e in bot[1].raw]
    assert kinds == ["message", "messageEdited", "unsend"]
    assert bot[1].raw[1]["message"] | {"quoteToken": ""} == {"id": message_id, "type": "text", "text": "C+3", "quoteToken": ""}
    assert bot[1].raw[2]["unsend"] == {"messageId": message_id}
    (bubble,) = _timeline(client)
    assert (bubble["edited"], bubble["unsent"], bubble["message"]["text"]) == (True, True, "C+3")


def test_edit_in_one_to_one_chat_is_refused(client: FlaskClient, bot: tuple[str, _Bot]) -> None:
    client.post("/simulator/api/say", json={"as": MEI, "chat": MEI, "text": "我的訂單"})
    message_id = _timeline(client)[0]["messageId"]
    assert client.post("/simulator/api/edit", json={"messageId": message_id, "text": "x"}).get_json()["ok"] is False
    assert [e["type"] for e in bot[1].raw] == ["message"]
    assert bot[1].raw[0]["source"] == {"type": "user", "userId": MEI}


def test_follow_unfollow_and_join(sim: FakeLineServer, client: FlaskClient, bot: tuple[str, _Bot]) -> None:
    client.post("/simulator/api/friend", json={"as": WANG, "friend": True})
    assert sim.platform.users[WANG].friend
    client.post("/simulator/api/friend", json={"as": WANG, "friend": False})
    client.post("/simulator/api/invite", json={})
    assert [e["type"] for e in bot[1].raw] == ["follow", "unfollow", "join"]
    assert not sim.platform.users[WANG].friend


def test_upload_serves_the_bytes_from_the_content_endpoint(
    sim: FakeLineServer, client: FlaskClient, bot: tuple[str, _Bot]
) -> None:
    statement = "日期,存入,備註\n2026/11/28,540,(812)****12345\n".encode("big5")
    form = {"as": HOST, "chat": HOST, "file": (io.BytesIO(statement), "對帳單.csv", "text/csv")}

    client.post("/simulator/api/upload", data=form, content_type="multipart/form-data")

    (event,) = bot[1].raw
    assert event["message"]["fileName"] == "對帳單.csv" and event["message"]["fileSize"] == len(statement)
    content = client.get(f"/v2/bot/message/{event['message']['id']}/content", headers={"Authorization": "Bearer sim-token"})
    assert content.data == statement and content.mimetype == "text/csv"


def test_postback_shows_display_text_and_sends_postback(client: FlaskClient, bot: tuple[str, _Bot]) -> None:
    client.post("/simulator/api/postback", json={"as": MEI, "chat": CAST.group_id, "data": "confirm=1", "displayText": "確認"})
    assert bot[1].raw[0]["postback"] == {"data": "confirm=1"}
    assert _timeline(client)[0]["message"]["text"] == "確認"


def test_bot_failure_is_reported_to_the_page(client: FlaskClient, bot: tuple[str, _Bot]) -> None:
    bot[1].status = 500
    answer = client.post("/simulator/api/say", json={"as": MEI, "chat": CAST.group_id, "text": "+1"}).get_json()
    assert answer == {"ok": False, "status": 500, "error": "機器人回應 HTTP 500"}


def test_unreachable_bot_is_reported(client: FlaskClient, sim: FakeLineServer) -> None:
    sim.app.config["SIMULATOR"].sender.bot_url = "http://127.0.0.1:9/callback"
    answer = client.post("/simulator/api/say", json={"as": MEI, "chat": CAST.group_id, "text": "+1"}).get_json()
    assert answer["ok"] is False and "連不上機器人" in answer["error"]


def test_cannot_write_in_someone_elses_one_to_one_chat(client: FlaskClient, bot: tuple[str, _Bot]) -> None:
    answer = client.post("/simulator/api/say", json={"as": MEI, "chat": WANG, "text": "hi"})
    assert answer.status_code == 400
    assert bot[1].raw == []


def test_redeliver_sends_the_same_event_again(client: FlaskClient, bot: tuple[str, _Bot]) -> None:
    client.post("/simulator/api/say", json={"as": MEI, "chat": CAST.group_id, "text": "A+1"})
    message_id = _timeline(client)[0]["messageId"]

    assert client.post("/simulator/api/redeliver", json={"messageId": message_id}).get_json()["ok"] is True

    first, again = bot[1].raw
    assert again["deliveryContext"] == {"isRedelivery": True}
    assert {**again, "deliveryContext": first["deliveryContext"]} == first
    assert len(_timeline(client)) == 1
