"""Transfers: members' reports (已匯款 後五碼…), statement uploads, /對帳 and /未付 for the host."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from handlers import payment_messages as say
from handlers.commands import command
from handlers.commands.ordering import reply_quoting
from handlers.context import EventContext
from infra.db import UnitOfWork
from infra.messages import Text
from infra.messenger import LineError
from parsers.payment import parse_payment
from parsers.statement_mapping import USAGE
from parsers.statement_table import MAX_BYTES
from services import bank_import, campaigns, directory, payment_report, payments, statement_layouts, statement_upload
from services.bank_import import Run
from services.errors import DomainError

log = logging.getLogger(__name__)
MAX_STATEMENT_BYTES = MAX_BYTES
Sub = Callable[[EventContext, list[str]], None]


def claim_payment(ctx: EventContext, text: str) -> bool:
    """Record a member's transfer report and tell them what is still due; False when it is not one."""
    result = parse_payment(text)
    if result.status == "none" or ctx.user_id is None:
        return False
    if result.status == "incomplete" or result.last5 is None:
        reply_quoting(ctx, Text(say.needs_digits(result.amount)))
        return True
    member = directory.ensure_member(ctx.uow, ctx.user_id)
    message_id = getattr(ctx.event.message, "id", None)
    try:
        claim = payments.record_claim(ctx.uow, member=member, last5=result.last5, amount=result.amount,
                                      message_id=message_id, at=ctx.sent_at)
    except DomainError as exc:
        reply_quoting(ctx, Text(str(exc)))
        return True
    run = bank_import.reconcile(ctx.uow, now=ctx.sent_at, tz=ctx.settings.tz)
    account = payments.account(ctx.uow, member)
    reply_quoting(ctx, Text(say.claim_recorded(claim, account), mentions={"m": ctx.user_id}))
    notify_settled(ctx, run, skip=member.id)
    return True


def take_statement(ctx: EventContext) -> bool:
    """Reconcile a bank statement a host sent in 1:1; files in groups are left alone."""
    if ctx.is_group:
        return False
    if not ctx.is_host:
        ctx.reply(Text("只有團主可以上傳銀行對帳單喔！要回報匯款，請輸入「已匯款 後五碼12345 540元」。"))
        return True
    message = ctx.event.message
    if (getattr(message, "file_size", 0) or 0) > MAX_STATEMENT_BYTES:
        ctx.reply(Text(f"檔案太大了（上限 {MAX_BYTES // 1024 // 1024}MB）。請在網路銀行縮短查詢期間，再匯出 CSV 或 Excel 上傳。"))
        return True
    try:
        data = ctx.content(message.id)
    except LineError as exc:
        log.warning("downloading a statement failed (LINE status %s)", exc.status)
        ctx.reply(Text("檔案下載失敗（LINE 可能已刪除檔案）。請再傳一次對帳單檔案。"))
        return True
    filename = getattr(message, "file_name", None) or ""
    reconcile_file(ctx, data, filename)
    return True


def reconcile_file(ctx: EventContext, data: bytes, filename: str | None) -> None:
    """Read a statement with the layouts hosts taught, import its deposits, reconcile and reply.

    A file whose columns the reader cannot tell is held, and the reply says how to name them (/對帳欄位).
    """
    done = statement_upload.upload(ctx.uow, data, filename, host=ctx.user_id or "", now=ctx.sent_at, tz=ctx.settings.tz)
    reply_upload(ctx, done)


def _import(ctx: EventContext, read: statement_layouts.Read, data: bytes, filename: str | None) -> None:
    """Import a read statement and reply with the reconciliation, or hold it to ask for the payer column."""
    done = statement_upload.continue_read(ctx.uow, read, data, filename, host=ctx.user_id or "", now=ctx.sent_at,
                                          tz=ctx.settings.tz)
    reply_upload(ctx, done)


def reply_upload(ctx: EventContext, done: statement_upload.Upload) -> None:
    """Reply with what became of a statement file, and tell members it settled."""
    if done.problem is not None:
        ctx.reply(Text(done.problem))
    elif done.ask_payer is not None:
        ctx.reply(Text(say.ask_payer_column(done.ask_payer)))
    elif done.run is not None:
        ctx.reply(say.summary(payment_report.overview(ctx.uow), run=done.run, imported=done.imported))
        notify_settled(ctx, done.run)


@command("/對帳欄位", host_only=True, summary="讀不懂的對帳單：告訴我哪一欄是什麼（記住這種格式）",
         usage="存入=E 帳號=H｜沒有帳號")
def teach_columns(ctx: EventContext, args: str) -> None:
    """Name the columns of the held statement file, remember that layout, and reconcile the file."""
    if not args.strip():
        waiting = statement_layouts.held(ctx.uow, ctx.user_id or "")
        where = f"等你指定欄位的檔案：{waiting.filename or '（未命名）'}。" if waiting else "目前沒有等你指定欄位的對帳單。"
        ctx.reply(Text(f"{where}{USAGE} 檔案真的沒有對方帳號欄時，輸入「/對帳欄位 沒有帳號」。"))
        return
    try:
        read, waiting = statement_layouts.teach(ctx.uow, host=ctx.user_id or "", text=args)
    except DomainError as exc:
        ctx.reply(Text(str(exc)))
        return
    _import(ctx, read, waiting.data, waiting.filename)



def notify_settled(ctx: EventContext, run: Run, *, skip: int | None = None) -> None:
    """Push a confirmation to members just settled, if the host allows pushes and they are friends."""
    for user_id, text, key in settled_notices(ctx.uow, run, skip=skip):
        ctx.push(user_id, text, retry_key=key)


