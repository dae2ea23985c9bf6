"""Read spreadsheet workbooks into tables: XLSX (guarded against zip bombs) and legacy XLS (xlrd).

XLSX is read with calamine (a Rust reader, six times openpyxl's speed on a 50,000-row statement), which gives the
values Excel cached; text formulas (``="00123"``) saved without a cached value are read from the sheet XML.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import date, datetime, time

from parsers.statement_errors import StatementError
from parsers.statement_table import MAX_BYTES, MAX_ROWS, Cell, Row, Table, clean_text, is_blank, too_many_rows

MAX_UNZIPPED = 20 * MAX_BYTES  # sheet XML is verbose, but not by more than this
MAX_RATIO = 150  # real sheet XML compresses 5–30×; a bomb compresses thousands of times
_BROKEN_XLSX = "Excel 檔案打不開或已損壞，請從網路銀行重新下載交易明細（Excel 或 CSV）再上傳。"
_BROKEN_XLS = "這個舊版 Excel（.xls）檔打不開或已損壞，請從網路銀行重新下載交易明細（Excel 或 CSV）再上傳。"
_BOMB = "這個 Excel 檔解壓後大得不合理（可能已損壞），我沒有讀它。請從網路銀行重新下載交易明細再上傳。"
_ENCRYPTED = "這個 Excel 檔有密碼保護，我打不開。請在網路銀行下載時不要設定密碼，或改下載 CSV 再上傳。"
_ZIP_PASSWORD = "這個壓縮檔有密碼保護（例如 Richart 匯出的明細），我打不開。請先用密碼解壓縮，再把裡面的 Excel 檔傳給我。"
_ODS = "這是 OpenDocument 試算表（.ods），我讀不了。請從網路銀行下載 Excel（.xlsx／.xls）或 CSV 再上傳。"
_NO_DATA = "Excel 檔案裡沒有任何資料，請確認匯出時選了正確的帳戶與期間。"
_FORMULA_CELL = re.compile(  # a <c> element (not a self-closing one) holding an <f>
    rb'<c r="([A-Z]{1,3})(\d{1,7})"(?:\s[^>]*)?(?<!/)>((?:(?!</c>).){0,2000}?<f[ >](?:(?!</c>).){0,2000}?)</c>', re.S)
_FORMULA = re.compile(rb"<f[^>]*>([^<]*)</f>")
_CACHED = re.compile(rb"<v>[^<]+</v>|<is>")
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>")
_SHEET = re.compile(rb"<sheet\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_INNER = (".csv", ".xls", ".xlsx", ".htm", ".html", ".txt")


def zipped_statement(data: bytes) -> bytes | None:
    """Return the one statement file inside a zip that is not a workbook (None for a workbook); refuse bombs."""
    archive, infos = _open(data)
    if any(info.filename.startswith("xl/") for info in infos):
        return None
    if any(info.filename == "mimetype" for info in infos) and archive.read("mimetype").startswith(b"application/vnd.oasis"):
        raise StatementError(_ODS)
    inner = [info for info in infos if info.filename.lower().endswith(_INNER) and not info.is_dir()]
    if len(inner) != 1:
        raise StatementError(_BROKEN_XLSX)
    return archive.read(inner[0])


def _open(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open an archive, refusing broken ones, bombs and password-protected ones."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise StatementError(_BROKEN_XLSX) from exc
    _refuse_bombs(infos)
    if any(info.flag_bits & 0x1 for info in infos):
        raise StatementError(_ZIP_PASSWORD)
    return archive, infos


def read_xlsx(data: bytes) -> list[Table]:
    """Return the non-empty sheets of an XLSX workbook."""
    archive, infos = _open(data)
    tables = _calamine(data)
    literals = _uncached_text_formulas(archive, infos)
    for table in tables:
        for (r, c), value in literals.get(table.name, {}).items():
            while len(table.rows) <= r:
                table.rows.append(())
            row = list(table.rows[r]) + [None] * max(0, c + 1 - len(table.rows[r]))
            if is_blank(row[c]):
                row[c] = value
                table.rows[r] = tuple(row)
    return _keep(tables)


def _uncached_text_formulas(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, dict[tuple[int, int], str]]:
    """Return, per sheet name, the text of ``="00123"``-style formula cells saved without a cached value.

    calamine reads the values Excel cached; a bank's generator may write such formulas with none. Only those
    cells are read from the sheet XML (a scan for ``<f>``), so a workbook of formulas still reads at calamine's pace.
    """
    sheets = _sheet_files(archive, infos)
    found: dict[str, dict[tuple[int, int], str]] = {}
    for name, path in sheets.items():
        try:
            xml = archive.read(path)
        except KeyError:
            continue
        if b"<f" not in xml:
            continue
        cells: dict[tuple[int, int], str] = {}
        for match in _FORMULA_CELL.finditer(xml):
            column, row, body = match.group(1), int(match.group(2)), match.group(3)
            if _CACHED.search(body):
                continue  # calamine has its value
            formula = _FORMULA.search(body)
            if formula is None:
                continue
            text = clean_text("=" + html.unescape(formula.group(1).decode("utf-8", errors="replace")))
            if not text.startswith("="):  # a text formula: its text is the value
                cells[(row - 1, _column_index(column.decode()))] = text
        if cells:
            found[name] = cells
    return found


def _sheet_files(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> dict[str, str]:
    """Map each sheet's name to its XML part (workbook.xml and its relationships)."""
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    targets = {}
    for tag in _RELATIONSHIP.finditer(archive.read("xl/_rels/workbook.xml.rels")):
        attrs = _attributes(tag.group(0))
        targets[attrs.get("Id", "")] = attrs.get("Target", "")
    sheets: dict[str, str] = {}
    for tag in _SHEET.finditer(archive.read("xl/workbook.xml")):
        attrs = _attributes(tag.group(0))
        target = targets.get(attrs.get("r:id", ""), "")
        if target:
            sheets[attrs.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return sheets


def _attributes(tag: bytes) -> dict[str, str]:
    """Return an XML tag's attributes, unescaped."""
    return {k.decode(): html.unescape(v.decode("utf-8", errors="replace")) for k, v in _ATTRIBUTE.findall(tag)}


def _column_index(letters: str) -> int:
    """Return the 0-based index of a column's letters (A → 0, AA → 26)."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


def _keep(tables: list[Table]) -> list[Table]:
    """Return the tables that hold something, or refuse a workbook with no data at all."""
    kept = [t for t in tables if _has_data(t)]
    if not kept:
        raise StatementError(_NO_DATA)
    return kept


def _calamine(data: bytes) -> list[Table]:
    """Read every sheet with calamine (values as Excel cached them)."""
    from python_calamine import CalamineError, CalamineWorkbook

    tables: list[Table] = []
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            if sheet.height > MAX_ROWS:
                raise too_many_rows()
            # skip_empty_area=False: the grid starts at A1, so row numbers and column letters are the host's.
            rows: list[Row] = [tuple(_cell(v) for v in values) for values in sheet.to_python(skip_empty_area=False)]
            tables.append(Table(str(name), rows))
    except StatementError:
        raise
    except (CalamineError, Exception) as exc:  # calamine raises its own and Python errors on hostile files
        raise StatementError(_BROKEN_XLSX) from exc
    return tables


def _refuse_bombs(infos: list[zipfile.ZipInfo]) -> None:
    """Refuse an archive whose entries would unpack to far more than any statement."""
    total = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if total > MAX_UNZIPPED or (total > 10 * 1024 * 1024 and total > MAX_RATIO * max(packed, 1)):
        raise StatementError(_BOMB)


def _has_data(table: Table) -> bool:
    """Tell whether any cell of a table holds something."""
    return any(not is_blank(cell) for row in table.rows for cell in row)


def _cell(value: object) -> Cell:
    """Keep the typed values a workbook gives; clean text the same way as CSV cells."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, int | float | datetime | date | time):
        return value
    return str(value)


def read_xls(data: bytes) -> list[Table]:
    """Return the non-empty sheets of a legacy Excel 97–2003 (BIFF) workbook."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as exc:
        raise StatementError(_ENCRYPTED if "encrypt" in str(exc).lower() else _BROKEN_XLS) from exc
    except Exception as exc:  # struct, OLE and index errors of all kinds on truncated or hostile files
        raise StatementError(_BROKEN_XLS) from exc
    tables: list[Table] = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.nrows > MAX_ROWS:
                raise too_many_rows()
            rows = [tuple(_xls_cell(book, sheet.cell(r, c)) for c in range(sheet.row_len(r))) for r in range(sheet.nrows)]
            table = Table(sheet.name, rows)
            if _has_data(table):
                tables.append(table)
    except StatementError:
        raise
    except Exception as exc:
        raise StatementError(_BROKEN_XLS) from exc
    finally:
        book.release_resources()
    if not tables:
        raise StatementError(_NO_DATA)
    return tables


def _xls_cell(book: object, cell: object) -> Cell:
    """Translate an xlrd cell: dates to datetimes, whole numbers to ints, errors to blanks."""
    import xlrd

    kind, value = getattr(cell, "ctype", 0), getattr(cell, "value", None)
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(value, getattr(book, "datemode", 0))
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return None
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if kind == xlrd.XL_CELL_BOOLEAN:
        return str(bool(value))
    return _cell(value)
