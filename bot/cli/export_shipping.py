"""``groupbuy export shipping``: the shipping list across campaigns (合併出貨), one row per member per pickup."""

from __future__ import annotations

import click

from bot.cli.export import format_option, write_output
from bot.cli.uow import cli_uow


@click.command("shipping")
@format_option
@click.option("--group", "line_group_id", default=None, help="Only this LINE group (its groupId).")
def shipping(fmt: str, output: str | None, line_group_id: str | None) -> None:
    """Export the shipping list of arrived campaigns; XLSX has one printable sheet per pickup (place + day)."""
    from services import directory
    from services.shipping import export_shipping

    if fmt == "xlsx" and output is None:
        raise click.UsageError("XLSX is binary: give --output FILE.xlsx")
    with cli_uow(read_only=True) as uow:
        group_id = None
        if line_group_id is not None:
            group = directory.find_group(uow, line_group_id)
            if group is None:
                raise click.UsageError(f"no group {line_group_id} in the database")
            group_id = group.id
        data = export_shipping(uow, fmt, group_id=group_id)
    write_output(data, output)


COMMANDS = [shipping]
