"""Turn the raw bytes of a bank statement (CSV in any common encoding, or XLSX) into rows of cells."""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from datetime import date, datetime, time

from parsers.statement_errors import StatementError

Cell = str | int | float | datetime | date | time | None
Row = tuple[Cell, ...]

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (",", "\t", ";", "|")
_MAX_CELL = 10_000
_EMPTY = "檔案是空的，請從網路銀行重新下載交易明細（CSV 或 Excel）再上傳。"
_NOT_A_STATEMENT = "看不懂這個檔案：它不是 CSV 或 Excel（.xlsx）交易明細，請從網路銀行重新匯出後再上傳。"
_BROKEN_XLSX = "Excel 檔案打不開或已損壞，請從網路銀行重新下載交易明細（.xlsx 或 CSV）再上傳。"
_STYLE_WARNING = "Workbook contains no (default style|stylesheet)"


def read_rows(data: bytes) -> tuple[list[Row], str]:
    """Return the file's rows (row 1 first) and its kind, ``"csv"`` or ``"xlsx"``."""
    if not data.strip():
        raise StatementError(_EMPTY)
    if data.startswith(b"PK"):
        return _read_xlsx(data), "xlsx"
    if data.startswith(_OLE_MAGIC):
        raise StatementError("這是舊版 Excel（.xls）檔，請在 Excel 另存為 .xlsx 或 CSV 後再上傳。")
    return _read_csv(decode_text(data)), "csv"


def decode_text(data: bytes) -> str:
    """Decode CSV bytes: UTF-16 by BOM, then strict UTF-8 (BOM optional), then CP950, then a best guess."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in ("utf-8-sig", "cp950"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        guess = _guess_text(data)
        if guess is not None:
            return guess
    raise StatementError(_NOT_A_STATEMENT)


def _guess_text(data: bytes) -> str | None:
    """Ask charset-normalizer for the most plausible decoding, or None when nothing fits."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding.lower().startswith("utf_16") or best.percent_chaos > 20:
        return None
    text = str(best)
    return text if "\x00" not in text else None


def _read_csv(text: str) -> list[Row]:
    """Split CSV text into rows, guessing the delimiter and unwrapping Excel ``="0012"`` cells."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        raise StatementError(_EMPTY)
    delimiter = max(_DELIMITERS, key=lambda d: sorted(line.count(d) for line in lines)[len(lines) // 2 :][0])
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        return [tuple(_clean(cell) for cell in row) for row in reader]
    except csv.Error as exc:
        raise StatementError("CSV 檔案格式損壞，請從網路銀行重新下載交易明細後再上傳。") from exc


def _clean(cell: str) -> str:
    """Strip spaces and Excel's ``="..."`` text wrapper from one CSV cell."""
    cell = cell.strip().replace("\t", "")[:_MAX_CELL]
    if cell.startswith('="') and cell.endswith('"'):
        cell = cell[2:-1].strip()
    return cell


def _read_xlsx(data: bytes) -> list[Row]:
    """Read the first worksheet that has rows, as plain values (merged cells give their top-left value)."""
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # Bank exports often lack a style sheet; openpyxl warns, then uses its default, which is fine.
            warnings.filterwarnings("ignore", message=_STYLE_WARNING, category=UserWarning)
            warnings.filterwarnings("ignore", message=".*extension is not supported", category=UserWarning)
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                for sheet in book.worksheets:
                    if hasattr(sheet, "reset_dimensions"):
                        sheet.reset_dimensions()
                    rows = [tuple(_xlsx_cell(v) for v in row) for row in sheet.iter_rows(values_only=True)]
                    if any(any(cell not in (None, "") for cell in row) for row in rows):
                        return rows
            finally:
                book.close()
    except StatementError:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl errors of all kinds on truncated or hostile files
        raise StatementError(_BROKEN_XLSX) from exc
    raise StatementError("Excel 檔案裡沒有任何資料，請確認匯出時選了正確的帳戶與期間。")


def _xlsx_cell(value: object) -> Cell:
    """Keep the typed values openpyxl gives; stringify anything else."""
    if value is None or isinstance(value, str | int | float | datetime | date | time):
        return value.strip() if isinstance(value, str) else value
    return str(value)
