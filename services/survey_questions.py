"""The three onboarding questions and how typed or tapped answers map to stored values (pure)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

SKIP = "skip"
SKIP_WORDS = frozenset({"跳過", "略過", "跳過這題", "不想回答", "不回答", "下一題", "pass", "skip", "不知道", "不確定"})
MAX_ANSWER_CHARS = 12  # longer texts are conversations (orders, payment reports), not answers


@dataclass(frozen=True)
class Option:
    """One quick-reply choice: the button label, the text the tap sends, and the stored value."""

    label: str
    text: str
    value: str


@dataclass(frozen=True)
class Question:
    """One onboarding question."""

    key: str  # household_size | freezer_size | meals_per_week
    prompt: str
    options: tuple[Option, ...]


QUESTIONS: tuple[Question, ...] = (
    Question(
        "household_size",
        "1/3 家裡平常幾個人一起吃飯呢？",
        (
            Option("1人", "1人", "1"),
            Option("2人", "2人", "2"),
            Option("3人", "3人", "3"),
            Option("4人", "4人", "4"),
            Option("5人以上", "5人以上", "5"),
        ),
    ),
    Question(
        "freezer_size",
        "2/3 家裡冷凍庫大概多大？（小：一般小冰箱上層；中：雙門冰箱；大：大冰箱或有冷凍櫃）",
        (
            Option("小", "冷凍庫小", "small"),
            Option("中", "冷凍庫中", "medium"),
            Option("大", "冷凍庫大", "large"),
        ),
    ),
    Question(
        "meals_per_week",
        "3/3 一週大概吃幾餐冷凍調理食品？",
        (
            Option("1餐以下", "每週1餐以下", "1"),
            Option("2餐", "每週2餐", "2"),
            Option("3-4餐", "每週3-4餐", "3-4"),
            Option("5餐以上", "每週5餐以上", "5+"),
        ),
    ),
)
BY_KEY = {q.key: q for q in QUESTIONS}
# Frozen meals a week as a number, the midpoint of each answer: "1" (1 or fewer) → 1, "3-4" → 3.5; the open-ended
# "5+" counts as its lower bound, 5 (a household eating more is rare, and a higher guess would overstate it).
MEALS_MIDPOINT: dict[str, float] = {"1": 1, "2": 2, "3-4": 3.5, "5+": 5}
FREEZER_LABELS = {"small": "小", "medium": "中", "large": "大"}
_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "兩": 2, "两": 2, "二": 2, "貳": 2, "三": 3, "參": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUM = r"\d+|[一二兩两三四五六七八九十]"
_WEEK = re.compile(r"(一|每|1)?(個)?(週|周|禮拜|星期|week)")
_NOISE = re.compile(r"[\s,，。.!！~～?？:：、()（）\-－~]+")


def next_question(key: str | None) -> Question | None:
    """Return the question after ``key`` (the first when ``key`` is None), or None at the end."""
    if key is None:
        return QUESTIONS[0]
    keys = [q.key for q in QUESTIONS]
    i = keys.index(key)
    return QUESTIONS[i + 1] if i + 1 < len(QUESTIONS) else None


def parse_answer(key: str, text: str) -> str | None:
    """Return the stored value for an answer to question ``key``, ``SKIP``, or None when unclear."""
    norm = unicodedata.normalize("NFKC", text).strip().lower()
    if not norm or len(norm) > MAX_ANSWER_CHARS:
        return None
    if _NOISE.sub("", norm) in SKIP_WORDS:
        return SKIP
    parse = {"household_size": _household, "freezer_size": _freezer, "meals_per_week": _meals}[key]
    return parse(norm)


def _numbers(text: str) -> list[int]:
    """Return the numbers written with digits or Chinese numerals (一 … 十, 兩)."""
    found = [int(n) for n in re.findall(r"\d+", text)]
    found += [_DIGITS[ch] for ch in text if ch in _DIGITS]
    return found


def _household(text: str) -> str | None:
    if re.search(r"獨居|自己住|一個人|單身|^自己$", text):
        return "1"
    pair = re.search(rf"({_NUM})大({_NUM})小", text)
    counted = re.search(rf"({_NUM})(個)?(人|口)", text)
    if pair:
        total = sum(_numbers(pair.group(1)) + _numbers(pair.group(2)))
    elif counted:
        total = _numbers(counted.group(1))[0]
    elif re.fullmatch(rf"{_NUM}(以上)?", text):
        total = _numbers(text)[0]
    else:
        return None
    if not 1 <= total <= 20:
        return None
    return str(min(total, 5))


def _freezer(text: str) -> str | None:
    rest = re.sub(r"冷凍庫|冷凍櫃|冰箱|的|型|號|size", "", text)
    if rest in {"small", "s"}:
        return "small"
    if rest in {"medium", "m", "普通", "一般", "雙門"}:
        return "medium"
    if rest in {"large", "l", "超大", "很大", "有冷凍櫃", "獨立冷凍櫃"}:
        return "large"
    sizes = {"小": "small", "中": "medium", "大": "large"}
    hits = {sizes[ch] for ch in rest if ch in sizes}
    return hits.pop() if len(hits) == 1 else None


def _meals(text: str) -> str | None:
    if re.search(r"每天|天天|每餐", text):
        return "5+"
    if re.search(r"很少|幾乎不|偶爾|不太吃|沒有|不吃", text):
        return "1"
    nums = _numbers(_WEEK.sub("", text).replace("以下", "").replace("以上", ""))
    if not nums:
        return None
    n = max(nums)
    if n > 21:
        return None
    if n <= 1:
        return "1"
    if n == 2:
        return "2"
    return "3-4" if n <= 4 else "5+"


def tag_for(key: str, value: str) -> str:
    """Return the survey tag for an answer (``家庭4人``, ``冷凍庫中``, ``每週3-4餐``)."""
    if key == "household_size":
        return "家庭5人以上" if value == "5" else f"家庭{value}人"
    if key == "freezer_size":
        return f"冷凍庫{FREEZER_LABELS[value]}"
    return {"1": "每週1餐以下", "5+": "每週5餐以上"}.get(value, f"每週{value}餐")


def describe(key: str, value: str | None) -> str:
    """Return an answer as the member would say it (``4人``, ``中``, ``3-4餐``; 未填 when empty)."""
    if value is None:
        return "未填"
    if key == "household_size":
        return "5人以上" if value == "5" else f"{value}人"
    if key == "freezer_size":
        return FREEZER_LABELS.get(value, value)
    return {"1": "1餐以下", "5+": "5餐以上"}.get(value, f"{value}餐")
