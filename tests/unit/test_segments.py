"""Segment rules, their boundaries, RFM quintiles, and survey answer parsing (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.segments import SEGMENTS, Rfm, quintile_scores, rfm_scores, segment, segment_key
from services.survey_questions import SKIP, parse_answer, tag_for
from services.tags import care_tags


@pytest.mark.parametrize(
    ("count", "days", "expected"),
    [
        (0, 0, None),
        (1, 0, "new"), (1, 44, "new"), (1, 45, "at_risk"), (1, 89, "at_risk"), (1, 90, "dormant"),
        (2, 10, "active"), (2, 44, "active"),
        (3, 0, "vip"), (12, 44, "vip"), (3, 45, "at_risk"), (12, 90, "dormant"), (12, 400, "dormant"),
    ],
)
def test_segment_rules_and_boundaries(count: int, days: int, expected: str | None) -> None:
    assert segment(count, days) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [("沉睡", "dormant"), ("dormant", "dormant"), ("熟客VIP", "vip"), ("熟客", "vip"), ("VIP", "vip"),
     ("流失風險", "at_risk"), ("at_risk", "at_risk"), ("新客", "new"), ("活躍", "active"), ("不存在", None)],
)
def test_segment_names_in_chinese_or_english(text: str, key: str | None) -> None:
    assert segment_key(text) == key


def test_every_segment_has_a_chinese_label() -> None:
    assert SEGMENTS == {"new": "新客", "active": "活躍", "vip": "熟客VIP", "at_risk": "流失風險", "dormant": "沉睡"}


def test_quintiles_of_five_distinct_values_are_one_to_five() -> None:
    assert quintile_scores({"a": 10, "b": 30, "c": 20, "d": 50, "e": 40}) == {"a": 1, "c": 2, "b": 3, "e": 4, "d": 5}
    assert quintile_scores({"a": 10, "b": 30, "c": 20, "d": 50, "e": 40}, higher_is_better=False) == {
        "a": 5, "c": 4, "b": 3, "e": 2, "d": 1,
    }


def test_quintiles_of_ten_values_pair_up_and_ties_share_a_score() -> None:
    assert list(quintile_scores({n: n for n in range(10)}).values()) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_scores({"a": 1, "b": 1, "c": 1, "d": 1}) == {"a": 3, "b": 3, "c": 3, "d": 3}
    assert quintile_scores({"only": 7}) == {"only": 3}


@given(st.dictionaries(st.integers(), st.integers(min_value=0, max_value=10_000), min_size=1, max_size=60))
def test_quintiles_are_in_range_and_monotonic(values: dict[int, int]) -> None:
    scores = quintile_scores(values)
    assert set(scores.values()) <= {1, 2, 3, 4, 5}
    for a in values:
        for b in values:
            if values[a] < values[b]:
                assert scores[a] <= scores[b]
            if values[a] == values[b]:
                assert scores[a] == scores[b]


def test_rfm_recent_frequent_big_spender_scores_high() -> None:
    scores = rfm_scores(
        {"fan": 3, "lapsed": 120, "mid": 30}, {"fan": 9, "lapsed": 1, "mid": 3}, {"fan": 9000, "lapsed": 200, "mid": 900}
    )
    assert scores == {"fan": Rfm(5, 5, 5), "lapsed": Rfm(1, 1, 1), "mid": Rfm(3, 3, 3)}
    assert str(scores["fan"]) == "R5 F5 M5"


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("household_size", "四個人", "4"), ("household_size", "4人", "4"), ("household_size", "5人以上", "5"),
        ("household_size", "一家六口", "5"), ("household_size", "兩大一小", "3"), ("household_size", "獨居", "1"),
        ("household_size", "４", "4"), ("household_size", "0", None), ("household_size", "今天天氣真好", None),
        ("household_size", "已匯款 後五碼12345 540元", None),
        ("freezer_size", "中型", "medium"), ("freezer_size", "中", "medium"), ("freezer_size", "冷凍庫小", "small"),
        ("freezer_size", "大的", "large"), ("freezer_size", "大中小", None),
        ("meals_per_week", "一週三四次", "3-4"), ("meals_per_week", "每週1餐以下", "1"), ("meals_per_week", "2", "2"),
        ("meals_per_week", "每週5餐以上", "5+"), ("meals_per_week", "幾乎不吃", "1"), ("meals_per_week", "每天", "5+"),
        ("meals_per_week", "跳過", SKIP), ("freezer_size", "不想回答", SKIP), ("household_size", "略過", SKIP),
    ],
)
def test_survey_answers_typed_many_ways(key: str, text: str, value: str | None) -> None:
    assert parse_answer(key, text) == value


def test_survey_tags() -> None:
    assert [tag_for("household_size", v) for v in ("1", "4", "5")] == ["家庭1人", "家庭4人", "家庭5人以上"]
    assert tag_for("freezer_size", "medium") == "冷凍庫中"
    assert [tag_for("meals_per_week", v) for v in ("1", "2", "3-4", "5+")] == [
        "每週1餐以下", "每週2餐", "每週3-4餐", "每週5餐以上",
    ]


@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("家裡長輩要控鹽", ["家有長輩控鹽"]), ("每天加班", ["常加班"]), ("小孩很挑食", ["小孩挑食"]),
        ("A+2 B+1", []), ("我不是每天加班啦", []), ("阿嬤高血壓，A+1", ["家有長輩控鹽"]),
    ],
)
def test_care_phrases(text: str, tags: list[str]) -> None:
    assert care_tags(text) == tags
