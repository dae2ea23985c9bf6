"""Decode the text of a statement file: UTF-16 (with or without a BOM), UTF-8, Big5/CP950, else a detected guess."""

from __future__ import annotations

import codecs

from parsers.statement_errors import StatementError

_NOT_A_STATEMENT = "看不懂這個檔案：它不是 CSV、Excel 或網頁格式的交易明細，請從網路銀行重新匯出後再上傳。"


def utf16(data: bytes) -> str | None:
    """Name the UTF-16 flavour of bytes (by BOM, or by where the zero bytes fall), or None."""
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = data[:2000]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    pairs = len(sample) // 2
    if odd > pairs * 0.3 and even < pairs * 0.05:
        return "utf-16-le"
    if even > pairs * 0.3 and odd < pairs * 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes) -> str:
    """Decode text bytes: UTF-16 (BOM or zero pattern), strict UTF-8, CP950, Big5-HKSCS, else a detected guess."""
    if (encoding := utf16(data)) is not None:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        for encoding in ("utf-8-sig", "cp950", "big5hkscs"):
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
