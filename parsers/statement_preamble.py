"""Read the bank's name and the host's own account from the rows above a statement's header."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from parsers.statement_errors import StatementError
from parsers.statement_table import Row

# (display name, words that identify it in a preamble or file name); longer, more specific names first.
BANKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("國泰世華銀行", ("國泰世華", "cathay")),
    ("玉山銀行", ("玉山", "e.sun", "esun")),
    ("中華郵政", ("中華郵政", "郵局", "郵政", "chunghwa post")),
    ("中國信託", ("中國信託", "中信", "ctbc")),
    ("台新銀行", ("台新", "臺新", "taishin", "richart")),
    ("台北富邦銀行", ("富邦", "fubon")),
    ("臺灣企銀", ("臺灣企銀", "台灣企銀", "臺灣中小企業", "台灣中小企業")),
    ("臺灣銀行", ("臺灣銀行", "台灣銀行", "bank of taiwan")),
    ("合作金庫", ("合作金庫", "合庫", "tcb-bank", "tcbbank")),
    ("第一銀行", ("第一銀行", "第一商業銀行", "first bank")),
    ("華南銀行", ("華南", "hncb", "hua nan")),
    ("兆豐銀行", ("兆豐", "mega bank", "megabank")),
    ("彰化銀行", ("彰化銀行", "彰化商業銀行", "彰銀")),
    ("土地銀行", ("土地銀行", "土銀")),
    ("永豐銀行", ("永豐", "sinopac", "dawho", "大戶")),
    ("聯邦銀行", ("聯邦銀行", "聯邦商業銀行")),
    ("元大銀行", ("元大",)),
    ("新光銀行", ("新光",)),
    ("上海商銀", ("上海商業", "上海銀行")),
    ("遠東商銀", ("遠東",)),
    ("凱基銀行", ("凱基",)),
    ("星展銀行", ("星展",)),
    ("渣打銀行", ("渣打",)),
    ("滙豐銀行", ("滙豐", "匯豐")),
    ("將來銀行", ("將來銀行",)),
    ("LINE Bank", ("line bank", "linebank", "連線銀行", "連線商業銀行")),
    ("樂天銀行", ("樂天",)),
    ("王道銀行", ("王道",)),
)
_ACCOUNT = re.compile(
    r"(?:帳號|帳戶|账号|存簿|Account)\s*(?:號碼)?\s*[:：]?\s*([0-9*xX＊\-() ]{4,40})", re.IGNORECASE
)


def row_text(row: Row) -> str:
    """Join a row's non-empty cells with spaces, half-width."""
    cells = (str(cell) for cell in row if cell not in (None, ""))
    return unicodedata.normalize("NFKC", " ".join(cells))


def detect_bank(preamble: Sequence[Row], filename: str | None) -> str | None:
    """Name the bank from the preamble text, else from the file name, else None."""
    for text in (" ".join(row_text(row) for row in preamble), filename or ""):
        lowered = unicodedata.normalize("NFKC", text).lower()
        for name, words in BANKS:
            if any(word in lowered for word in words):
                return name
    return None


def detect_account(preamble: Sequence[Row]) -> str | None:
    """Return the host's own account number as the preamble shows it (masked or not), or None."""
    for row in preamble:
        match = _ACCOUNT.search(row_text(row))
        if match:
            account = match.group(1).strip()
            if sum(ch.isdigit() for ch in account) >= 4:
                return account
    return None


# Where a bank's online banking offers the statement as a file, as the public importers of its downloads show
# it (tests/fixtures/statements/SOURCES.md); other banks get the general advice.
_DOWNLOADS = {
    "玉山銀行": "玉山個人網路銀行的「交易明細查詢下載」，下載 Excel 檔",
    "中國信託": "中國信託網路銀行的「活存明細查詢」，查詢後下載 CSV",
    "台新銀行": "Richart App 匯出交易明細（寄到信箱的壓縮檔，用密碼解壓後，把裡面的 Excel 檔傳給我）"
                "；台新網路銀行則在交易明細查詢後選下載",
    "中華郵政": "網路郵局的存簿交易明細查詢，查詢後下載 CSV",
}


class PdfStatement(StatementError):
    """A PDF statement: the reader does not read PDFs and says which download to use instead."""

    def __init__(self, bank: str | None = None) -> None:
        self.bank = bank
        where = _DOWNLOADS.get(bank or "") or (
            f"{bank}網路銀行（電腦版）的存款交易明細查詢，查詢後選「下載」或「匯出」Excel 或 CSV"
            if bank else "網路銀行（電腦版）的存款交易明細查詢，查詢後選「下載」或「匯出」Excel 或 CSV"
        )
        super().__init__(f"這是 PDF 對帳單，我讀不了 PDF。請到{where}，把那個檔案傳給我（不要選列印或 PDF）。"
                         "每月寄來的 PDF 電子對帳單沒有 Excel 版，要從網路銀行下載。")
