"""Groups and members as the bot meets them (get-or-create, membership, display names)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from rapidfuzz import fuzz
from sqlmodel import col, select

from infra.db import UnitOfWork
from infra.sql import one_of
from models import Group, GroupMember, Member
from models.base import utcnow
from parsers.text import match_key

NAME_TTL = timedelta(days=7)
NAME_MATCH = 85  # rapidfuzz ratio from which a written name is a member's display name (幫小明 -> 小明🌸)


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
    return uow.remember(("group", line_group_id), lambda: uow.session.exec(  # built only when not remembered
        select(Group).where(Group.line_group_id == line_group_id)).first())


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
    return uow.remember(("member", line_user_id), lambda: uow.session.exec(  # built only when not remembered
        select(Member).where(Member.line_user_id == line_user_id)).first())


def warm(uow: UnitOfWork, line_group_id: str | None, line_user_ids: Collection[str]) -> list[int]:
    """Look up a batch's group, senders and their memberships in three queries, for the lookups above to find.

    A worker applies many events of one chat in one transaction (bot.processor): without this, each event looks
    up its sender and their membership on its own. Only rows that exist are remembered; the rest are still looked
    up (and created) one by one. A batch is a few dozen events, so each list is one statement. Return the ids of
    the senders who are members already.
    """
    group = find_group(uow, line_group_id) if line_group_id else None
    senders = list(dict.fromkeys(line_user_ids))
    wanted = [uid for uid in senders if ("member", uid) not in uow.memo]
    if wanted:
        for member in uow.session.exec(select(Member).where(one_of(uow.dialect, Member.line_user_id, wanted))):
            uow.memo[("member", member.line_user_id)] = member
    ids = [m.id for uid in senders if (m := uow.memo.get(("member", uid))) is not None and m.id is not None]
    if group is not None and group.id is not None and ids:
        rows = uow.session.exec(select(GroupMember.member_id).where(
            GroupMember.group_id == group.id, one_of(uow.dialect, GroupMember.member_id, ids),
            col(GroupMember.left_at).is_(None),
        ))
        for member_id in rows:
            uow.memo[("in_group", group.id, member_id)] = True
    return ids


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


def member_named(uow: UnitOfWork, group_id: int, name: str) -> Member | None:
    """Return the one group member a name written in a comment stands for (幫小明+1), or None.

    The name matches a member's display name when both read the same after folding (width, case, decoration),
    when the display name is the name with a surname before it (陳小明 for 小明), or when rapidfuzz scores them
    at least 85 and no other member scores as high. Anything less certain is None: the caller keeps the line
    as the orderer's, for a guest of that name, rather than bill the wrong member.
    """
    wanted = match_key(name)
    if not wanted:
        return None
    rows = uow.session.exec(
        select(Member).join(GroupMember, col(GroupMember.member_id) == col(Member.id))
        .where(GroupMember.group_id == group_id, col(GroupMember.left_at).is_(None),
               col(Member.display_name).is_not(None))
    ).all()
    scored: list[tuple[float, Member]] = []
    for member in rows:
        key = match_key(member.display_name or "")
        if not key:
            continue
        if key == wanted or (len(wanted) >= 2 and len(key) == len(wanted) + 1 and key.endswith(wanted)):
            score = 100.0
        else:
            score = fuzz.ratio(wanted, key)
        if score >= NAME_MATCH:
            scored.append((score, member))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]
