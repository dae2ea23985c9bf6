"""The onboarding survey: start, answer or skip one question at a time, and invite non-friends."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from infra.db import UnitOfWork
from models import Member, MemberTag, SurveyAnswer
from models.base import utcnow
from services.survey_questions import BY_KEY, QUESTIONS, SKIP, Question, describe, next_question, parse_answer, tag_for

log = logging.getLogger(__name__)
INVITE_EVERY = timedelta(days=30)
SURVEY_SOURCE = "survey"
# Tag prefixes per question, so a redo replaces the old answer's tag.
TAG_PREFIXES = {"household_size": "家庭", "freezer_size": "冷凍庫", "meals_per_week": "每週"}


@dataclass(frozen=True)
class Step:
    """What happened to an answer: the stored value (None = skipped) and the question to ask next."""

    question: Question
    value: str | None
    next: Question | None


def start(uow: UnitOfWork, member: Member) -> Question:
    """Begin (or begin again) the survey; return the first question."""
    first = QUESTIONS[0]
    member.survey_step = first.key
    uow.session.add(member)
    return first


def pending(member: Member) -> Question | None:
    """Return the question the member has been asked and not yet answered."""
    return BY_KEY.get(member.survey_step or "")


def understand(member: Member, text: str) -> str | None:
    """Return the value (or ``SKIP``) a text answers to the pending question; None when it is not an answer."""
    question = pending(member)
    return None if question is None else parse_answer(question.key, text)


def answer(uow: UnitOfWork, member: Member, value: str, *, now: datetime | None = None) -> Step:
    """Record a value (or ``SKIP``) for the pending question and move to the next one."""
    question = pending(member)
    if question is None:
        raise ValueError("no survey question is pending")
    now = now or utcnow()
    stored = None if value == SKIP else value
    assert member.id is not None
    uow.session.add(SurveyAnswer(member_id=member.id, question=question.key, answer=stored, answered_at=now))
    if stored is not None:
        _store_field(member, question.key, stored)
        _replace_tag(uow, member.id, question.key, tag_for(question.key, stored))
    nxt = next_question(question.key)
    member.survey_step = nxt.key if nxt else None
    if nxt is None:
        member.survey_completed_at = now
    uow.session.add(member)
    return Step(question=question, value=stored, next=nxt)


def _store_field(member: Member, key: str, value: str) -> None:
    if key == "household_size":
        member.household_size = int(value)
    elif key == "freezer_size":
        member.freezer_size = value
    else:
        member.meals_per_week = value


def _replace_tag(uow: UnitOfWork, member_id: int, key: str, tag: str) -> None:
    """Swap the survey tag of one question for the new answer's tag."""
    rows = uow.session.exec(select(MemberTag).where(MemberTag.member_id == member_id)).all()
    kept = False
    for row in rows:
        if row.tag == tag:
            row.accepted, kept = True, True
            uow.session.add(row)
        elif row.source == SURVEY_SOURCE and row.tag.startswith(TAG_PREFIXES[key]):
            uow.session.delete(row)
    uow.session.flush()
    if not kept:
        uow.session.add(MemberTag(member_id=member_id, tag=tag, source=SURVEY_SOURCE, accepted=True))
        uow.session.flush()


def answers(member: Member) -> list[tuple[str, str]]:
    """Return (short question, answer as said) for the member's current survey fields."""
    household = None if member.household_size is None else str(member.household_size)
    return [
        ("家中人數", describe("household_size", household)),
        ("冷凍庫", describe("freezer_size", member.freezer_size)),
        ("每週冷凍餐", describe("meals_per_week", member.meals_per_week)),
    ]


def invite_text(uow: UnitOfWork, member: Member) -> str | None:
    """Return a one-line invite to friend the bot for the survey (and record it), or None when not due."""
    now = utcnow()
    if member.is_friend or member.survey_completed_at is not None:
        return None
    if member.survey_invited_at is not None and now - member.survey_invited_at < INVITE_EVERY:
        return None
    member.survey_invited_at = now
    uow.session.add(member)
    return "🎁 加我為好友、回答 3 個小問題（家中人數、冷凍庫大小、每週幾餐），之後補貨提醒會更貼近你家的需要！"
