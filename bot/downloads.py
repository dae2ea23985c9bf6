"""Signed, expiring download links so a host on a phone can open the shipping list from LINE."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from bot.db import UnitOfWork

bp = Blueprint("downloads", __name__)
LINK_TTL_SECONDS = 24 * 3600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _signature(secret: str, campaign_id: int, expires: int) -> str:
    message = f"orders:{campaign_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def orders_link(base_url: str, secret: str, campaign_id: int, *, now: float | None = None) -> str:
    """Return a link to one campaign's XLSX shipping list, valid for a day."""
    expires = int((now if now is not None else time.time()) + LINK_TTL_SECONDS)
    query = urlencode({"campaign": campaign_id, "expires": expires, "sig": _signature(secret, campaign_id, expires)})
    return f"{base_url.rstrip('/')}/exports/orders.xlsx?{query}"


@bp.get("/exports/orders.xlsx")
def orders_xlsx() -> ResponseReturnValue:
    """Serve a campaign's shipping list when the link's signature is valid and not expired."""
    from services.order_export import export_orders

    rt = current_app.extensions["groupbuy"]
    try:
        campaign_id = int(request.args["campaign"])
        expires = int(request.args["expires"])
        sig = request.args["sig"]
    except (KeyError, ValueError):
        return Response("連結不完整，請在 LINE 重新輸入 /匯出 取得新連結。", status=400, mimetype="text/plain")
    if not hmac.compare_digest(sig, _signature(rt.settings.channel_secret, campaign_id, expires)):
        return Response("連結無效，請在 LINE 重新輸入 /匯出 取得新連結。", status=403, mimetype="text/plain")
    if expires < time.time():
        return Response("連結已過期（24 小時），請在 LINE 重新輸入 /匯出 取得新連結。", status=410, mimetype="text/plain")
    with UnitOfWork(rt.engine) as uow:
        data = export_orders(uow, "xlsx", campaign_id=campaign_id)
    return Response(
        data, mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="groupbuy-campaign-{campaign_id}.xlsx"'},
    )
