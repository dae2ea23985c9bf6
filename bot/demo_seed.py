"""Demo data: about five months of closed group buys so a newcomer opens the 報表 page and sees it filled.

Only ``groupbuy demo`` calls it, on a database without campaigns. Everything is marked: campaign titles start
with 【示範】 and the members' LINE ids with ``Udemoseed``. The history is made by a fixed random seed relative to
``now`` (the same ``now`` gives the same rows): every campaign is closed and delivered, every purchase paid
(a matched deposit), reminders are recorded the way the scheduler records them, and members who were asked
the recommendation question answered it.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select

from infra.db import UnitOfWork
from models import (
    BankTransaction,
    Campaign,
    Group,
    Item,
    Member,
    OrderLine,
    PaymentClaim,
    ReminderSent,
    StatementImport,
    SurveyAnswer,
)
from services import directory
from services.purchases import TAIPEI, Purchase
from services.reminder_effect import due_moments

MARK = "【示範】"
ID_PREFIX = "Udemoseed"
CAMPAIGNS = 11  # one every two weeks, the last delivered a week ago
NAMES = ("張媽媽", "李小姐", "黃先生", "吳太太", "劉阿姨", "蔡小姐", "楊先生", "許媽媽", "鄭太太", "謝小姐",
         "郭先生", "洪阿姨", "邱小姐", "曾先生", "廖太太", "賴媽媽", "周小姐", "葉先生", "蘇太太", "潘小姐",
         "莊先生", "呂媽媽", "江小姐", "何先生", "羅阿姨", "高小姐", "簡太太", "范先生", "彭媽媽", "游小姐")
THEMES = ("冷凍水餃團", "舒肥雞胸團", "手工麵食團", "海鮮團", "火鍋料團", "港式點心團", "蔬菜箱團", "滷味團",
          "早餐團", "年菜預購團", "甜點團")
ITEMS = (("高麗菜豬肉水餃", 180), ("韭菜水餃", 180), ("舒肥雞胸", 250), ("鮭魚菲力", 320), ("手工蛋捲", 250),
         ("牛肉麵", 220), ("蘿蔔糕", 150), ("燒賣", 160), ("有機蔬菜箱", 399), ("鹹水雞", 200), ("芋頭西米露", 120))
SCORES = (10, 10, 9, 9, 9, 8, 8, 7, 6, 4)


@dataclass(frozen=True)
class Seeded:
    """What the seed put in: campaigns and members."""

    campaigns: int
    members: int


def seed_history(uow: UnitOfWork, now: datetime, *, group_line_id: str, group_name: str) -> Seeded:
    """Store the demo history (the caller commits) in the demo group; nothing if there are campaigns already."""
    if uow.session.exec(select(Campaign.id)).first() is not None:
        return Seeded(0, 0)
    rng = random.Random(24)
    group = directory.ensure_group(uow, group_line_id)
    group.name = group.name or group_name
    assert group.id is not None
    members = [_member(uow, rng, n, group) for n in range(len(NAMES))]
    taste = {m.id: rng.uniform(0.15, 0.6) for m in members}
    joins = {m.id: (n * CAMPAIGNS) // (len(NAMES) + 4) for n, m in enumerate(members)}  # newcomers month by month
    leaves = {m.id: rng.choice([CAMPAIGNS, CAMPAIGNS, rng.randrange(3, CAMPAIGNS)]) for m in members}
    statement = StatementImport(filename=f"{MARK}交易明細.csv", sha256="0" * 64, uploaded_by="demo", created_at=now)
    uow.session.add(statement)
    uow.session.flush()
    history: dict[int, list[Purchase]] = {m.id: [] for m in members if m.id is not None}
    handled: set[str] = set()
    today = now.astimezone(TAIPEI).date()
    for k in range(CAMPAIGNS):
        delivery = today - timedelta(days=7 + 14 * (CAMPAIGNS - 1 - k))
        campaign, items = _campaign(uow, rng, k, delivery, group.id)
        assert campaign.id is not None
        for member in members:
            assert member.id is not None
            if not joins[member.id] <= k < leaves[member.id]:
                continue
            nudged = _remind(uow, rng, member, history[member.id], campaign.opened_at, handled)
            if rng.random() >= min(0.95, taste[member.id] + (0.3 if nudged else 0.0)):
                continue
            basket = [(it, rng.choice((1, 1, 2, 3))) for it in rng.sample(items, rng.choice((1, 1, 2)))]
            at = campaign.opened_at + timedelta(minutes=rng.randrange(10, 3 * 24 * 60))
            for item, qty in basket:
                assert item.id is not None
                uow.session.add(OrderLine(campaign_id=campaign.id, item_id=item.id, member_id=member.id, qty=qty,
                                          confirmed_qty=qty, sent_at=at, pickup_status="picked",
                                          picked_up_at=campaign.arrived_at, created_at=at))
            amount = sum((item.price or 0) * qty for item, qty in basket)
            _paid(uow, member, campaign, amount, statement.id, at)
            purchase = Purchase(member.id, campaign.id, datetime.combine(delivery, time(0), tzinfo=TAIPEI), amount,
                                {it.name: q for it, q in basket})
            history[member.id].append(purchase)
            _asked(uow, rng, member, purchase, now)
    uow.session.flush()
    return Seeded(CAMPAIGNS, len(members))


def _member(uow: UnitOfWork, rng: random.Random, n: int, group: Group) -> Member:
    member = directory.ensure_member(uow, f"{ID_PREFIX}{n:024d}", group=group)
    member.display_name = NAMES[n]
    member.is_friend = n % 6 != 5
    member.reminders_opt_out = n % 5 == 2
    assert member.id is not None
    if n % 3 != 2:
        member.household_size = rng.choice((1, 2, 3, 4, 5))
        member.freezer_size = rng.choice(("small", "medium", "large"))
        member.meals_per_week = rng.choice(("1", "2", "3-4", "5+"))
        member.survey_completed_at = datetime(2026, 1, 1, tzinfo=UTC)
        for question in ("household_size", "freezer_size", "meals_per_week"):
            uow.session.add(SurveyAnswer(member_id=member.id, question=question, answer=str(getattr(member, question)),
                                         answered_at=member.survey_completed_at))
    uow.session.add(member)
    return member


def _campaign(uow: UnitOfWork, rng: random.Random, k: int, delivery: date, group_id: int) -> tuple[Campaign, list[Item]]:
    opened = datetime.combine(delivery - timedelta(days=8), time(20), tzinfo=TAIPEI)
    deadline = datetime.combine(delivery - timedelta(days=4), time(20), tzinfo=TAIPEI)
    campaign = Campaign(group_id=group_id, title=f"{MARK}{THEMES[k % len(THEMES)]}", status="closed", deadline=deadline,
                        delivery_date=delivery, opened_by="demo", opened_at=opened, closed_at=deadline,
                        arrived_at=datetime.combine(delivery, time(10), tzinfo=TAIPEI),
                        announcement=f"{MARK}這是示範資料，不是真的團。")
    uow.session.add(campaign)
    uow.session.flush()
    assert campaign.id is not None
    items = []
    for position, (name, price) in enumerate(rng.sample(ITEMS, 3)):
        item = Item(campaign_id=campaign.id, code="ABC"[position], name=name, price=price, position=position)
        uow.session.add(item)
        items.append(item)
    uow.session.flush()
    return campaign, items


def _remind(uow: UnitOfWork, rng: random.Random, member: Member, history: list[Purchase], opens: datetime,
            handled: set[str]) -> bool:
    """Record the refill/win-back reminders due up to this campaign (most sent, some cut by the quota)."""
    nudged = False
    for kind, key, due in due_moments(member, history, lead_days=3):
        if key in handled or not opens - timedelta(days=10) < due <= opens + timedelta(days=2):
            continue
        handled.add(key)
        if not member.is_friend or member.reminders_opt_out or rng.random() < 0.35:
            continue  # opted out, not a friend, or over the month's push budget: nothing recorded
        assert member.id is not None
        sent = due.replace(hour=10) if due.astimezone(TAIPEI).hour < 9 else due
        uow.session.add(ReminderSent(member_id=member.id, kind=kind, dedupe_key=key, retry_key=str(uuid.uuid4()),
                                     due_at=due, status="sent", created_at=sent, sent_at=sent,
                                     detail=json.dumps({"text": f"{MARK}提醒", "quick": []}, ensure_ascii=False)))
        nudged = True
    return nudged


def _paid(uow: UnitOfWork, member: Member, campaign: Campaign, amount: int, import_id: int | None, at: datetime) -> None:
    """Record the member's transfer claim and the matched deposit for one campaign."""
    assert member.id is not None and campaign.id is not None and import_id is not None
    last5 = f"{(member.id * 7919) % 100000:05d}"
    claim = PaymentClaim(member_id=member.id, campaign_id=campaign.id, last5=last5, amount=amount, status="matched",
                         claimed_at=at + timedelta(hours=2), created_at=at + timedelta(hours=2))
    uow.session.add(claim)
    uow.session.flush()
    assert campaign.deadline is not None
    booked = campaign.deadline.astimezone(TAIPEI).date() + timedelta(days=1)
    uow.session.add(BankTransaction(fingerprint=f"demo-{member.id}-{campaign.id}", import_id=import_id, booked_on=booked,
                                    amount=amount, direction="in", last5=last5, memo=f"{MARK}轉帳",
                                    matched_member_id=member.id, matched_claim_id=claim.id, status="matched",
                                    campaign_id=campaign.id, decided_by="auto", matched_at=at + timedelta(days=2)))


def _asked(uow: UnitOfWork, rng: random.Random, member: Member, purchase: Purchase, now: datetime) -> None:
    """Record the recommendation question a day after delivery, and most friends' answers."""
    asked = purchase.at + timedelta(days=1, hours=19)
    if not member.is_friend or member.reminders_opt_out or asked > now or rng.random() < 0.3:
        return
    assert member.id is not None
    detail: dict[str, object] = {"text": f"{MARK}推薦分數", "quick": [], "campaign": purchase.campaign_id}
    if rng.random() < 0.75:
        detail["score"] = score = rng.choice(SCORES)
        uow.session.add(SurveyAnswer(member_id=member.id, question="nps", answer=str(score),
                                     answered_at=asked + timedelta(hours=1)))
    uow.session.add(ReminderSent(member_id=member.id, kind="nps", dedupe_key=f"nps:{member.id}:{purchase.campaign_id}",
                                 retry_key=str(uuid.uuid4()), due_at=asked, status="sent", created_at=asked,
                                 sent_at=asked, detail=json.dumps(detail, ensure_ascii=False)))
