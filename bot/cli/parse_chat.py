"""``groupbuy parse post`` and ``groupbuy parse comment``: announcements and member comments as JSON."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from parsers.announcement import Announcement, AnnouncementError, parse_announcement
from parsers.comment import CommentParser, CommentResult
from parsers.deadline import TAIPEI


def _now(value: str | None) -> datetime:
    """Read --now (ISO 8601; naive means Asia/Taipei), defaulting to the current time."""
    if value is None:
        return datetime.now(TAIPEI)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"--now 需要 ISO 8601 時間，例如 2026-11-20T09:00:00+08:00（收到 {value!r}）") from exc
    return moment.replace(tzinfo=TAIPEI) if moment.tzinfo is None else moment


def _load(path: Path, now: datetime) -> Announcement:
    """Parse the announcement file or exit 1 with the zh-TW reason on stderr."""
    try:
        return parse_announcement(path.read_text(encoding="utf-8"), now)
    except AnnouncementError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


def announcement_json(announcement: Announcement) -> dict[str, Any]:
    """Return the JSON form of an announcement (problems: what the host must fix, [] when none)."""
    return {
        "title": announcement.title,
        "items": [
            {
                "code": i.code, "name": i.name, "price": i.price, "limit": i.limit, "unit": i.unit, "spec": i.spec,
                "variants": list(i.variants),
                "tiers": [{"qty": tier.qty, "price": tier.price} for tier in i.tiers],
                "per_member_limit": i.per_member_limit,
                "minimum": i.minimum,
            }
            for i in announcement.items
        ],
        "deadline": announcement.deadline.isoformat() if announcement.deadline else None,
        "delivery_date": announcement.delivery_date.isoformat() if announcement.delivery_date else None,
        "problems": list(announcement.problems),
    }


def comment_json(result: CommentResult) -> dict[str, Any]:
    """Return the JSON form of a comment result (reason when asking or copying, candidates only when asking)."""
    intents = []
    for intent in result.intents:
        fields = asdict(intent)
        fields["for"] = fields.pop("for_name")  # the contract's key: the name as written, or null
        intents.append(fields)
    data: dict[str, Any] = {"status": result.status, "intents": intents}
    if result.status in ("ask", "same"):
        data["reason"] = result.reason
    if result.status == "ask":
        data["candidates"] = list(result.candidates)
    return data


def _dump(data: dict[str, Any]) -> str:
    """Serialise one JSON object on one line, keeping Chinese readable."""
    return json.dumps(data, ensure_ascii=False)


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.argument("file", type=_FILE)
@click.option("--now", "now_text", help="Reference time, ISO 8601 (default: now, Asia/Taipei).")
def post(file: Path, now_text: str | None) -> None:
    """Parse an announcement file and print the campaign as JSON."""
    click.echo(_dump(announcement_json(_load(file, _now(now_text)))))


@click.command()
@click.option("--post", "post_file", type=_FILE, required=True, help="The campaign's announcement file.")
@click.option("--now", "now_text", help="Reference time, ISO 8601 (default: now, Asia/Taipei).")
@click.option("--jsonl", is_flag=True,
              help='Read {"text": ..., "quoted": bool} lines from stdin; write one result per line.')
@click.option("--quoted", is_flag=True, help="The comment quotes another member's order comment.")
@click.argument("text", required=False)
def comment(post_file: Path, now_text: str | None, jsonl: bool, quoted: bool, text: str | None) -> None:
    """Parse a member's comment against the announcement's items and print the intents."""
    parser = CommentParser(_load(post_file, _now(now_text)).items)
    if not jsonl:
        if text is None:
            raise click.UsageError("請給一則留言文字，或用 --jsonl 從標準輸入讀取。")
        click.echo(_dump(comment_json(parser.parse(text, quoted=quoted))))
        return
    out = sys.stdout
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            body = row["text"]
        except (ValueError, KeyError, TypeError) as exc:
            raise click.ClickException(f"第 {number} 行不是 {{\"text\": ...}} 格式的 JSON") from exc
        out.write(_dump(comment_json(parser.parse(str(body), quoted=bool(row.get("quoted"))))) + "\n")
    out.flush()


COMMANDS = [post, comment]
