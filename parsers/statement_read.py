"""Turn the raw bytes of a bank statement into tables of cells, whatever the file really is.

Banks hand out CSV (UTF-8, Big5/CP950, UTF-16 tab-separated), XLSX, legacy XLS, and "Excel" downloads that
are really an HTML page or an Excel 2003 XML file with an ``.xls`` name. The kind is judged from the content,
never from the name.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from parsers.statement_encoding import decode_text, utf16
from parsers.statement_errors import StatementError
from parsers.statement_table import MAX_BYTES, MAX_ROWS, Cell, Row, Table, clean_text, too_many_rows

__all__ = ["Cell", "Row", "Table", "decode_text", "read_tables"]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"\x00\x00\x00\x18ftyp", b"\x00\x00\x00\x1cftyp")
_DELIMITERS = (",", "\t", ";", "|")
_MARKUP = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|table|meta|div)",
                     re.IGNORECASE | re.DOTALL)
_SPREADSHEET_ML = b"urn:schemas-microsoft-com:office:spreadsheet"
_EMPTY = "檔案是空的，請從網路銀行重新下載交易明細（CSV 或 Excel）再上傳。"
_IMAGE = "這是一張圖片，我讀不了截圖。請在網路銀行的交易明細頁選「下載」或「匯出」，把 Excel 或 CSV 檔傳給我。"

_TOO_BIG = f"檔案太大了（上限 {MAX_BYTES // 1024 // 1024}MB）。請在網路銀行縮短查詢期間（例如一個月），再匯出上傳。"


def read_tables(data: bytes) -> tuple[list[Table], str]:
    """Return the file's tables (sheets or HTML tables, in file order) and its kind.

    The kind is ``"csv"``, ``"xlsx"``, ``"xls"`` or ``"html"``; raises StatementError for anything else.
    """
    if len(data) > MAX_BYTES:
        raise StatementError(_TOO_BIG)
    if not data.strip():
        raise StatementError(_EMPTY)
    if data.startswith(b"%PDF"):
        from parsers.statement_preamble import PdfStatement

        raise PdfStatement()
    if data.startswith(_IMAGES):
        raise StatementError(_IMAGE)
    if data.startswith(b"PK"):
        from parsers.statement_books import read_xlsx, zipped_statement

        inner = zipped_statement(data)  # a zip holding one statement file, not a workbook
        if inner is not None:
            return read_tables(inner)
        return read_xlsx(data), "xlsx"
    if data.startswith(_OLE_MAGIC):
        from parsers.statement_books import read_xls

        return read_xls(data), "xls"
    head = _ascii_head(data)
    if _SPREADSHEET_ML in head or _MARKUP.match(head):
        from parsers.statement_html import read_markup

        return read_markup(data), "html"
    return [Table("CSV", _read_csv(decode_text(data)))], "csv"


def _ascii_head(data: bytes) -> bytes:
    """Return the start of the file as ASCII-ish bytes (UTF-16 and BOMs folded away) for sniffing."""
    head = data[:4096]
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    encoding = utf16(head)
    if encoding:
        head = head.decode(encoding, errors="ignore").encode("ascii", errors="ignore")
    return head


def _read_csv(text: str) -> list[Row]:
    """Split CSV text into rows, guessing the delimiter; cells are cleaned like every other reader's."""
    lines = [line for line in text.splitlines()[:80] if line.strip()]
    if not lines:
        raise StatementError(_EMPTY)
    delimiter = max(_DELIMITERS, key=lambda d: sorted(line.count(d) for line in lines)[len(lines) // 2 :][0])
    rows: list[Row] = []
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            rows.append(tuple(clean_text(cell) for cell in row))
            if len(rows) > MAX_ROWS:
                raise too_many_rows()
    except csv.Error as exc:
        raise StatementError("CSV 檔案格式損壞，請從網路銀行重新下載交易明細後再上傳。") from exc
    return rows

