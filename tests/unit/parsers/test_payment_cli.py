"""``groupbuy parse payment`` through click's CliRunner."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli.parse_money import payment


def test_payment_prints_the_claim() -> None:
    result = CliRunner().invoke(payment, ["已匯款 後五碼12345 540元"])
    assert result.exit_code == 0
    assert json.loads(result.output) == {"status": "payment", "last5": "12345", "amount": 540}


def test_payment_prints_none_for_other_text() -> None:
    result = CliRunner().invoke(payment, ["A+2"])
    assert json.loads(result.output) == {"status": "none", "last5": None, "amount": None}


def test_payment_jsonl_answers_each_line_in_order() -> None:
    lines = ["已匯款 後五碼00888 共1,250元", "A+2", "已匯款540元"]
    stdin = "\n".join(json.dumps({"text": line}, ensure_ascii=False) for line in lines) + "\n"
    result = CliRunner().invoke(payment, ["--jsonl"], input=stdin)
    assert result.exit_code == 0
    assert [json.loads(line) for line in result.output.splitlines()] == [
        {"status": "payment", "last5": "00888", "amount": 1250},
        {"status": "none", "last5": None, "amount": None},
        {"status": "incomplete", "last5": None, "amount": 540},
    ]


def test_payment_jsonl_names_a_bad_line() -> None:
    result = CliRunner().invoke(payment, ["--jsonl"], input='{"text": "A+1"}\nnot json\n')
    assert result.exit_code == 1
    assert "第 2 行" in result.output


def test_payment_without_text_is_a_usage_error() -> None:
    result = CliRunner().invoke(payment, [])
    assert result.exit_code == 2
