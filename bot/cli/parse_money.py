"""``groupbuy parse payment`` and ``groupbuy parse statement``: the money parsers from the command line."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from parsers.payment import parse_payment
from parsers.statement import StatementError, Transaction, parse_statement

_JSONL_SHAPE = '{"text": "..."}'


def _dump(payload: dict[str, Any]) -> str:
    """Serialise one result as a compact JSON line, keeping Chinese readable."""
    return json.dumps(payload, ensure_ascii=False)


@click.command()
@click.argument("text", required=False)
@click.option("--jsonl", is_flag=True, help='Read lines {"text": ...} from stdin; write one result per line.')
def payment(text: str | None, jsonl: bool) -> None:
    """Parse a transfer report (已匯款 後五碼12345 540元) into status, last5 and amount."""
    if jsonl:
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                message = item["text"] if isinstance(item, dict) else None
            except (json.JSONDecodeError, KeyError):
                message = None
            if not isinstance(message, str):
                raise click.ClickException(f"第 {number} 行不是 {_JSONL_SHAPE} 格式的 JSON，請修正後再執行。")
            click.echo(_dump(asdict(parse_payment(message))))
        return
    if text is None:
        raise click.UsageError("請提供要解析的文字，例如：groupbuy parse payment '已匯款 後五碼12345 540元'")
    click.echo(_dump(asdict(parse_payment(text))))


def _transaction(item: Transaction) -> dict[str, Any]:
    """Render one transaction for JSON output."""
    return {
        "date": item.date.isoformat(),
        "time": item.time.isoformat() if item.time else None,
        "amount": item.amount,
        "direction": item.direction,
        "last5": item.last5,
        "memo": item.memo,
        "balance": item.balance,
        "row": item.row_number,
        "payer_name": item.payer_name,
        "fingerprint": item.fingerprint,
    }


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def statement(file: Path) -> None:
    """Parse a bank statement export (CSV, XLSX, XLS, HTML or Excel XML) into JSON transactions."""
    try:
        parsed = parse_statement(file.read_bytes(), filename=file.name)
    except StatementError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    payload = {
        "bank": parsed.bank,
        "account": parsed.account,
        "format": parsed.format,
        "columns": list(parsed.columns),
        "transactions": [_transaction(item) for item in parsed.transactions],
    }
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2))


COMMANDS = [payment, statement]
