"""Validate bodies the bot sends: line-bot-sdk request models, LINE limits, then the OpenAPI spec."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from linebot.v3.messaging import MulticastRequest, PushMessageRequest, ReplyMessageRequest, RichMenuRequest

from bot.fakeline.openapi import OpenApiValidator, default_validator

logger = logging.getLogger(__name__)

SDK_MODELS: dict[str, Any] = {
    "/v2/bot/message/reply": ReplyMessageRequest,
    "/v2/bot/message/push": PushMessageRequest,
    "/v2/bot/message/multicast": MulticastRequest,
    "/v2/bot/richmenu": RichMenuRequest,
}
MAX_TEXT_UTF16 = 5000
MAX_ALT_TEXT = 1500
MAX_QUICK_REPLY_LABEL = 20
MAX_ACTION_TEXT = 300


@dataclass(frozen=True)
class ValidationResult:
    """What is wrong with one request body, per validator (all empty when valid)."""

    sdk: tuple[dict[str, str], ...] = ()
    limits: tuple[dict[str, str], ...] = ()
    openapi: tuple[dict[str, str], ...] = ()

    @property
    def details(self) -> list[dict[str, str]]:
        """Return every detail, LINE-style (`message`, `property`)."""
        return [*self.sdk, *self.limits, *self.openapi]

    @property
    def ok(self) -> bool:
        """Return True when no validator complained."""
        return not self.details


def utf16_len(text: str) -> int:
    """Return the length of `text` in UTF-16 code units, as LINE counts it."""
    return len(text.encode("utf-16-le")) // 2


def sdk_errors(path: str, raw: str) -> list[dict[str, str]]:
    """Return errors from parsing `raw` with the SDK's generated request model for `path`."""
    model = SDK_MODELS.get(path)
    if model is None:
        return []
    try:
        model.from_json(raw)
    except Exception as exc:  # pydantic ValidationError, ValueError from discriminator lookup, ...
        return [{"message": " ".join(str(exc).split())[:300], "property": "(sdk model)"}]
    return []


def limit_errors(body: Any) -> list[dict[str, str]]:
    """Return violations of documented LINE limits the SDK models do not enforce."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return []
    errors: list[dict[str, str]] = []
    for i, message in enumerate(body["messages"]):
        if isinstance(message, dict):
            errors.extend(_message_limit_errors(message, f"messages[{i}]"))
    return errors


def _length(low: int, high: int, prop: str) -> dict[str, str]:
    """Return a LINE-style length error detail."""
    return {"message": f"Length must be between {low} and {high}", "property": prop}


def _message_limit_errors(message: dict[str, Any], where: str) -> list[dict[str, str]]:
    """Check one message object."""
    errors = []
    text = message.get("text")
    if message.get("type") in ("text", "textV2") and isinstance(text, str):
        if not text:
            errors.append({"message": "May not be empty", "property": f"{where}.text"})
        elif utf16_len(text) > MAX_TEXT_UTF16:
            errors.append(_length(0, MAX_TEXT_UTF16, f"{where}.text"))
    alt = message.get("altText")
    if isinstance(alt, str) and not 0 < len(alt) <= MAX_ALT_TEXT:
        errors.append(_length(1, MAX_ALT_TEXT, f"{where}.altText"))
    for key in ("originalContentUrl", "previewImageUrl"):
        url = message.get(key)
        if isinstance(url, str) and not (url.startswith("https://") and len(url) <= 2000):
            errors.append({"message": "Must be an HTTPS URL of at most 2000 characters", "property": f"{where}.{key}"})
    if message.get("type") == "template" and isinstance(message.get("template"), dict):
        errors.extend(_template_errors(message["template"], f"{where}.template"))
    items = (message.get("quickReply") or {}).get("items") or []
    for j, item in enumerate(items):
        errors.extend(_quick_reply_item_errors(item, f"{where}.quickReply.items[{j}]"))
    return errors


TEMPLATE_ACTIONS = {"buttons": (1, 4), "confirm": (2, 2)}


def _template_errors(template: dict[str, Any], where: str) -> list[dict[str, str]]:
    """Check action and column counts of buttons, confirm and carousel templates."""
    kind = template.get("type")
    if kind in TEMPLATE_ACTIONS:
        low, high = TEMPLATE_ACTIONS[kind]
        if not low <= len(template.get("actions") or []) <= high:
            return [{"message": f"Size must be between {low} and {high}", "property": f"{where}.actions"}]
    if kind == "carousel" and not 1 <= len(template.get("columns") or []) <= 10:
        return [{"message": "Size must be between 1 and 10", "property": f"{where}.columns"}]
    return []


def _quick_reply_item_errors(item: Any, where: str) -> list[dict[str, str]]:
    """Check one quick reply button: it needs an action with a label of 1-20 characters."""
    action = item.get("action") if isinstance(item, dict) else None
    if not isinstance(action, dict):
        return [{"message": "Must be specified", "property": f"{where}.action"}]
    errors = []
    label = action.get("label")
    label_needed = action.get("type") not in ("camera", "cameraRoll", "location") or label is not None
    if label_needed and (not isinstance(label, str) or not 0 < len(label) <= MAX_QUICK_REPLY_LABEL):
        errors.append(_length(1, MAX_QUICK_REPLY_LABEL, f"{where}.action.label"))
    if action.get("type") == "message":
        text = action.get("text")
        if not isinstance(text, str) or not 0 < len(text) <= MAX_ACTION_TEXT:
            errors.append(_length(1, MAX_ACTION_TEXT, f"{where}.action.text"))
    return errors


def openapi_errors(path: str, body: Any, validator: OpenApiValidator | None) -> list[dict[str, str]]:
    """Return errors from the official spec's request schema for `path` (none without a spec)."""
    if validator is None:
        return []
    ref = validator.request_schema_ref(path)
    return validator.errors(ref, body) if ref else []


class RequestValidator:
    """Validate request bodies by path with every available check."""

    def __init__(self, openapi: OpenApiValidator | None = None, *, use_default_spec: bool = True) -> None:
        """Use `openapi`, else the spec at the default location when `use_default_spec`."""
        self.openapi = openapi if openapi is not None else (default_validator() if use_default_spec else None)

    def validate(self, path: str, raw: str) -> ValidationResult:
        """Validate the raw JSON text `raw` sent to `path`."""
        try:
            body = json.loads(raw)
        except ValueError:
            return ValidationResult(sdk=({"message": "The request body is not valid JSON", "property": ""},))
        return ValidationResult(
            sdk=tuple(sdk_errors(path, raw)),
            limits=tuple(limit_errors(body)),
            openapi=tuple(openapi_errors(path, body, self.openapi)),
        )
