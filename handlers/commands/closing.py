"""``/設定 截單提醒 回覆|推播|關``: how a group hears that a campaign closes soon (a /設定 section).

回覆 (the default): the first reply in the last two hours carries ``⏰ 再 N 分鐘截單`` (free). 推播: that, and one push
to the group between two hours and thirty minutes before the deadline (costs one message per group member). 關:
neither.
"""

from __future__ import annotations

from handlers.context import EventContext
from models import Group
from services import closing_soon

SETTING_KEYS = ("截單提醒",)
SETTING_USAGE = "/設定 截單提醒 回覆|推播|關"
WORDS = {"回覆": "reply", "開": "reply", "推播": "push", "關": "off", "關閉": "off"}
SAID = {"reply": "回覆（截單前 2 小時內第一則回覆附上提醒，免費）",
        "push": "推播（另在截單前 2 小時～30 分鐘推播一次；群組推播每位成員各算一則額度）",
        "off": "關"}


def change_setting(ctx: EventContext, group: Group, key: str, value: str) -> str | None:
    """Apply ``/設定 截單提醒 回覆|推播|關``; return an error to reply, or None when applied."""
    assert group.id is not None
    mode = WORDS.get(value.strip())
    if mode is None:
        return ("用法：/設定 截單提醒 回覆（截單前 2 小時內的回覆附上提醒，免費）、"
                "/設定 截單提醒 推播（再加推播一次，群組推播每位成員各算一則訊息額度）、/設定 截單提醒 關。")
    closing_soon.set_mode(ctx.uow, group.id, mode)
    return None


def settings_lines(ctx: EventContext, group: Group) -> list[str]:
    """Return the closing-soon setting for the ``/設定`` overview."""
    assert group.id is not None
    return [f"截單提醒：{SAID[closing_soon.mode_of(ctx.uow, group.id)]}"]
