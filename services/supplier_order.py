"""The supplier order (叫貨單) of a campaign: confirmed quantities per item and variant, as a supplier reads them.

Quantities come from ``order_views.totals`` (confirmed only: the waitlist is not ordered); what ``/缺貨`` cut is
read back from the order book's ``shortage`` changes, per variant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, func, select

from infra.db import UnitOfWork
from models import Campaign, Item, OrderChange, OrderLine
from services import order_views

SHEET_COLUMNS = ["團號", "代號", "品項", "口味/規格", "單位", "數量", "缺貨"]


@dataclass(frozen=True)
class SupplyLine:
    """What to order of one item (one of its variants): confirmed quantity, and what the supplier was short."""

    item: Item
    variant: str | None
    qty: int
    shortage: int = 0

    @property
    def unit(self) -> str:
        """Return the item's unit (份 when the post named none)."""
        return self.item.unit or "份"


@dataclass(frozen=True)
class SupplierOrder:
    """A campaign's supplier order: one line per item × variant with something confirmed or cut."""

    campaign: Campaign
    lines: tuple[SupplyLine, ...]
    waitlisted: int  # waiting for stock: not ordered

    @property
    def total(self) -> int:
        """Return the total quantity to order."""
        return sum(line.qty for line in self.lines)

    @property
    def still_open(self) -> bool:
        """Return True when the campaign still takes orders (the quantities may change)."""
        return self.campaign.status == "open"


def supplier_order(uow: UnitOfWork, campaign: Campaign) -> SupplierOrder:
    """Return what to order from the supplier for a campaign (confirmed quantities only)."""
    assert campaign.id is not None
    cut = shortages(uow, [campaign.id])
    lines: list[SupplyLine] = []
    waitlisted = 0
    for row in order_views.totals(uow, campaign):
        assert row.item.id is not None
        waitlisted += row.waitlisted
        chosen = 0
        for variant, confirmed, _waiting in row.variants:
            chosen += confirmed
            lines.append(SupplyLine(row.item, variant, confirmed, cut.get((row.item.id, variant), 0)))
        plain = row.confirmed - chosen  # lines without a variant (an item without variants: all of them)
        plain_cut = cut.get((row.item.id, None), 0)
        if plain or plain_cut or not row.variants:
            lines.append(SupplyLine(row.item, None, plain, plain_cut))
        for variant in sorted({v for (item_id, v) in cut if item_id == row.item.id and v is not None}
                              - {v for v, _c, _w in row.variants}):
            lines.append(SupplyLine(row.item, variant, 0, cut[(row.item.id, variant)]))  # everything was cut
    return SupplierOrder(campaign, tuple(line for line in lines if line.qty or line.shortage), waitlisted)


def shortages(uow: UnitOfWork, campaign_ids: Iterable[int]) -> dict[tuple[int, str | None], int]:
    """Return how much ``/缺貨`` cut per (item id, variant) in these campaigns (one query)."""
    ids = list(campaign_ids)
    if not ids:
        return {}
    stmt = (
        select(OrderLine.item_id, OrderLine.variant, func.sum(OrderChange.delta))
        .join(OrderLine, col(OrderLine.id) == col(OrderChange.line_id))
        .where(col(OrderLine.campaign_id).in_(ids), OrderChange.action == "shortage",
               col(OrderChange.reverted).is_(False))
        .group_by(col(OrderLine.item_id), col(OrderLine.variant))
    )
    out: dict[tuple[int, str | None], int] = defaultdict(int)
    for item_id, variant, delta in uow.session.exec(stmt).all():
        out[(item_id, variant)] += -int(delta or 0)
    return dict(out)


def sheet(uow: UnitOfWork, campaigns: Sequence[Campaign]) -> tuple[list[str], list[list[Any]]]:
    """Return the 叫貨單 sheet: one row per campaign × item × variant, with a total row per campaign."""
    body: list[list[Any]] = []
    for campaign in campaigns:
        order = supplier_order(uow, campaign)
        for line in order.lines:
            body.append([campaign.id, line.item.code, line.item.name, line.variant or "", line.unit, line.qty,
                         line.shortage])
        body.append([campaign.id, "", "合計", "", "", order.total, sum(line.shortage for line in order.lines)])
    return SHEET_COLUMNS, body
