"""Recognise a member's transfer report (已匯款 後五碼12345 540元) in a group comment."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

PaymentStatus = Literal["payment", "incomplete", "none"]


@dataclass(frozen=True)
class PaymentResult:
    """What a comment says about a transfer: a claim, a report missing its digits, or nothing."""

    status: PaymentStatus
    last5: str | None
    amount: int | None


NONE = PaymentResult("none", None, None)

# Simplified forms members type (or their keyboards produce) folded onto the Traditional ones.
_FOLD = str.maketrans(
    {
        "汇": "匯", "转": "轉", "账": "帳", "賬": "帳", "后": "後", "码": "碼", "额": "額",
        "块": "塊", "号": "號", "尾": "末", "伍": "五", "经": "經", "钱": "錢", "过": "過",
        "请": "請", "问": "問", "吗": "嗎", "没": "沒", "还": "還", "该": "該", "么": "麼",
        "帐": "帳", "户": "戶", "结": "結", "缴": "繳", "费": "費", "给": "給", "试": "試",
        "\u3000": " ", "\ufe0f": None, "\u20e3": None, "\u200b": None,
    }
)

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# A completed transfer: 已匯款, 已經轉帳了, 剛匯, 匯款完成, 轉好了, 付款完成, ATM 轉了 …
_REPORT = re.compile(
    r"(?:已經?|剛剛?|剛才|有)\s*(?:用\s*(?:ATM|網銀|網路銀行)\s*)?(?:匯|轉|付|繳)(?:款|帳|錢|費)?"
    r"|(?:匯|轉)(?:款|帳|錢)?\s*(?:完成|完畢|好了|好囉|好嘍|好喔|過去了|過去囉|了|囉)"
    r"|(?:付款|繳費|繳款)\s*(?:完成|完畢|好了|了)"
    r"|(?:匯|轉)\s*(?:" + _NUM + r")\s*(?:元|塊|圓)?\s*(?:了|囉|完成)"
    r"|(?:匯款|轉帳)\s*(?:通知|回報)"
    r"|(?:ATM|網銀|網路銀行)\s*(?:匯款|轉帳)"
)
# Not done yet: 還沒匯款, 尚未轉帳, 明天匯, 等等匯.
_NOT_YET = re.compile(
    r"(?:還沒|沒有|尚未|未|不|明天|晚點|晚一點|等等|等一下|稍後|待會|下班|會|要|再)\s*(?:再\s*)?(?:匯|轉|付|繳)"
)
_QUESTION = re.compile(r"[?？]|嗎|請問|哪裡|哪個|哪家|多少|幾號|怎麼|什麼|甚麼|是否|可以.{0,6}嗎|呢\s*$")

# "後五碼", "末5碼", "帳號後五位", "後五" followed (after a separator) by the digits.
_LABEL = r"(?:後|末)\s*(?:五|5)\s*(?:碼|位數?|號|字)?"
_LABEL_THEN_DIGITS = re.compile(_LABEL + r"\s*(?:是|為|:|=|-|：|,|，|/)*\s*(?:[*xX]+\s*)?(\d+)")
_DIGITS_THEN_LABEL = re.compile(r"(?<![\d.$])(?<!\d,)(\d{5})\s*[(（\[]?\s*(?:為|是)?\s*" + _LABEL)
_HAS_LABEL = re.compile(r"(?:後|末)\s*(?:五\s*(?:碼|位|號|字)?|5\s*(?:碼|位|號|字))")
# A masked or full account: (812)****12345, 822-0000123456712345, 帳號 0001234567812345.
_MASKED = re.compile(r"[*xX＊•●]{2,}\s*(\d{5})(?!\d)")
_ACCOUNT = re.compile(r"(?:帳號|帳戶|戶頭|卡號)\s*(?:是|為|:|：)?\s*((?:\(\d{3}\)|\d{3}-)?[\d\-]{9,22}\d)")
_BARE5 = re.compile(r"(?<![\d.$/:\-])(?<!\d,)(\d{5})(?![\d,./:\-]|\s*(?:元|塊|圓|NT|TWD|台幣|臺幣))")

_NOT_COUNT = r"(?!\s*(?:份|包|盒|組|個|入|件|袋|瓶|箱|斤|條|顆|片|筆|次|人))"
_AMOUNT_LABELLED = re.compile(
    r"(?:金額|總額|總共|總計|合計|共計|共|一共|總金額|匯款金額|轉帳金額|付了|付|匯了|匯|轉了|轉)"
    r"\s*(?:是|為|:|：|=)?\s*(?:NT\$|NTD|TWD|\$|新台幣|新臺幣|台幣|臺幣)?\s*(" + _NUM + r")(?!\d)" + _NOT_COUNT
)
_AMOUNT_CURRENCY = re.compile(r"(?:NT\$|NTD|TWD|\$|新台幣|新臺幣|台幣|臺幣)\s*(" + _NUM + r")(?!\d)")
_AMOUNT_UNIT = re.compile(r"(?<![\d.])(?<!\d,)(" + _NUM + r")\s*(?:元|塊|圓|NT|TWD)")
_AMOUNT_BARE = re.compile(
    r"(?<![\d.$/:\-+*xX×A-Za-z])(?<!\d,)([1-9]\d{0,2}(?:,\d{3})+|[1-9]\d{1,5})"
    r"(?![\d,./:\-+%A-Za-z]|\s*(?:點|號|月|日|個|份|包|盒|組|入|歲|%))")


def normalise(text: str) -> str:
    """Fold full-width characters, Simplified forms and keycap emoji onto plain half-width text."""
    # A full-width comma separates phrases (後五碼12345，540元); keep it from reading as a thousands separator.
    return unicodedata.normalize("NFKC", text.replace("，", "、")).translate(_FOLD)


def _to_int(number: str) -> int | None:
    """Turn ``1,250`` or ``540.00`` into an int; None for fractions or zero."""
    whole, _, fraction = number.replace(",", "").partition(".")
    if fraction.strip("0") or not whole:
        return None
    value = int(whole)
    return value if value > 0 else None


def _find_last5(text: str) -> tuple[str | None, tuple[int, int] | None, bool]:
    """Return (last5, its span, whether the member labelled it) — last5 None when not exactly five digits."""
    wrong: tuple[int, int] | None = None
    for match in _LABEL_THEN_DIGITS.finditer(text):
        if len(match.group(1)) == 5:
            return match.group(1), match.span(1), True
        wrong = wrong or match.span(1)
    for pattern in (_DIGITS_THEN_LABEL, _MASKED):
        found = pattern.search(text)
        if found:
            return found.group(1), found.span(1), True
    account = _ACCOUNT.search(text)
    if account:
        digits = re.sub(r"\(\d{3}\)|\D", "", account.group(1))
        if len(digits) >= 10:
            return digits[-5:], account.span(1), True
    if wrong or _HAS_LABEL.search(text):
        return None, wrong, True
    bare = [m for m in _BARE5.finditer(text) if not _is_amount_context(text, m.start())]
    if len(bare) == 1:
        return bare[0].group(1), bare[0].span(1), False
    return None, None, False


def _is_amount_context(text: str, start: int) -> bool:
    """Tell whether the number starting at ``start`` is introduced as an amount (金額, 共, $)."""
    before = text[max(0, start - 6) : start].rstrip(" :：=是為")
    return bool(re.search(r"(?:金額|總額|總共|總計|合計|共計|共|\$|NTD?|TWD|台幣|臺幣)$", before))


def _find_amount(text: str, used: tuple[int, int] | None) -> int | None:
    """Return the stated amount, skipping the digits already taken as the last five."""

    def free(match: re.Match[str]) -> bool:
        return used is None or match.end(1) <= used[0] or match.start(1) >= used[1]

    for pattern in (_AMOUNT_LABELLED, _AMOUNT_CURRENCY, _AMOUNT_UNIT):
        for match in pattern.finditer(text):
            if free(match) and (value := _to_int(match.group(1))) is not None:
                return value
    bare = [m for m in _AMOUNT_BARE.finditer(text) if free(m) and len(m.group(1).replace(",", "")) >= 2]
    if len(bare) == 1:
        return _to_int(bare[0].group(1))
    return None


def parse_payment(text: str) -> PaymentResult:
    """Read a comment as a transfer claim (status payment), a report without digits (incomplete) or none."""
    plain = normalise(text)
    if not plain.strip():
        return NONE
    reported = _REPORT.search(plain) is not None and not _NOT_YET.search(plain)
    asked = _QUESTION.search(plain) is not None
    last5, span, labelled = _find_last5(plain)
    if last5 is not None and (labelled or reported):
        if asked and not reported and not labelled:
            return NONE
        return PaymentResult("payment", last5, _find_amount(plain, span))
    if reported and not asked:
        return PaymentResult("incomplete", None, _find_amount(plain, span))
    return NONE
