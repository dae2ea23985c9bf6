"""``groupbuy export payments``."""

from __future__ import annotations

import click

from bot.cli.export import format_option, write_output
from bot.cli.uow import cli_uow


@click.command("payments")
@format_option
@click.option("--campaign", "campaign_id", type=int, default=None, help="Only this campaign (團號).")
def payments(fmt: str, output: str | None, campaign_id: int | None) -> None:
    """Export each member's due, claim, received money and status per campaign, and unclaimed deposits."""
    from services.payment_report import export_payments

    if fmt == "xlsx" and output is None:
        raise click.UsageError("XLSX is binary: give --output FILE.xlsx")
    with cli_uow(read_only=True) as uow:
        data = export_payments(uow, fmt, campaign_id=campaign_id)
    write_output(data, output)


COMMANDS = [payments]
