"""The route behind the signed download links (services.download_links) hosts open from LINE."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

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

    return _signed_xlsx("campaign", signature, "/匯出", "groupbuy-campaign",
                        lambda uow, key: export_orders(uow, "xlsx", campaign_id=key))


@bp.get("/exports/shipping.xlsx")
def shipping_xlsx() -> ResponseReturnValue:
    """Serve a group's shipping list across campaigns when the link's signature is valid and not expired."""
    from services.shipping import export_shipping

    return _signed_xlsx("group", shipping_signature, "/出貨單", "groupbuy-shipping",
                        lambda uow, key: export_shipping(uow, "xlsx", group_id=key))


def _signed_xlsx(param: str, sign: Callable[[str, int, int], str], command: str, filename: str,
                 build: Callable[[UnitOfWork, int], bytes]) -> ResponseReturnValue:
    """Check a signed link (``param``, ``expires``, ``sig``), then serve what ``build`` makes, read-only."""
    rt = current_app.extensions["groupbuy"]
    try:
        key = int(request.args[param])
        expires = int(request.args["expires"])
        sig = request.args["sig"]
    except (KeyError, ValueError):
        return Response(f"連結不完整，請在 LINE 重新輸入 {command} 取得新連結。", status=400, mimetype="text/plain")
    if not hmac.compare_digest(sig, sign(rt.settings.channel_secret, key, expires)):
        return Response(f"連結無效，請在 LINE 重新輸入 {command} 取得新連結。", status=403, mimetype="text/plain")
    if expires < time.time():
        return Response(f"連結已過期（24 小時），請在 LINE 重新輸入 {command} 取得新連結。", status=410, mimetype="text/plain")
    with UnitOfWork(rt.engine, read_only=True) as uow:
        data = build(uow, key)
    return Response(data, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}-{key}.xlsx"'})
