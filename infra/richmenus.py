"""Rich menus through the Messaging API (line-bot-sdk): create, upload the image, set as default, list, delete."""

from __future__ import annotations

from typing import Any

from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, MessagingApiBlob, RichMenuRequest

from infra.messenger import LineError, LineMessenger


class LineRichMenus:
    """The rich-menu calls of LINE's Messaging API; every call goes to ``base_url`` (LINE or a fake)."""

    def __init__(self, access_token: str, base_url: str) -> None:
        client = ApiClient(Configuration(access_token=access_token, host=base_url))
        self._api = MessagingApi(client)
        self._blob = MessagingApiBlob(client)

    def create(self, menu: dict[str, Any]) -> str:
        """Create a rich menu from LINE's rich menu object; return its id."""
        created = LineMessenger._call(self._api.create_rich_menu, RichMenuRequest.from_dict(menu))
        return str(created.rich_menu_id)

    def upload_image(self, rich_menu_id: str, data: bytes, content_type: str = "image/png") -> None:
        """Attach the image (PNG or JPEG, under 1 MB, the menu's size) to a rich menu (data API)."""
        LineMessenger._call(self._blob.set_rich_menu_image, rich_menu_id, body=data,
                            _headers={"Content-Type": content_type})

    def set_default(self, rich_menu_id: str) -> None:
        """Show the rich menu to every user who has no menu of their own."""
        LineMessenger._call(self._api.set_default_rich_menu, rich_menu_id)

    def default_id(self) -> str | None:
        """Return the default rich menu's id, or None when there is none."""
        try:
            return str(LineMessenger._call(self._api.get_default_rich_menu_id).rich_menu_id)
        except LineError as exc:
            if exc.status == 404:
                return None
            raise

    def cancel_default(self) -> None:
        """Stop showing a default rich menu."""
        LineMessenger._call(self._api.cancel_default_rich_menu)

    def list(self) -> list[tuple[str, str]]:
        """Return (id, name) of every rich menu the channel has."""
        found = LineMessenger._call(self._api.get_rich_menu_list)
        return [(str(m.rich_menu_id), str(m.name)) for m in found.richmenus]

    def delete(self, rich_menu_id: str) -> None:
        """Delete a rich menu."""
        LineMessenger._call(self._api.delete_rich_menu, rich_menu_id)
