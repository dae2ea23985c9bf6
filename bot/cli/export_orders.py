"""``groupbuy export orders``."""

from __future__ import annotations

import click

from bot.cli.export import format_option, write_output
from bot.cli.uow import cli_uow


@click.command("orders")
@format_option
@click.option("--campaign", "campaign_id", type=int, default=None, help="Only this campaign (團號).")
@click.option("--all", "include_cancelled", is_flag=True, help="Include cancelled quantities and campaigns.")
def orders(fmt: str, output: str | None, campaign_id: int | None, include_cancelled: bool) -> None:
    """Export order lines (confirmed, waitlisted; cancelled with --all); XLSX adds shipping sheets."""
    from services.order_export import export_orders

    if fmt == "xlsx" and output is None:
        raise click.UsageError("XLSX is binary: give --output FILE.xlsx")
    with cli_uow(read_only=True) as uow:
        data = export_orders(uow, fmt, campaign_id=campaign_id, include_cancelled=include_cancelled)
    write_output(data, output)


COMMANDS = [orders]
