"""Read the "Excel" downloads that are really markup: HTML tables and Excel 2003 XML (SpreadsheetML), via lxml."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from parsers.statement_encoding import decode_text
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
_CELL_TAGS = ("td", "th")



def read_markup(data: bytes) -> list[Table]:
    """Return the tables of an HTML page or the worksheets of an Excel 2003 XML workbook."""
    text = _decode(data)
    if _SS in text[:4096]:
        return _spreadsheet_ml(text)
    return _html_tables(text)


def _decode(data: bytes) -> str:
    """Decode markup by its declared charset, else like a CSV file."""
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
    from lxml import etree

    collector = _Collector()
    parser = etree.HTMLParser(target=collector, no_network=True)  # events only: no element objects per cell
    try:
        parser.feed(_XML_DECL.sub("", text) or "<html></html>")
        parser.close()
    except StatementError:
        raise
    except Exception as exc:  # lxml's parser errors on pathological input
        raise StatementError(_NO_TABLE) from exc
    tables = [Table(f"表格 {n}", rows) for n, rows in enumerate(collector.done, start=1) if rows]
    if not tables:
        raise StatementError(_NO_TABLE)
    return tables


class _Grid:
    """One table being read: its rows, and the rowspan values still to carry down."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.cells: list[str] | None = None  # the open row
        self.text: list[str] | None = None  # the open cell's text
        self.span = (1, 1)
        self.carried: dict[int, tuple[int, str]] = {}  # column -> (rows left, value)

    def open_row(self) -> None:
        """Start a row (closing one left open, as browsers do)."""
        self.close_row()
        self.cells = []

    def close_row(self) -> None:
        """Finish the open row, filling in carried rowspan values at its end."""
        if self.cells is None:
            return
        if self.text is not None:
            self.close_cell()
        if self.carried:
            self._carry()
        self.rows.append(tuple(self.cells))
        self.cells = None
        if len(self.rows) > MAX_ROWS:
            raise too_many_rows()

    def open_cell(self, colspan: str | None, rowspan: str | None) -> None:
        """Start a cell (and a row, for a stray cell outside any <tr>)."""
        if self.cells is None:
            self.open_row()
        if self.text is not None:
            self.close_cell()
        self.text = []
        self.span = (min(_int(colspan), _MAX_SPAN) if colspan else 1, min(_int(rowspan), MAX_ROWS) if rowspan else 1)

    def close_cell(self, holder: bool = False) -> None:
        """Finish the open cell, spreading its colspan and remembering its rowspan."""
        if self.text is None or self.cells is None:
            return
        if self.carried:
            self._carry()
        value = "" if holder else clean_text("".join(self.text))
        self.text = None
        across, down = self.span
        if across == 1 == down:
            self.cells.append(value)
            return
        for offset in range(across):
            if down > 1:
                self.carried[len(self.cells)] = (down - 1, value if offset == 0 else "")
            self.cells.append(value if offset == 0 else "")

    def _carry(self) -> None:
        """Put carried rowspan values into the columns the open row has reached."""
        assert self.cells is not None
        while self.carried and len(self.cells) in self.carried:
            self.cells.append(_take(self.carried, len(self.cells)))


class _Collector:
    """An lxml parser target that gathers every table's cells (a cell holding a table counts as empty)."""

    def __init__(self) -> None:
        self.open: list[_Grid] = []
        self.done: list[list[Row]] = []
        self.holders: set[int] = set()  # ids of grids whose open cell holds a nested table

    def start(self, tag: str, attrib: Any) -> None:
        """React to an opening tag."""
        if tag == "table":
            if self.open and self.open[-1].text is not None:
                self.holders.add(id(self.open[-1]))
            self.open.append(_Grid())
        elif not self.open:
            return
        elif tag == "tr":
            self.open[-1].open_row()
        elif tag in _CELL_TAGS:
            spans = (attrib.get("colspan"), attrib.get("rowspan")) if len(attrib) else (None, None)
            self.open[-1].open_cell(*spans)
        elif tag == "br" and self.open[-1].text is not None:
            self.open[-1].text.append("\n")

    def end(self, tag: str) -> None:
        """React to a closing tag."""
        if not self.open:
            return
        grid = self.open[-1]
        if tag in _CELL_TAGS:
            if self.holders and id(grid) in self.holders:
                self.holders.discard(id(grid))
                grid.close_cell(holder=True)
            else:
                grid.close_cell()
        elif tag == "tr":
            grid.close_row()
        elif tag == "table":
            grid.close_row()
            self.done.append(grid.rows)
            self.open.pop()

    def data(self, text: str) -> None:
        """Collect text into the innermost open cell."""
        if self.open and self.open[-1].text is not None:
            self.open[-1].text.append(text)

    def close(self) -> None:
        """Finish tables the page never closed."""
        while self.open:
            self.end("table")


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
