"""``groupbuy demo``: try the bot with no LINE account."""

from __future__ import annotations

import logging
import threading
import webbrowser
from pathlib import Path

import click


@click.command()
@click.option("--port", default=8090, show_default=True, help="Port of the LINE simulator page.")
@click.option("--bot-port", default=8000, show_default=True, help="Port of the bot's webhook.")
@click.option("--data-dir", default="groupbuy-demo", show_default=True, type=click.Path(file_okay=False),
              help="Where the demo keeps its SQLite database (ignored when DATABASE_URL is set).")
@click.option("--open/--no-open", "open_browser", default=False, help="Open the simulator in a browser.")
def demo(port: int, bot_port: int, data_dir: str, open_browser: bool) -> None:
    """Run the bot on SQLite with the built-in LINE simulator; open the printed URL and chat."""
    from bot.demo import Demo, default_database_url
    from infra.config import database_url_from_env

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    database_url = database_url_from_env(default=default_database_url(Path(data_dir)))
    running = Demo(database_url=database_url, simulator_port=port, bot_port=bot_port)
    simulator_url = running.start()
    click.echo("")
    click.echo(f"  🛒 groupbuy demo is running — open {simulator_url}/ in your browser")
    click.echo("     Play the host (林姐) and type /說明, or paste an announcement after /開團.")
    click.echo(f"     The host's console (one-time link, 10 minutes; 林姐 can ask for a new one with /後台 1:1): "
               f"{running.console_link()}")
    if running.seeded.campaigns:
        click.echo(f"     示範資料 / demo data: {running.seeded.campaigns} past campaigns titled 【示範】 (all closed) and "
                   f"{running.seeded.members} demo members, so the console's 報表 page has numbers to show.")
    click.echo(f"     Export the shipping list: DATABASE_URL={database_url} groupbuy export orders --format xlsx -o orders.xlsx")
    click.echo("     Press Ctrl-C to stop.")
    click.echo("")
    if open_browser:
        webbrowser.open(f"{simulator_url}/")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        running.stop()
