"""The fake LINE platform's rich menus: create (validated), upload the image (data API), default, list, delete.

LINE's rules enforced here, beyond the OpenAPI schema: size 800–2500 × 250–1686 with width/height ≥ 1.45; 1–20
areas inside the menu; chatBarText 1–14 characters; every field of the rich menu object given; the image a PNG
or JPEG of exactly the menu's size and under 1 MB, uploaded once; a menu needs its image before it can be the
default.
"""

from __future__ import annotations

import io
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, request

from bot.fakeline.records import INVALID

MAX_IMAGE_BYTES = 1024 * 1024
REQUIRED = ("size", "selected", "name", "chatBarText", "areas")
IMAGE_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG"}


@dataclass
class RichMenuStore:
    """The channel's rich menus, their images and the default one."""

    menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id -> (content type, bytes)
    default: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def add(self, menu: dict[str, Any]) -> str:
        """Store a menu; return its new id."""
        with self.lock:
            rich_menu_id = f"richmenu-{next(self._ids):032x}"
            self.menus[rich_menu_id] = {"richMenuId": rich_menu_id, **menu}
            return rich_menu_id


def menu_errors(body: Any) -> list[dict[str, str]]:
    """Return LINE's complaints about a rich menu object that the schema lets through."""
    if not isinstance(body, dict):
        return [{"message": "The request body must be a rich menu object", "property": ""}]
    errors = [{"message": "Must be specified", "property": key} for key in REQUIRED if key not in body]
    size = body.get("size") or {}
    width, height = size.get("width", 0), size.get("height", 0)
    if not (isinstance(width, int) and isinstance(height, int) and 800 <= width <= 2500 and 250 <= height <= 1686
            and width / height >= 1.45):
        errors.append({"message": "size must be 800-2500 wide, 250-1686 high, width/height 1.45 or more",
                       "property": "size"})
    bar = body.get("chatBarText")
    if isinstance(bar, str) and not 0 < len(bar) <= 14:
        errors.append({"message": "Length must be between 1 and 14", "property": "chatBarText"})
    areas = body.get("areas") or []
    if not 1 <= len(areas) <= 20:
        errors.append({"message": "Size must be between 1 and 20", "property": "areas"})
    for i, area in enumerate(areas):
        b = (area or {}).get("bounds") or {}
        x, y, w, h = (b.get(k, -1) for k in ("x", "y", "width", "height"))
        if min(x, y) < 0 or min(w, h) < 1 or x + w > width or y + h > height:
            errors.append({"message": "The area is out of the rich menu", "property": f"areas[{i}].bounds"})
        action = (area or {}).get("action") or {}
        if action.get("type") == "message" and not 0 < len(action.get("text") or "") <= 300:
            errors.append({"message": "Length must be between 1 and 300", "property": f"areas[{i}].action.text"})
        if len(action.get("label") or "") > 20:
            errors.append({"message": "Length must be between 0 and 20", "property": f"areas[{i}].action.label"})
    return errors


def image_size(data: bytes, content_type: str) -> tuple[int, int] | None:
    """Return the image's (width, height) when it is a readable image of the declared type, else None."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size if image.format == IMAGE_TYPES.get(content_type) else None
    except (UnidentifiedImageError, OSError):
        return None


def add_routes(api: Blueprint, platform: Any) -> None:
    """Add the rich menu endpoints to the fake's ``/v2/bot`` blueprint (its auth and recording apply)."""
    from bot.fakeline.api import _reject, error, json_response

    store: RichMenuStore = platform.rich_menus

    @api.post("/richmenu")
    def create_rich_menu() -> Response:
        """Create a rich menu after checking it like LINE does."""
        result = platform.validator.validate(request.path, request.get_data(as_text=True))
        body = request.get_json(silent=True)
        details = [*result.details, *menu_errors(body)]
        if details:
            return _reject(platform, body, details, "The request body has errors", source="openapi")
        assert isinstance(body, dict)
        return json_response({"richMenuId": store.add(body)})

    @api.post("/richmenu/<rich_menu_id>/content")
    def upload_rich_menu_image(rich_menu_id: str) -> Response:
        """Attach an image (the data API's endpoint; the fake serves both bases)."""
        menu = store.menus.get(rich_menu_id)
        if menu is None:
            return error(404, "Not found")
        content_type = (request.content_type or "").split(";")[0].strip()
        data = request.get_data()
        g.refusal = INVALID
        if content_type not in IMAGE_TYPES:
            return error(415, "Unsupported Media Type: use image/png or image/jpeg")
        if len(data) >= MAX_IMAGE_BYTES:
            return error(400, "The image must be smaller than 1 MB")
        size = image_size(data, content_type)
        expected = (menu["size"]["width"], menu["size"]["height"])
        if size != expected:
            return error(400, f"The image size {size} must match the rich menu size {expected}")
        with store.lock:
            if rich_menu_id in store.images:
                return error(400, "An image has already been uploaded to the richmenu")
            store.images[rich_menu_id] = (content_type, data)
        return json_response({})

    @api.get("/richmenu/<rich_menu_id>/content")
    def download_rich_menu_image(rich_menu_id: str) -> Response:
        """Return a rich menu's image."""
        found = store.images.get(rich_menu_id)
        if found is None:
            return error(404, "Not found")
        return Response(found[1], status=200, content_type=found[0])

    @api.get("/richmenu/list")
    def list_rich_menus() -> Response:
        """Return every rich menu."""
        return json_response({"richmenus": list(store.menus.values())})

    @api.get("/richmenu/<rich_menu_id>")
    def get_rich_menu(rich_menu_id: str) -> Response:
        """Return one rich menu."""
        menu = store.menus.get(rich_menu_id)
        return json_response(menu) if menu is not None else error(404, "Not found")

    @api.delete("/richmenu/<rich_menu_id>")
    def delete_rich_menu(rich_menu_id: str) -> Response:
        """Delete a rich menu (and stop it being the default)."""
        with store.lock:
            if store.menus.pop(rich_menu_id, None) is None:
                return error(404, "Not found")
            store.images.pop(rich_menu_id, None)
            if store.default == rich_menu_id:
                store.default = None
        return json_response({})

    @api.post("/user/all/richmenu/<rich_menu_id>")
    def set_default_rich_menu(rich_menu_id: str) -> Response:
        """Make a rich menu the default; it needs its image first."""
        if rich_menu_id not in store.menus:
            return error(404, "Not found")
        if rich_menu_id not in store.images:
            return error(400, "must upload richmenu image before applying it to user")
        store.default = rich_menu_id
        return json_response({})

    @api.get("/user/all/richmenu")
    def get_default_rich_menu() -> Response:
        """Return the default rich menu's id."""
        if store.default is None:
            return error(404, "no default richmenu")
        return json_response({"richMenuId": store.default})

    @api.delete("/user/all/richmenu")
    def cancel_default_rich_menu() -> Response:
        """Stop showing a default rich menu."""
        store.default = None
        return json_response({})
