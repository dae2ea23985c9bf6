"""The onboarding survey end to end: follow, quick-reply taps, typed answers, skip, redo, refollow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from infra.db import UnitOfWork
from infra.messages import Text
from models import Member, MemberTag, SurveyAnswer
from models.base import utcnow
from services import survey
from tests.conftest import Webhook
from tests.factories.orders import add_member
from tests.factories.webhook import GROUP_ID, body, follow_event, member_id, postback_event, text_event, unfollow_event
from tests.fakes import FakeMessenger

ALICE = member_id(21)


def say(webhook: Webhook, text: str, user: str = ALICE, group: str | None = None) -> None:
    """Send a text from a member in the 1:1 chat (or a group)."""
    assert webhook.post(body(text_event(text, user_id=user, group_id=group))).status_code == 200


def last(messenger: FakeMessenger) -> Text:
    """Return the last message of the last reply."""
    message = messenger.replies[-1][1][-1]
    assert isinstance(message, Text)
    return message


def member(uow: UnitOfWork, user: str = ALICE) -> Member:
    """Return a detached fresh copy of the member row (and end the read, so SQLite's write lock is free)."""
    uow.session.expire_all()
    row = uow.session.exec(select(Member).where(Member.line_user_id == user)).one()
    uow.session.expunge(row)
    uow.rollback()
    return row


def tag_rows(uow: UnitOfWork, m: Member) -> dict[str, str]:
    """Return the member's accepted tags and their sources."""
    rows = uow.session.exec(select(MemberTag).where(MemberTag.member_id == m.id)).all()
    found = {r.tag: r.source for r in rows if r.accepted}
    uow.rollback()
    return found


def history(uow: UnitOfWork, m: Member) -> list[tuple[str, str | None]]:
    """Return (question, answer) history rows in order."""
    rows = uow.session.exec(
        select(SurveyAnswer).where(SurveyAnswer.member_id == m.id).order_by(col(SurveyAnswer.id))
    ).all()
    found = [(r.question, r.answer) for r in rows]
    uow.rollback()
    return found


def test_follow_asks_three_questions_by_quick_reply_and_stores_the_taps(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    webhook.post(body(follow_event(ALICE)))
    welcome, first = messenger.replies[-1][1]
    assert isinstance(welcome, Text) and "謝謝你加我好友" in welcome.text
    assert isinstance(first, Text) and "幾個人" in first.text
    assert [q.label for q in first.quick_replies] == ["1人", "2人", "3人", "4人", "5人以上", "跳過"]
    assert all(q.postback_data is None and q.text for q in first.quick_replies)  # message actions

    tap = {q.label: q.text or "" for q in first.quick_replies}["4人"]
    say(webhook, tap)
    second = last(messenger)
    assert "冷凍庫" in second.text and "4人" in second.text
    assert [q.label for q in second.quick_replies] == ["小", "中", "大", "跳過"]
    say(webhook, {q.label: q.text or "" for q in second.quick_replies}["中"])
    third = last(messenger)
    assert "幾餐" in third.text
    assert [q.label for q in third.quick_replies] == ["1餐以下", "2餐", "3-4餐", "5餐以上", "跳過"]
    say(webhook, {q.label: q.text or "" for q in third.quick_replies}["3-4餐"])
    assert "問卷完成" in last(messenger).text

    m = member(uow)
    assert (m.household_size, m.freezer_size, m.meals_per_week) == (4, "medium", "3-4")
    assert m.survey_step is None and m.survey_completed_at is not None and m.is_friend
    assert history(uow, m) == [("household_size", "4"), ("freezer_size", "medium"), ("meals_per_week", "3-4")]
    assert tag_rows(uow, m) == {"家庭4人": "survey", "冷凍庫中": "survey", "每週3-4餐": "survey"}


@pytest.mark.parametrize(
    ("typed", "expected", "tags"),
    [
        (("四個人", "中型", "一週三四次"), (4, "medium", "3-4"), {"家庭4人", "冷凍庫中", "每週3-4餐"}),
        (("兩大一小", "小", "很少"), (3, "small", "1"), {"家庭3人", "冷凍庫小", "每週1餐以下"}),
        (("一家六口", "大的", "每天都吃"), (5, "large", "5+"), {"家庭5人以上", "冷凍庫大", "每週5餐以上"}),
        (("2", "中", "兩次"), (2, "medium", "2"), {"家庭2人", "冷凍庫中", "每週2餐"}),
    ],
)
def test_typed_answers_that_mean_the_same_count(
    webhook: Webhook, uow: UnitOfWork, typed: tuple[str, str, str], expected: tuple, tags: set[str]
) -> None:
    webhook.post(body(follow_event(ALICE)))
    for text in typed:
        say(webhook, text)
    m = member(uow)
    assert (m.household_size, m.freezer_size, m.meals_per_week) == expected
    assert set(tag_rows(uow, m)) == tags


def test_skip_leaves_the_answer_empty_and_moves_on(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    webhook.post(body(follow_event(ALICE)))
    say(webhook, "4人")
    say(webhook, "跳過")
    assert "跳過" in last(messenger).text and "幾餐" in last(messenger).text
    say(webhook, "每週2餐")
    m = member(uow)
    assert (m.household_size, m.freezer_size, m.meals_per_week) == (4, None, "2")
    assert m.survey_completed_at is not None
    assert history(uow, m)[1] == ("freezer_size", None)
    assert set(tag_rows(uow, m)) == {"家庭4人", "每週2餐"}


def test_unclear_answer_asks_the_same_question_again(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    webhook.post(body(follow_event(ALICE)))
    say(webhook, "嗯我想想看喔")
    assert "沒看懂" in last(messenger).text and "幾個人" in last(messenger).text
    say(webhook, "已匯款 後五碼12345 540元")  # a long text is never taken as an answer
    m = member(uow)
    assert m.survey_step == "household_size" and m.household_size is None


def test_redo_replaces_the_tags_and_keeps_the_history(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    webhook.post(body(follow_event(ALICE)))
    for text in ("4人", "冷凍庫中", "每週3-4餐"):
        say(webhook, text)
    say(webhook, "問卷")
    assert "幾個人" in last(messenger).text
    for text in ("2人", "冷凍庫大", "跳過"):
        say(webhook, text)
    m = member(uow)
    assert (m.household_size, m.freezer_size, m.meals_per_week) == (2, "large", "3-4")
    assert tag_rows(uow, m) == {"家庭2人": "survey", "冷凍庫大": "survey", "每週3-4餐": "survey"}
    assert len(history(uow, m)) == 6


def test_my_answers_in_the_chat_and_a_privacy_hint_in_a_group(
    webhook: Webhook, messenger: FakeMessenger
) -> None:
    webhook.post(body(follow_event(ALICE)))
    for text in ("四個人", "中", "跳過"):
        say(webhook, text)
    say(webhook, "我的資料")
    text = last(messenger).text
    assert "家中人數：4人" in text and "冷凍庫：中" in text and "每週冷凍餐：未填" in text
    say(webhook, "我的資料", group=GROUP_ID)
    assert "私訊" in last(messenger).text and "4人" not in last(messenger).text


def test_survey_answers_are_only_taken_in_the_one_to_one_chat(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    webhook.post(body(follow_event(ALICE)))
    replies = len(messenger.replies)
    say(webhook, "4人", group=GROUP_ID)
    assert member(uow).household_size is None and len(messenger.replies) == replies
    say(webhook, "問卷", group=GROUP_ID)
    assert "私訊" in last(messenger).text


def test_unfollow_then_refollow_greets_without_asking_again(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    webhook.post(body(follow_event(ALICE)))
    for text in ("4人", "中", "3-4"):
        say(webhook, text)
    webhook.post(body(unfollow_event(ALICE)))
    assert member(uow).is_friend is False
    webhook.post(body(follow_event(ALICE)))
    (greeting,) = messenger.replies[-1][1]
    assert isinstance(greeting, Text) and "歡迎回來" in greeting.text and not greeting.quick_replies
    m = member(uow)
    assert m.is_friend is True and m.survey_step is None and len(history(uow, m)) == 3


def test_refollow_before_finishing_starts_the_survey_again(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    webhook.post(body(follow_event(ALICE)))
    say(webhook, "4人")
    webhook.post(body(unfollow_event(ALICE)))
    webhook.post(body(follow_event(ALICE)))
    assert "幾個人" in last(messenger).text
    assert member(uow).survey_step == "household_size"


def test_postback_answers_are_accepted_in_the_chat(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    webhook.post(body(follow_event(ALICE)))
    webhook.post(body(postback_event("action=survey&q=household_size&v=2", user_id=ALICE)))
    assert "冷凍庫" in last(messenger).text
    webhook.post(body(postback_event("action=survey&q=household_size&v=3", user_id=ALICE)))  # stale button
    assert "過期" in last(messenger).text
    webhook.post(body(postback_event("action=survey&q=freezer_size&v=skip", user_id=ALICE)))
    webhook.post(body(postback_event("action=survey&q=meals_per_week&v=5%2B", user_id=ALICE)))
    m = member(uow)
    assert (m.household_size, m.freezer_size, m.meals_per_week) == (2, None, "5+")
    assert m.survey_completed_at is not None


def test_stop_and_resume_reminders(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    say(webhook, "停止提醒", group=GROUP_ID)
    assert member(uow).reminders_opt_out is True
    assert "恢復提醒" in last(messenger).text
    say(webhook, "恢復提醒")
    assert member(uow).reminders_opt_out is False
    assert "已恢復" in last(messenger).text


def test_invite_text_only_for_non_friends_once_a_month(uow: UnitOfWork) -> None:
    m = add_member(uow, 30, "阿珠")
    text = survey.invite_text(uow, m)
    assert text is not None and "好友" in text and "3" in text
    assert m.survey_invited_at is not None
    assert survey.invite_text(uow, m) is None
    m.survey_invited_at = utcnow() - timedelta(days=31)
    assert survey.invite_text(uow, m) is not None
    friend = add_member(uow, 31, "阿美", is_friend=True)
    done = add_member(uow, 32, "阿華", survey_completed_at=utcnow())
    assert survey.invite_text(uow, friend) is None and survey.invite_text(uow, done) is None
    uow.commit()
    uow.session.expire_all()
    assert uow.session.get(Member, m.id).survey_invited_at is not None  # type: ignore[union-attr]
