"""Host tags by mention, and care-tag proposals from members' words that the host accepts or rejects."""

from __future__ import annotations

import re

from sqlmodel import select

from infra.db import UnitOfWork
from infra.messages import Text
from models import Member, MemberTag
from tests.conftest import Webhook
from tests.factories.webhook import GROUP_ID, HOST_ID, body, member_id, text_event
from tests.fakes import FakeMessenger

AMING, MEI = member_id(41), member_id(42)


def host_says(webhook: Webhook, text: str, mentions: list[str] | None = None) -> None:
    """Send a host command in the group."""
    assert webhook.post(body(text_event(text, user_id=HOST_ID, mentions=mentions))).status_code == 200


def member_says(webhook: Webhook, text: str, user: str, group: str | None = GROUP_ID) -> None:
    """Send a member's text in the group (or 1:1 with ``group=None``)."""
    assert webhook.post(body(text_event(text, user_id=user, group_id=group))).status_code == 200


def last_text(messenger: FakeMessenger) -> str:
    """Return the last replied text."""
    message = messenger.replies[-1][1][-1]
    assert isinstance(message, Text)
    return message.text


def tags(uow: UnitOfWork, user: str) -> dict[str, tuple[str, bool]]:
    """Return tag → (source, accepted) for a member, and end the read transaction."""
    uow.session.expire_all()
    member = uow.session.exec(select(Member).where(Member.line_user_id == user)).first()
    rows = uow.session.exec(select(MemberTag).where(MemberTag.member_id == (member.id if member else -1))).all()
    found = {r.tag: (r.source, r.accepted) for r in rows}
    uow.rollback()
    return found


def test_host_adds_and_removes_tags_by_mention(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    messenger.names[AMING] = "阿明"
    host_says(webhook, "/標籤 @阿明 常加班 小孩挑食", mentions=[AMING])
    assert "加上「常加班」" in last_text(messenger)
    assert tags(uow, AMING) == {"常加班": ("host", True), "小孩挑食": ("host", True)}
    aming = uow.session.exec(select(Member).where(Member.line_user_id == AMING)).one()
    assert aming.display_name == "阿明"  # a mentioned member's name is fetched after the commit
    uow.rollback()

    host_says(webhook, "/標籤 @阿明 -常加班", mentions=[AMING])
    assert "移除「常加班」" in last_text(messenger)
    host_says(webhook, "/標籤 移除 @阿明 小孩挑食", mentions=[AMING])
    assert tags(uow, AMING) == {}
    host_says(webhook, "/標籤 移除 @阿明 小孩挑食", mentions=[AMING])
    assert "原本就沒有" in last_text(messenger)


def test_a_tag_too_long_is_refused_with_what_to_do(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    host_says(webhook, "/標籤 @阿明 好 " + "很" * 25, mentions=[AMING])
    assert "1～20 個字" in last_text(messenger)
    assert tags(uow, AMING) == {}


def test_tag_command_without_a_member_shows_usage(webhook: Webhook, messenger: FakeMessenger) -> None:
    host_says(webhook, "/標籤 常加班")
    assert "用法" in last_text(messenger)


def test_members_cannot_tag(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    member_says(webhook, "/標籤 @阿明 常加班", MEI)
    assert "只有團主" in last_text(messenger)
    member_says(webhook, "/標籤 建議", MEI)
    assert "只有團主" in last_text(messenger)


def test_care_phrases_become_proposals_the_host_accepts_or_rejects(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    messenger.names.update({AMING: "阿明", MEI: "小美"})
    member_says(webhook, "家裡長輩要控鹽，有低鈉的嗎？", AMING)
    member_says(webhook, "最近每天加班好累", MEI, group=None)  # 1:1 chat counts too
    member_says(webhook, "我家小孩很挑食", MEI)
    host_says(webhook, "大家常加班的話這團很適合")  # the host's own words are not about themselves
    assert tags(uow, AMING) == {"家有長輩控鹽": ("proposed", False)}  # never applied silently
    assert tags(uow, MEI) == {"常加班": ("proposed", False), "小孩挑食": ("proposed", False)}

    host_says(webhook, "/標籤 建議")
    listing = last_text(messenger)
    numbers = {tag: int(n) for n, tag in re.findall(r"#(\d+) \S+ → (\S+)", listing)}
    assert set(numbers) == {"家有長輩控鹽", "常加班", "小孩挑食"}
    assert "阿明" in listing and "小美" in listing

    host_says(webhook, f"/標籤 接受 {numbers['家有長輩控鹽']} {numbers['常加班']}")
    assert "已接受" in last_text(messenger)
    host_says(webhook, f"/標籤 拒絕 {numbers['小孩挑食']}")
    assert tags(uow, AMING) == {"家有長輩控鹽": ("proposed", True)}
    assert tags(uow, MEI) == {"常加班": ("proposed", True), "小孩挑食": ("rejected", False)}

    member_says(webhook, "小孩真的很挑食", MEI)  # a rejected tag is not proposed again
    host_says(webhook, "/標籤 建議")
    assert "沒有待確認" in last_text(messenger)
    host_says(webhook, f"/標籤 接受 {numbers['小孩挑食']}")
    assert "找不到" in last_text(messenger) and "/標籤 建議" in last_text(messenger)


def test_accept_all_and_host_tag_over_a_proposal(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    member_says(webhook, "每天加班", AMING)
    member_says(webhook, "我家寶寶開始吃副食品了", MEI)
    host_says(webhook, "/標籤 @阿明 常加班", mentions=[AMING])  # the host tags it directly
    assert tags(uow, AMING) == {"常加班": ("host", True)}
    host_says(webhook, "/標籤 接受 全部")
    assert tags(uow, MEI) == {"家有幼兒": ("proposed", True)}


def test_proposal_watcher_lets_the_text_flow_on(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    member_says(webhook, "嗯我想想看喔", AMING, group=None)
    # Put AMING in the middle of the survey: the same 1:1 text is both a proposal and re-asked.
    uow.session.expire_all()
    aming = uow.session.exec(select(Member).where(Member.line_user_id == AMING)).one()
    aming.survey_step = "household_size"
    uow.session.add(aming)
    uow.commit()
    member_says(webhook, "每天加班沒空", AMING, group=None)
    assert "沒看懂" in last_text(messenger)
    assert tags(uow, AMING) == {"常加班": ("proposed", False)}
