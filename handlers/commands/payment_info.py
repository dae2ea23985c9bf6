"""``付款資訊``: what a member still has to transfer, campaign by campaign, and how to report the transfer.

It is the rich menu's 付款資訊 button (handlers.member_menu) and works in the group or the 1:1 chat alike.
"""

from __future__ import annotations

from handlers import payment_messages as say
from handlers.commands import keyword
from handlers.commands.ordering import reply_quoting
from handlers.context import EventContext
from infra.messages import Text
from services import directory, payments

HOW_TO_REPORT = "匯款後請回覆「已匯款 後五碼12345 540元」（轉出帳號的後五碼與金額），我會幫你對帳。"


def payment_text(ctx: EventContext, who: str) -> str:
    """Describe the member's dues after credit, what was received, and how to report a transfer."""
    assert ctx.user_id is not None
    member = directory.ensure_member(ctx.uow, ctx.user_id)
    account = payments.account(ctx.uow, member)
    owing = [line for line in account.lines if line.campaign is not None and line.to_pay > line.paid]
    if not account.due:
        return f"💳 {who} 目前沒有要付款的訂單。看到喜歡的團，留言「A+1」就能喊單喔！"
    if not owing:
        return f"💳 {who} 的款項都付清了，謝謝 🙏" + (
            f"\n購物金餘額 {say.money(account.credit_balance)}，下次應付自動折抵。" if account.credit_balance else "")
    lines = [f"💳 {who} 的付款資訊"]
    for line in owing:
        assert line.campaign is not None
        paid = f"，已收 {say.money(line.paid)}，還差 {say.money(line.to_pay - line.paid)}" if line.paid else ""
        lines.append(f"第{line.campaign.id}團【{line.campaign.title}】{say.due_line(line)}{paid}")
    lines.append(f"合計請匯 {say.money(account.remaining)}")
    if account.claim_state == "claimed":
        lines.append("已收到你的匯款回報，團主對帳後會通知你。")
    lines.append(HOW_TO_REPORT)
    return "\n".join(lines)


@keyword("付款資訊", "匯款資訊", "要付多少", summary="看看還要匯多少錢、怎麼回報匯款")
def payment_info(ctx: EventContext, _args: str) -> None:
    """Tell a member what they still owe and how to report a transfer (group or 1:1)."""
    if ctx.user_id is None:
        return
    text = payment_text(ctx, "{m}" if ctx.is_group else "你")
    reply_quoting(ctx, Text(text, mentions={"m": ctx.user_id} if ctx.is_group else {}))
