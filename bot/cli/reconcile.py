"""``groupbuy reconcile FILE``: import a bank statement and print the reconciliation summary."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.uow import cli_uow


@click.command("reconcile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--campaign", "campaign_id", type=int, default=None,
              help="Reconcile one campaign only (團號); by default across each member's campaigns.")
def reconcile(file: Path, campaign_id: int | None) -> None:
    """Match a statement's deposits (CSV, XLSX, XLS or an HTML "Excel" page) to members' transfer claims and print the summary."""
    from handlers import payment_messages as say
    from infra.config import ConfigError, timezone_from_env
    from models import Campaign
    from models.base import utcnow
    from parsers.statement import StatementError
    from services import bank_import, payment_report, statement_layouts

    data = file.read_bytes()
    try:
        tz = timezone_from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    with cli_uow() as uow:
        try:  # with the column layouts hosts taught in chat (/對帳欄位)
            statement = statement_layouts.read(uow, data, file.name).statement
        except StatementError as exc:
            raise click.ClickException(str(exc)) from exc
        if campaign_id is not None and uow.session.get(Campaign, campaign_id) is None:
            raise click.ClickException(f"沒有第 {campaign_id} 團：用 groupbuy export orders 看看團號。")
        imported = bank_import.import_statement(uow, statement, data=data, filename=file.name, uploaded_by="cli")
        run = bank_import.reconcile(uow, now=utcnow(), tz=tz, campaign_id=campaign_id,
                                    statement_through=imported.last_day if imported.new else None)
        text = say.summary(payment_report.overview(uow, campaign_id=campaign_id), run=run, imported=imported).text
        uow.commit()
    click.echo(text)
