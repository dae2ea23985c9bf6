"""``groupbuy richmenu install|remove``: the members' rich menu (圖文選單) in their 1:1 chat with the bot."""

from __future__ import annotations

import json
from pathlib import Path

import click

from infra.config import ConfigError, Settings
from infra.richmenus import LineRichMenus


def _menus() -> tuple[LineRichMenus, str]:
    """Return the rich-menu client for the configured channel, and the menu name the bot installs."""
    from handlers import member_menu

    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    return LineRichMenus(settings.channel_access_token, settings.line_api_base_url), member_menu.NAME


@click.group("richmenu")
def richmenu() -> None:
    """Install or remove the members' rich menu (我的訂單, 付款資訊, 購物金, 點數, 問卷, 提醒)."""


@richmenu.command("install")
@click.option("--dry-run", is_flag=True, help="Print the rich menu JSON and the image's size; send nothing to LINE.")
@click.option("--image-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the generated PNG here.")
def install(dry_run: bool, image_out: Path | None) -> None:
    """Draw the image, create the rich menu, upload the image and make it the default (replacing an older one)."""
    from handlers import member_menu
    from infra.messenger import LineError
    from infra.richmenu_image import MissingGlyph, Tile, render

    unknown = member_menu.unknown_texts()
    if unknown:
        raise click.ClickException(f"these buttons send words the bot does not understand: {', '.join(unknown)}")
    menu = member_menu.rich_menu()
    tiles = [Tile(bounds, b.label, b.hint, b.color) for b, bounds in zip(member_menu.BUTTONS, member_menu.cells(), strict=True)]
    try:
        image = render((member_menu.WIDTH, member_menu.HEIGHT), tiles)
    except (MissingGlyph, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if image_out is not None:
        image_out.write_bytes(image)
    if dry_run:
        click.echo(json.dumps(menu, ensure_ascii=False, indent=2))
        click.echo(f"image: PNG {member_menu.WIDTH}x{member_menu.HEIGHT}, {len(image):,} bytes", err=True)
        return
    client, name = _menus()
    try:
        older = [rid for rid, found in client.list() if found == name]
        rich_menu_id = client.create(menu)
        client.upload_image(rich_menu_id, image)
        client.set_default(rich_menu_id)
        for rid in older:
            client.delete(rid)
    except LineError as exc:
        raise click.ClickException(f"LINE refused the rich menu: {exc}") from exc
    click.echo(f"installed the members' rich menu {rich_menu_id} as the default"
               + (f" (replaced {len(older)} older)" if older else ""))


@richmenu.command("remove")
def remove() -> None:
    """Delete every rich menu this bot installed (the default one too)."""
    from infra.messenger import LineError

    client, name = _menus()
    try:
        ours = [rid for rid, found in client.list() if found == name]
        if client.default_id() in ours:
            client.cancel_default()
        for rid in ours:
            client.delete(rid)
    except LineError as exc:
        raise click.ClickException(f"LINE refused: {exc}") from exc
    click.echo(f"removed {len(ours)} rich menu(s)")
