"""The members' rich menu (圖文選單) in their 1:1 chat with the bot: which buttons, and the keyword each one sends.

Every button is a message action: tapping it sends its text as if the member typed it, so it does exactly what
that keyword does (the keyword table in handlers.commands); :func:`unknown_texts` is how a test keeps it so.
``groupbuy richmenu install`` (bot.cli.richmenu) draws the image and creates the menu through the Messaging API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.commands import KEYWORDS

WIDTH, HEIGHT = 2500, 1686  # LINE's large rich menu: two rows
COLUMNS, ROWS = 4, 2
NAME = "groupbuy 會員選單"
CHAT_BAR = "會員選單"  # shown on the chat bar (at most 14 characters)


@dataclass(frozen=True)
class MenuButton:
    """One tappable area: its label, a short hint under it, and the text it sends."""

    label: str
    hint: str
    text: str
    color: str  # the tile's background, #rrggbb


BUTTONS: tuple[MenuButton, ...] = (
    MenuButton("我的訂單", "訂了什麼、要付多少", "我的訂單", "#e8f5e9"),
    MenuButton("付款資訊", "應付金額與匯款回報", "付款資訊", "#fff3e0"),
    MenuButton("我的購物金", "下次應付自動折抵", "我的購物金", "#e3f2fd"),
    MenuButton("我的點數", "付款集點換購物金", "我的點數", "#f3e5f5"),
    MenuButton("填問卷", "3 題讓提醒更貼心", "填問卷", "#e0f7fa"),
    MenuButton("我的資料", "家庭資料與提醒設定", "我的資料", "#fffde7"),
    MenuButton("停止提醒", "不再收到補貨提醒", "停止提醒", "#fce4ec"),
    MenuButton("恢復提醒", "重新接收補貨提醒", "恢復提醒", "#f1f8e9"),
)


def cells() -> list[tuple[int, int, int, int]]:
    """Return each button's bounds (x, y, width, height), row by row; the last column takes the rounding."""
    width, height = WIDTH // COLUMNS, HEIGHT // ROWS
    out = []
    for n in range(len(BUTTONS)):
        row, col = divmod(n, COLUMNS)
        w = WIDTH - width * (COLUMNS - 1) if col == COLUMNS - 1 else width
        h = HEIGHT - height * (ROWS - 1) if row == ROWS - 1 else height
        out.append((col * width, row * height, w, h))
    return out


def rich_menu() -> dict[str, Any]:
    """Return the rich menu object LINE's create-rich-menu endpoint takes (every area a message action)."""
    areas = [
        {"bounds": {"x": x, "y": y, "width": w, "height": h},
         "action": {"type": "message", "label": b.label, "text": b.text}}
        for b, (x, y, w, h) in zip(BUTTONS, cells(), strict=True)
    ]
    return {"size": {"width": WIDTH, "height": HEIGHT}, "selected": True, "name": NAME, "chatBarText": CHAT_BAR,
            "areas": areas}


def unknown_texts() -> list[str]:
    """Return the buttons' texts the bot would not understand as a keyword (should be none)."""
    return [b.text for b in BUTTONS if b.text not in KEYWORDS]


def glyphs() -> str:
    """Return every character drawn on the image (the shipped font subset must hold them all)."""
    return "".join(sorted({ch for b in BUTTONS for ch in b.label + b.hint if not ch.isspace()}))
