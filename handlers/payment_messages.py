"""zh-TW texts about transfers and reconciliation (members in the group, the host in 1:1, the CLI)."""

from __future__ import annotations

from collections.abc import Sequence

from infra.messages import QuickReply, Text
from models import BankTransaction, PaymentClaim
from parsers.statement import Statement
from parsers.statement_errors import letter
from services.bank_import import Imported, Run, candidates_of
from services.payment_report import Overview, label
from services.payments import Account, CampaignDue

MAX_LIST = 30
STATUS = {
    "paid": "已付清", "short": "少付", "over": "多付", "claimed": "已回報、待對帳",
    "claim_not_found": "回報了但帳上找不到", "unpaid": "尚未付款",
}
SCREENSHOT_FOR_HOST = (
    "這是一張圖片，我讀不了截圖。請在網路銀行的交易明細頁選「下載」或「匯出」，把 Excel 或 CSV 檔傳給我，我就會自動對帳。"
)
SCREENSHOT_FOR_MEMBER = (
    "收到圖片了！我看不懂截圖，回報匯款請直接輸入「已匯款 後五碼12345 540元」（後五碼是你轉出帳號的最後五碼），團主就能對帳。"
)
DECIDE_HELP = "點下方按鈕，或輸入「/對帳 指定 入帳編號 成員編號」；不是團員的款項輸入「/對帳 略過 入帳編號」。"


def money(n: int) -> str:
    """Format NT$ with thousands separators."""
    return f"${n:,}"


def position(acc: Account) -> str:
    """Describe what a member owes and paid: ``應付$540 購物金折抵$100 已收$400 差$40``."""
    text = f"應付{money(acc.due)}"
    if acc.credit:
        text += f" 購物金折抵{money(acc.credit)}"
    text += f" 已收{money(acc.received)}"
    if acc.remaining > 0 and acc.received:
        text += f" 差{money(acc.remaining)}"
    elif acc.to_credit:
        text += f" 多{money(acc.to_credit)}（已轉為購物金）"
    return text


def due_line(line: CampaignDue) -> str:
    """Describe one campaign's due: ``應付 $540`` or ``應付 $540，購物金折抵 $100，請匯 $440``."""
    if not line.credit:
        return f"應付 {money(line.due)}"
    left = f"請匯 {money(line.to_pay)}" if line.to_pay > 0 else "已全額折抵"
    return f"應付 {money(line.due)}，購物金折抵 {money(line.credit)}，{left}"


def needs_digits(amount: int | None) -> str:
    """Ask a member for the last five digits their report lacks."""
    example = f"已匯款 後五碼12345 {amount}元" if amount else "已匯款 後五碼12345 540元"
    return f"收到你的匯款回報！請再補上轉出帳號的「後五碼」，團主才能對帳喔，例如：「{example}」。"


def claim_recorded(claim: PaymentClaim, acc: Account) -> str:
    """Tell a member what their report recorded and what is still due."""
    amount = f"、{money(claim.amount)}" if claim.amount is not None else ""
    lines = [f"💰 {{m}} 已記錄匯款回報：後五碼 {claim.last5}{amount}"]
    for line in acc.lines:
        if line.campaign is not None and line.due:
            lines.append(f"・第{line.campaign.id}團【{line.campaign.title}】{due_line(line)}")
    if acc.status in ("paid", "over"):
        lines.append(f"✅ 已在帳上找到你的匯款（{position(acc)}），謝謝！")
    elif acc.status == "short":
        lines.append(f"⚠️ 帳上收到 {money(acc.received)}，還差 {money(acc.remaining)}，請補匯後再回報一次。")
    else:
        lines.append(f"合計應付 {money(acc.to_pay)}；團主對帳後會確認。")
        if claim.amount is not None and claim.amount != acc.remaining:
            lines.append(f"提醒：你回報 {money(claim.amount)}，目前應付 {money(acc.remaining)}，有差額請跟團主確認。")
    return "\n".join(lines)


def paid_notice(acc: Account) -> str:
    """Confirm to a member (by push) that their payment arrived."""
    return f"✅ 團主已確認收到你的匯款（{position(acc)}），謝謝！輸入「我的訂單」可以看訂單明細。"


def _names(accounts: Sequence[Account], detail: bool) -> list[str]:
    out = [f"・{_who(a)}" + (f" {position(a)}" if detail else "") for a in accounts[:MAX_LIST]]
    if len(accounts) > MAX_LIST:
        out.append(f"…還有 {len(accounts) - MAX_LIST} 人（用 groupbuy export payments 匯出完整名單）")
    return out


def _who(acc: Account) -> str:
    return label(acc.member)


def deposit_line(tx: BankTransaction) -> str:
    """Describe a deposit: ``#7 12/02 $1,250 後五碼00888``."""
    digits = f" 後五碼{tx.last5}" if tx.last5 else "（無帳號）"
    return f"#{tx.id} {tx.booked_on.month}/{tx.booked_on.day:02d} {money(tx.amount)}{digits}"