def settled_notices(uow: UnitOfWork, run: Run, *, skip: int | None = None) -> list[tuple[str, Text, str]]:
    """Return (user id, message, retry key) of the pushes telling members a run settled them (chat and console)."""
    if not run.settled or not payments.notify_enabled(uow):
        return []
    out = []
    for member in run.settled:
        if member.id == skip or not member.is_friend:
            continue
        account = payments.account(uow, member)
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"groupbuy:paid:{member.id}:{account.received}"))
        out.append((member.line_user_id, Text(say.paid_notice(account)), key))
    return out


@command(
    "/對帳", host_only=True, summary="對帳狀態；在 1:1 傳網銀交易明細(CSV/Excel)給我就會自動對帳",
    usage="[指定 入帳編號 成員編號｜略過 入帳編號｜通知 開|關]",
)
def reconcile_command(ctx: EventContext, args: str) -> None:
    """Show where payments stand, or apply a host decision or setting."""
    word, *rest = args.split() or [""]
    sub = SUBCOMMANDS.get(word)
    if sub is None:
        ctx.reply(Text("看不懂這個對帳指令。用法：/對帳、/對帳 指定 入帳編號 成員編號、/對帳 略過 入帳編號、/對帳 通知 開|關。"))
        return
    try:
        sub(ctx, rest)
    except DomainError as exc:
        ctx.reply(Text(str(exc)))


def show_state(ctx: EventContext, _rest: list[str]) -> None:
    """Reply with the reconciliation overview (this group's members when asked in a group; buttons only in 1:1)."""
    text = say.summary(payment_report.overview(ctx.uow, group_id=group_scope(ctx)))
    ctx.reply(Text(text.text) if ctx.is_group else text)


def assign(ctx: EventContext, rest: list[str]) -> None:
    """Give a waiting deposit to a member: ``指定 入帳編號 成員編號``."""
    numbers = [r.lstrip("#") for r in rest]
    if len(numbers) != 2 or not all(n.isdigit() for n in numbers):
        raise DomainError("用法：/對帳 指定 入帳編號 成員編號，例如「/對帳 指定 12 3」。輸入 /對帳 看看編號。")
    decide(ctx, int(numbers[0]), int(numbers[1]))


def set_aside(ctx: EventContext, rest: list[str]) -> None:
    """Set aside a deposit that is not a member's payment: ``略過 入帳編號``."""
    if len(rest) != 1 or not rest[0].lstrip("#").isdigit():
        raise DomainError("用法：/對帳 略過 入帳編號，例如「/對帳 略過 12」。輸入 /對帳 看看編號。")
    decide(ctx, int(rest[0].lstrip("#")), None)


def decide(ctx: EventContext, tx_id: int, member_id: int | None) -> None:
    """Apply a decision, then show what is left to decide."""
    run = bank_import.decide(ctx.uow, tx_id, member_id, host=ctx.user_id or "", now=ctx.sent_at, tz=ctx.settings.tz)
    done = decided_text(tx_id, member_id, run)
    view = payment_report.overview(ctx.uow)
    following = say.summary(view)
    ctx.reply(Text(done + "\n" + following.text, quick_replies=following.quick_replies))
    notify_settled(ctx, run)


def decided_text(tx_id: int, member_id: int | None, run: Run) -> str:
    """Say what a host's decision on a deposit did (chat and console)."""
    if run.moved:
        return f"✅ 入帳 #{tx_id} 已算給 {payment_report.label(run.moved[0].member)}：{say.position(run.moved[0])}"
    return f"已略過入帳 #{tx_id}。" if member_id is None else f"✅ 入帳 #{tx_id} 已算給成員 #{member_id}。"


def notify_switch(ctx: EventContext, rest: list[str]) -> None:
    """Turn pushed payment confirmations on or off: ``通知 開|關``."""
    if rest not in (["開"], ["關"]):
        on = payments.notify_enabled(ctx.uow)
        raise DomainError(f"付款確認推播目前：{'開' if on else '關'}。用法：/對帳 通知 開 或 /對帳 通知 關。")
    payments.set_notify(ctx.uow, rest == ["開"])
    ctx.reply(Text("已開啟：對帳確認後，會推播通知已加好友的成員（會用掉訊息額度）。" if rest == ["開"]
                   else "已關閉付款確認推播：成員可以輸入「我的訂單」或回報匯款時看到確認。"))


SUBCOMMANDS: dict[str, Sub] = {"": show_state, "指定": assign, "略過": set_aside, "通知": notify_switch}


@command("/未付", host_only=True, summary="還沒付清的成員與金額", usage="[團號]")
def unpaid(ctx: EventContext, args: str) -> None:
    """List members who have not paid in full (this group's, or one campaign's)."""
    campaign_id = None
    if args.strip():
        group = directory.find_group(ctx.uow, ctx.group_id) if ctx.group_id else None
        try:
            campaign = campaigns.pick(ctx.uow, group.id or 0, args, include_closed=True) if group else None
        except DomainError as exc:
            ctx.reply(Text(str(exc)))
            return
        campaign_id = campaign.id if campaign else _campaign_number(args)
    view = payment_report.overview(ctx.uow, campaign_id=campaign_id, group_id=group_scope(ctx))
    ctx.reply(Text(say.unpaid_list(view)))


def _campaign_number(args: str) -> int | None:
    """Read a campaign number typed in a 1:1 chat (``3`` or ``第3團``)."""
    digits = args.strip().lstrip("#第").rstrip("團").strip()
    return int(digits) if digits.isdigit() else None


def group_scope(ctx: EventContext) -> int | None:
    """Return the group's id when the command was sent in a group (None in 1:1: every group)."""
    group = directory.find_group(ctx.uow, ctx.group_id) if ctx.group_id else None
    return group.id if group else None
