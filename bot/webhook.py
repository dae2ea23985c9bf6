"""The webhook route: verify the signature, store the events, answer fast; and ``/healthz``."""

from __future__ import annotations

import functools
import json
import logging

from flask import Blueprint, current_app, jsonify
from flask import request as flask_request
from flask.typing import ResponseReturnValue
from linebot.v3.webhook import SignatureValidator

from bot.runtime import Runtime
from infra.db import ping
from infra.group_commit import StoreFailed, StoreTimeout

log = logging.getLogger(__name__)
bp = Blueprint("webhook", __name__)
MAX_BODY = 1_000_000
STORE_TIMEOUT_S = 1.5  # LINE waits 2 s: better a 503 it redelivers than an answer it no longer waits for


@functools.lru_cache(maxsize=4)
def validator(channel_secret: str) -> SignatureValidator:
    """Return the signature validator for a channel secret (made once, not per request)."""
    return SignatureValidator(channel_secret)


def runtime() -> Runtime:
    """Return the app's runtime (settings, engine, messenger, inbox store)."""
    rt: Runtime = current_app.extensions["groupbuy"]
    return rt


@bp.post("/callback")
def callback() -> ResponseReturnValue:
    """Receive LINE's webhook: verify, store each event once, answer 200 (``groupbuy worker`` applies them)."""
    rt = runtime()
    signature = flask_request.headers.get("X-Line-Signature", "")
    body = flask_request.get_data(cache=False, as_text=False)
    if len(body) > MAX_BODY:
        return jsonify(error="body too large"), 413
    text = body.decode("utf-8", errors="replace")
    if not signature or not validator(rt.settings.channel_secret).validate(text, signature):
        log.warning("rejected webhook with a missing or invalid signature")
        return jsonify(error="invalid signature"), 400
    try:
        payload = json.loads(text)
        events = payload["events"]
        if not isinstance(events, list):
            raise TypeError("events is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("malformed webhook body: %s", type(exc).__name__)
        return jsonify(error="malformed body: expected JSON with an events list"), 400
    if not events:
        return "OK"  # LINE's connection check
    try:
        result = rt.inbox.store(events, STORE_TIMEOUT_S)  # shares a transaction with concurrent requests
    except (StoreFailed, StoreTimeout) as exc:
        log.error("could not store webhook events: %s", exc)
        # Not acknowledged: LINE redelivers, nothing is lost.
        return jsonify(error="storage unavailable, please redeliver"), 503
    if result.stored:
        rt.events_stored()
    return "OK"


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Answer 200 when the app and its databases (the main one and the webhook inbox's) are up."""
    rt = runtime()
    if ping(rt.engine) and (rt.inbox.engine is rt.engine or ping(rt.inbox.engine)):
        return jsonify(status="ok")
    return jsonify(status="database unavailable"), 503
