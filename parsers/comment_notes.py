"""Notes a member adds to an order line (``A+1 不要辣``, ``備註：分開裝``): cut out and kept, not chit-chat."""

from __future__ import annotations

import re
from collections.abc import Sequence

_TOPPINGS = (
    "辣椒|辣|蔥花|青蔥|蔥|香菜|蒜頭|蒜|冰塊|冰|糖|醬料|醬汁|醬|胡椒|洋蔥|芹菜|薑|醋|美乃滋|番茄醬|芥末|九層塔|"
    "花生|湯|飯|麵|香油|麻油|酸菜|芝麻|海苔|起司"
)
_NOTE = re.compile(
    rf"""
    備註\s*[:：]?\s*(?P<free>[^\n]+)
    | (?:不要|不加|不用|免|去|少|多|加|微|半|無|小|中|大|不)(?:{_TOPPINGS})(?:的|一點|一些)?
    | (?:{_TOPPINGS})(?:少一點|多一點|少|多|加量|減半)
    | 去殼|剝殼
    | 分開(?:裝|包|放|打包)|分裝|一起(?:裝|包)|(?:要|不要|不用)(?:袋子|提袋|塑膠袋|餐具|發票)|統編\s*\d{{8}}
    | 切(?:段|塊|片|好|開)|不要切|不切|去(?:頭|骨|皮|鱗|內臟)|殺好|真空(?:包裝)?|冷凍|冷藏
    | 晚點(?:拿|取|付)|自取|面交|宅配|超商取貨
    """,
    re.VERBOSE,
)
_QUICK = re.compile(
    rf"備註|(?:{_TOPPINGS})|分|殼|一起|袋|發票|統編|切|殺|真空|冷|晚點|自取|面交|宅配|超商"
)


def cut_notes(text: str, keep: Sequence[str]) -> tuple[str, list[tuple[int, str]]]:
    """Return text without its notes, and each note with the index of the line it stood on.

    Phrases inside one of ``keep`` (the campaign's item and variant names: 無糖豆漿, 小辣) stay in the text.
    """
    if not _QUICK.search(text):
        return text, []
    notes: list[tuple[int, str]] = []
    pieces: list[str] = []
    last = 0
    for match in _NOTE.finditer(text):
        phrase = match.group()
        if any(phrase in name for name in keep):
            continue
        note = (match.group("free") or phrase).strip(" ，,、。)）")
        if not note:
            continue
        notes.append((text.count("\n", 0, match.start()), note))
        pieces.append(text[last : match.start()])
        pieces.append(" ")
        last = match.end()
    if not notes:
        return text, []
    pieces.append(text[last:])
    return "".join(pieces), notes
