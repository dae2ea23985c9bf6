"""Signing in to the console the LINE way: /後台 in a 1:1 chat, a one-time link, a session; and every refusal."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlmodel import select

from infra.config import Settings
from infra.db import UnitOfWork
from models import ConsoleToken, Host
from models.base import utcnow
from tests.conftest import Webhook
from tests.factories.webhook import HOST_ID, body, member_id, text_event
from tests.fakes import FakeMessenger
from tests.integration.test_orders import last_reply

PUBLIC = "https://console.example.tw"
LINK = re.compile(re.escape(PUBLIC) + r"/console/login\?t=[A-Za-z0-9_\-%]+")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, public_url=PUBLIC)


def ask_link(webhook: Webhook, messenger: FakeMessenger, user: str = HOST_ID, *, group: bool = False) -> str:
    event = text_event("/後台", user_id=user, **({} if group else {"group_id": None}))
    assert webhook.post(body(event)).status_code == 200
    return last_reply(messenger).text


def link_of(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(0).removeprefix(PUBLIC)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(client: FlaskClient, path: str) -> tuple[int, str]:
    """Open the link, press the button; return the final status and page."""
    page = client.get(path)
    if page.status_code != 200:
        return page.status_code, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    token = re.search(r'name="t" value="([^"]+)"', html)
    assert token
    done = client.post("/console/login", data={"csrf_token": csrf_of(html), "t": token.group(1)}, follow_redirects=True)
    return done.status_code, done.get_data(as_text=True)


def test_a_host_gets_a_link_in_a_one_to_one_chat_and_signs_in_once(
    webhook: Webhook, messenger: FakeMessenger, client: FlaskClient, app,  # type: ignore[no-untyped-def]
) -> None:
    text = ask_link(webhook, messenger)
    assert "10 分鐘" in text and "只能用一次" in text
    path = link_of(text)
    assert client.get(path).status_code == 200  # opening the link (or LINE's preview fetching it) uses nothing
    assert client.get(path).status_code == 200
    status, page = sign_in(client, path)
    assert status == 200 and "收單中的團" in page and "應收" in page
    cookie = client.get_cookie("groupbuy_console")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax" and cookie.secure
    assert cookie.expires is not None and cookie.expires - utcnow() > timedelta(days=6)
    other = app.test_client()
    status, page = sign_in(other, path)  # the same link a second time
    assert status == 403 and "已經用過" in page and "/後台" in page


def test_in_a_group_the_link_is_never_posted(webhook: Webhook, messenger: FakeMessenger) -> None:
    text = ask_link(webhook, messenger, group=True)
    assert "私訊" in text and "http" not in text


def test_a_member_is_told_hosts_only_and_gets_no_link(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    text = ask_link(webhook, messenger, member_id(3))
    assert "http" not in text and "團主" in text
    assert uow.session.exec(select(ConsoleToken)).all() == []


def test_an_expired_or_tampered_link_is_refused_with_how_to_get_a_new_one(
    webhook: Webhook, messenger: FakeMessenger, client: FlaskClient, uow: UnitOfWork,
) -> None:
    path = link_of(ask_link(webhook, messenger))
    status, page = sign_in(client, path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert status == 403 and "無效" in page and "/後台" in page
    row = uow.session.exec(select(ConsoleToken)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    uow.session.add(row)
    uow.commit()
    status, page = sign_in(client, path)
    assert status == 403 and "過期" in page
    assert client.get("/console/").status_code == 403  # and no session came of it


def test_a_removed_host_loses_the_link_and_the_session(
    webhook: Webhook, messenger: FakeMessenger, client: FlaskClient, uow: UnitOfWork,
) -> None:
    helper = member_id(7)
    uow.session.add(Host(line_user_id=helper, added_by=HOST_ID))
    uow.commit()
    status, _page = sign_in(client, link_of(ask_link(webhook, messenger, helper)))
    assert status == 200
    unused = link_of(ask_link(webhook, messenger, helper))
    uow.session.delete(uow.session.exec(select(Host).where(Host.line_user_id == helper)).one())
    uow.commit()
    page = client.get("/console/")
    assert page.status_code == 403 and "不是團主" in page.get_data(as_text=True)
    assert sign_in(client, unused)[0] == 403


@pytest.mark.parametrize("path", ["/console/", "/console/static/console.css"])
def test_no_page_without_a_session_but_the_stylesheet(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    status, text = response.status_code, response.get_data(as_text=True)
    response.close()
    assert status == (200 if path.endswith(".css") else 403)
    assert ("/後台" in text) if status == 403 else ("--accent" in text)


def test_a_form_post_without_its_csrf_token_is_refused(
    webhook: Webhook, messenger: FakeMessenger, client: FlaskClient,
) -> None:
    path = link_of(ask_link(webhook, messenger))
    client.get(path)
    token = path.split("t=", 1)[1]
    refused = client.post("/console/login", data={"t": token})
    assert refused.status_code == 400 and "安全碼" in refused.get_data(as_text=True)
    assert sign_in(client, path)[0] == 200  # the refusal used nothing
    assert client.post("/console/logout").status_code == 400  # signed in, but still no token: refused
    assert client.get("/console/").status_code == 200


def test_pages_carry_the_security_headers(webhook: Webhook, messenger: FakeMessenger, client: FlaskClient) -> None:
    sign_in(client, link_of(ask_link(webhook, messenger)))
    response = client.get("/console/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["Cache-Control"] == "no-store" and response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = response.get_data(as_text=True)
    assert "<script>" not in html and " style=" not in html  # nothing inline for the CSP to refuse
    logout = client.post("/console/logout", data={"csrf_token": csrf_of(html)})
    assert logout.status_code == 200 and "已登出" in logout.get_data(as_text=True)
    assert client.get("/console/").status_code == 403
