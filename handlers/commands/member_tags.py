"""``/標籤``: host tags on members, and care-tag proposals from members' own words."""

from __future__ import annotations

import logging
import re
from functools import partial

from handlers.commands import command
from handlers.commands.admin import mentioned_user_ids
from handlers.context import EventContext
from handlers.senders import refresh_name
from infra.messages import QuickReply, Text
from models import Member
from services import directory, tags
from services.errors import DomainError

log = logging.getLogger(__name__)
USAGE = (
    "用法：\n/標籤 @成員 常加班（新增，可一次多個）\n/標籤 @成員 -常加班（移除）\n"
    "/標籤 移除 @成員 常加班\n/標籤 建議（看系統從留言建議的標籤）\n/標籤 接受 12 ／ /標籤 拒絕 12（全部：/標籤 接受 全部）"
)


def words_without_mentions(ctx: EventContext, args: str) -> list[str]:
    """Return the words of ``args`` with the @mentions taken out."""
    text: str = getattr(getattr(ctx.event, "message", None), "text", "") or ""
    mentionees = getattr(getattr(getattr(ctx.event, "message", None), "mention", None), "mentionees", None) or []
    for m in sorted(mentionees, key=lambda m: -int(getattr(m, "index", 0))):
        start, length = int(getattr(m, "index", 0)), int(getattr(m, "length", 0))
        span = text[start : start + length]
        if span.startswith("@") and span in args:
            args = args.replace(span, " ", 1)
    return [w for w in re.split(r"[\s\u3000,，、]+", args) if w and not w.startswith("@")]


def mentioned_members(ctx: EventContext) -> list[Member]:
    """Return the members mentioned in the command (creating rows for ones never seen, names fetched later)."""
    members = []
    for uid in mentioned_user_ids(ctx):
        member = directory.ensure_member(ctx.uow, uid)
        if directory.needs_name(member):
            ctx.after_commit.append(partial(refresh_name, ctx, uid, ctx.group_id))
        members.append(member)
    return members


@command("/標籤", host_only=True, summary="幫成員加上或移除標籤、確認系統建議的標籤", usage="@成員 標籤｜建議｜接受 N")
def tag_command(ctx: EventContext, args: str) -> None:
    """Add, remove, list or decide tags."""
    words = words_without_mentions(ctx, args)
    action = words[0] if words else ""
    try:
        if action in {"建議", "待確認"}:
            list_proposals(ctx)
        elif action in {"接受", "拒絕"}:
            decide(ctx, words[1:], accept=action == "接受")
        elif mentioned_user_ids(ctx) and words:
            change_tags(ctx, words[1:] if action in {"移除", "刪除"} else words, remove_all=action in {"移除", "刪除"})
        else:
            ctx.reply(Text(USAGE))
    except DomainError as exc:
        ctx.reply(Text(str(exc)))


def change_tags(ctx: EventContext, words: list[str], *, remove_all: bool) -> None:
    """Add (or, with ``-tag`` or 移除, remove) tags on the mentioned members."""
    if not words:
        ctx.reply(Text(USAGE))
        return
    for word in words:
        tags.clean_tag(word.lstrip("-－"))  # refuse a bad tag before changing anything
    done: list[str] = []
    for member in mentioned_members(ctx):
        for word in words:
            removing = remove_all or word[0] in "-－"
            tag = word.lstrip("-－") if removing else word
            if removing:
                changed = tags.remove_tag(ctx.uow, member, tag)
            else:
                changed = tags.add_tag(ctx.uow, member, tag, added_by=ctx.user_id)
            verb = "移除" if removing else "加上"
            note = "" if changed else "（原本就沒有／已經有）"
            done.append(f"{directory.label(member)}：{verb}「{tags.clean_tag(tag)}」{note}")
    ctx.reply(Text("🏷️ " + "\n".join(done)))


def list_proposals(ctx: EventContext) -> None:
    """List pending proposals with their numbers."""
    pending = tags.proposals(ctx.uow)
    if not pending:
        ctx.reply(Text("目前沒有待確認的標籤建議。成員留言提到「家裡長輩要控鹽」「每天加班」這類話時，我會在這裡建議。"))
        return
    lines = ["🏷️ 待確認的標籤建議（從成員留言看出來的）："]
    for p in pending[:30]:
        member = ctx.uow.session.get(Member, p.member_id)
        lines.append(f"#{p.number} {directory.label(member) if member else '?'} → {p.tag}")
    lines.append("接受：/標籤 接受 編號　拒絕：/標籤 拒絕 編號（可一次多個，或「全部」）")
    first = pending[0].number
    quick = (QuickReply(label=f"接受 #{first}", text=f"/標籤 接受 {first}"),
             QuickReply(label=f"拒絕 #{first}", text=f"/標籤 拒絕 {first}"),
             QuickReply(label="全部接受", text="/標籤 接受 全部"))
    ctx.reply(Text("\n".join(lines), quick))


def decide(ctx: EventContext, words: list[str], *, accept: bool) -> None:
    """Accept or reject proposals by number (or all)."""
    if words and words[0] == "全部":
        numbers = [p.number for p in tags.proposals(ctx.uow)]
    else:
        numbers = [int(n) for w in words for n in re.findall(r"\d+", w)]
    if not numbers:
        ctx.reply(Text("請告訴我建議的編號，例如：/標籤 接受 12。輸入「/標籤 建議」看編號。"))
        return
    lines = []
    for number in numbers:
        p = tags.decide(ctx.uow, number, accept=accept, decided_by=ctx.user_id)
        member = ctx.uow.session.get(Member, p.member_id)
        lines.append(f"#{number} {directory.label(member) if member else '?'}「{p.tag}」")
    ctx.reply(Text(("✅ 已接受：\n" if accept else "已略過（之後不會再建議）：\n") + "\n".join(lines)))


def watch_for_care_phrases(ctx: EventContext, text: str) -> bool:
    """Record tag proposals from what members say; never handles the text."""
    if ctx.user_id is None or not tags.care_tags(text) or ctx.is_host:
        return False
    member = directory.find_member(ctx.uow, ctx.user_id)
    if member is not None:
        proposed = tags.propose_from_text(ctx.uow, member, text)
        if proposed:
            log.info("recorded %d tag proposal(s)", len(proposed))
    return False
