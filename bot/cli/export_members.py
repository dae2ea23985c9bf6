"""``groupbuy export members``: one row per member with survey answers, tags, spend and segment.

``meals_per_week`` is a number (the answer's midpoint, ``services.survey_questions.MEALS_MIDPOINT``) and
``meals_label`` the answer it came from ("1" | "2" | "3-4" | "5+"); ``no_shows`` counts campaigns not picked up
in every group, ``blocked`` is True when any group blocked the member.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from sqlmodel import col, select

from bot.cli.export import format_option, write_output
from bot.cli.uow import cli_uow
from infra.db import UnitOfWork
from models import Member
from services import blocklist, points, profiles, settlement, tabular, tags
from services.no_show_counts import no_show_counts
from services.purchases import TAIPEI
from services.survey_questions import MEALS_MIDPOINT

COLUMNS = (
    "user_id", "display_name", "tags", "household_size", "freezer_size", "meals_per_week", "meals_label", "orders",
    "spent", "last_order_at", "next_refill_at", "segment", "reminders_opt_out", "is_friend", "credit", "points",
    "no_shows", "blocked",
)


def member_rows(uow: UnitOfWork, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Return one export row per member, oldest member first."""
    everyone = profiles.build_profiles(uow, now=now)
    credit = settlement.credit_balances(uow)  # NT$ of 購物金 left after every due
    points_of = points.balances(uow)
    no_shows = no_show_counts(uow)  # campaigns not picked up, over every group
    blocked = blocklist.blocked_ids(uow)  # blocked in any group
    rows = []
    for member in uow.session.exec(select(Member).order_by(col(Member.id))).all():
        assert member.id is not None
        p = everyone[member.id]
        rows.append({
            "user_id": member.line_user_id,
            "display_name": member.display_name,
            "tags": tags.tags_of(uow, member.id),
            "household_size": member.household_size,
            "freezer_size": member.freezer_size,
            "meals_per_week": meals_number(member.meals_per_week),
            "meals_label": member.meals_per_week,
            "orders": p.orders,
            "spent": p.spent,
            "last_order_at": p.last_order_at,
            "next_refill_at": p.next_refill_at,
            "segment": p.segment,
            "reminders_opt_out": member.reminders_opt_out,
            "is_friend": member.is_friend,
            "credit": credit.get(member.id, 0),
            "points": points_of.get(member.id, 0),
            "no_shows": no_shows.get(member.id, 0),
            "blocked": member.id in blocked,
        })
    return rows


def meals_number(label: str | None) -> int | float | None:
    """Return the survey's meals-a-week answer as a number (its midpoint: "3-4" → 3.5, "5+" → 5), None if unknown."""
    value = MEALS_MIDPOINT.get(label or "")
    return None if value is None else int(value) if float(value).is_integer() else value


def render(rows: list[dict[str, Any]], fmt: str) -> bytes:
    """Return the rows in the chosen format."""
    if fmt == "json":
        return tabular.to_json(rows)
    if fmt == "csv":
        return tabular.to_csv(rows, COLUMNS)
    return tabular.to_xlsx({"members": (COLUMNS, ([row[c] for c in COLUMNS] for row in rows))})


def parse_now(text: str | None) -> datetime | None:
    """Read ``--now`` (ISO 8601; a naive time is Asia/Taipei)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter("use ISO 8601, e.g. 2026-11-20 or 2026-11-20T12:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=TAIPEI)


@click.command("members")
@format_option
@click.option("--now", "now_text", help="Compute segments as of this time (ISO 8601, default: now, Asia/Taipei).")
def members(fmt: str, output: str | None, now_text: str | None) -> None:
    """Export members: survey answers, tags, orders, spend, segment (JSON, CSV or XLSX)."""
    now = parse_now(now_text)
    with cli_uow(read_only=True) as uow:
        rows = member_rows(uow, now=now)
    write_output(render(rows, fmt), output)


COMMANDS = [members]
