"""``groupbuy serve`` (the web side; ``groupbuy worker`` applies the events) and ``groupbuy db upgrade``."""

from __future__ import annotations

import os
import sys

import click

from infra.config import ConfigError, Settings, database_url_from_env


def load_settings() -> Settings:
    """Read settings from the environment or exit with the reason."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply database migrations (creates the SQLite file if needed)."""
    from infra.db import upgrade

    url = database_url_from_env()
    upgrade(url, revision)
    click.echo(f"database is at revision {revision}")


@click.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", default=lambda: int(os.environ.get("PORT", "8000")), show_default="$PORT or 8000")
@click.option("--workers", type=int, default=None, help="Gunicorn workers (default $WEB_CONCURRENCY or 2).")
def serve(host: str, port: int, workers: int | None) -> None:
    """Migrate the database, then run the webhook under gunicorn (as the Procfile's web: line does).

    The web processes only verify, store and answer: run `groupbuy worker` beside them to apply the events.
    """
    load_settings()  # fail fast with a clear message before forking workers
    from infra.db import upgrade

    upgrade(database_url_from_env())
    env = dict(os.environ, GROUPBUY_BIND=f"{host}:{port}")
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    args = [gunicorn, "-c", "python:bot.gunicorn_conf", "bot.wsgi:app"]
    os.execve(gunicorn, args, env)
