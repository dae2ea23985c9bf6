"""The console's 對帳 page: where each member's payment stands, a statement upload from the browser (the same
reconciliation as a file sent in LINE), and the host's choice for a deposit that matched more than one member."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from handlers import payment_messages as say
from handlers.commands.payments import decided_text, settled_notices
from infra.db import UnitOfWork
from infra.messages import Text
from infra.messenger import LineError
from parsers.statement_table import MAX_BYTES
from services import bank_import, payment_report, statement_upload
from services.bank_import import Run
from services.errors import DomainError

log = logging.getLogger(__name__)
bp = Blueprint("console_payments", __name__, url_prefix="/console", template_folder="templates")


@bp.get("/payments")
def payments() -> ResponseReturnValue:
    """Every member's payment position, deposits waiting for a decision, and deposits nobody claimed."""
    rt = current_app.extensions["groupbuy"]
    with UnitOfWork(rt.engine, read_only=True) as uow:
        view = payment_report.overview(uow)
        return render_template("console/payments.html", view=view, status=say.STATUS, title="對帳",
                               candidates_of=bank_import.candidates_of, max_mb=MAX_BYTES // 1024 // 1024,
                               label=payment_report.label)


@bp.post("/payments/upload")
def upload() -> ResponseReturnValue:
    """Reconcile an uploaded statement file, then tell settled members (as a file sent in LINE does)."""
    rt = current_app.extensions["groupbuy"]
    file = request.files.get("statement")
    if file is None or not file.filename:
        flash("請選一個網路銀行匯出的對帳單檔案（CSV 或 Excel）再上傳。")
        return redirect(url_for("console_payments.payments"))
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        flash(f"檔案太大了（上限 {MAX_BYTES // 1024 // 1024}MB）。請在網路銀行縮短查詢期間，再匯出 CSV 或 Excel 上傳。")
        return redirect(url_for("console_payments.payments"))
    with UnitOfWork(rt.engine) as uow:
        done = statement_upload.upload(uow, data, file.filename, host=_host(), now=rt.clock(), tz=rt.settings.tz)
        if done.problem is not None:
            message = done.problem + "\n（也可以在 LINE 私訊我這個檔案，照回覆的說明告訴我欄位。）"
        elif done.ask_payer is not None:
            message = say.ask_payer_column(done.ask_payer) + "\n（請在 LINE 私訊我回答，我記得這個檔案。）"
        else:
            message = say.summary(payment_report.overview(uow), run=done.run, imported=done.imported).text
        notices = settled_notices(uow, done.run) if done.run is not None else []
        uow.commit()
    _send(notices)
    flash(message)
    return redirect(url_for("console_payments.payments"))


@bp.post("/payments/decide")
def decide() -> ResponseReturnValue:
    """Give a waiting deposit to the member the host chose, or set it aside."""
    rt = current_app.extensions["groupbuy"]
    try:
        tx_id = int(request.form["tx"])
        choice = request.form["member"]
        member_id = None if choice == "skip" else int(choice)
    except (KeyError, ValueError):
        flash("看不懂這個選擇，請重新整理頁面再選一次。")
        return redirect(url_for("console_payments.payments"))
    with UnitOfWork(rt.engine) as uow:
        try:
            run: Run = bank_import.decide(uow, tx_id, member_id, host=_host(), now=rt.clock(), tz=rt.settings.tz)
        except DomainError as exc:
            flash(str(exc))
            return redirect(url_for("console_payments.payments"))
        message = decided_text(tx_id, member_id, run)
        notices = settled_notices(uow, run)
        uow.commit()
    _send(notices)
    flash(message)
    return redirect(url_for("console_payments.payments"))


def _host() -> str:
    return str(g.host_user_id)


def _send(notices: list[tuple[str, Text, str]]) -> None:
    """Push the settled members' confirmations after the commit (LINE is never called inside a transaction)."""
    rt = current_app.extensions["groupbuy"]
    for user_id, text, key in notices:
        try:
            rt.messenger.push(user_id, [text], retry_key=key)
        except LineError as exc:
            log.warning("payment confirmation push failed (LINE status %s); the member sees it in 我的訂單", exc.status)
