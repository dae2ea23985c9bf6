"""The member profile card: a LINE Flex bubble built from a profile (no database access)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from infra.messages import Flex
from models import Member
from services.profiles import Profile
from services.purchases import TAIPEI
from services.survey import answers

SEGMENT_COLORS = {"new": "#1E88E5", "active": "#43A047", "vip": "#F9A825", "at_risk": "#FB8C00", "dormant": "#757575"}
GREY = "#888888"


def _date(value: datetime | None) -> str:
    return value.astimezone(TAIPEI).strftime("%Y/%m/%d") if value else "—"


def _row(label: str, value: str) -> dict[str, Any]:
    return {
        "type": "box",
        "layout": "baseline",
        "spacing": "sm",
        "contents": [
            {"type": "text", "text": label, "size": "sm", "color": GREY, "flex": 2},
            {"type": "text", "text": value or "—", "size": "sm", "wrap": True, "flex": 5},
        ],
    }


def profile_card(member: Member, name: str, profile: Profile, tags: list[str]) -> Flex:
    """Return the host-facing profile card for one member."""
    top = "、".join(f"{item}×{qty}" for item, qty in list(profile.items.items())[:3])
    interval = f"約 {profile.avg_interval_days:g} 天" if profile.avg_interval_days is not None else "—"
    household = "／".join(f"{q} {a}" for q, a in answers(member))
    rows = [
        _row("下單", f"{profile.orders} 次"),
        _row("消費", f"NT${profile.spent:,}"),
        _row("首次／最近", f"{_date(profile.first_order_at)}／{_date(profile.last_order_at)}"),
        _row("回購間隔", interval),
        _row("常買", top or "—"),
        _row("家庭", household),
        _row("標籤", "、".join(tags) or "—"),
        _row("下次補貨", _date(profile.next_refill_at)),
        _row("提醒", ("已暫停" if member.reminders_opt_out else "開啟") + ("" if member.is_friend else "（未加好友）")),
    ]
    subtitle = profile.segment_label + (f"・{profile.rfm}" if profile.rfm else "")
    contents = {
        "type": "bubble",
        "header": {
            "type": "box",
            "layout": "vertical",
            "backgroundColor": SEGMENT_COLORS.get(profile.segment or "", "#9E9E9E"),
            "contents": [
                {"type": "text", "text": name, "weight": "bold", "size": "lg", "color": "#FFFFFF", "wrap": True},
                {"type": "text", "text": subtitle, "size": "sm", "color": "#FFFFFF"},
            ],
        },
        "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": rows},
    }
    alt = f"{name}：{profile.segment_label}，下單 {profile.orders} 次，消費 NT${profile.spent:,}"
    return Flex(alt_text=alt, contents=contents)
