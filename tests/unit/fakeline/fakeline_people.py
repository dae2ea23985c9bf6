"""Ids, secrets and a raw-POST helper shared by the fake LINE platform tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from bot.fakeline import FakeLineServer

TOKEN = "test-channel-access-token"
SECRET = "test-channel-secret"
HOST = "U" + "1" * 32
MEI = "U" + "2" * 32
MING = "U" + "3" * 32
STRANGER = "U" + "4" * 32
GROUP = "C" + "a" * 32


def post_raw(server: FakeLineServer, path: str, body: Any, token: str = TOKEN) -> tuple[int, Any]:
    """POST a JSON body the SDK would refuse to build; return (status, parsed answer)."""
    request = urllib.request.Request(
        server.base_url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
