"""The console changing an order by hand: a quantity set or a line cancelled in one transaction, then the member
told in LINE with the same confirmation a comment gets (and waitlisted members who got the stock)."""

from __future__ import annotations

import logging
import uuid

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue

from handlers import order_messages as say
from handlers.commands.ordering import promotions_text
from infra.db import UnitOfWork
from infra.messages import Text
from infra.messenger import LineError
from models import Group
from services import order_edit
from services.errors import DomainError

log = logging.getLogger(__name__)
bp = Blueprint("console_orders", __name__, url_prefix="/console")


@bp.post("/campaigns/<int:campaign_id>/edit")
def edit(campaign_id: int) -> ResponseReturnValue:
    """Set a member's quantity of one item (0 cancels), as if the member had written 「A改3」."""
    rt = current_app.extensions["groupbuy"]
    back = redirect(url_for("console_pages.campaign", campaign_id=campaign_id))
    try:
        member_id, item_id = int(request.form["member"]), int(request.form["item"])
        qty = int(request.form["qty"].strip())
    except (KeyError, ValueError):
        flash("數量請填數字（0 = 取消這一項）。")
        return back
    variant = request.form.get("variant") or None
    guest = request.form.get("guest") or None
    with UnitOfWork(rt.engine) as uow:
        try:
            done = order_edit.host_set(uow, campaign_id=campaign_id, member_id=member_id, item_id=item_id,
                                       variant=variant, guest=guest, qty=qty, host_user_id=str(g.host_user_id),
                                       at=rt.clock())
        except DomainError as exc:
            flash(str(exc))
            return back
        if not done.changed:
            flash("數量沒有改變。")
            return back
        group = uow.session.get(Group, done.campaign.group_id)
        told = _notices(done, group)
        promoted = promotions_text(uow, done.campaign, done.promotions)
        uow.commit()
    name = f"{done.item.code} {done.item.name}" + (f"（{variant}）" if variant else "") + (f"（幫{guest}訂）" if guest else "")
    result = _send(told, promoted, group)
    flash(f"已把 {done.member.display_name or '成員'} 的 {name} 從 {done.before} 改成 {done.after}。{result}")
    return back


def _notices(done: order_edit.HostEdit, group: Group | None) -> list[tuple[str, Text]]:
    """Return where to tell the member: the group (push allowed), else their 1:1 chat (a friend), else nowhere."""
    confirmation = say.member_order(done.campaign, done.states)
    text = "✏️ 團主幫你修改了訂單\n" + confirmation.text
    if group is not None and group.allow_push:
        return [(group.line_group_id, Text(text, mentions={"m": done.member.line_user_id}))]
    if done.member.is_friend:
        return [(done.member.line_user_id, Text(text.replace("{m}", done.member.display_name or "你")))]
    return []


def _send(told: list[tuple[str, Text]], promoted: Text | None, group: Group | None) -> str:
    """Push after the commit (LINE is never called inside a transaction); return what the host should know."""
    rt = current_app.extensions["groupbuy"]
    sent = 0
    targets = [*told, *([(group.line_group_id, promoted)] if promoted is not None and group and group.allow_push else [])]
    for to, message in targets:
        try:
            rt.messenger.push(to, [message], retry_key=str(uuid.uuid4()))
            sent += 1
        except LineError as exc:
            log.warning("console change push failed (LINE status %s)", exc.status)
    if not told:
        return "（群組沒開推播、成員也沒加好友，LINE 裡不會通知他；他輸入「我的訂單」就看得到。）"
    return "已在 LINE 通知成員。" if sent else "（LINE 通知沒有送出，成員輸入「我的訂單」就看得到。）"
