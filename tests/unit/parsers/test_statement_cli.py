"""``groupbuy parse statement`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli.parse import parse
from bot.cli.parse_money import statement
from tests.factories.statements import sample_rows, write_statement


def test_statement_prints_bank_account_and_transactions(tmp_path: Path) -> None:
    file = tmp_path / "export.xlsx"
    write_statement(file, bank="esun", fmt="xlsx")
    result = CliRunner().invoke(statement, [str(file)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["bank"] == "玉山銀行"
    assert payload["account"] == "0987-654-321012"
    first = payload["transactions"][0]
    assert {k: first[k] for k in ("date", "amount", "direction", "last5", "balance", "row")} == {
        "date": "2026-12-02",
        "amount": 540,
        "direction": "in",
        "last5": "12345",
        "balance": 10540,
        "row": 5,
    }
    assert len(payload["transactions"]) == len(sample_rows())


def test_statement_error_goes_to_stderr_with_exit_1(tmp_path: Path) -> None:
    file = tmp_path / "notes.csv"
    file.write_text("王小明,你好\n", encoding="utf-8")
    result = CliRunner().invoke(statement, [str(file)])
    assert result.exit_code == 1
    assert "找不到交易明細的表頭列" in result.stderr
    assert result.stdout == ""


def test_commands_are_registered_under_parse() -> None:
    assert {"payment", "statement"} <= set(parse.commands)
