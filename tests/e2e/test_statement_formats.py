"""Each kind of statement file a Taiwanese bank hands out, sent to the bot 1:1 in the demo: through signed
webhooks, the data API over HTTP and the official SDK, reconciled, and the statuses read from the export."""

from __future__ import annotations

import json
from datetime import date, time

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.demo import Demo
from bot.simulator import DEMO_HOST_ID
from tests.e2e.conftest import wait_until
from tests.e2e.test_demo_reconcile import GROUP, MEI, MING, bot_texts, open_and_order, say, upload
from tests.factories.bank_files import render
from tests.factories.bank_layouts import BankRow
from tests.factories.statements import with_balances

pytestmark = pytest.mark.e2e
# One bank per kind of file: Big5 CSV, quoted UTF-8 CSV, UTF-16 tab CSV, HTML "Excel", Excel 2003 XML, BIFF .xls, XLSX.
KINDS = {"ctbc": "中國信託.csv", "cathay": "國泰世華.csv", "hncb": "華南.xls", "esun": "玉山.xls", "tcb": "合庫.xls",
         "richart": "Richart.xls", "mega": "兆豐.xlsx"}


@pytest.mark.parametrize("bank", sorted(KINDS))
def test_every_kind_of_statement_file_is_reconciled(demo: Demo, bank: str, database_url: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    open_and_order(demo)  # 小美 owes 540, 阿明 400
    say(demo, MEI, GROUP, "已匯款 後五碼12345 540元")
    say(demo, MING, GROUP, "已匯款 後五碼54321 400元")
    assert wait_until(lambda: sum("已記錄匯款回報" in t for t in bot_texts(demo, GROUP)) >= 2)
    today = date.today()
    rows = with_balances([
        BankRow(today, 540, payer="0000123456712345", summary="跨行轉入", time=time(10, 15), code="812", name="林*美"),
        BankRow(today, 300, payer="0000123456754321", summary="跨行轉入", time=time(11, 0), code="700", name="陳*明"),
        BankRow(today, 3000, direction="out", summary="ATM提款", time=time(12, 0)),
        BankRow(today, 777, payer="0000987654399999", summary="網銀轉入", time=time(13, 0), code="822", name="王*華"),
    ])
    upload(demo, DEMO_HOST_ID, DEMO_HOST_ID, KINDS[bank], render(bank, rows))
    assert wait_until(lambda: any("對帳完成" in t for t in bot_texts(demo, DEMO_HOST_ID)), timeout=20), \
        bot_texts(demo, DEMO_HOST_ID)
    summary = next(t for t in bot_texts(demo, DEMO_HOST_ID) if "對帳完成" in t)
    assert "3 筆入帳" in summary and "小美" in summary and "阿明" in summary and "99999" in summary, summary

    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, ["export", "payments", "--format", "json"])
    assert result.exit_code == 0, result.output
    by_name = {r["display_name"]: (r["status"], r["due"], r["received"]) for r in json.loads(result.output)}
    assert by_name["小美"] == ("paid", 540, 540)
    assert by_name["阿明"] == ("short", 400, 300)
    assert by_name[None] == ("unclaimed_deposit", None, 777)
    assert demo.simulator is not None and demo.simulator.platform.violations == []
