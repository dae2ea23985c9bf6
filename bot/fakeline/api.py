"""HTTP face of the fake LINE platform: LINE's paths, status codes and error bodies."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Flask, Response, g, request

from bot.fakeline import richmenu
from bot.fakeline.platform import FakeLinePlatform
from bot.fakeline.records import INVALID, OTHER, RecordedRequest, Violation

logger = logging.getLogger(__name__)

AUTH_FAILED = "Authentication failed. Confirm that the access token in the authorization header is valid."
RECORDED_HEADERS = ("Content-Type", "X-Line-Retry-Key", "User-Agent")
QUOTABLE = ("text", "textV2", "sticker", "image", "video", "location", "flex", "template", "imagemap")


def error(status: int, message: str, details: list[dict[str, str]] | None = None, **headers: str) -> Response:
    """Return a LINE-style error: `{"message": ..., "details": [...]}`."""
    body: dict[str, Any] = {"message": message}
    if details:
        body["details"] = details
    return json_response(body, status, **headers)


def json_response(body: Any, status: int = 200, **headers: str) -> Response:
    """Return a JSON response with LINE's headers."""
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def create_app(platform: FakeLinePlatform, blueprints: Iterable[Blueprint] = ()) -> Flask:
    """Return the WSGI app serving `platform` (plus e.g. the simulator's blueprint)."""
    app = Flask(__name__)
    app.config["FAKELINE_PLATFORM"] = platform
    app.register_blueprint(_api_blueprint(platform))
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app


def _api_blueprint(platform: FakeLinePlatform) -> Blueprint:
    """Return the blueprint with LINE's bot API endpoints."""
    api = Blueprint("line_api", __name__, url_prefix="/v2/bot")

    @api.before_request
    def authenticate() -> Response | None:
        """Refuse requests without the channel access token."""
        g.request_id = platform.new_request_id()
        expected = f"Bearer {platform.channel_access_token}"
        if request.headers.get("Authorization") != expected:
            return error(401, AUTH_FAILED)
        return None

    @api.after_request
    def record(response: Response) -> Response:
        """Record the request and its answer; add `x-line-request-id`."""
        request_id = getattr(g, "request_id", platform.new_request_id())
        response.headers["x-line-request-id"] = request_id
        answer = response.get_json(silent=True) if response.mimetype == "application/json" else None
        platform.record_request(
            RecordedRequest(
                method=request.method,
                path=request.path,
                headers={h: request.headers[h] for h in RECORDED_HEADERS if h in request.headers},
                body=request.get_json(silent=True),
                status=response.status_code,
                response=answer,
                request_id=request_id,
                at=platform.now(),
                refusal=None if response.status_code < 400 else getattr(g, "refusal", OTHER),
            )
        )
        return response

    @api.post("/message/reply")
    def reply() -> Response:
        """Send a free reply into the chat the reply token came from."""
        body, problem = _validated(platform)
        if problem is not None:
            return problem
        chat_id, g.refusal = platform.redeem_reply_token(body["replyToken"])
        if chat_id is None:
            platform.notice(platform.reply_token_chat(body["replyToken"]), "⚠ 回覆失敗：reply token 已用過或過期（400）")
            return error(400, "Invalid reply token")
        return json_response({"sentMessages": _deliver(platform, [chat_id], body["messages"], "reply")})

    @api.post("/message/push")
    def push() -> Response:
        """Push to a user or group, counting each recipient against the quota."""
        body, problem = _validated(platform)
        if problem is not None:
            return problem
        to = body["to"]
        if to not in platform.groups and to not in platform.users:
            return error(400, "Failed to send messages", [{"message": "invalid recipient", "property": "to"}])
        return _quota_send(platform, [to], body["messages"], "push", lambda sent: {"sentMessages": sent})

    @api.post("/message/multicast")
    def multicast() -> Response:
        """Push to up to 500 users (user ids only)."""
        body, problem = _validated(platform)
        if problem is not None:
            return problem
        bad = [i for i, uid in enumerate(body["to"]) if not str(uid).startswith("U")]
        if bad:
            details = [{"message": "must be a user ID", "property": f"to[{i}]"} for i in bad]
            return _reject(platform, body, details, "The request body has 1 error(s)")
        return _quota_send(platform, list(body["to"]), body["messages"], "multicast", lambda sent: {})

    @api.get("/profile/<user_id>")
    def profile(user_id: str) -> Response:
        """Return a friend's profile; 404 for anyone who is not a friend."""
        user = platform.users.get(user_id)
        if user is None or not user.friend:
            return error(404, "Not found")
        body = {"userId": user.user_id, "displayName": user.display_name, "language": "zh-TW"}
        if user.picture_url:
            body["pictureUrl"] = user.picture_url
        return json_response(body)

    @api.get("/group/<group_id>/member/<user_id>")
    def group_member(group_id: str, user_id: str) -> Response:
        """Return a group member's profile (friend or not)."""
        group = platform.groups.get(group_id)
        user = platform.users.get(user_id)
        if group is None or user is None or user_id not in group.member_ids:
            return error(404, "Not found")
        return json_response({"userId": user.user_id, "displayName": user.display_name})

    @api.get("/group/<group_id>/summary")
    def group_summary(group_id: str) -> Response:
        """Return a group's id and name."""
        group = platform.groups.get(group_id)
        if group is None:
            return error(404, "Not found")
        return json_response({"groupId": group.group_id, "groupName": group.name})

    @api.get("/group/<group_id>/members/count")
    def group_member_count(group_id: str) -> Response:
        """Return how many members a group has."""
        group = platform.groups.get(group_id)
        if group is None:
            return error(404, "Not found")
        return json_response({"count": len(group.member_ids)})

    @api.get("/message/<message_id>/content")
    def content(message_id: str) -> Response:
        """Serve the bytes registered for a file or image message."""
        found = platform.contents.get(message_id)
        if found is None:
            return error(404, "Not found")
        return Response(found.data, status=200, content_type=found.content_type)

    @api.get("/message/quota")
    def quota() -> Response:
        """Return the monthly quota."""
        if platform.quota is None:
            return json_response({"type": "none"})
        return json_response({"type": "limited", "value": platform.quota})

    @api.get("/message/quota/consumption")
    def consumption() -> Response:
        """Return messages counted this month."""
        return json_response({"totalUsage": platform.usage})

    @api.get("/info")
    def bot_info() -> Response:
        """Return the bot's own profile."""
        return json_response(
            {
                "userId": platform.bot_user_id,
                "basicId": "@000fake",
                "displayName": platform.bot_name,
                "chatMode": "bot",
                "markAsReadMode": "auto",
            }
        )

    richmenu.add_routes(api, platform)

    @api.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
    def not_found(rest: str) -> Response:
        """Answer endpoints the fake does not implement."""
        logger.warning("fake LINE platform has no endpoint %s %s", request.method, request.path)
        return error(404, "Not found")

    return api


