"""Read the "Excel" downloads that are really markup: HTML tables and Excel 2003 XML (SpreadsheetML), via lxml."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from parsers.statement_errors import StatementError
from parsers.statement_table import MAX_ROWS, Cell, Row, Table, clean_text, too_many_rows

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_SS = "urn:schemas-microsoft-com:office:spreadsheet"
_ALIASES = {"big5": "cp950", "big-5": "cp950", "x-big5": "cp950", "ms950": "cp950", "gb2312": "gb18030",
            "gbk": "gb18030"}
_NO_TABLE = "這個網頁格式的檔案裡沒有表格，不像交易明細。請在網路銀行的交易明細頁選「下載」Excel 或 CSV 再上傳。"
_BROKEN = "這個 Excel（XML 格式）檔打不開或已損壞，請從網路銀行重新下載交易明細（Excel 或 CSV）再上傳。"
_MAX_SPAN = 50


def read_markup(data: bytes) -> list[Table]:
    """Return the tables of an HTML page or the worksheets of an Excel 2003 XML workbook."""
    text = _decode(data)
    if _SS in text[:4096]:
        return _spreadsheet_ml(text)
    return _html_tables(text)


def _decode(data: bytes) -> str:
    """Decode markup by its declared charset, else like a CSV file."""
    from parsers.statement_read import decode_text

    declared = _CHARSET.search(data[:4096]) or re.search(rb"""encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", data[:200])
    if declared is not None and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        name = declared.group(1).decode("ascii").lower()
        try:
            return data.decode(_ALIASES.get(name, name), errors="strict").lstrip("\ufeff")
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def _html_tables(text: str) -> list[Table]:
    """Read every <table> of a page; rows of nested tables belong to the nested table only."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(_XML_DECL.sub("", text) or "<html></html>")
    except Exception as exc:  # lxml's parser errors on pathological input
        raise StatementError(_NO_TABLE) from exc
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    tables: list[Table] = []
    elements = list(root.iter("table"))
    holders = {cell for element in elements for cell in element.iterancestors("td", "th")}  # cells holding tables
    for number, element in enumerate(elements, start=1):
        rows = _html_rows(element, holders)
        if rows:
            tables.append(Table(f"表格 {number}", rows))
    if not tables:
        raise StatementError(_NO_TABLE)
    return tables


def _html_rows(table: Any, holders: set[Any]) -> list[Row]:
    """Read a table's own rows, spreading colspan and carrying rowspan values down like a spreadsheet."""
    rows: list[Row] = []
    carried: dict[int, tuple[int, str]] = {}  # column -> (rows left, value)
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        cells: list[str] = []
        column = 0
        for td in tr.xpath("./td|./th"):
            while carried and column in carried:
                cells.append(_take(carried, column))
                column += 1
            value = "" if td in holders else clean_text(td.text_content())
            span, down = td.get("colspan"), td.get("rowspan")
            span_n = min(_int(span), _MAX_SPAN) if span else 1
            down_n = min(_int(down), MAX_ROWS) if down else 1
            for offset in range(span_n):
                cells.append(value if offset == 0 else "")
                if down_n > 1:
                    carried[column] = (down_n - 1, value if offset == 0 else "")
                column += 1
        while carried and column in carried:
            cells.append(_take(carried, column))
            column += 1
        rows.append(tuple(cells))
        if len(rows) > MAX_ROWS:
            raise too_many_rows()
    return rows


def _take(carried: dict[int, tuple[int, str]], column: int) -> str:
    """Return a rowspan's value for one more row and count it down."""
    left, value = carried[column]
    if left <= 1:
        del carried[column]
    else:
        carried[column] = (left - 1, value)
    return value


def _int(value: str | None) -> int:
    """Read a span attribute (1 when absent or nonsense)."""
    try:
        return max(1, int(str(value).strip()))
    except ValueError:
        return 1


def _spreadsheet_ml(text: str) -> list[Table]:
    """Read the worksheets of an Excel 2003 XML workbook; entities are never resolved."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(_XML_DECL.sub("", text).encode("utf-8"), parser)
    except etree.XMLSyntaxError as exc:
        raise StatementError(_BROKEN) from exc
    tables: list[Table] = []
    for sheet in root.iter(f"{{{_SS}}}Worksheet"):
        rows: list[Row] = []
        for row in sheet.iter(f"{{{_SS}}}Row"):
            rows.append(_ml_row(row))
            if len(rows) > MAX_ROWS:
                raise too_many_rows()
        tables.append(Table(sheet.get(f"{{{_SS}}}Name") or f"工作表 {len(tables) + 1}", rows))
    if not any(any(cell not in (None, "") for cell in row) for table in tables for row in table.rows):
        raise StatementError("Excel 檔案裡沒有任何資料，請確認匯出時選了正確的帳戶與期間。")
    return tables


def _ml_row(row: Any) -> Row:
    """Read one SpreadsheetML row, honouring ss:Index gaps and ss:MergeAcross."""
    cells: list[Cell] = []
    for cell in row.iter(f"{{{_SS}}}Cell"):
        index = cell.get(f"{{{_SS}}}Index")
        if index and index.isdigit():
            cells.extend([None] * max(0, min(int(index), 16_384) - 1 - len(cells)))
        data = cell.find(f"{{{_SS}}}Data")
        cells.append(_ml_value(data) if data is not None else None)
        across = cell.get(f"{{{_SS}}}MergeAcross") or "0"
        cells.extend([None] * min(int(across) if across.isdigit() else 0, _MAX_SPAN))
    return tuple(cells)


def _ml_value(data: Any) -> Cell:
    """Translate a <Data ss:Type=…> element to a cell value."""
    kind = data.get(f"{{{_SS}}}Type", "String")
    text = "".join(data.itertext())
    if kind == "Number":
        try:
            number = float(text)
        except ValueError:
            return clean_text(text)
        return int(number) if number.is_integer() else number
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(text.strip()[:19])
        except ValueError:
            return clean_text(text)
    return clean_text(text)
