"""``groupbuy console-link --host USERID``: print a one-time sign-in link to the console for the operator."""

from __future__ import annotations

import click

from infra.config import ConfigError, Settings
from infra.db import UnitOfWork, make_engine
from models.base import utcnow
from services import console_auth
from services.console_auth import LinkRefused


@click.command("console-link")
@click.option("--host", "host_user_id", required=True, help="The host's LINE user id (U…): an admin or an added host.")
@click.option("--base-url", default=None, help="The console's public address (default: GROUPBUY_PUBLIC_URL).")
def console_link(host_user_id: str, base_url: str | None) -> None:
    """Print a sign-in link: valid 10 minutes, usable once, bound to that host."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    base = base_url or settings.public_url
    if not base:
        raise click.ClickException("請設定 GROUPBUY_PUBLIC_URL（或加上 --base-url https://你的網域）再執行一次。")
    engine = make_engine(settings.database_url)
    try:
        with UnitOfWork(engine) as uow:
            try:
                token = console_auth.issue(uow, settings, host_user_id.strip(), utcnow())
            except LinkRefused as exc:
                raise click.ClickException(f"{exc} {host_user_id} 不是團主：先用 GROUPBUY_ADMINS 或 /管理員 新增。") from exc
            uow.commit()
    finally:
        engine.dispose()
    click.echo(console_auth.link(base, token))
