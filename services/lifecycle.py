"""Which pushes are due for whom: refill reminders and the lifecycle touches (tip, win-back, VIP, NPS).

Planning only reads; ``services.reminders`` records and sends. Each candidate carries its dedupe key
(one per member and cycle/campaign), why it is due (for ``/提醒 預覽``) and its zh-TW message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select  # five columns: sqlmodel's select is typed for four at most
from sqlmodel import col

from infra.db import UnitOfWork
from infra.messages import QuickReply
from infra.sql import one_of
from models import Campaign, Item, Member
from services import refill_model
from services.plan_lookups import Lookups
from services.purchases import Purchase, purchases, recent_buyers
from services.refill import Forecast, forecast_for, household_of

KIND_RANK = {"refill": 0, "vip": 1, "nps": 2, "tip": 3, "winback": 4}
REFILL_GRACE = timedelta(days=7)  # a refill reminder is still worth sending this long after the predicted day
NPS_AFTER, NPS_UNTIL = timedelta(days=1), timedelta(days=7)
TIP_AFTER, TIP_UNTIL = timedelta(days=7), timedelta(days=10)
WINBACK_AFTER, WINBACK_UNTIL = timedelta(days=60), timedelta(days=90)
VIP_UNTIL = timedelta(days=14)
# The longest a purchase can make a touch due: a refill cycle (at most MAX_DAYS) plus its grace, or a win-back.
HORIZON = max(timedelta(days=refill_model.MAX_DAYS) + REFILL_GRACE, WINBACK_UNTIL, TIP_UNTIL, NPS_UNTIL, VIP_UNTIL)
REFILL_SOONEST = timedelta(days=refill_model.MIN_DAYS)  # the shortest cycle the model predicts
MAX_BUNDLE_ITEMS, MAX_PACKS = 3, 10
QUICK_WORDS = ("水餃", "餛飩", "煎餃", "炒飯", "炒麵", "拉麵", "調理", "即食", "微波", "舒肥", "包子", "燴飯", "義大利麵")
LIGHT_WORDS = ("蔬菜", "高麗菜", "菠菜", "青菜", "雞胸", "鱈魚", "鮭魚", "魚", "清蒸", "原味", "少鹽", "低鈉", "豆腐", "地瓜")
SALTY_WORDS = ("香腸", "臘", "鹹", "醃", "滷", "辣", "泡菜", "燻", "培根", "火腿")
TIPS = (
    (("水餃", "煎餃", "餛飩"), "冷凍水餃不用退冰，水滾下鍋、浮起後加一次冷水再煮滾就熟了，皮比較不會破。"),
    (("雞胸", "舒肥"), "舒肥雞胸前一晚移到冷藏退冰，切片直接吃或用平底鍋兩面各煎 1 分鐘就很香。"),
    (("高麗菜", "蔬菜", "菠菜", "青菜"), "蔬菜買回來先用廚房紙巾包起來再放保鮮袋冷藏，可以多放好幾天。"),
    (("魚", "蝦", "海鮮"), "海鮮冷藏慢慢退冰最好，前一晚移到冷藏，口感比泡水退冰好很多。"),
)
# The buttons, made once (a tick builds thousands of reminders): {rid} in postback data becomes the reminder's id.
STOP_QUICK = (QuickReply(label="停止提醒", text="停止提醒"),)
ORDER_QUICK = (
    QuickReply(label="照這樣訂", text="照這樣訂", postback_data="action=refill&r={rid}&do=order"),
    QuickReply(label="先不用", text="先不用", postback_data="action=refill&r={rid}&do=no"),
    *STOP_QUICK,
)
NPS_QUICK = tuple(QuickReply(label=str(n), text=f"推薦分數 {n}") for n in range(10, -1, -1))
GENERIC_TIP = "冷凍庫放八分滿最省電、退冰也快；先買的放前面先吃，就不會有被遺忘的食材。"


@dataclass(frozen=True)
class Candidate:
    """A push that is due: for whom, why, and what it says (``{rid}`` in postback data = the reminder id)."""

    member_id: int
    kind: str
    dedupe_key: str
    due_at: datetime
    value: float
    reason: str
    text: str
    quick: tuple[QuickReply, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Switches:
    """Which touches the host turned on, and how early a refill reminder goes out."""

    refill: bool = True
    tip: bool = False
    winback: bool = True
    vip: bool = True
    nps: bool = True
    lead_days: int = 3


class Person(NamedTuple):
    """What planning reads of an eligible member (columns, not a stored object: a tick reads tens of thousands)."""

    id: int
    display_name: str | None
    household_size: int | None
    freezer_size: str | None
    meals_per_week: str | None


def eligible_people(uow: UnitOfWork, among: Collection[int] | None = None) -> list[Person]:
    """Return members a reminder may go to (friends who did not opt out), of ``among`` when given, by id."""
    stmt = select(col(Member.id), col(Member.display_name), col(Member.household_size), col(Member.freezer_size),
                  col(Member.meals_per_week)).where(col(Member.is_friend).is_(True), col(Member.reminders_opt_out).is_(False))
    if among is not None:
        if not among:
            return []
        stmt = stmt.where(one_of(uow.dialect, Member.id, among))
    return [Person(*row) for row in uow.session.execute(stmt.order_by(col(Member.id))).all()]


def plan(uow: UnitOfWork, now: datetime, tz: ZoneInfo, switches: Switches) -> list[Candidate]:
    """Return every touch due at ``now`` for eligible members (recorded ones are filtered by the caller).

    Only members who bought within ``HORIZON`` can have a touch due (the longest wait of any touch), so members
    dormant longer are not looked at.
    """
    people = eligible_people(uow, recent_buyers(uow, now - HORIZON))
    ids = [person.id for person in people]
    look = Lookups(uow, among=ids)
    history: dict[int, list[Purchase]] = defaultdict(list)
    for p in purchases(uow, member_ids=ids):  # by member, then date
        history[p.member_id].append(p)
    year_ago = now - timedelta(days=365)
    found: list[Candidate] = []
    for person in people:
        every = history.get(person.id)
        if not every:
            continue
        bought = every if every[-1].at <= now else [p for p in every if p.at <= now]
        if not bought:
            continue
        value = sum(p.amount for p in bought if p.at >= year_ago) + len(bought)
        found += _touches(look, person, bought, every, now, tz, switches, value)
    return found


def _touches(
    look: Lookups, member: Person, bought: list[Purchase], every: list[Purchase], now: datetime, tz: ZoneInfo,
    switches: Switches, value: float,
) -> list[Candidate]:
    out: list[Candidate] = []
    last = bought[-1]
    # A cycle lasts at least MIN_DAYS: a refill is not due yet (no forecast needed) while the newest purchase is younger.
    if switches.refill and every[-1].at <= now and now >= every[-1].at + REFILL_SOONEST - timedelta(days=switches.lead_days):
        forecast = forecast_for(member.id, household_of(member), every)
        due = forecast.next_at - timedelta(days=switches.lead_days)
        if due <= now < forecast.next_at + REFILL_GRACE:
            out.append(refill_candidate(look, member, forecast, bought, now, tz, value, due))
    for p in bought:
        if switches.nps and p.at + NPS_AFTER <= now < p.at + NPS_UNTIL:
            out.append(_nps(member, p, look, value))
        if switches.tip and p.at + TIP_AFTER <= now < p.at + TIP_UNTIL:
            out.append(_tip(look, member, p, now, value))
    if switches.vip and len(bought) >= 3 and bought[2].at <= now < bought[2].at + VIP_UNTIL:
        out.append(_vip(member, bought[2], value))
    if switches.winback and last.at + WINBACK_AFTER <= now < last.at + WINBACK_UNTIL:
        open_now = look.open_campaign_for(member.id, now)
        if open_now is not None:
            out.append(_winback(member, last, open_now, now, tz, value))
    return out


def open_campaign_for(uow: UnitOfWork, member_id: int, now: datetime) -> Campaign | None:
    """Return the newest campaign taking orders now in a group the member is in."""
    return Lookups(uow).open_campaign_for(member_id, now)


def name(member: Person) -> str:
    """Return how to greet a member."""
    return f"{member.display_name}，你好" if member.display_name else "你好"


def refill_candidate(
    look: Lookups, member: Person, forecast: Forecast, bought: Sequence[Purchase], now: datetime, tz: ZoneInfo,
    value: float, due: datetime,
) -> Candidate:
    """Build the refill reminder: when, a bundle sized to the household, and a one-tap order when open."""
    care = look.tags_of(member.id)
    open_now = look.open_campaign_for(member.id, now)
    campaign = open_now or look.campaign(forecast.last.campaign_id)
    assert campaign is not None and campaign.id is not None
    items = look.items_of(campaign.id)
    picks = bundle(items, forecast, bought, care)
    runs_out = forecast.next_at.astimezone(tz)
    delivered = forecast.last.at.astimezone(tz)
    lines = [f"{name(member)} 😊"]
    days_left = (runs_out.date() - now.astimezone(tz).date()).days
    when = f"再 {days_left} 天左右（{runs_out.month}/{runs_out.day}）" if days_left > 0 else "差不多這幾天"
    lines.append(f"算一算，{delivered.month}/{delivered.day} 到貨的那批，{when}可能就要吃完了。")
    lines += _tone(care)
    code_text = " ".join(f"{it.code}+{q}" for it, q in picks)
    total = sum((it.price or 0) * q for it, q in picks)
    quick: tuple[QuickReply, ...]
    if open_now is not None and picks:
        lines.append(f"第{campaign.id}團【{campaign.title}】正在收單，照你家的份量抓了一份參考：")
        lines += [f"・{it.code} {it.name} ×{q}" for it, q in picks]
        if total:
            lines.append(f"約 ${total:,}")
        lines.append(f"點「照這樣訂」我就幫你登記到第{campaign.id}團；想調整也可以在群組留言「{code_text}」。")
        quick = ORDER_QUICK
    else:
        lines.append("目前沒有正在收單的團；下次開團時可以參考上次的份量：")
        lines += [f"・{it.name} ×{q}" for it, q in picks]
        quick = STOP_QUICK
    lines.append("不想收到這類提醒，輸入「停止提醒」就好。")
    reason = (
        f"預估 {runs_out.month}/{runs_out.day} 吃完（{cycle_reason(forecast)}）"
    )
    return Candidate(
        member_id=member.id, kind="refill", dedupe_key=f"refill:{member.id}:{forecast.last.campaign_id}", due_at=due,
        value=value, reason=reason, text="\n".join(lines), quick=quick,
        extra={"campaign": campaign.id if open_now is not None else None, "bundle": {it.code: q for it, q in picks}},
    )


def cycle_reason(forecast: Forecast) -> str:
    """Explain a predicted cycle in a few words."""
    days = round(forecast.cycle_days)
    if forecast.prediction.observations:
        return f"週期約 {days} 天，依 {forecast.purchases} 次購買紀錄"
    if forecast.household.answered:
        return f"週期約 {days} 天，依問卷估算"
    return f"週期約 {days} 天（尚無問卷，先用預設）"


def _tone(care: Sequence[str]) -> list[str]:
    lines = []
    if "常加班" in care:
        lines.append("最近下班晚的話，挑了幾樣 10 分鐘就能上桌的。")
    if "家有長輩控鹽" in care:
        lines.append("家裡長輩控鹽，這次選了口味清淡一點的。")
    if "小孩挑食" in care:
        lines.append("也優先挑了小朋友比較願意吃的口味。")
    return lines


def bundle(items: Sequence[Item], forecast: Forecast, bought: Sequence[Purchase], care: Sequence[str]) -> list[tuple[Item, int]]:
    """Pick up to three items and quantities for one cycle of this household (own favourites first)."""
    liked: dict[str, int] = defaultdict(int)
    for p in bought:
        for item_name, qty in p.items.items():
            liked[item_name] += qty
    avoid = SALTY_WORDS if "家有長輩控鹽" in care else ()
    prefer = (QUICK_WORDS if "常加班" in care else ()) + (LIGHT_WORDS if "家有長輩控鹽" in care else ())

    def rank(item: Item) -> tuple[int, int, int]:
        favourite = max((q for n, q in liked.items() if n == item.name or n in item.name or item.name in n), default=0)
        return (-favourite, -int(any(w in item.name for w in prefer)), item.position)

    usable = [it for it in items if not any(w in it.name for w in avoid) or it.name in liked] or list(items)
    chosen = sorted(usable, key=rank)[:MAX_BUNDLE_ITEMS]
    amounts = [p.amount for p in bought if p.amount > 0]
    portions = refill_model.bundle_portions(forecast.household, forecast.cycle_days)
    target = median(amounts) if amounts else portions * refill_model.PORTION_PRICE
    packs = {it.code: 0 for it in chosen}
    total = 0
    for _ in range(MAX_PACKS):
        added = False
        for it in chosen:
            price = it.price or refill_model.PORTION_PRICE * refill_model.PORTIONS_PER_PACK
            if total == 0 or total + price <= target * 1.15:
                packs[it.code] += 1
                total += price
                added = True
        if not added:
            break
    return [(it, packs[it.code]) for it in chosen if packs[it.code]]


def _nps(member: Person, p: Purchase, look: Lookups, value: float) -> Candidate:
    campaign = look.campaign(p.campaign_id)
    title = campaign.title if campaign else ""
    text = (
        f"{name(member)} 😊 第{p.campaign_id}團【{title}】的東西還滿意嗎？\n"
        "想請你幫個小忙：0～10 分，你有多願意推薦這個團購給親友？點下面的數字就好，謝謝你！"
    )
    quick = NPS_QUICK
    return Candidate(member.id, "nps", f"nps:{member.id}:{p.campaign_id}", p.at + NPS_AFTER, value,
                     f"第{p.campaign_id}團到貨後的推薦分數詢問", text, quick, {"campaign": p.campaign_id})


def _tip(look: Lookups, member: Person, p: Purchase, now: datetime, value: float) -> Candidate:
    tip = next((t for words, t in TIPS if any(w in n for n in p.items for w in words)), GENERIC_TIP)
    text = f"{name(member)} 😊 上次的東西吃得還順手嗎？分享一個小撇步：\n{tip}"
    open_now = look.open_campaign_for(member.id, now)
    if open_now is not None and open_now.id is not None:
        new = [it for it in look.items_of(open_now.id) if it.name not in p.items]
        if new:
            text += f"\n另外第{open_now.id}團有「{new[0].name}」，搭配起來也不錯，有興趣可以看看。"
    return Candidate(member.id, "tip", f"tip:{member.id}:{p.campaign_id}", p.at + TIP_AFTER, value,
                     f"第{p.campaign_id}團到貨一週的使用小撇步", text, STOP_QUICK)


def _vip(member: Person, third: Purchase, value: float) -> Candidate:
    text = (
        f"{name(member)} 🎉 這是你第三次跟我們的團了，真的很謝謝你的支持！\n"
        "想吃什麼、哪裡可以更好，都歡迎在群組跟團主說 😊"
    )
    return Candidate(member.id, "vip", f"vip:{member.id}", third.at, value, "第三次購買，熟客歡迎", text)


def _winback(member: Person, last: Purchase, campaign: Campaign, now: datetime, tz: ZoneInfo, value: float) -> Candidate:
    days = (now - last.at).days
    text = (
        f"{name(member)}，好久不見 😊 距離上次跟團大概 {days} 天了，最近還好嗎？\n"
        f"現在第{campaign.id}團【{campaign.title}】正在收單，有需要的話歡迎回群組看看。"
    )
    return Candidate(member.id, "winback", f"winback:{member.id}:{last.campaign_id}", last.at + WINBACK_AFTER, value,
                     f"{days} 天沒有購買", text, STOP_QUICK)
