"""Write the bank-statement corpus: each bank's layout (``bank_layouts``) in its real file kind and encoding.

``python -m tests.factories.bank_files tests/fixtures/statements`` (re)writes the fixtures and their expected
movements. ``render`` takes the options the property tests vary: which preamble and footer lines appear and in
what order, the token of the empty amount side, the CSV encoding, and whether after-hours rows carry a ``*``.
"""

from __future__ import annotations

import csv
import html
import io
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

from parsers.statement import Statement

# Relative imports, so that mypy checks this file by path (tests/ is not a package) as well as by module.
from .bank_layouts import BANKS, NBSP, RICHART_CARD, Bank, Cell, Formula, Line, Style, expected_movements
from .bank_layouts import rows_for as rows_for
from .statements import StatementRow

FORMATS = {"csv": "csv", "html": "html", "xml": "html", "xls": "xls", "xlsx": "xlsx"}


def render(
    key: str,
    rows: Sequence[StatementRow] | None = None,
    *,
    preamble: Sequence[int] | None = None,
    footer: Sequence[int] | None = None,
    blank: str | None = None,
    encoding: str | None = None,
    stars: bool = True,
) -> bytes:
    """Return the bytes of ``key``'s download holding ``rows`` (the bank's corpus rows by default).

    ``preamble`` and ``footer`` pick lines by index, in the order given (None keeps them all); ``blank`` is
    the empty amount side (None: the bank's own); ``encoding`` applies to CSV banks.
    """
    bank = BANKS[key]
    body = rows_for(key) if rows is None else list(rows)
    style = Style(bank.blank if blank is None else blank, stars)
    pre, foot = bank.preamble(body), bank.footer(body)
    pre = pre if preamble is None else [pre[i] for i in preamble]
    foot = foot if footer is None else [foot[i] for i in footer]
    data = [line for row in body for line in bank.body(row, style)]
    if bank.kind == "csv":
        return _csv(bank, [*pre, bank.header, *data, *foot], encoding or bank.encoding)
    if bank.kind == "html":
        return _html(key, bank, pre, data, foot)
    if bank.kind == "xml":
        return _spreadsheet_ml(bank, [*pre, bank.header, *data, *foot])
    if bank.kind == "xls":
        return _xls([*pre, bank.header, *data, *foot])
    return _xlsx([*pre, bank.header, *data, *foot])


def line_counts(key: str) -> tuple[int, int]:
    """Return how many preamble and footer lines the bank's file has."""
    bank, body = BANKS[key], rows_for(key)
    return len(bank.preamble(body)), len(bank.footer(body))


def expected(key: str) -> dict[str, object]:
    """Return what a correct reader finds in the bank's corpus file."""
    bank = BANKS[key]
    return {"file": bank.filename, "bank": bank.name, "format": FORMATS[bank.kind], "movements": expected_movements(key)}


def movements(statement: Statement) -> list[dict[str, object]]:
    """Return a parsed statement's movements in the shape of ``expected/<bank>.json``."""
    return [
        {
            "date": t.date.isoformat(), "time": t.time.isoformat() if t.time else None, "amount": t.amount,
            "direction": t.direction, "last5": t.last5, "payer_name": t.payer_name, "balance": t.balance,
        }
        for t in statement.transactions
    ]


# ------------------------------------------------------------------------------------------------------ CSV