def summary(view: Overview, *, run: Run | None = None, imported: Imported | None = None) -> Text:
    """Return the reconciliation summary, with buttons for the first deposit waiting for the host."""
    lines: list[str] = []
    if imported is not None:
        old = imported.deposits - imported.new
        bank = f"（{imported.bank}）" if imported.bank else ""
        lines.append(f"🏦 對帳完成{bank}：讀到 {imported.rows} 筆交易、{imported.deposits} 筆入帳，新增 {imported.new} 筆"
                     + (f"（{old} 筆之前匯入過，不重複計算）" if old else ""))
    else:
        lines.append("🏦 對帳狀態")
    accounts = list(run.moved) if run is not None else list(view.accounts)
    credited = {acc.member.id: amount for acc, amount in run.credited} if run is not None else {}
    for status, title in (("paid", "✅ 已付清"), ("short", "⚠️ 少付")):
        found = [a for a in accounts if a.status == status and a.member.id not in credited]
        if found:
            lines.append(f"{title}（{len(found)} 人）")
            lines += _names(found, detail=status != "paid")
    if credited:
        over = [acc for acc, _amount in run.credited] if run is not None else []
        lines.append(f"💸 多付，多的錢已轉為購物金、下次自動折抵（{len(over)} 人）")
        lines += _names(over, detail=True)
    if run is not None and run.points:
        lines.append(f"⭐ 這次對帳集到點數：{len(run.points)} 人、共 {sum(n for _m, n in run.points):,} 點")
    missing = view.having("claim_not_found")
    if missing:
        lines.append(f"❓ 回報了但帳上找不到（{len(missing)} 人）")
        lines += [f"・{_who(a)} 後五碼{a.claim.last5 if a.claim else '?'}"
                  + (f" {money(a.claim.amount)}" if a.claim and a.claim.amount else "") for a in missing[:MAX_LIST]]
    if view.unclaimed:
        lines.append(f"📥 沒人認領的入帳（{len(view.unclaimed)} 筆）")
        lines += ["・" + deposit_line(tx) for tx in view.unclaimed[:MAX_LIST]]
    if view.waiting:
        lines.append(f"🤔 需要你決定（{len(view.waiting)} 筆）")
        lines += ["・" + waiting_line(tx, view) for tx in view.waiting[:MAX_LIST]]
    unpaid = view.having("unpaid", "claimed", "claim_not_found", "short")
    if unpaid:
        lines.append(f"還沒付清：{len(unpaid)} 人，共 {money(sum(max(a.remaining, 0) for a in unpaid))}（輸入 /未付 看名單）")
    elif view.accounts:
        lines.append("🎉 大家都付清了！")
    if view.waiting:
        lines.append(DECIDE_HELP)
    return Text("\n".join(lines), quick_replies=decision_buttons(view.waiting[0], view) if view.waiting else ())


def ask_payer_column(statement: Statement) -> str:
    """Ask the host which column holds the payers' accounts, when no deposit of a file shows one."""
    deposits = sum(1 for t in statement.transactions if t.direction == "in")
    shown = "、".join(f"{letter(i)}「{n}」" for i, n in enumerate(statement.columns) if n)
    bank = f"{statement.bank}的" if statement.bank else ""
    return (
        f"讀到{bank}明細 {deposits} 筆入帳，但每一筆都看不到匯款人的帳號，沒辦法用後五碼對帳，所以還沒匯入。"
        f"檔案的欄位是：{shown}。如果有一欄是對方帳號或附言，請告訴我：/對帳欄位 帳號=欄位字母；"
        "如果真的沒有，輸入「/對帳欄位 沒有帳號」，我就只用金額比對，再請你確認。"
    )


def waiting_line(tx: BankTransaction, view: Overview) -> str:
    """Describe a deposit waiting for the host and who it might be."""
    who = "、".join(view.names.get(m, f"#{m}") for m in candidates_of(tx))
    why = "同後五碼、同金額" if tx.status == "ambiguous" else "沒人回報，金額剛好等於應付"
    return f"{deposit_line(tx)}：{why} → {who}"


def decision_buttons(tx: BankTransaction, view: Overview) -> tuple[QuickReply, ...]:
    """Return quick replies that give a waiting deposit to one candidate, or set it aside."""
    buttons = [
        QuickReply(label=f"#{tx.id}給{view.names.get(m, f'#{m}')}", text=f"/對帳 指定 {tx.id} {m}")
        for m in candidates_of(tx)[:12]
    ]
    return (*buttons, QuickReply(label=f"#{tx.id}都不是", text=f"/對帳 略過 {tx.id}"))


def unpaid_list(view: Overview) -> str:
    """List members who have not paid in full, with amounts."""
    unpaid = sorted(view.having("unpaid", "claimed", "claim_not_found", "short"), key=lambda a: a.member.id or 0)
    if not unpaid:
        return "🎉 目前沒有未付款的成員。"
    lines = [f"💳 未付清名單（{len(unpaid)} 人，共 {money(sum(a.remaining for a in unpaid))}）"]
    for acc in unpaid[:MAX_LIST * 3]:
        lines.append(f"・{_who(acc)} 還差 {money(acc.remaining)}（{STATUS[acc.status]}）")
    return "\n".join(lines)
