"""A realistic campaign announcement and times around it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

TPE = ZoneInfo("Asia/Taipei")
OPENED_AT = datetime(2026, 12, 1, 10, 0, tzinfo=TPE)
DEADLINE = datetime(2026, 12, 20, 20, 0, tzinfo=TPE)

HOTPOT = """/開團
【冬季火鍋團】🔥
A. 高麗菜豬肉水餃 $180/包
B. 韭菜水餃 $200/包
C. 手工蛋捲 $250/盒 限量30盒
12/20 20:00 截單
12/25 到貨
留言 +1 喊單，例：A+2 B+1"""

VEGGIES = """/開團
【產地直送蔬菜團】
1. 高山高麗菜 一顆80
2. 有機菠菜 $60/包
明天中午12點收單"""


def ms(dt: datetime) -> int:
    """Return a webhook timestamp (ms since epoch)."""
    return int(dt.timestamp() * 1000)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> int:
    """Return the webhook timestamp of a December 2026 Taipei time."""
    return ms(datetime(2026, 12, day, hour, minute, second, tzinfo=TPE))
