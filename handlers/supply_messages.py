"""zh-TW texts for the supplier order (/叫貨) and shortages (/缺貨)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from handlers.order_messages import money, when
from infra.messages import MAX_MENTIONS, MAX_REPLY_MESSAGES, Text, literal_braces, utf16_len
from services.shortage import MemberCut, Shortage, Withdrawn
from services.supplier_order import SupplierOrder, SupplyLine

BUDGET = 4800  # UTF-16 units per message, under LINE's 5000 with room for the last line
SHORTAGE_USAGE = (
    "用法：/缺貨 品項 數量，例如「/缺貨 C 5」（C 少到 5 份）、「/缺貨 A辣味 2」（指定口味）、「/缺貨 高麗菜水餃 3」。\n"
    "有好幾團時在品項前加團號：「/缺貨 第3團 C 5」或「/缺貨 3 C 5」。"
)
PRICE_WORDS = ("含價", "含價格", "價格", "附價格")


def _name(line: SupplyLine) -> str:
    """Return ``A 高麗菜水餃（辣味）``."""
    return f"{line.item.code} {line.item.name}" + (f"（{line.variant}）" if line.variant else "")


def supplier_text(order: SupplierOrder, *, with_prices: bool = False) -> Text:
    """Return the supplier order as a supplier reads it: a line per item × variant and the total (no names)."""
    campaign = order.campaign
    ordered = [line for line in order.lines if line.qty > 0]
    if not ordered:
        return Text(f"第{campaign.id}團【{campaign.title}】目前沒有確認的訂單，沒有要叫的貨。")
    lines = [f"📦 叫貨單【{campaign.title}】"]
    for line in ordered:
        price = f" × {money(line.item.price)}" if with_prices and line.item.price is not None else ""
        lines.append(f"{_name(line)} {line.qty} {line.unit}{price}")
    units = list(dict.fromkeys(line.unit for line in ordered))
    total = f"共 {len(ordered)} 項、{order.total} " + (units[0] if len(units) == 1 else "件")
    if with_prices:
        total += "，約 " + money(sum(line.qty * (line.item.price or 0) for line in ordered)) + "（依單價計）"
    lines.append(total)
    return Text("\n".join(lines))


def supplier_notes(order: SupplierOrder, tz: ZoneInfo) -> Text:
    """Return the host's notes beside the supplier order: still open, waitlist not ordered, shortages, how to forward."""
    campaign = order.campaign
    notes = []
    if order.still_open:
        notes.append(f"⚠️ 第{campaign.id}團還在收單（截單 {when(campaign.deadline, tz)}），數量可能還會變動；"
                     f"截單後請再輸入「/叫貨 {campaign.id}」確認。")
    if order.waitlisted:
        notes.append(f"候補中的 {order.waitlisted} 份沒有列入（等有人取消才會遞補）。")
    short = [line for line in order.lines if line.shortage]
    if short:
        notes.append("已登記缺貨（已從訂單扣除）：" + "、".join(f"{_name(line)} {line.shortage} {line.unit}" for line in short))
    notes.append(f"👆 長按上面的叫貨單就能轉傳給廠商；要附單價請輸入「/叫貨 {campaign.id} 含價」；"
                 "/匯出 的 Excel 也有「叫貨單」工作表。")
    return Text("\n".join(notes))


def _member_line(cut: MemberCut, item_name: str, unit: str) -> str:
    """Describe one member's cut: ``{who} C 手工蛋捲 ×3 → ×1（扣 2）｜應付 $250…`` (``{who}``: the mention)."""
    text = f"{{who}} {item_name} ×{cut.kept + cut.cut} → ×{cut.kept}（扣 {cut.cut} {unit}）｜應付 {money(cut.due)}"
    if cut.to_credit:
        text += f"，已付的 {money(cut.to_credit)} 轉為購物金（下次自動折抵）"
    elif cut.due and not cut.to_pay:
        text += "（已付清）"
    if cut.waitlisted:
        text += f"；另 {cut.waitlisted} {unit}仍在候補"
    return text


def shortage_messages(outcome: Shortage) -> list[Text]:
    """Return the group reply for a shortage: one line per affected member, each mentioning them (textV2)."""
    campaign, item = outcome.campaign, outcome.item
    unit = item.unit or "份"
    name = f"{item.code} {item.name}" + (f"（{outcome.variant}）" if outcome.variant else "")
    if outcome.repeated:
        return [Text(f"這則缺貨已經登記過了（{name}），沒有重複扣除。")]
    if not outcome.cut:
        return [Text(f"第{campaign.id}團【{campaign.title}】{name} 目前沒有確認的訂單，沒有需要扣除的數量。")]
    header = (f"⚠️ 缺貨通知｜第{campaign.id}團【{campaign.title}】\n{name} 少到 {outcome.asked} {unit}，"
              "依留言順序從最後確認的訂單扣除：")
    if outcome.cut < outcome.asked:
        header += f"\n（確認的訂單只有 {outcome.cut} {unit}，已全部扣除）"
    footer = "應付金額已重新計算；輸入「我的訂單」「我的購物金」可以查詢。造成不便很抱歉 🙏"
    rows = [(cut.member.line_user_id, _member_line(cut, name, unit)) for cut in outcome.members]
    lines = [(uid, literal_braces(line).replace("｛who｝", "{who}")) for uid, line in rows]
    return mention_messages(literal_braces(header), lines, literal_braces(footer))


def mention_messages(header: str, rows: Sequence[tuple[str, str]], footer: str) -> list[Text]:
    """Spread mention lines (``{who}`` marks the mention) over at most five textV2 messages.

    Each message keeps under LINE's 100 substitutions and 5000 characters; members beyond five messages are
    counted in the last line instead of mentioned.
    """
    messages: list[Text] = []
    lines, size = [header], utf16_len(header)
    mentions: dict[str, str] = {}
    for n, (user_id, row) in enumerate(rows):
        key = f"m{len(mentions)}"
        text = row.replace("{who}", "{" + key + "}", 1)
        if len(mentions) >= MAX_MENTIONS or size + utf16_len(text) + 1 > BUDGET:
            if len(messages) == MAX_REPLY_MESSAGES - 1:
                lines.append(f"…另有 {len(rows) - n} 位也受影響，請輸入 /名單 查看。")
                break
            messages.append(Text("\n".join(lines), mentions=mentions))
            lines, mentions, size = [], {}, 0
            key = "m0"
            text = row.replace("{who}", "{m0}", 1)
        mentions[key] = user_id
        lines.append(text)
        size += utf16_len(text) + 1
    if size + utf16_len(footer) + 1 > BUDGET and len(messages) < MAX_REPLY_MESSAGES - 1:
        messages.append(Text("\n".join(lines), mentions=mentions))
        lines, mentions = [], {}
    lines.append(footer)
    messages.append(Text("\n".join(lines), mentions=mentions))
    return messages


def withdrawn_text(withdrawn: Withdrawn) -> Text:
    """Tell the group a shortage was taken back and the orders are as before."""
    campaign = withdrawn.campaign
    what = "、".join(f"{item.code} {item.name}" + (f"（{variant}）" if variant else "") + f" {n} {item.unit or '份'}"
                    for item, variant, n in withdrawn.items)
    return Text(f"↩️ 團主收回了缺貨登記：第{campaign.id}團【{campaign.title}】{what}。\n"
                "受影響的訂單已恢復原數量，應付金額也跟著恢復；輸入「我的訂單」可以查詢。")
