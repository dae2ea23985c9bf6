"""Rows for ``groupbuy export orders``: one per (campaign, member, item, status), and shipping sheets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Group, Item, Member, OrderChange, OrderLine
from services import pricing
from services.campaigns import items_of
from services.tabular import to_csv, to_json, to_xlsx

COLUMNS = [
    "campaign_id", "campaign_title", "group_id", "user_id", "display_name", "item_code", "item_name",
    "qty", "unit_price", "amount", "status", "note",
]


def order_rows(uow: UnitOfWork, *, campaign_id: int | None = None, include_cancelled: bool = False) -> list[dict[str, Any]]:
    """Return export rows: confirmed and waitlisted quantities (cancelled ones too when asked)."""
    stmt = select(Campaign).order_by(col(Campaign.id))
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id == campaign_id)
    rows: list[dict[str, Any]] = []
    for campaign in uow.session.exec(stmt).all():
        if campaign.status == "cancelled" and not include_cancelled:
            continue
        rows.extend(_campaign_rows(uow, campaign, include_cancelled))
    return rows


def _campaign_rows(uow: UnitOfWork, campaign: Campaign, include_cancelled: bool) -> list[dict[str, Any]]:
    group = uow.session.get(Group, campaign.group_id)
    items = {it.id: it for it in uow.session.exec(select(Item).where(Item.campaign_id == campaign.id))}
    lines = uow.session.exec(
        select(OrderLine).where(OrderLine.campaign_id == campaign.id).order_by(col(OrderLine.sent_at), col(OrderLine.id))
    ).all()
    qty: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: {"confirmed": 0, "waitlisted": 0, "added": 0})
    notes: dict[tuple[int, int], dict[str, None]] = defaultdict(dict)
    for line in lines:
        key = (line.member_id, line.item_id)
        if line.note and line.qty > 0:
            notes[key][line.note] = None
        qty[key]["confirmed"] += line.confirmed_qty
        qty[key]["waitlisted"] += line.qty - line.confirmed_qty
    if include_cancelled and lines:
        changes = uow.session.exec(
            select(OrderChange).where(
                col(OrderChange.line_id).in_([line.id for line in lines]), OrderChange.delta > 0,
                col(OrderChange.reverted).is_(False),
            )
        ).all()
        by_id = {line.id: line for line in lines}
        for change in changes:
            line = by_id[change.line_id]
            qty[(line.member_id, line.item_id)]["added"] += change.delta
    out = []
    for (member_id, item_id), q in qty.items():
        member = uow.session.get(Member, member_id)
        item = items[item_id]
        base = {
            "campaign_id": campaign.id, "campaign_title": campaign.title,
            "group_id": group.line_group_id if group else None,
            "user_id": member.line_user_id if member else None, "display_name": member.display_name if member else None,
            "item_code": item.code, "item_name": item.name, "unit_price": item.price,
            "note": "；".join(notes[(member_id, item_id)]) or None,
        }
        live = {"confirmed": q["confirmed"], "waitlisted": q["waitlisted"]}
        if campaign.status == "cancelled":
            live = {"cancelled": q["confirmed"] + q["waitlisted"]}
        elif include_cancelled:
            live["cancelled"] = max(0, q["added"] - q["confirmed"] - q["waitlisted"])
        for status, n in live.items():
            if n > 0:
                amount = pricing.amount(item, n) if status == "confirmed" else 0
                out.append({**base, "qty": n, "amount": amount, "status": status})
    return out


def export_orders(uow: UnitOfWork, fmt: str, *, campaign_id: int | None = None, include_cancelled: bool = False) -> bytes:
    """Render the order export in json, csv or xlsx (xlsx adds a printable sheet per campaign)."""
    rows = order_rows(uow, campaign_id=campaign_id, include_cancelled=include_cancelled)
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows, COLUMNS)
    sheets: dict[str, tuple[Sequence[str], list[list[Any]]]] = {}
    stmt = select(Campaign).order_by(col(Campaign.id))
    if campaign_id is not None:
        stmt = stmt.where(Campaign.id == campaign_id)
    for campaign in uow.session.exec(stmt).all():
        if campaign.status != "cancelled":
            sheets[f"第{campaign.id}團 {campaign.title}"] = shipping_sheet(uow, campaign, rows)
    sheets["明細"] = (COLUMNS, [[r[c] for c in COLUMNS] for r in rows])
    return to_xlsx(sheets)


def shipping_sheet(uow: UnitOfWork, campaign: Campaign, rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Return a printable pick list: one row per member, one column per item, confirmed only, with totals."""
    items = items_of(uow, campaign.id or 0)
    header = ["成員", *[f"{it.code} {it.name}" for it in items], "金額", "候補"]
    per_member: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["campaign_id"] != campaign.id:
            continue
        who = per_member.setdefault(r["user_id"], {"name": r["display_name"] or r["user_id"], "amount": 0, "wait": []})
        if r["status"] == "confirmed":
            who[r["item_code"]] = r["qty"]
            who["amount"] += r["amount"]
        elif r["status"] == "waitlisted":
            who["wait"].append(f"{r['item_code']}×{r['qty']}")
    body: list[list[Any]] = []
    for who in per_member.values():
        body.append([who["name"], *[who.get(it.code) or "" for it in items], who["amount"], "、".join(who["wait"])])
    totals = ["合計", *[sum(int(who.get(it.code) or 0) for who in per_member.values()) for it in items],
              sum(who["amount"] for who in per_member.values()), ""]
    return header, [*body, totals]
