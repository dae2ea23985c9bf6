"""The route behind the signed download links (services.download_links) hosts open from LINE."""

from __future__ import annotations

import hmac
import time

from flask import Blueprint, Response, current_app, request
from flask.typing import ResponseReturnValue

from infra.db import UnitOfWork
from services.download_links import shipping_signature, signature

bp = Blueprint("downloads", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    if not hmac.compare_digest(sig, signature(rt.settings.channel_secret, campaign_id, expires)):
        return Response("連結無效，請在 LINE 重新輸入 /匯出 取得新連結。", status=403, mimetype="text/plain")
    if expires < time.time():
        return Response("連結已過期（24 小時），請在 LINE 重新輸入 /匯出 取得新連結。", status=410, mimetype="text/plain")
    with UnitOfWork(rt.engine, read_only=True) as uow:
        data = export_orders(uow, "xlsx", campaign_id=campaign_id)
    return Response(
        data, mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="groupbuy-campaign-{campaign_id}.xlsx"'},
    )


@bp.get("/exports/shipping.xlsx")
def shipping_xlsx() -> ResponseReturnValue:
    """Serve a group's shipping list across campaigns when the link's signature is valid and not expired."""
    from services.shipping import export_shipping

    rt = current_app.extensions["groupbuy"]
    try:
        group_id = int(request.args["group"])
        expires = int(request.args["expires"])
        sig = request.args["sig"]
    except (KeyError, ValueError):
        return Response("連結不完整，請在 LINE 重新輸入 /出貨單 取得新連結。", status=400, mimetype="text/plain")
    if not hmac.compare_digest(sig, shipping_signature(rt.settings.channel_secret, group_id, expires)):
        return Response("連結無效，請在 LINE 重新輸入 /出貨單 取得新連結。", status=403, mimetype="text/plain")
    if expires < time.time():
        return Response("連結已過期（24 小時），請在 LINE 重新輸入 /出貨單 取得新連結。", status=410, mimetype="text/plain")
    with UnitOfWork(rt.engine, read_only=True) as uow:
        data = export_shipping(uow, "xlsx", group_id=group_id)
    return Response(
        data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="groupbuy-shipping-{group_id}.xlsx"'},
    )
