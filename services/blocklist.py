"""The blocklist (黑名單): members flagged by their no-shows and members the host blocked, per group.

A member with at least ``threshold`` no-shows in a group (``/設定 棄單 N``, default 2) is *flagged*: they still
order, and the host is warned once per campaign in that member's confirmation. A *blocked* member's comments
change nothing in that group; they are told once per campaign to ask the host (``refuse_blocked``). Both
once-only notes are ``campaign_notices`` rows with a unique key, written in the comment's own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, CampaignNotice, Member, MemberBlock, Setting
from services import directory
from services.errors import DomainError
from services.no_show_counts import no_show_counts

THRESHOLD_KEY = "blocklist.no_shows"
DEFAULT_THRESHOLD = 2
MAX_THRESHOLD = 99
MAX_REASON = 200


class Blocked(DomainError):
    """A blocked member commented an order; ``first`` is True when this campaign has not told them yet."""

    def __init__(self, campaign: Campaign, *, first: bool) -> None:
        super().__init__("你在這個群組的喊單暫時無法登記，請私訊團主詢問，謝謝！")
        self.campaign = campaign
        self.first = first


@dataclass(frozen=True)
class Entry:
    """One member on the blocklist: how many no-shows, and whether (and why) the host blocked them."""

    member: Member
    no_shows: int
    blocked: bool
    reason: str = ""


def _scope(group_id: int) -> str:
    return f"group:{group_id}"


def threshold(uow: UnitOfWork, group_id: int) -> int:
    """Return the no-shows from which a member of the group is flagged."""
    row = uow.session.exec(
        select(Setting).where(Setting.scope == _scope(group_id), Setting.key == THRESHOLD_KEY)
    ).first()
    return int(row.value) if row is not None and row.value.isdigit() and int(row.value) > 0 else DEFAULT_THRESHOLD


def set_threshold(uow: UnitOfWork, group_id: int, n: int) -> None:
    """Set the no-shows from which a member of the group is flagged."""
    if not 1 <= n <= MAX_THRESHOLD:
        raise DomainError(f"次數請寫 1 到 {MAX_THRESHOLD} 的數字，例如：/設定 棄單 2（未取貨 2 次就列入黑名單提醒）。")
    row = uow.session.exec(
        select(Setting).where(Setting.scope == _scope(group_id), Setting.key == THRESHOLD_KEY)
    ).first() or Setting(scope=_scope(group_id), key=THRESHOLD_KEY)
    row.value = str(n)
    uow.session.add(row)


def _block_of(uow: UnitOfWork, group_id: int, member_id: int) -> MemberBlock | None:
    stmt = select(MemberBlock).where(MemberBlock.group_id == group_id, MemberBlock.member_id == member_id)
    return uow.session.exec(stmt).first()


def block(uow: UnitOfWork, group_id: int, member: Member, *, reason: str = "", by: str | None = None) -> bool:
    """Block a member in a group; return False when they already were (the reason is updated if given)."""
    assert member.id is not None
    found = _block_of(uow, group_id, member.id)
    if found is not None:
        if reason:
            found.reason = reason[:MAX_REASON]
            uow.session.add(found)
        return False
    uow.session.add(MemberBlock(group_id=group_id, member_id=member.id, reason=reason[:MAX_REASON], created_by=by))
    uow.session.flush()
    uow.forget(("blocked", group_id))
    return True


def unblock(uow: UnitOfWork, group_id: int, member: Member) -> bool:
    """Take a member off the group's blocklist; return False when they were not on it."""
    assert member.id is not None
    found = _block_of(uow, group_id, member.id)
    if found is None:
        return False
    uow.session.delete(found)
    uow.session.flush()
    uow.forget(("blocked", group_id))
    return True


def entries(uow: UnitOfWork, group_id: int) -> list[Entry]:
    """Return the group's blocked members, then its flagged ones (most no-shows first)."""
    counts = no_show_counts(uow, group_id)
    blocks = {b.member_id: b for b in uow.session.exec(
        select(MemberBlock).where(MemberBlock.group_id == group_id).order_by(col(MemberBlock.id))
    ).all()}
    limit = threshold(uow, group_id)
    flagged = sorted((m for m, n in counts.items() if n >= limit and m not in blocks), key=lambda m: (-counts[m], m))
    out = []
    for member_id in [*blocks, *flagged]:
        member = uow.session.get(Member, member_id)
        if member is not None:
            block_row = blocks.get(member_id)
            out.append(Entry(member, counts.get(member_id, 0), block_row is not None,
                             block_row.reason if block_row else ""))
    return out


def flagged(uow: UnitOfWork, group_id: int) -> dict[int, int]:
    """Return {member id: no-shows} of the group's members at or above the threshold (blocked ones included)."""
    limit = threshold(uow, group_id)
    return {m: n for m, n in no_show_counts(uow, group_id).items() if n >= limit}


def blocked_ids(uow: UnitOfWork, group_id: int | None = None) -> set[int]:
    """Return the ids of members blocked in a group (in any group when ``group_id`` is None)."""
    stmt = select(MemberBlock.member_id)
    if group_id is not None:
        stmt = stmt.where(MemberBlock.group_id == group_id)
    return set(uow.session.exec(stmt).all())


def _blocked_in(uow: UnitOfWork, group_id: int) -> frozenset[int]:
    """Return who is blocked in a group, read once per transaction (a batch of comments asks for each of them)."""
    return uow.remember(("blocked", group_id), lambda: frozenset(blocked_ids(uow, group_id)))


def _no_shows_in(uow: UnitOfWork, group_id: int) -> dict[int, int]:
    """Return the group's no-shows per member, read once per transaction (the clock writes them in its own)."""
    return uow.remember(("no_shows", group_id), lambda: no_show_counts(uow, group_id))


def _once(uow: UnitOfWork, campaign_id: int, kind: str, key: str) -> bool:
    """Record a once-per-campaign note; return False when it was recorded before."""
    if uow.session.exec(select(CampaignNotice.id).where(CampaignNotice.dedupe_key == key)).first() is not None:
        return False
    uow.session.add(CampaignNotice(campaign_id=campaign_id, kind=kind, dedupe_key=key, status="sent"))
    uow.session.flush()
    return True


def refuse_blocked(uow: UnitOfWork, campaign: Campaign, user_id: str) -> None:
    """Raise Blocked when the commenter is blocked in the campaign's group (``first``: tell them, once a campaign)."""
    member = directory.find_member(uow, user_id)
    if member is None or member.id is None or member.id not in _blocked_in(uow, campaign.group_id):
        return
    assert campaign.id is not None
    first = _once(uow, campaign.id, "blocked_reply", f"blocked:c{campaign.id}:m{member.id}")
    raise Blocked(campaign, first=first)


def host_warning(uow: UnitOfWork, campaign: Campaign, member_id: int) -> str | None:
    """Return the line that warns the host about a flagged member's order, the first time in this campaign."""
    assert campaign.id is not None
    count = _no_shows_in(uow, campaign.group_id).get(member_id, 0)
    if not count or count < threshold(uow, campaign.group_id) or member_id in _blocked_in(uow, campaign.group_id):
        return None
    if not _once(uow, campaign.id, "flagged_warning", f"flagged:c{campaign.id}:m{member_id}"):
        return None
    return f"（團主提醒：這位成員有 {count} 次未取貨紀錄）"
