"""Console pages: 今日 (today) first; each page reads the same services the chat and the exports use."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from handlers import order_messages as say
from handlers.payment_messages import STATUS
from handlers.supply_messages import supplier_text
from infra.db import UnitOfWork
from services import campaigns, console_campaigns, console_today
from services.order_export import export_orders
from services.supplier_order import supplier_order

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

bp = Blueprint("console_pages", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.get("/")
def today() -> ResponseReturnValue:
    """The 今日 page: open campaigns, money to collect, pickups pending and the week's reminders."""
    rt = current_app.extensions["groupbuy"]
    now = rt.clock()
    with UnitOfWork(rt.engine, read_only=True) as uow:
        page = console_today.today(uow, rt.settings, now)
        return render_template("console/today.html", page=page, tz=rt.settings.tz, now=now, title="今日")


@bp.get("/campaigns")
def campaign_list() -> ResponseReturnValue:
    """Every campaign, open ones first."""
    rt = current_app.extensions["groupbuy"]
    with UnitOfWork(rt.engine, read_only=True) as uow:
        rows = console_campaigns.campaign_list(uow)
        return render_template("console/campaigns.html", rows=rows, tz=rt.settings.tz, say=say, title="團")


@bp.get("/campaigns/<int:campaign_id>")
def campaign(campaign_id: int) -> ResponseReturnValue:
    """One campaign's book by member and by item, and its waitlist."""
    rt = current_app.extensions["groupbuy"]
    with UnitOfWork(rt.engine, read_only=True) as uow:
        page = console_campaigns.campaign_page(uow, campaign_id)
        if page is None:
            abort(404)
        supply = supplier_text(supplier_order(uow, page.campaign)).text  # what /叫貨 answers, ready to forward
        return render_template("console/campaign.html", page=page, tz=rt.settings.tz, say=say, status=STATUS,
                               supply=supply, title="團")


@bp.post("/campaigns/<int:campaign_id>/close")
def close(campaign_id: int) -> ResponseReturnValue:
    """Close an open campaign now, as /截單 does in the group."""
    rt = current_app.extensions["groupbuy"]
    with UnitOfWork(rt.engine) as uow:
        try:
            campaign = campaigns.lock(uow, campaign_id)
        except LookupError:
            abort(404)
        if campaign.status == "open":
            campaigns.close(uow, campaign, at=rt.clock())
            uow.commit()
            flash(f"第{campaign_id}團已截單。群組裡不會另外通知：要告訴大家，請在群組輸入 /統計 {campaign_id}。")
        else:
            flash(f"第{campaign_id}團已經不在收單中，沒有變更。")
    return redirect(url_for("console_pages.campaign", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/orders.xlsx")
def orders_xlsx(campaign_id: int) -> ResponseReturnValue:
    """The campaign's XLSX (orders and shipping sheets), the same file as /匯出 and groupbuy export orders."""
    rt = current_app.extensions["groupbuy"]
    with UnitOfWork(rt.engine, read_only=True) as uow:
        data = export_orders(uow, "xlsx", campaign_id=campaign_id)
    return Response(data, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="groupbuy-campaign-{campaign_id}.xlsx"'})