def _validated(platform: FakeLinePlatform) -> tuple[Any, Response | None]:
    """Return (body, None) if the request body is valid, else (body, 400 response) recording a violation."""
    raw = request.get_data(as_text=True)
    result = platform.validator.validate(request.path, raw)
    body: Any = request.get_json(silent=True)
    if not result.ok:
        source = "sdk" if result.sdk else ("limits" if result.limits else "openapi")
        return body, _reject(platform, body, result.details, source=source)
    problems = [
        {"message": "Invalid quote token", "property": f"messages[{i}].quoteToken"}
        for i, m in enumerate(body["messages"])
        if m.get("quoteToken") and platform.quoted_message(m["quoteToken"]) is None
    ]
    if problems:
        return body, _reject(platform, body, problems, source="platform")
    return body, None


def _reject(
    platform: FakeLinePlatform, body: Any, details: list[dict[str, str]], message: str = "", source: str = "platform"
) -> Response:
    """Record a violation, show it in the chat it was meant for, and return LINE's 400."""
    g.refusal = INVALID
    platform.record_violation(Violation(request.path, body, tuple(details), source))
    if isinstance(body, dict):
        token = body.get("replyToken")
        chat_id = platform.reply_token_chat(token) if isinstance(token, str) else body.get("to")
        first = details[0] if details else {}
        text = f"⚠ LINE 拒絕了機器人的訊息（400）：{first.get('property', '')} {first.get('message', '')}"
        platform.notice(chat_id if isinstance(chat_id, str) else None, text[:300])
    return error(400, message or f"The request body has {len(details)} error(s)", details)


def _quota_send(
    platform: FakeLinePlatform, chat_ids: list[str], messages: list[dict[str, Any]], via: str, shape: Any
) -> Response:
    """Deliver a push or multicast honouring `X-Line-Retry-Key` and the monthly quota."""
    retry_key = request.headers.get("X-Line-Retry-Key")
    if retry_key is not None:
        try:
            uuid.UUID(retry_key)
        except ValueError:
            return error(400, "The retry key is invalid. It must be a UUID.")
        seen = platform.accepted_retry(retry_key)
        if seen is not None:
            accepted_id, answer = seen
            body = {"message": "The retry key is already accepted", **(answer or {})}
            return json_response(body, 409, x_line_accepted_request_id=accepted_id)
    with platform.lock:
        if not platform.charge(_cost(platform, chat_ids)):
            for chat_id in chat_ids:
                platform.notice(chat_id, "⚠ 推播失敗：本月訊息額度已用完（429）")
            return error(429, "You have reached your monthly limit.")
        delivered = [c for c in chat_ids if platform.recipients(c)]
        answer = shape(_deliver(platform, delivered, messages, via))
        if retry_key is not None:
            platform.remember_retry(retry_key, g.request_id, answer)
    return json_response(answer)


def _cost(platform: FakeLinePlatform, chat_ids: list[str]) -> int:
    """Return how many messages a send costs: one per recipient (a group counts all its members)."""
    return sum(len(platform.recipients(chat)) for chat in chat_ids)


def _deliver(platform: FakeLinePlatform, chat_ids: list[str], messages: list[dict[str, Any]], via: str) -> list[dict[str, str]]:
    """Put `messages` into each chat's timeline; return `sentMessages`."""
    sent: list[dict[str, str]] = []
    for message in messages:
        item = {"id": platform.new_message_id()}
        if message.get("type") in QUOTABLE:
            item["quoteToken"] = platform.issue_quote_token(item["id"])
        sent.append(item)
    for chat_index, chat_id in enumerate(chat_ids):
        for item, message in zip(sent, messages, strict=True):
            platform.post_to_chat(chat_id, None, message, via=via, message_id=item["id"] if chat_index == 0 else None)
    return sent
