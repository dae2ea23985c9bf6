"""Member tags: host tags, survey tags, and care tags proposed from members' own words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Member, MemberTag
from services.errors import DomainError

MAX_TAG = 20
PROPOSED, REJECTED = "proposed", "rejected"  # a rejected proposal is kept so it is never proposed again

NEGATIONS = ("不是", "沒有", "沒在", "不用", "不會", "不")
# Care phrases members write → the tag the host may accept (never applied without the host).
CARE_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(長輩|老人家|爸媽|爺爺|奶奶|阿公|阿嬤|阿媽|外公|外婆|公婆).{0,8}(控鹽|少鹽|低鹽|吃清淡|高血壓)"),
     "家有長輩控鹽"),
    (re.compile(r"(每天|天天|常常|經常|最近都|又要|一直)(在)?加班|加班族|忙到沒空煮|下班(都)?很晚"), "常加班"),
    (re.compile(r"(小孩|孩子|小朋友|兒子|女兒|寶貝|小孩子).{0,6}(很|超|有點|比較)?(挑食|不吃青菜|不愛吃菜)"), "小孩挑食"),
    (re.compile(r"(我|我們|家裡|全家|家)(都)?(吃素|吃全素|吃蛋奶素|茹素)"), "吃素"),
    (re.compile(r"(控糖|減醣|控醣|血糖(偏)?高|糖尿病)"), "控糖"),
    (re.compile(r"(寶寶|嬰兒).{0,6}(副食品|斷奶)"), "家有幼兒"),
)


class TagInvalid(DomainError):
    """A tag text the bot cannot store."""


class ProposalNotFound(DomainError):
    """The host named a proposal number that is not pending."""


@dataclass(frozen=True)
class Proposal:
    """A pending tag proposal; ``number`` is what the host types to accept or reject it."""

    number: int
    member_id: int
    tag: str


def clean_tag(text: str) -> str:
    """Return a normalised tag, or raise TagInvalid with what to do instead."""
    tag = unicodedata.normalize("NFKC", text).strip().lstrip("#＃")
    if not tag or len(tag) > MAX_TAG or any(ch.isspace() for ch in tag):
        raise TagInvalid(f"標籤要 1～{MAX_TAG} 個字、中間不能有空白，例如：/標籤 @成員 常加班")
    return tag


def tags_of(uow: UnitOfWork, member_id: int) -> list[str]:
    """Return a member's accepted tags, oldest first."""
    rows = uow.session.exec(
        select(MemberTag)
        .where(MemberTag.member_id == member_id, col(MemberTag.accepted).is_(True))
        .order_by(col(MemberTag.id))
    ).all()
    return [r.tag for r in rows]


def _find(uow: UnitOfWork, member_id: int, tag: str) -> MemberTag | None:
    return uow.session.exec(select(MemberTag).where(MemberTag.member_id == member_id, MemberTag.tag == tag)).first()


def add_tag(uow: UnitOfWork, member: Member, tag: str, *, added_by: str | None) -> bool:
    """Tag a member as the host; a pending or rejected proposal of that tag becomes a host tag."""
    assert member.id is not None
    tag = clean_tag(tag)
    row = _find(uow, member.id, tag)
    if row is not None and row.accepted:
        return False
    row = row or MemberTag(member_id=member.id, tag=tag)
    row.source, row.accepted, row.added_by = "host", True, added_by
    uow.session.add(row)
    uow.session.flush()
    return True


def remove_tag(uow: UnitOfWork, member: Member, tag: str) -> bool:
    """Remove an accepted tag from a member; return False when they did not have it."""
    assert member.id is not None
    row = _find(uow, member.id, clean_tag(tag))
    if row is None or not row.accepted:
        return False
    uow.session.delete(row)
    uow.session.flush()
    return True


def care_tags(text: str) -> list[str]:
    """Return the care tags a text suggests (pure)."""
    norm = unicodedata.normalize("NFKC", text)
    found = []
    for pattern, tag in CARE_PHRASES:
        match = pattern.search(norm)
        if match and not any(neg in norm[max(0, match.start() - 3) : match.start()] for neg in NEGATIONS):
            found.append(tag)
    return found


def propose_from_text(uow: UnitOfWork, member: Member, text: str) -> list[str]:
    """Record proposals for care tags the text suggests and the member does not have; return them."""
    assert member.id is not None
    new = []
    for tag in care_tags(text):
        if _find(uow, member.id, tag) is None:
            uow.session.add(MemberTag(member_id=member.id, tag=tag, source=PROPOSED, accepted=False))
            uow.session.flush()
            new.append(tag)
    return new


def proposals(uow: UnitOfWork) -> list[Proposal]:
    """Return pending proposals, oldest first; the number is stable until the host decides."""
    rows = uow.session.exec(
        select(MemberTag)
        .where(MemberTag.source == PROPOSED, col(MemberTag.accepted).is_(False))
        .order_by(col(MemberTag.id))
    ).all()
    return [Proposal(number=r.id or 0, member_id=r.member_id, tag=r.tag) for r in rows]


def decide(uow: UnitOfWork, number: int, *, accept: bool, decided_by: str | None) -> Proposal:
    """Accept or reject one pending proposal by number."""
    row = uow.session.get(MemberTag, number)
    if row is None or row.source != PROPOSED or row.accepted:
        raise ProposalNotFound(f"找不到待確認的建議 #{number}。輸入「/標籤 建議」看目前的建議編號。")
    proposal = Proposal(number=number, member_id=row.member_id, tag=row.tag)
    row.added_by = decided_by
    if accept:
        row.accepted = True  # keeps source "proposed": the host accepted the member's own words
    else:
        row.source = REJECTED
    uow.session.add(row)
    uow.session.flush()
    return proposal


def members_with_tag(uow: UnitOfWork, tag: str) -> list[Member]:
    """Return members carrying an accepted tag."""
    return list(
        uow.session.exec(
            select(Member)
            .join(MemberTag, col(MemberTag.member_id) == col(Member.id))
            .where(MemberTag.tag == clean_tag(tag), col(MemberTag.accepted).is_(True))
            .order_by(col(Member.id))
        ).all()
    )
