"""In the demo, a host uploads a bank statement in the 1:1 chat and sees who has paid."""

from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import date, datetime, timedelta

import pytest

from bot.demo import Demo
from bot.simulator import DEMO_HOST_ID, demo_cast
from tests.e2e.conftest import wait_until
from tests.factories.statements import StatementRow, with_balances, write_statement

pytestmark = pytest.mark.e2e
GROUP = demo_cast().group_id
MEI = "Udemo00000000000000000000000mei01"
MING = "Udemo0000000000000000000000ming02"


def post(demo: Demo, path: str, data: bytes, content_type: str) -> dict:
    """POST to the simulator's API and return its JSON answer."""
    assert demo.simulator is not None
    request = urllib.request.Request(demo.simulator.base_url + path, data=data, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


def say(demo: Demo, who: str, chat: str, text: str) -> None:
    """Type a message in the simulator as ``who``."""
    payload = json.dumps({"as": who, "chat": chat, "text": text}).encode()
    assert post(demo, "/simulator/api/say", payload, "application/json")["ok"]


def upload(demo: Demo, who: str, chat: str, name: str, data: bytes) -> None:
    """Send a file message through the simulator (multipart form)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="as"\r\n\r\n{who}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="chat"\r\n\r\n{chat}\r\n'.encode(),
        (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
         "Content-Type: text/csv\r\n\r\n").encode() + data + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    assert post(demo, "/simulator/api/upload", b"".join(parts), f"multipart/form-data; boundary={boundary}")["ok"]


def bot_texts(demo: Demo, chat: str) -> list[str]:
    """Return what the bot said in a chat."""
    assert demo.simulator is not None
    return demo.simulator.platform.texts_to(chat)


def open_and_order(demo: Demo) -> None:
    """Open a dumpling campaign in the demo group; 小美 orders A+3 ($540) and 阿明 B+2 ($400)."""
    deadline = (datetime.now() + timedelta(days=3)).strftime("%m/%d 20:00")
    say(demo, DEMO_HOST_ID, GROUP, f"/開團\n【水餃團】\nA. 高麗菜水餃 $180/包\nB. 韭菜水餃 $200/包\n{deadline} 截單")
    assert wait_until(lambda: any("開團成功" in t for t in bot_texts(demo, GROUP)))
    say(demo, MEI, GROUP, "A+3")
    say(demo, MING, GROUP, "B+2")


def test_host_uploads_a_big5_statement_and_sees_who_paid(demo: Demo) -> None:
    open_and_order(demo)
    say(demo, MEI, GROUP, "已匯款 後五碼12345 540元")
    assert wait_until(lambda: sum("已登記" in t for t in bot_texts(demo, GROUP)) >= 2)
    assert wait_until(lambda: any("12345" in t for t in bot_texts(demo, GROUP)))
    rows = with_balances([
        StatementRow(date.today(), 540, payer="0000123456712345", summary="跨行轉入"),
        StatementRow(date.today(), 300, payer="0000987654399999", summary="ATM轉入"),
    ])
    upload(demo, DEMO_HOST_ID, DEMO_HOST_ID, "對帳單.csv", write_statement(bank="post", rows=rows))
    assert wait_until(lambda: any("已付清" in t or "付清" in t for t in bot_texts(demo, DEMO_HOST_ID)), timeout=20)
    summary = next(t for t in bot_texts(demo, DEMO_HOST_ID) if "付清" in t)
    assert "小美" in summary, summary
    assert "99999" in summary  # the deposit nobody claimed is reported too
    assert demo.simulator is not None and demo.simulator.platform.violations == []
