"""Rows for ``groupbuy export orders``: one per (campaign, member, item, status), and shipping sheets."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Group, Item, Member, OrderChange, OrderLine
from services import pricing, supplier_order, variants
from services.campaigns import items_of
from services.directory import label
from services.tabular import to_csv, to_json, to_xlsx

Key = tuple[int, int, str | None, str | None]  # an export row's member, item, variant and guest

COLUMNS = [
    "campaign_id", "campaign_title", "group_id", "user_id", "display_name", "item_code", "item_name",
    "variant", "qty", "unit_price", "amount", "status", "pickup_status", "note", "for_name", "ordered_by",
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
    qty: dict[Key, dict[str, int]] = defaultdict(lambda: {"confirmed": 0, "waitlisted": 0, "added": 0})
    notes: dict[Key, dict[str, None]] = defaultdict(dict)
    placers: dict[Key, dict[int, None]] = defaultdict(dict)
    pickup: dict[Key, set[str]] = defaultdict(set)
    for line in lines:
        key = (line.member_id, line.item_id, line.variant, line.guest_name)
        if line.note and line.qty > 0:
            notes[key][line.note] = None
        if line.ordered_by is not None and line.qty > 0:
            placers[key][line.ordered_by] = None
        qty[key]["confirmed"] += line.confirmed_qty
        if line.qty > 0:
            pickup[key].add(line.pickup_status)
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
            qty[(line.member_id, line.item_id, line.variant, line.guest_name)]["added"] += change.delta
    out = []
    shares = _shares(qty, items)
    for key, q in qty.items():
        member_id, item_id, variant, guest = key
        member = uow.session.get(Member, member_id)
        item = items[item_id]
        placed = [uow.session.get(Member, placer) for placer in placers[key]]
        base = {
            "campaign_id": campaign.id, "campaign_title": campaign.title,
            "group_id": group.line_group_id if group else None,
            "user_id": member.line_user_id if member else None, "display_name": member.display_name if member else None,
            "item_code": item.code, "item_name": item.name, "variant": variant, "unit_price": item.price,
            "note": "；".join(notes[key]) or None, "for_name": guest,
            "ordered_by": "、".join(label(m) for m in placed if m is not None) or None,
            "pickup_status": pickup_status(pickup[key]),
        }
        live = {"confirmed": q["confirmed"], "waitlisted": q["waitlisted"]}
        if campaign.status == "cancelled":
            live = {"cancelled": q["confirmed"] + q["waitlisted"]}
        elif include_cancelled:
            live["cancelled"] = max(0, q["added"] - q["confirmed"] - q["waitlisted"])
        for status, n in live.items():
            if n > 0:
                amount = shares[key] if status == "confirmed" else 0
                out.append({**base, "qty": n, "amount": amount, "status": status})
    return out


def pickup_status(statuses: set[str]) -> str:
    """Return one row's pickup status from its lines': a no-show or anything pending wins over picked."""
    return next((s for s in ("no_show", "pending") if s in statuses), "picked" if statuses else "pending")


def _shares(qty: dict[Key, dict[str, int]], items: dict[int | None, Item]) -> dict[Key, int]:
    """Return each row's part of what its person's whole quantity of the item costs: a bundle may mix variants
    (原味1 + 辣味1 = one 2包 price), and the parts add up to that cost exactly."""
    people: dict[tuple[int, int, str | None], list[Key]] = defaultdict(list)
    for key in qty:
        people[(key[0], key[1], key[3])].append(key)
    out: dict[Key, int] = {}
    for (_, item_id, _), everyone in people.items():
        out.update({k: 0 for k in everyone})
        keys = [k for k in everyone if qty[k]["confirmed"] > 0]
        total = sum(qty[k]["confirmed"] for k in keys)
        cost = pricing.amount(items[item_id], total)
        left = cost
        for n, key in enumerate(keys):
            part = left if n == len(keys) - 1 else cost * qty[key]["confirmed"] // max(total, 1)
            out[key] = part
            left -= part
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
    live = [campaign for campaign in uow.session.exec(stmt).all() if campaign.status != "cancelled"]
    for campaign in live:
        sheets[f"第{campaign.id}團 {campaign.title}"] = shipping_sheet(uow, campaign, rows)
    sheets["叫貨單"] = supplier_order.sheet(uow, live)
    sheets["明細"] = (COLUMNS, [[r[c] for c in COLUMNS] for r in rows])
    return to_xlsx(sheets)


def shipping_sheet(uow: UnitOfWork, campaign: Campaign, rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Return a printable pick list: one row per person (a guest on their own row, under who pays), one column
    per item and variant, confirmed only, with totals."""
    columns: list[tuple[str, str | None]] = []
    for it in items_of(uow, campaign.id or 0):
        offered = variants.names_of(it)
        columns += [(it.code, name) for name in offered] or [(it.code, None)]
        if offered:  # a variant the post did not list (renamed since) still gets a column
            columns += [(it.code, v) for v in dict.fromkeys(r["variant"] for r in rows if r["campaign_id"] == campaign.id
                                                          and r["item_code"] == it.code) if v not in offered]
    names = {it.code: it.name for it in items_of(uow, campaign.id or 0)}
    header = ["成員", *[f"{code} {names[code]}" + (f"（{v}）" if v else "") for code, v in columns], "金額", "候補"]
    per_person: dict[tuple[str, str | None], dict[Any, Any]] = {}
    for r in rows:
        if r["campaign_id"] != campaign.id:
            continue
        name = r["display_name"] or r["user_id"]
        if r["for_name"]:
            name = f"{r['for_name']}（{name}代訂）"
        who = per_person.setdefault((r["user_id"], r["for_name"]), {"name": name, "amount": 0, "wait": []})
        if r["status"] == "confirmed":
            column = (r["item_code"], r["variant"] if (r["item_code"], r["variant"]) in columns else None)
            who[column] = who.get(column, 0) + r["qty"]
            who["amount"] += r["amount"]
        elif r["status"] == "waitlisted":
            who["wait"].append(f"{r['item_code']}{r['variant'] or ''}×{r['qty']}")
    body: list[list[Any]] = []
    for who in per_person.values():
        body.append([who["name"], *[who.get(c) or "" for c in columns], who["amount"], "、".join(who["wait"])])
    totals = ["合計", *[sum(int(who.get(c) or 0) for who in per_person.values()) for c in columns],
              sum(who["amount"] for who in per_person.values()), ""]
    return header, [*body, totals]