def _quoted(text: str, delimiter: str) -> str:
    """Quote a CSV cell the way csv.writer's minimal quoting does."""
    if any(ch in text for ch in (delimiter, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv(bank: Bank, lines: Sequence[Line], encoding: str) -> bytes:
    """Write CSV lines with Windows line ends; a line with ``Formula`` cells is written the 郵局 way, ``="…"``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=bank.delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    if bank.quote_all:
        writer = csv.writer(buffer, delimiter=bank.delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for line in lines:
        cells = ["" if cell is None else str(cell) for cell in line]
        if any(isinstance(cell, Formula) for cell in line):
            raw = (f'="{cell}"' if isinstance(cell, Formula) else _quoted(text, bank.delimiter)
                   for cell, text in zip(line, cells, strict=True))
            buffer.write(bank.delimiter.join(raw) + "\r\n")
        else:
            writer.writerow(cells)
    return buffer.getvalue().encode(encoding)


# ----------------------------------------------------------------------------------------------------- HTML

_ESUN_HEAD = """<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<title>玉山銀行 E.SUN BANK | 個人網路銀行</title>
</head>
<body>
<h1>交易明細查詢下載</h1>
<p>查詢時間 : 2026/12/31 21:00:00</p>
"""
_FIRST_HEAD = """<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>第一銀行 第e個網</title>
</head>
<body>
"""


def _td(cell: Cell, tag: str = "td", attrs: str = "", newline: str = "<br />") -> str:
    """Write one cell: escaped, line breaks as ``<br />``, a no-break space as ``&nbsp;``."""
    text = html.escape("" if cell is None else str(cell), quote=False)
    return f"<{tag}{attrs}>{text.replace(chr(10), newline).replace(NBSP, '&nbsp;')}</{tag}>"


def _html(key: str, bank: Bank, pre: Sequence[Line], data: Sequence[Line], foot: Sequence[Line]) -> bytes:
    """Write the page an "Excel" download really is: an account block in a nested table, then the movements."""
    esun = key == "esun"
    keyvalue = "".join(
        "<tr>" + _td(line[0], "th" if esun else "td") + "".join(_td(c) for c in line[1:]) + "</tr>\n" for line in pre
    )
    money = {2, 3, 4}
    if esun:
        header = "".join(_td(c, "th", newline='<div class="tdline"></div>') for c in bank.header)
        rows = "".join(
            "<tr>" + "".join(_td(c, attrs=' class="td_money"' if i in money else ' class="lt"' if i else "")
                             for i, c in enumerate(line)) + "</tr>\n"
            for line in data
        )
        notes = "".join(f"<li>{html.escape(str(line[0]), quote=False)}</li>\n" for line in foot)
        text = (f'{_ESUN_HEAD}<table class="layout"><tr><td>\n<table class="table_hor">\n{keyvalue}</table>\n'
                f'</td></tr></table>\n<table class="table_ver">\n<tr>{header}</tr>\n{rows}</table>\n'
                f'<div class="remind_box">提醒您：<ul>\n{notes}</ul></div>\n</body>\n</html>\n')
    else:
        header = "".join(_td(c, newline="<br>") for c in bank.header)
        rows = "".join(
            '<tr class="ResultContent">' + "".join(_td(c, attrs=' align="right"' if i in money else "")
                                                   for i, c in enumerate(line)) + "</tr>\n"
            for line in data
        )
        notes = "".join(f"<p>{html.escape(str(line[0]), quote=False)}</p>\n" for line in foot)
        text = (f'{_FIRST_HEAD}<table width="100%">\n<tr><td class="Title">第一銀行 存款交易明細查詢</td></tr>\n'
                f'<tr><td>\n<table class="AcctInfo">\n{keyvalue}</table>\n</td></tr>\n</table>\n'
                f'<table class="Result">\n<tr class="ResultHeader">{header}</tr>\n{rows}</table>\n'
                f'<div class="Note">\n{notes}</div>\n</body>\n</html>\n')
    return text.encode(bank.encoding)


# --------------------------------------------------------------------------------------- Excel 2003 XML, XLS, XLSX

_ML_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Styles><Style ss:ID="when"><NumberFormat ss:Format="yyyy/mm/dd hh:mm:ss"/></Style></Styles>
 <Worksheet ss:Name="交易明細">
  <Table>
"""


def _ml_cell(cell: Cell, index: int, skipped: bool) -> str:
    """Write one SpreadsheetML cell; after an omitted empty cell the next one names its column (ss:Index)."""
    at = f' ss:Index="{index + 1}"' if skipped else ""
    if isinstance(cell, datetime):
        return f'<Cell{at} ss:StyleID="when"><Data ss:Type="DateTime">{cell.isoformat()}.000</Data></Cell>'
    if isinstance(cell, int | float):
        return f'<Cell{at}><Data ss:Type="Number">{cell}</Data></Cell>'
    return f'<Cell{at}><Data ss:Type="String">{html.escape(str(cell), quote=False)}</Data></Cell>'


def _spreadsheet_ml(bank: Bank, lines: Sequence[Line]) -> bytes:
    """Write an Excel 2003 XML workbook; a one-cell title line spans the table (ss:MergeAcross)."""
    out = [_ML_HEAD]
    for line in lines:
        if len(line) == 1 and line[0] is not None:
            cells = f'<Cell ss:MergeAcross="{len(bank.header) - 1}"><Data ss:Type="String">{line[0]}</Data></Cell>'
        else:
            parts, skipped = [], False
            for index, cell in enumerate(line):
                if cell is None or cell == "":
                    skipped = True
                    continue
                parts.append(_ml_cell(cell, index, skipped))
                skipped = False
            cells = "".join(parts)
        out.append(f"   <Row>{cells}</Row>\n")
    out.append("  </Table>\n </Worksheet>\n</Workbook>\n")
    return "".join(out).encode("utf-8")


def _xls(lines: Sequence[Line]) -> bytes:
    """Write a legacy BIFF workbook like Richart's export: the card sheet first, the bank account second."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    day = xlwt.easyxf(num_format_str="yyyy/mm/dd")
    for name, sheet_lines in (("信用卡", RICHART_CARD), ("台幣帳戶", lines)):
        sheet = book.add_sheet(name)
        for r, line in enumerate(sheet_lines):
            for c, cell in enumerate(line):
                if isinstance(cell, datetime | date):
                    sheet.write(r, c, cell, day)
                elif cell is not None:
                    sheet.write(r, c, cell)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx(lines: Sequence[Line]) -> bytes:
    """Write an XLSX workbook with typed dates, times and numbers."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "交易明細"
    for line in lines:
        sheet.append([cell for cell in line])
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, time):
                cell.number_format = "hh:mm:ss"
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy/mm/dd"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main(argv: Sequence[str] | None = None) -> None:
    """Write every bank's file and ``expected/<bank>.json`` into the given directory."""
    args = sys.argv[1:] if argv is None else list(argv)
    target = Path(args[0] if args else "tests/fixtures/statements")
    (target / "expected").mkdir(parents=True, exist_ok=True)
    for key, bank in BANKS.items():
        (target / bank.filename).write_bytes(render(key))
        text = json.dumps(expected(key), ensure_ascii=False, indent=2) + "\n"
        (target / "expected" / f"{key}.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
