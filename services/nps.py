"""The 0-10 recommendation question (NPS) asked after a delivery: members' answers and a campaign's score."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Member, ReminderSent, SurveyAnswer
from services.reminders import detail_of


def record_nps(uow: UnitOfWork, member: Member, score: int, now: datetime) -> int | None:
    """Store a 0–10 answer for the member's latest NPS question; return its campaign id (None if none asked)."""
    assert member.id is not None
    row = uow.session.exec(
        select(ReminderSent)
        .where(ReminderSent.member_id == member.id, ReminderSent.kind == "nps", ReminderSent.status == "sent",
               col(ReminderSent.sent_at) > now - timedelta(days=30))
        .order_by(col(ReminderSent.sent_at).desc())
    ).first()
    if row is None:
        return None
    data = detail_of(row)
    data["score"] = score
    row.detail = json.dumps(data, ensure_ascii=False)
    uow.session.add(row)
    uow.session.add(SurveyAnswer(member_id=member.id, question="nps", answer=str(score), answered_at=now))
    campaign = data.get("campaign")
    return int(campaign) if campaign is not None else None


def nps_summary(uow: UnitOfWork, campaign_id: int) -> str | None:
    """Return a one-line NPS summary for a campaign (None when nobody was asked)."""
    rows = uow.session.exec(
        select(ReminderSent).where(ReminderSent.kind == "nps", ReminderSent.status == "sent",
                                   col(ReminderSent.dedupe_key).like(f"nps:%:{campaign_id}"))
    ).all()
    if not rows:
        return None
    scores = [int(s) for s in (detail_of(r).get("score") for r in rows) if s is not None]
    if not scores:
        return f"⭐ 推薦分數：已詢問 {len(rows)} 人，尚無回覆"
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    nps = round(100 * (promoters - detractors) / len(scores))
    return (f"⭐ 推薦分數 NPS {nps:+d}（{len(scores)}/{len(rows)} 人回覆，平均 {sum(scores) / len(scores):.1f} 分；"
            f"推薦 {promoters}、中立 {len(scores) - promoters - detractors}、批評 {detractors}）")
