"""The statement reader on the file shapes around the banks' layouts: workbooks, archives, markup and odd rows."""

from __future__ import annotations

import io
import zipfile
from datetime import date, time

import pytest
from openpyxl import Workbook

from parsers.statement import MissingColumns, StatementError, parse_statement
from parsers.statement_table import MAX_BYTES

HEADER = ["交易日期", "摘要", "支出", "存入", "餘額", "對方帳號"]
ROW = ["2026/12/02", "跨行轉入", "", "540", "10,540", "812-*******12345"]


def xlsx(cells: dict[str, object]) -> bytes:
    """Return a one-sheet workbook with the given cells (openpyxl writes formulas without cached values)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for ref, value in cells.items():
        sheet[ref] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def grid(top_left: str, rows: list[list[object]]) -> dict[str, object]:
    """Lay rows out from a top-left cell such as ``C3``."""
    column, row = ord(top_left[0]) - ord("A"), int(top_left[1:])
    return {f"{chr(ord('A') + column + c)}{row + r}": v for r, line in enumerate(rows) for c, v in enumerate(line) if v != ""}


def seen(data: bytes) -> list[tuple[object, ...]]:
    """Return (date, time, amount, direction, last5) of each movement."""
    return [(t.date, t.time, t.amount, t.direction, t.last5) for t in parse_statement(data).transactions]


def test_a_sheet_that_starts_below_and_right_of_a1_keeps_its_row_numbers_and_letters() -> None:
    data = xlsx(grid("C3", [["入金明細"], HEADER[:3] + ["入金"] + HEADER[4:], ROW]))
    with pytest.raises(MissingColumns) as caught:  # 支出 alone does not tell where the deposits are
        parse_statement(data)
    assert caught.value.layout.row == 4 and "F「入金」" in str(caught.value) and "/對帳欄位 存入=F" in str(caught.value)
    statement = parse_statement(xlsx(grid("C3", [["國泰世華 明細"], HEADER, ROW])))
    assert statement.header_row == 4 and statement.transactions[0].row_number == 5


def test_formula_text_cells_are_read_even_without_cached_values() -> None:
    cells = grid("A1", [HEADER, ROW])
    cells["F2"] = '="0000123400888"'
    cells["G1"], cells["G2"] = "備註", '=T("王小明")'
    (item,) = parse_statement(xlsx(cells)).transactions
    assert (item.last5, item.memo) == ("00888", "跨行轉入 王小明 0000123400888")


def archive(entries: dict[str, bytes], *, encrypt: bool = False) -> bytes:
    """Return a zip of the given entries (flagged as encrypted when asked, as a password zip is)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in entries.items():
            target.writestr(name, body)
    data = bytearray(out.getvalue())
    if encrypt:  # zipfile cannot write encrypted entries: set the "encrypted" bit in both headers, as a password zip has
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            at = data.find(signature)
            while at >= 0:
                data[at + offset] |= 0x1
                at = data.find(signature, at + 4)
    return bytes(data)


CSV = ("\r\n".join([",".join(HEADER), ",".join(f'"{c}"' for c in ROW)]) + "\r\n").encode("cp950")


def test_a_zip_holding_one_statement_is_opened() -> None:
    assert seen(archive({"明細/202612.csv": CSV})) == [(date(2026, 12, 2), None, 540, "in", "12345")]


