"""The exceptions the bank-statement reader raises, each with a zh-TW message that says what to do next."""

from __future__ import annotations

from dataclasses import dataclass


class StatementError(ValueError):
    """Refuse a statement file; ``str(exc)`` tells the host what is wrong and what to do next."""


ROLE_NAMES = {  # what the host calls each column in /對帳欄位, and the role it names
    "日期": "date", "時間": "time", "存入": "in", "支出": "out", "金額": "amount", "借貸": "dc",
    "餘額": "balance", "帳號": "account", "戶名": "name", "備註": "memo", "摘要": "summary",
}
SHOWN = {role: word for word, role in ROLE_NAMES.items()}


def letter(index: int) -> str:
    """Return the spreadsheet letter of a 0-based column (0 → A, 26 → AA)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


@dataclass(frozen=True)
class Layout:
    """What the reader saw of a header it could not fully read: enough for the host to map it."""

    fingerprint: str
    row: int  # 1-based row number of the header in its table
    table: str
    names: tuple[str, ...]
    missing: tuple[str, ...]  # roles the file needs but no column names: "date", "money"
    unnamed: tuple[int, ...] = ()  # columns whose names the reader does not know: what the host can map
    has_account: bool = False


class MissingColumns(StatementError):
    """A header row was found but lacks a column the reader needs; the host can name it with /對帳欄位."""

    def __init__(self, layout: Layout, bank: str | None = None) -> None:
        self.layout = layout
        self.bank = bank
        super().__init__(self._message())

    def _message(self) -> str:
        """Name the bank, the columns seen and the one needed, and how to tell the bot which it is."""
        layout = self.layout
        found = "、".join(f"{letter(i)}「{name}」" for i, name in enumerate(layout.names) if name) or "（沒有欄名）"
        needs = "、".join("交易日期" if m == "date" else "存入金額（或金額）" for m in layout.missing)
        bank = f"這是{self.bank}的檔案，" if self.bank else ""
        said = f"{bank}第 {layout.row} 列的表頭有 {found}，但我認不出哪一欄是{needs}。"
        if not layout.unnamed:
            return said + "這個檔案沒有這一欄，請在網路銀行重新匯出含交易日期與存入、支出金額的完整明細後再上傳。"
        spare = iter(layout.unnamed)
        example = [f"{'日期' if m == 'date' else '存入'}={letter(next(spare, layout.unnamed[0]))}" for m in layout.missing]
        if not layout.has_account and (more := next(spare, None)) is not None:
            example.append(f"帳號={letter(more)}")
        return (
            said + f"請告訴我是哪一欄，例如：/對帳欄位 {' '.join(example)}（字母是 Excel 的欄位），"
            "我會記住這種格式，之後同一家銀行的檔案就能直接讀。"
        )
