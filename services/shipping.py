"""The shipping list across campaigns (合併出貨): one row per member per pickup (place + first pickup day).

A pickup gathers every arrived campaign with the same place and day, so a member who bought in two campaigns
handed out together gets one row: the items of both, what they cost, the credit applied, what is still to pay,
whether it is paid, and whether it was picked up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Group, OrderLine
from services import payments
from services.arrival import buyers
from services.order_views import ItemState
from services.tabular import to_csv, to_json, to_xlsx

COLUMNS = [
    "pickup_place", "pickup_date", "pickup_time", "pickup_deadline", "group_id", "user_id", "display_name",
    "campaigns", "items", "qty", "amount", "credit_applied", "due", "paid", "picked_up", "pickup_status",
]
SHEET_HEADER = ["#", "成員", "品項", "件數", "金額", "購物金折抵", "應付", "付款", "取貨", "簽收"]


@dataclass(frozen=True)
class PickupKey:
    """Where and on which day buyers pick up."""

    place: str
    day: date | None

    def title(self) -> str:
        """Return the pickup as a short zh-TW title: ``12/8(二) 社區管理室``."""
        when = f"{self.day.month}/{self.day.day}({'一二三四五六日'[self.day.weekday()]})" if self.day else "日期未定"
        return f"{when} {self.place or '地點未定'}"


def item_text(campaign: Campaign, state: ItemState) -> str:
    """Describe one item a member picks up: ``第1團 A 高麗菜水餃（辣味）×2``."""
    variant = f"（{state.variant}）" if state.variant else ""
    guest = f"［代訂 {state.guest}］" if state.guest else ""
    return f"第{campaign.id}團 {state.item.code} {state.item.name}{variant}×{state.confirmed}{guest}"


def _arrived(uow: UnitOfWork, group_id: int | None) -> list[Campaign]:
    stmt = select(Campaign).where(col(Campaign.arrived_at).is_not(None), Campaign.status != "cancelled")
    if group_id is not None:
        stmt = stmt.where(Campaign.group_id == group_id)
    return list(uow.session.exec(stmt.order_by(col(Campaign.id))).all())


def shipping_rows(uow: UnitOfWork, *, group_id: int | None = None) -> list[dict[str, Any]]:
    """Return one row per member per pickup over the arrived campaigns (one group, or all)."""
    pickups: dict[PickupKey, list[Campaign]] = {}
    for campaign in _arrived(uow, group_id):
        key = PickupKey((campaign.pickup_place or "").strip(), campaign.pickup_date)
        pickups.setdefault(key, []).append(campaign)
    groups = {g.id: g.line_group_id for g in uow.session.exec(select(Group)).all()}
    rows: list[dict[str, Any]] = []
    for key, held in sorted(pickups.items(), key=lambda kv: (kv[0].day or date.max, kv[0].place)):
        people: dict[int, dict[str, Any]] = {}
        for campaign in held:
            statuses = _statuses(uow, campaign)
            for buyer in buyers(uow, campaign):
                assert buyer.member.id is not None
                row = people.setdefault(buyer.member.id, {
                    "pickup_place": key.place or None, "pickup_date": key.day, "pickup_time": campaign.pickup_time,
                    "pickup_deadline": campaign.pickup_deadline, "group_id": groups.get(campaign.group_id),
                    "user_id": buyer.member.line_user_id, "display_name": buyer.member.display_name,
                    "_member": buyer.member, "_campaigns": [], "_items": [], "_status": set(),
                })
                row["_campaigns"].append(campaign.id)
                row["_items"] += [item_text(campaign, s) for s in buyer.states]
                row["_status"] |= statuses.get(buyer.member.id, set())
                row["qty"] = row.get("qty", 0) + sum(s.confirmed for s in buyer.states)
        rows += [_finish(uow, row) for row in people.values()]
    return rows


def _statuses(uow: UnitOfWork, campaign: Campaign) -> dict[int, set[str]]:
    """Return each member's pickup statuses of their confirmed lines in a campaign (one query)."""
    stmt = select(OrderLine.member_id, OrderLine.pickup_status).where(
        OrderLine.campaign_id == campaign.id, OrderLine.confirmed_qty > 0
    )
    out: dict[int, set[str]] = {}
    for member_id, status in uow.session.exec(stmt).all():
        out.setdefault(member_id, set()).add(status)
    return out


def _finish(uow: UnitOfWork, row: dict[str, Any]) -> dict[str, Any]:
    """Add the money columns (after credit, from the payment ledger) and the pickup summary."""
    member, ids, status = row.pop("_member"), row.pop("_campaigns"), row.pop("_status")
    lines = [c for c in payments.account(uow, member).lines if c.campaign is not None and c.campaign.id in ids]
    row["campaigns"] = ",".join(str(i) for i in ids)
    row["items"] = "、".join(row.pop("_items"))
    row["amount"] = sum(c.due for c in lines)
    row["credit_applied"] = sum(c.credit for c in lines)
    row["due"] = sum(c.to_pay for c in lines)
    row["paid"] = all(c.to_pay - c.paid <= 0 for c in lines)
    row["picked_up"] = status == {"picked"}
    row["pickup_status"] = "picked" if status == {"picked"} else ("no_show" if "no_show" in status else
                                                                 ("partial" if "picked" in status else "pending"))
    return row


def export_shipping(uow: UnitOfWork, fmt: str, *, group_id: int | None = None) -> bytes:
    """Render the shipping list in json, csv or xlsx (one printable sheet per pickup)."""
    rows = shipping_rows(uow, group_id=group_id)
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows, COLUMNS)
    sheets: dict[str, tuple[Sequence[str], list[list[Any]]]] = {}
    for title, body in sheet_bodies(rows).items():
        sheets[title.replace("/", "-")] = (SHEET_HEADER, body)  # Excel refuses / in a sheet title
    return to_xlsx(sheets, printable=True)


def sheet_bodies(rows: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """Return the printable rows per pickup, with a totals row."""
    out: dict[str, list[list[Any]]] = {}
    for row in rows:
        title = PickupKey(row["pickup_place"] or "", row["pickup_date"]).title()
        body = out.setdefault(title, [])
        body.append([len(body) + 1, row["display_name"] or row["user_id"], row["items"].replace("、", "\n"), row["qty"],
                     row["amount"], row["credit_applied"] or "", row["due"], "已付" if row["paid"] else "未付",
                     {"picked": "已取", "no_show": "逾期未取", "partial": "部分"}.get(row["pickup_status"], ""), ""])
    for body in out.values():
        unpaid = sum(1 for r in body if r[7] == "未付")
        picked = sum(1 for r in body if r[8] == "已取")
        body.append(["", "合計", "", sum(r[3] for r in body), sum(r[4] for r in body), "", sum(r[6] for r in body),
                     f"未付 {unpaid} 人", f"已取 {picked} 人", ""])
    return out
