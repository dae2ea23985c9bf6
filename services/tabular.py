"""Write rows as JSON, CSV or XLSX (the export commands share this)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

FORMATS = ("json", "csv", "xlsx")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return value


def to_json(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """Return rows as a JSON array (UTF-8, Chinese kept readable)."""
    data = [{k: (v.isoformat() if isinstance(v, datetime | date) else v) for k, v in r.items()} for r in rows]
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """Return rows as CSV with a BOM so Excel opens Chinese text correctly."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _plain(v) for k, v in row.items()})
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(sheets: Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]], *, printable: bool = False) -> bytes:
    """Return an XLSX workbook: ``{sheet title: (header, rows)}``; columns sized to fit.

    ``printable``: each sheet prints on A4, fitted to the page width, with the header row repeated on every page.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for title, (header, rows) in sheets.items():
        ws = wb.create_sheet(title=safe_sheet_title(title, wb.sheetnames))
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([_plain(v) for v in row])
        for col in ws.columns:
            width = max(len(str(c.value or "")) * (2 if _wide(str(c.value or "")) else 1) for c in col)
            ws.column_dimensions[col[0].column_letter].width = min(max(8, width + 2), 60)
        ws.freeze_panes = "A2"
        if printable:
            _print_setup(ws)
    if not wb.sheetnames:
        wb.create_sheet("empty")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _print_setup(ws: Any) -> None:
    """Set a sheet up for printing: A4, fit to one page wide, header row on every page, wrapped text."""
    from openpyxl.styles import Alignment

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _wide(text: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in text)


def safe_sheet_title(title: str, taken: Sequence[str]) -> str:
    """Return an Excel-legal, unique sheet title (≤31 chars, no []:*?/\\)."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "sheet"
    clean = clean[:31]
    candidate, n = clean, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate = clean[: 31 - len(suffix)] + suffix
        n += 1
    return candidate
