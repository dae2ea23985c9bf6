"""Read one statement cell as a date, a time, an NT$ amount or a payer's last five account digits."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from parsers.statement_table import Cell

ROC_OFFSET = 1911
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 32_874, 110_000  # Excel day numbers for 1990-01-01 .. about 2201

_DATE = re.compile(
    r"^(?:民國)?\s*(\d{2,4})\s*[/\-.年]\s*(\d{1,2})\s*[/\-.月]\s*(\d{1,2})日?"
    r"(?:\s*T?\s*((?:上午|下午|AM|PM)?\s*\d{1,2}:\d{2}(?::\d{2})?))?"
)
_COMPACT_DATE = re.compile(r"^(\d{7,8})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$")
_TIME = re.compile(r"^(?:(上午|下午|AM|PM)\s*)?(\d{1,2}):(\d{2})(?::(\d{2}))?$|^(\d{2})(\d{2})(\d{2})?$")
_BLANK_AMOUNTS = {"", "*", "N/A", "NA", "NULL", "NONE", "無", "空白"}
_DASHES = re.compile(r"^[\-\u2010-\u2015\u2212\u2500\u30fc\uff0d_.~\s]+$")  # - ‐ – — ― − ─ ー － as "empty"
_AMOUNT_JUNK = re.compile(r"NT\$|NTD|TWD|新台幣|新臺幣|元|\$|,|\s")
_AMOUNT = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)([+-]?)$")
_BANK_CODE = re.compile(r"\(\s*\d{3}\s*\)|^\s*\d{3}\s*[-/]\s*(?=[\d*xX])")
_MASKED = re.compile(r"[*xX•●○◯#]{2,}\s*(\d{5,})(?!\d)")  # the mask, then the account's visible tail
_LONG_DIGITS = re.compile(r"(?<!\d)(\d{3}[-\s]?)?(\d{10,16})(?!\d)")
_LABELLED = re.compile(r"(?:後|末)\s*(?:五|5)\s*(?:碼|位)?\s*[:：]?\s*(\d{5})(?!\d)")
_FIVE = re.compile(r"(?<![\d.,:/])(\d{5})(?![\d.,:/])")


def plain(value: Cell) -> str:
    """Return the cell as half-width text ("" for empty)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(value: Cell) -> tuple[date, time | None] | None:
    """Read ``115/12/02``, ``1151202``, ``2026-12-02 10:15``, an Excel date or serial; None if not a date."""
    if isinstance(value, datetime):
        return value.date(), (value.time() if value.time() != time(0) else None)
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_number(value)
    text = plain(value).lstrip("* ")  # 玉山 and 兆豐 star transactions made after hours: *2026/12/02
    if match := _DATE.match(text):
        year, month, day, clock = match.groups()
        return _make_date(int(year), int(month), int(day), parse_time(clock) if clock else None)
    if match := _COMPACT_DATE.match(text):
        digits, hour, minute, second = match.groups()
        found = _from_number(int(digits))
        if found is None:
            return None
        return found[0], _clock(hour, minute, second)
    return None


def _from_number(number: float) -> tuple[date, time | None] | None:
    """Read a numeric date cell: an Excel serial day (46358.43), 1151202 (ROC) or 20261202."""
    if _SERIAL_MIN <= number < _SERIAL_MAX:
        moment = _EXCEL_EPOCH + timedelta(days=float(number))
        moment = moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))
        return moment.date(), (moment.time() if moment.time() != time(0) else None)
    if number != int(number):
        return None
    digits = str(int(number))
    if len(digits) == 7:
        return _make_date(int(digits[:3]), int(digits[3:5]), int(digits[5:]), None)
    if len(digits) == 8:
        return _make_date(int(digits[:4]), int(digits[4:6]), int(digits[6:]), None)
    return None


def _make_date(year: int, month: int, day: int, moment: time | None) -> tuple[date, time | None] | None:
    """Build a date, reading years below 1911 as ROC years; None if the day does not exist."""
    if year < ROC_OFFSET:
        year += ROC_OFFSET
    if not 1990 <= year <= 2200:
        return None
    try:
        return date(year, month, day), moment
    except ValueError:
        return None


def _clock(hour: str | None, minute: str | None, second: str | None) -> time | None:
    """Build a time from matched digits; None when absent or impossible."""
    if hour is None or minute is None:
        return None
    try:
        return time(int(hour), int(minute), int(second or 0))
    except ValueError:
        return None


def parse_time(value: Cell) -> time | None:
    """Read ``10:15``, ``10:15:30``, ``101530``, ``下午 02:05`` or an Excel time; None otherwise."""
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    text = plain(value)
    match = _TIME.match(text)
    if not match:
        return None
    half, hour, minute, second, c_hour, c_minute, c_second = match.groups()
    if hour is None:
        return _clock(c_hour, c_minute, c_second)
    hours = int(hour)
    if half in ("下午", "PM") and hours < 12:
        hours += 12
    elif half in ("上午", "AM") and hours == 12:
        hours = 0
    return _clock(str(hours), minute, second)


def parse_amount(value: Cell) -> int | None:
    """Read ``1,250``, ``$1,250.00``, ``-300``, ``(300)`` or a number as signed NT$; None when blank.

    Raises ValueError when the cell holds something that is not an amount.
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        text = plain(value)
        digits = text.replace(",", "")
        if digits.isdigit() and digits.isascii():
            return int(digits)  # the common cell, 1,250
        if text.upper() in _BLANK_AMOUNTS or _DASHES.match(text):
            return None
        negative = text.startswith("(") and text.endswith(")")
        text = _AMOUNT_JUNK.sub("", text.strip("()"))
        match = _AMOUNT.match(text)
        if not match:
            raise ValueError(text)
        sign_before, digits, sign_after = match.groups()
        try:
            number = Decimal(digits)
        except InvalidOperation as exc:
            raise ValueError(text) from exc
        if negative or "-" in (sign_before, sign_after):
            number = -number
    if not number.is_finite():
        raise ValueError(value)
    whole = int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return whole


def last5_from_account(value: Cell) -> str | None:
    """Take the last five digits of an account cell: ``(812)****12345``, ``822-00001234512345``, ``12345``."""
    text = _BANK_CODE.sub("", plain(value))
    if match := _MASKED.search(text):
        return match.group(1)[-5:]
    digits = re.sub(r"\D", "", text)
    return digits[-5:] if len(digits) >= 5 else None


def last5_from_memo(value: Cell) -> str | None:
    """Find a payer's account in free memo text (masked, full, or labelled 後五碼); None when absent."""
    text = plain(value)
    if not text:
        return None
    for pattern in (_MASKED, _LABELLED):
        if match := pattern.search(text):
            return match.group(1)[-5:]
    if match := _LONG_DIGITS.search(text):
        return match.group(2)[-5:]
    return None


def last5_standalone(value: Cell) -> str | None:
    """Find a lone five-digit number in a short memo (some banks print only the payer's last five)."""
    found = _FIVE.findall(plain(value))
    return found[0] if len(found) == 1 else None


def payer_name(value: Cell) -> str | None:
    """Read a payer-name cell (``王小明``, masked ``王*明``); None when it holds no name."""
    text = re.sub(r"\s+", "", plain(value))
    if not text or len(text) > 40 or not re.search(r"[^\d*\-/()]", text):
        return None
    return text