@pytest.mark.parametrize(("data", "message"), [
    (archive({"bank.xls": b"x" * 100}, encrypt=True), "壓縮檔有密碼保護"),
    (archive({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"}), ".ods"),
    (archive({"a.csv": CSV, "b.csv": CSV}), "Excel 檔案打不開"),
    (b"x" * (MAX_BYTES + 1), "檔案太大了"),
])
def test_archives_and_sizes_that_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(StatementError, match=message):
        parse_statement(data)


def test_a_zip_bomb_disguised_as_xlsx_is_refused_before_it_is_unpacked() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("[Content_Types].xml", "<Types/>")
        with bomb.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(40):
                sheet.write(b"0" * (1024 * 1024))
    with pytest.raises(StatementError, match="解壓後大得不合理"):
        parse_statement(out.getvalue())


def test_html_spans_nested_tables_and_line_breaks() -> None:
    page = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head><body>
    <table><tr><td>帳號</td><td><table><tr><td>0123-456-789</td></tr></table></td></tr></table>
    <table>
      <tr><th rowspan="2">交易日期<br>時間</th><th rowspan="2">摘要</th><th colspan="2">金額</th><th rowspan=2>餘額</th>
          <th rowspan="2">對方帳號</th></tr>
      <tr><th>支出</th><th>存入</th></tr>
      <tr><td rowspan="2">2026/12/02<br />10:15:30</td><td>跨行轉入</td><td>&nbsp;</td><td>540</td><td>10,540</td>
          <td>812 *********12345</td></tr>
      <tr><td>ATM提款</td><td>3,000</td><td>－</td><td>7,540</td><td>&nbsp;</td></tr>
      <tr><td colspan="6">本資料僅供參考，列印日期 2026/12/06 第 1/2 頁</td></tr>
    </table></body></html>""".encode("cp950")
    assert seen(page) == [
        (date(2026, 12, 2), time(10, 15, 30), 540, "in", "12345"),
        (date(2026, 12, 2), time(10, 15, 30), 3000, "out", None),
    ]
    assert parse_statement(page).format == "html"


def test_excel_2003_xml_with_index_gaps_and_merged_titles() -> None:
    ns = 'xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"'
    xml = f"""<?xml version="1.0" encoding="UTF-8"?><?mso-application progid="Excel.Sheet"?>
    <Workbook {ns}><Worksheet ss:Name="明細"><Table>
    <Row><Cell ss:MergeAcross="4"><Data ss:Type="String">合作金庫 存款交易明細</Data></Cell></Row>
    <Row><Cell><Data ss:Type="String">交易日期</Data></Cell><Cell><Data ss:Type="String">摘要</Data></Cell>
      <Cell><Data ss:Type="String">支出</Data></Cell><Cell><Data ss:Type="String">存入</Data></Cell>
      <Cell><Data ss:Type="String">存款人帳號</Data></Cell></Row>
    <Row><Cell><Data ss:Type="DateTime">2026-12-02T10:15:00.000</Data></Cell><Cell><Data ss:Type="String">轉入</Data></Cell>
      <Cell ss:Index="4"><Data ss:Type="Number">540</Data></Cell>
      <Cell><Data ss:Type="String">0000000***12345</Data></Cell></Row>
    </Table></Worksheet></Workbook>""".encode()
    assert seen(xml) == [(date(2026, 12, 2), time(10, 15), 540, "in", "12345")]


def test_a_memo_only_row_continues_the_movement_above_it() -> None:
    data = ("交易日期,摘要,支出,存入,餘額,備註\r\n"
            "1151202,跨行轉入,,540,10540,王小明\r\n"
            ",,,,,812-*******12345 A+2\r\n"
            "1151203,ATM提款,3000,,7540,\r\n"
            "共 2 筆,,,,,\r\n").encode("cp950")
    first, second = parse_statement(data).transactions
    assert (first.last5, first.memo) == ("12345", "跨行轉入 王小明 812-*******12345 A+2")
    assert (second.amount, second.direction, second.last5) == (3000, "out", None)


@pytest.mark.parametrize("placeholder", ["-", "−", "－", "—", "–", "ー", " ", "0", "0.00", "--"])
def test_every_dash_means_empty(placeholder: str) -> None:
    data = f'交易日期,摘要,支出,存入,餘額,對方帳號\r\n0115/12/02,轉入,"{placeholder}",540,540,812/*********12345\r\n'
    assert seen(data.encode()) == [(date(2026, 12, 2), None, 540, "in", "12345")]


def test_footers_with_numbers_never_become_movements_or_errors() -> None:
    data = ("交易日期,摘要,支出,存入,餘額\r\n2026/12/02,轉入,,540,540\r\n"
            "存入合計,,,540,\r\n1/2,,,,\r\n列印日期：2026/12/06,,,,\r\n※ 本明細僅供參考,,,,\r\n").encode()
    assert seen(data) == [(date(2026, 12, 2), None, 540, "in", None)]


def test_a_date_that_cannot_be_read_on_a_row_with_money_is_refused_with_its_row() -> None:
    data = "交易日期,摘要,支出,存入\r\n2026/12/02,轉入,,540\r\n12-02-2026x,轉入,,300\r\n".encode()
    with pytest.raises(StatementError, match="第 3 列的日期「12-02-2026x」看不懂"):
        parse_statement(data)


def test_utf16_tab_separated_without_a_bom() -> None:
    text = "\t".join(HEADER) + "\r\n" + "\t".join(ROW) + "\r\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        assert seen(text.encode(encoding)) == [(date(2026, 12, 2), None, 540, "in", "12345")]


def test_payer_names_are_read_from_their_column() -> None:
    data = "交易日期,摘要,存入,支出,對方帳號,對方戶名\r\n2026/12/02,轉入,540,,812-***12345,王*明\r\n".encode()
    assert parse_statement(data).transactions[0].payer_name == "王*明"


@pytest.mark.parametrize(("filename", "advice"), [
    ("玉山銀行_對帳單.pdf", "交易明細查詢下載"),
    ("CTBC_statement.pdf", "活存明細查詢"),
    ("Richart明細.pdf", "用密碼解壓後"),
    ("華南銀行綜合對帳單.pdf", "華南銀行網路銀行（電腦版）的存款交易明細查詢"),
    ("statement.pdf", "網路銀行（電腦版）的存款交易明細查詢"),
])
def test_a_pdf_gets_the_download_to_use_instead(filename: str, advice: str) -> None:
    with pytest.raises(StatementError) as caught:
        parse_statement(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", filename)
    assert "讀不了 PDF" in str(caught.value) and advice in str(caught.value)
