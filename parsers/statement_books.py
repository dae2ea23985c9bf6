"""Read spreadsheet workbooks into tables: XLSX (guarded against zip bombs) and legacy XLS (xlrd).

XLSX is read with calamine (a Rust reader, six times openpyxl's speed on a 50,000-row statement); a workbook
whose sheets hold formulas is read with openpyxl, which can give a formula's text (``="00123"``) when the file
carries no cached value for it.
"""

from __future__ import annotations

import io
import warnings
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
_STYLE_WARNINGS = ("Workbook contains no (default style|stylesheet)", ".*extension is not supported",
                   "Data Validation extension", "Conditional Formatting extension")
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
    if not _has_formulas(archive, infos):
        return _keep(_calamine(data))
    tables = _sheets(data, formulas=True)
    pending = [(t, r, c) for t, table in enumerate(tables) for r, row in enumerate(table.rows)
               for c, cell in enumerate(row) if isinstance(cell, str) and cell.startswith("=")]
    if pending:  # formulas other than ="text": take the values Excel cached for them
        cached = _sheets(data, formulas=False)
        for t, r, c in pending:
            row = list(tables[t].rows[r])
            row[c] = cached[t].rows[r][c] if r < len(cached[t].rows) and c < len(cached[t].rows[r]) else None
            tables[t].rows[r] = tuple(row)
    return _keep(tables)


def _keep(tables: list[Table]) -> list[Table]:
    """Return the tables that hold something, or refuse a workbook with no data at all."""
    kept = [t for t in tables if _has_data(t)]
    if not kept:
        raise StatementError(_NO_DATA)
    return kept


def _has_formulas(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> bool:
    """Tell whether any worksheet holds a formula (its cached value may be missing: openpyxl reads its text)."""
    for info in infos:
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            with archive.open(info) as sheet:
                while chunk := sheet.read(1 << 20):
                    if b"<f>" in chunk or b"<f " in chunk or b":f>" in chunk or b":f " in chunk:
                        return True
    return False


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


def _sheets(data: bytes, *, formulas: bool) -> list[Table]:
    """Read every sheet; with ``formulas`` a formula cell comes as its text (``="00123"`` unwrapped)."""
    from openpyxl import load_workbook

    tables: list[Table] = []
    try:
        with warnings.catch_warnings():
            # Bank exports often lack a style sheet; openpyxl warns, then uses its default, which is fine.
            for message in _STYLE_WARNINGS:
                warnings.filterwarnings("ignore", message=message, category=UserWarning)
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas)
            try:
                for sheet in book.worksheets:
                    if hasattr(sheet, "reset_dimensions"):
                        sheet.reset_dimensions()
                    rows: list[Row] = []
                    for values in sheet.iter_rows(values_only=True):
                        rows.append(tuple(_cell(v) for v in values))
                        if len(rows) > MAX_ROWS:
                            raise too_many_rows()
                    tables.append(Table(str(sheet.title), rows))
            finally:
                book.close()
    except StatementError:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl errors of all kinds on truncated or hostile files
        raise StatementError(_BROKEN_XLSX) from exc
    return tables


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
