"""Groups and members as the bot meets them (get-or-create, membership, display names)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from infra.db import UnitOfWork
from models import Group, GroupMember, Member
from models.base import utcnow

NAME_TTL = timedelta(days=7)


def ensure_group(uow: UnitOfWork, line_group_id: str) -> Group:
    """Return the group row, creating it on first sight."""
    group = find_group(uow, line_group_id)
    if group is None:
        group = Group(line_group_id=line_group_id)
        uow.session.add(group)
        uow.session.flush()
        uow.memo[("group", line_group_id)] = group
    return group


def find_group(uow: UnitOfWork, line_group_id: str) -> Group | None:
    """Return the group row or None."""
    stmt = select(Group).where(Group.line_group_id == line_group_id)
    return uow.remember(("group", line_group_id), lambda: uow.session.exec(stmt).first())


def ensure_member(uow: UnitOfWork, line_user_id: str, *, group: Group | None = None) -> Member:
    """Return the member row (creating it), and record group membership when a group is given."""
    member = find_member(uow, line_user_id)
    if member is None:
        member = Member(line_user_id=line_user_id)
        uow.session.add(member)
        uow.session.flush()
        uow.memo[("member", line_user_id)] = member
    if group is not None and ("in_group", group.id, member.id) not in uow.memo:
        assert group.id is not None and member.id is not None
        link = _membership(uow, group, member)
        if link is None:
            uow.session.add(GroupMember(group_id=group.id, member_id=member.id))
        elif link.left_at is not None:
            link.left_at = None
            uow.session.add(link)
        uow.memo[("in_group", group.id, member.id)] = True
    return member


def _membership(uow: UnitOfWork, group: Group, member: Member) -> GroupMember | None:
    """Return the row saying ``member`` is (or was) in ``group``, or None."""
    stmt = select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.member_id == member.id)
    return uow.session.exec(stmt).first()


def find_member(uow: UnitOfWork, line_user_id: str) -> Member | None:
    """Return the member row or None."""
    stmt = select(Member).where(Member.line_user_id == line_user_id)
    return uow.remember(("member", line_user_id), lambda: uow.session.exec(stmt).first())


def needs_name(member: Member) -> bool:
    """Return True when the display name was never fetched or is stale (LINE may have none to give: ask weekly)."""
    fetched = member.profile_fetched_at
    return fetched is None or utcnow() - fetched > NAME_TTL


def set_name(uow: UnitOfWork, line_user_id: str, name: str | None) -> None:
    """Cache a display name fetched from LINE."""
    member = find_member(uow, line_user_id)
    if member is None:
        return
    if name:
        member.display_name = name
    member.profile_fetched_at = utcnow()
    uow.session.add(member)


def leave_group(uow: UnitOfWork, line_group_id: str, line_user_id: str) -> None:
    """Mark a member as having left a group."""
    group = find_group(uow, line_group_id)
    member = find_member(uow, line_user_id)
    if group is None or member is None:
        return
    link = _membership(uow, group, member)
    uow.forget(("in_group", group.id, member.id))
    if link is not None:
        link.left_at = utcnow()
        uow.session.add(link)


def label(member: Member) -> str:
    """Return how to call a member in host-facing text."""
    return member.display_name or f"成員{member.line_user_id[-4:]}"
