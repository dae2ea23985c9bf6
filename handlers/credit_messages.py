"""zh-TW texts about credit (購物金) and points (集點)."""

from __future__ import annotations

from collections.abc import Sequence

from models import CreditEntry, PointEntry

RECENT = 5
CREDIT_CAUSES = {
    "over_payment": "多付轉入", "shortage": "缺貨退款", "adjustment": "團主調整", "redeem": "點數兌換",
    "applied": "折抵", "released": "應付減少、退回",
}
POINT_CAUSES = {"earned": "付款集點", "redeem": "兌換購物金", "adjustment": "團主調整"}
CREDIT_USAGE = (
    "用法：\n/購物金 @成員 +100 退差價（加購物金）\n/購物金 @成員 -100 備註（扣購物金）\n/購物金 @成員（看餘額與明細）\n"
    "請用 LINE 的 @ 標記成員；購物金會在成員下次應付時自動折抵。"
)
POINTS_USAGE = (
    "用法：\n/點數 兌換 @成員 50（50 點換成購物金）\n/點數 @成員（看點數與明細）\n"
    "開啟集點：/設定 集點 100（每付 100 元集 1 點）；兌換比例：/設定 點數折抵 1（1 點 = 1 元）。"
)


def money(n: int) -> str:
    """Format NT$ with thousands separators."""
    return f"${n:,}"


def signed(n: int, unit: str = "") -> str:
    """Format a change with its sign: ``+$100`` / ``-$100`` (``+5 點``)."""
    sign = "+" if n >= 0 else "-"
    return f"{sign}{abs(n):,}{unit}" if unit else f"{sign}${abs(n):,}"


def credit_line(entry: CreditEntry) -> str:
    """Describe one credit entry: ``12/03 多付轉入 +$20（第1團多付）``."""
    cause = CREDIT_CAUSES.get(entry.cause, entry.cause)
    if entry.cause == "applied" and entry.campaign_id is not None:
        cause = f"折抵第{entry.campaign_id}團"
    note = f"（{entry.note}）" if entry.note and entry.cause != "applied" else ""
    return f"・{entry.created_at.month}/{entry.created_at.day:02d} {cause} {signed(entry.amount)}{note}"


def point_line(entry: PointEntry) -> str:
    """Describe one points entry: ``12/03 付款集點 +5 點``."""
    note = f"（{entry.note}）" if entry.note else ""
    cause = POINT_CAUSES.get(entry.cause, entry.cause)
    return f"・{entry.created_at.month}/{entry.created_at.day:02d} {cause} {signed(entry.amount, ' 點')}{note}"


def credit_statement(who: str, balance: int, rows: Sequence[CreditEntry]) -> str:
    """Describe a member's credit: the balance and the latest entries."""
    if not rows and not balance:
        return (f"💰 {who} 目前沒有購物金。多付的款項、缺貨退款和團主發的購物金都會存在這裡，"
                "下次應付時自動折抵。")
    lines = [f"💰 {who} 的購物金：{money(balance)}"]
    if rows:
        lines.append("最近紀錄：")
        lines += [credit_line(e) for e in rows[-RECENT:]]
    lines.append("購物金會在下次應付時自動折抵（先折抵最早的購物金）；有疑問請找團主。")
    return "\n".join(lines)


def points_statement(who: str, balance: int, rows: Sequence[PointEntry], *, rate: int | None, value: int) -> str:
    """Describe a member's points: the balance, the group's rate, and the latest entries."""
    earning = f"每付 {money(rate)} 集 1 點" if rate else "目前沒有開啟集點"
    lines = [f"⭐ {who} 的點數：{balance:,} 點（{earning}；1 點可換 {money(value)} 購物金）"]
    if rows:
        lines.append("最近紀錄：")
        lines += [point_line(e) for e in rows[-RECENT:]]
    lines.append("想用點數換購物金，請找團主幫你兌換。" if balance else "付款對帳完成後就會自動集點。")
    return "\n".join(lines)
