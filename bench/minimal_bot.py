"""The benchmark's second ceiling: a minimal inline bot that stores each event once and replies at once.

    gunicorn -c python:bot.gunicorn_conf 'bench.minimal_bot:create_app()'

Reads LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN, LINE_API_BASE_URL and MINIMAL_BOT_DATABASE (a SQLite file).
For each newly stored text message event it replies "收到 <text>" before answering 200: what any bot must do at
least, against which ``bench/webhook_burst.py`` measures groupbuy's time to its last accepted reply.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from typing import Any

from flask import Flask, request
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.messaging.exceptions import ApiException
from linebot.v3.webhook import SignatureValidator

SCHEMA = "CREATE TABLE IF NOT EXISTS events (webhook_event_id TEXT PRIMARY KEY, body TEXT NOT NULL)"
INSERT = "INSERT INTO events (webhook_event_id, body) VALUES (?, ?) ON CONFLICT DO NOTHING"


def create_app() -> Flask:
    """Return the minimal bot's WSGI app."""
    app = Flask(__name__)
    validator = SignatureValidator(os.environ["LINE_CHANNEL_SECRET"])
    database = os.environ["MINIMAL_BOT_DATABASE"]
    with sqlite3.connect(database) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(SCHEMA)
    config = Configuration(host=os.environ["LINE_API_BASE_URL"], access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"])
    line = MessagingApi(ApiClient(config))  # one kept-alive connection pool per process

    @app.post("/callback")
    def callback() -> tuple[str, int]:
        body = request.get_data(as_text=True)
        if not validator.validate(body, request.headers.get("X-Line-Signature", "")):
            return "bad signature", 400
        for event in json.loads(body)["events"]:
            if store(database, event) and event.get("message", {}).get("type") == "text":
                reply = TextMessage(text=f"收到 {event['message']['text']}"[:5000])
                with contextlib.suppress(ApiException):  # refused (an expired token): the fake LINE records why
                    line.reply_message(ReplyMessageRequest(reply_token=event["replyToken"], messages=[reply]))
        return "OK", 200

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app


def store(database: str, event: dict[str, Any]) -> bool:
    """Store an event once; return True when it was new."""
    conn = sqlite3.connect(database, timeout=30, isolation_level=None)
    try:
        return conn.execute(INSERT, (event["webhookEventId"], json.dumps(event))).rowcount == 1
    finally:
        conn.close()
