"""How 13 Taiwanese banks lay out their statement downloads, as rows of cells (see tests/fixtures/statements/SOURCES.md).

Each layout turns test rows into preamble lines, a header, data lines and footer lines; ``bank_files`` writes them
in the bank's file kind and encoding. Real header names and conventions come from public parsers of real
downloads; banks with no public source have an inferred layout (SOURCES.md says which).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from .statements import StatementRow, with_balances

Cell = str | int | float | datetime | date | time | None
Line = tuple[Cell, ...]
Kind = Literal["csv", "html", "xml", "xls", "xlsx"]
NBSP = "\xa0"


@dataclass(frozen=True)
class BankRow(StatementRow):
    """A test row with what some banks also print: the payer's bank code and (masked) name."""

    code: str = ""
    name: str | None = None


@dataclass(frozen=True)
class Style:
    """Rendering choices the property tests vary: the empty-amount token and the after-hours ``*`` mark."""

    blank: str
    stars: bool = True


@dataclass(frozen=True)
class Bank:
    """One bank's download: file name and kind, header, and how preamble, data and footer lines look."""

    name: str  # the display name parse_statement should detect
    filename: str
    kind: Kind
    header: Line
    body: Callable[[StatementRow, Style], list[Line]]
    preamble: Callable[[Sequence[StatementRow]], list[Line]] = lambda rows: []
    footer: Callable[[Sequence[StatementRow]], list[Line]] = lambda rows: []
    blank: str = ""  # the bank's own token for the empty amount side
    encoding: str = "utf-8"
    delimiter: str = ","
    clock: Literal["s", "m"] | None = "s"  # how precisely the layout shows the time, or no time at all
    names: bool = False  # whether a column holds the payer's name
    quote_all: bool = False  # every CSV cell quoted, as 國泰 does


def _code(row: StatementRow) -> str:
    return row.code if isinstance(row, BankRow) else ""


def _name(row: StatementRow) -> str:
    return (row.name or "") if isinstance(row, BankRow) and row.direction == "in" else ""


def _clock(row: StatementRow, fmt: str = "%H:%M:%S") -> str:
    return (row.time or time(0, 0)).strftime(fmt)


def _ymd(day: date, sep: str = "/") -> str:
    return day.strftime(f"%Y{sep}%m{sep}%d")


def _roc(day: date, sep: str = "/", width: int = 3) -> str:
    return f"{day.year - 1911:0{width}d}{sep}{day.month:02d}{sep}{day.day:02d}"


def _money(value: int | None, blank: str = "", cents: bool = False) -> str:
    if value is None:
        return blank
    return f"{value:,.2f}" if cents else f"{value:,}"


def _sides(row: StatementRow, blank: str, **kw: bool) -> tuple[str, str]:
    """Return the (withdrawal, deposit) cells, the empty side written as ``blank``."""
    out, inn = (row.amount, None) if row.direction == "out" else (None, row.amount)
    return _money(out, blank, **kw), _money(inn, blank, **kw)


def _after_hours(row: StatementRow, style: Style) -> bool:
    return style.stars and row.time is not None and row.time >= time(17, 0)


def _totals(rows: Sequence[StatementRow], direction: str) -> tuple[int, int]:
    picked = [r.amount for r in rows if r.direction == direction]
    return sum(picked), len(picked)


def _paid(day: date, amount: int, who: tuple[str, str, str], summary: str, clock: time, note: str = "") -> BankRow:
    payer, code, name = who
    return BankRow(day, amount, payer=payer, code=code, name=name, summary=summary, note=note, time=clock)


def corpus_rows(seed: int = 0) -> list[BankRow]:
    """A month of one host's account: four payers (one paying twice the same), a five-digit payment, a fee, a
    withdrawal and interest; ``seed`` shifts the amounts so each bank's file is its own."""
    k = seed
    d = date(2026, 12, 1)
    a = ("0000123456712345", "812", "王*明")
    b = ("0000987654354321", "822", "陳*華")
    c = ("0000555501298765", "700", "林*君")
    e = ("0000246801324680", "013", "張*宇")
    rows = [
        _paid(d, 1250 + 10 * k, a, "跨行轉入", time(9, 12, 5), "團購 A+2"),
        _paid(d, 540 + 5 * k, b, "網銀轉入", time(13, 40, 27)),
        _paid(d + timedelta(1), 680 + k, c, "ATM轉入", time(18, 5, 16)),
        _paid(d + timedelta(1), 680 + k, c, "ATM轉入", time(18, 5, 16)),
        _paid(d + timedelta(2), 12800 + 100 * k, e, "跨行轉入", time(10, 30, 41), "B+5"),
        BankRow(d + timedelta(2), 15, "out", summary="跨行手續費", time=time(10, 31, 2)),
        BankRow(d + timedelta(3), 3000, "out", summary="ATM提款", time=time(11, 20, 33)),
        BankRow(d + timedelta(20), 12 + k, summary="利息存入", time=time(2, 0, 9)),
    ]
    return [r for r in with_balances(rows, opening=20_000 + 1_000 * k) if isinstance(r, BankRow)]


# ---------------------------------------------------------------------------------------------------- CSV banks


def _ctbc(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _sides(row, s.blank)
    p = row.payer or ""
    account = "" if not p else (f"'{p}" if _code(row) == "822" else f"{p[:9]}**{p[-5:]}")
    remark = {"812": "台　新", "822": "行動網", "013": "國泰世華", "700": "郵　局"}.get(_code(row), "")
    return [(_ymd(row.date), row.summary, out, inn, _money(row.balance), remark, account, row.note)]


def _cathay(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _sides(row, s.blank)
    p = row.payer or ""
    info = f"({_code(row)}){p[:7]}***{p[-6:]}" if p else "−"
    when = f"{_ymd(row.date)}\n{_clock(row, '%H:%M')}"
    return [(when, _ymd(row.date), row.summary, out, inn, _money(row.balance), info, row.note or "−")]


def _cathay_footer(rows: Sequence[StatementRow]) -> list[Line]:
    (o, no), (i, ni) = _totals(rows, "out"), _totals(rows, "in")
    return [("\n",), ("提出", f"總金額 TWD {o:,} ( 共 {no} 筆 )"), ("存入", f"總金額 TWD {i:,} ( 共 {ni} 筆 )")]


class Formula(str):
    """A CSV cell the Post writes as an Excel text formula, ``="…"``."""


def _post(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _sides(row, s.blank)
    p = row.payer or ""
    remark = f"{_code(row)}{'*' * 9}{p[-5:]}" if p else ""
    line: Line = (Formula(f"{_roc(row.date)} {_clock(row)}"), Formula(row.summary), Formula("TWD"), out, inn,
                  _money(row.balance), Formula(remark), Formula(row.note))
    if row.amount >= 10_000:  # the Post repeats a big transfer as a zero-amount line at the same moment
        return [line, (*line[:3], "0", "0", *line[5:])]
    return [line]


def _post_footer(rows: Sequence[StatementRow]) -> list[Line]:
    (o, _), (i, ni) = _totals(rows, "out"), _totals(rows, "in")
    return [(Formula("合計"), Formula(f"存入 {ni} 筆"), "", _money(o), _money(i)),
            (Formula("※本資料僅供參考，實際交易以本公司帳載為準"),)]


def _sinopac(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _sides(row, s.blank)
    p = row.payer or ""
    purpose = f"\t{p[-12:]}" if p else row.note
    when = f"{_ymd(row.date)} {_clock(row, '%H:%M')}"
    return [(when, _ymd(row.date), row.summary, out.replace(",", ""), inn.replace(",", ""),
             str(row.balance), "", purpose, "")]


def _bot(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _sides(row, s.blank)
    p = row.payer or ""
    first: Line = (_roc(row.date, ""), row.summary, out, inn, _money(row.balance), "TWD", _name(row) or row.note)
    return [first, ("", "", "", "", "", "", f"{_code(row)} {'*' * 9}{p[-5:]}")] if p else [first]


def _hncb(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _sides(row, s.blank)
    p = row.payer or ""
    return [(_roc(row.date, "/", 4), _clock(row), row.summary, out, inn, _money(row.balance), _code(row),
             f"{p[:7]}***{p[-5:]}" if p else "", row.note)]


def _hncb_footer(rows: Sequence[StatementRow]) -> list[Line]:
    (o, _), (i, _) = _totals(rows, "out"), _totals(rows, "in")
    return [("合計", "", "", _money(o), _money(i)), ("以下空白",)]


def _fubon(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _sides(row, s.blank, cents=True)
    p = row.payer or ""
    return [(_ymd(row.date, "-"), row.summary, out, inn, _money(row.balance, cents=True), _code(row),
             f"{'*' * 8}{p[-8:]}" if p else "", _name(row), row.note)]


# --------------------------------------------------------------------------------------------- markup, workbooks


def _esun(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _sides(row, s.blank)
    p = row.payer or ""
    when = f"{'*' if _after_hours(row, s) else ''}{_ymd(row.date)}\n{_clock(row)}"
    passbook = f"{_name(row)}\n{_code(row)}/{'*' * 9}{p[-5:]}" if p else row.summary
    return [(when, row.summary, out, inn, _money(row.balance), passbook, row.note)]


def _first(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _sides(row, s.blank)
    p = row.payer or ""
    return [(f"{_ymd(row.date)} {_clock(row)}", row.summary, out, inn, _money(row.balance), "正常",
             f"{_code(row)}-{'*' * 7}{p[-5:]}" if p else "", row.note)]


def _typed(row: StatementRow, blank: str) -> tuple[Cell, Cell]:
    """Return the (withdrawal, deposit) cells of a workbook: a number, the empty side ``blank`` or empty."""
    empty: Cell = blank if blank.strip() else None
    return (row.amount, empty) if row.direction == "out" else (empty, row.amount)


def _tcb(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _typed(row, s.blank)
    p = row.payer or ""
    when = datetime.combine(row.date, row.time or time(0, 0, 1))
    return [(when, row.summary, out, inn, row.balance, _name(row) or None,
             f"({_code(row)}){p[:5]}****{p[-5:]}" if p else None, row.note or None)]


def _mega(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _typed(row, s.blank)
    p = row.payer or ""
    late = _after_hours(row, s)
    when = f"{'* ' if late else ''}{_ymd(row.date)} {_clock(row)}"
    booked = row.date + timedelta(1) if row.time and row.time >= time(17, 0) else row.date
    memo = f"{_name(row)} {_code(row)}{'*' * 6}{p[-5:]}" if p else row.note
    return [(when, _ymd(booked), {"跨行轉入": "網際轉"}.get(row.summary, row.summary), out, inn, row.balance,
             memo or None)]


def _linebank(row: StatementRow, s: Style) -> list[Line]:
    out, inn = _typed(row, s.blank)
    p = row.payer or ""
    return [(datetime.combine(row.date, time()), row.time, row.summary, out, inn, row.balance,
             f"{_code(row)}-{p[:4]}***{p[-5:]}" if p else None, _name(row) or None, row.note or None)]


def _richart(row: StatementRow, s: Style) -> list[Line]:
    sign = "-" if row.direction == "out" else ""
    p = row.payer or ""
    day = datetime.combine(row.date, time())
    kind = "收入" if row.direction == "in" else "其他"
    return [(day, day, f"NT${row.balance:,}", f"{sign}NT${row.amount:,}", row.summary, kind,
             f"{_code(row)}-{p}" if p else (row.note or s.blank), s.blank, row.note or s.blank)]


RICHART_CARD: tuple[Line, ...] = (
    ("消費日期", "入帳日期", "卡別", "金額", "消費明細", "外幣幣別與金額", "類別", "備忘錄"),
    (datetime(2026, 12, 3), datetime(2026, 12, 5), "@GoGo", "NT$350", "全家便利商店", "-", "餐飲", "-"),
    (datetime(2026, 12, 9), datetime(2026, 12, 11), "@GoGo", "NT$1,200", "UBER EATS", "-", "餐飲", "-"),
)


BANKS: dict[str, Bank] = {
    "ctbc": Bank(
        "中國信託", "ctbc.csv", "csv", ("日期", "摘要", "支出", "存入", "結餘", "備註", "轉出入帳號", "註記"), _ctbc,
        preamble=lambda rows: [("活存明細查詢",), ("資料時間：2026/12/31 20:33:23", "單位金額：元")],
        encoding="big5", clock=None),
    "cathay": Bank(
        "國泰世華銀行", "cathay.csv", "csv", ("交易日期", "帳務日期", "說明", "提出", "存入", "餘額", "交易資訊", "備註"),
        _cathay, blank="−", clock="m", footer=_cathay_footer, quote_all=True,
        preamble=lambda rows: [("212506058292 台幣帳戶（團購收款）",), ("幣別：TWD",),
                               (f"筆數：{len(rows)} 筆", "(自 2026/12/01 至 2026/12/31)"), ("\n",)]),
    "esun": Bank(
        "玉山銀行", "esun.xls", "html",
        ("交易日期\n時間", "摘要", "提", "存", "帳戶餘額", "存摺備註\n對方銀行代碼/帳號", "轉帳留言"), _esun, blank=NBSP,
        preamble=lambda rows: [("帳號", "0141979137701 臺幣綜存"), ("查詢期間", "2026/12/01 ~ 2026/12/31"),
                               ("查詢幣別", "全部"), ("作業項目", "全部下載"), ("資料排序", "交易時間由舊到新"), ("關鍵字", "")],
        footer=lambda rows: [("交易日期註記「*」係指該筆交易屬平日下午五時後或假日進行之交易。",),
                             ("轉帳留言係指他行顧客進行跨行轉帳交易至本行帳戶時，所填寫之附言內容。",)]),
    "richart": Bank(
        "台新銀行", "richart.xls", "xls",
        ("交易日期", "帳務日期", "帳戶餘額", "金額", "摘要", "類別", "備註", "備忘錄", "轉帳說明"), _richart,
        blank="-", clock=None),
    "post": Bank(
        "中華郵政", "post.csv", "csv", ("交易日期", "摘要", "幣別", "支出", "存入", "餘額", "備註", "註記"), _post,
        preamble=lambda rows: [(Formula("中華郵政 存簿儲金交易明細 帳號：0001234-0123456"),)], footer=_post_footer),
    "hncb": Bank(
        "華南銀行", "hncb.xls", "csv",
        ("交易日期", "交易時間", "摘要", "支出金額", "存入金額", "餘額", "對方行庫", "對方帳號", "備註"), _hncb,
        preamble=lambda rows: [("華南商業銀行 存款往來明細查詢",), ("帳號", "154-20-012345-6"),
                               ("查詢期間", "0115/12/01 ~ 0115/12/31"), ("列印時間", "0115/12/31 21:00:00")],
        footer=_hncb_footer, encoding="utf-16", delimiter="\t"),
    "sinopac": Bank(
        "永豐銀行", "sinopac.csv", "csv",
        ("交易日", " 計息日", " 摘要", " 支出", " 存入", " 餘額", "匯率", "備註/資金用途", ""), _sinopac, blank=" ",
        preamble=lambda rows: [("帳號", "168-018-0008591-8【團購】新台幣", *[""] * 9),
                               ("查詢期間", "2026/12/01~2026/12/31", *[""] * 9)],
        encoding="utf-8-sig", clock="m"),
    "bot": Bank(
        "臺灣銀行", "bot.csv", "csv", ("交易日期", "摘要", "提款金額", "存款金額", "餘額", "幣別", "備註"), _bot,
        preamble=lambda rows: [("臺灣銀行 存款交易明細查詢",), ("帳號：", "012-001-12345-6"), ("查詢期間：", "1151201~1151231")],
        footer=lambda rows: [(f"共 {len(rows)} 筆",), ("以下空白",)], encoding="cp950", clock=None),
    "first": Bank(
        "第一銀行", "firstbank.xls", "html",
        ("交易\n日期", "交易類別", "支出\n金額", "存入\n金額", "餘額", "狀態", "備註", "摘要"), _first, blank="0",
        preamble=lambda rows: [("帳號：", "123-45-678901 活期儲蓄存款"), ("查詢期間：", "2026/12/01~2026/12/31")],
        footer=lambda rows: [("本查詢結果僅供參考，實際餘額以本行帳載為準。",)]),
    "tcb": Bank(
        "合作金庫", "tcb.xls", "xml",
        ("交易日期", "摘要", "支出金額", "存入金額", "餘額", "存款人", "轉出帳號", "備註"), _tcb, names=True,
        preamble=lambda rows: [("合作金庫商業銀行 存款交易明細",), ("帳號", "5071-871-234567"),
                               ("查詢期間", "115/12/01~115/12/31")],
        footer=lambda rows: [("總計", None, *_totals(rows, "out")[:1], *_totals(rows, "in")[:1])]),
    "mega": Bank(
        "兆豐銀行", "mega.xlsx", "xlsx", ("交易時間", "銀行帳務日", "交易項目", "支出", "收入", "帳戶餘額", "存摺備註"), _mega,
        blank="-", names=False,
        preamble=lambda rows: [("兆豐國際商業銀行 存款交易明細查詢",), ("帳號", "017-09-12345-6"), ("幣別", "新台幣"),
                               ("查詢期間", "2026/12/01 ~ 2026/12/31"), ("查詢時間", "2026/12/31 21:00:00"), ("",)]),
    "fubon": Bank(
        "台北富邦銀行", "fubon.csv", "csv",
        ("交易日期", "摘要", "支出", "存入", "餘額", "對方行庫代號", "轉出入帳號", "對方戶名", "備註"), _fubon,
        preamble=lambda rows: [("台北富邦銀行 存款交易明細",), ("帳號：", "00766168****65"),
                               ("查詢期間：", "2026-12-01 ~ 2026-12-31")],
        footer=lambda rows: [(f"共 {len(rows)} 筆",)], encoding="utf-8-sig", clock=None, names=True),
    "linebank": Bank(
        "LINE Bank", "linebank.xlsx", "xlsx",
        ("交易日期", "交易時間", "交易類型", "支出金額", "存入金額", "餘額", "對方帳號", "對方戶名", "備註"), _linebank,
        preamble=lambda rows: [("LINE Bank 連線商業銀行 交易明細",), ("帳號", "111007479473"),
                               ("查詢區間", "2026/12/01-2026/12/31")], names=True),
}
SEEDS = {key: index for index, key in enumerate(BANKS)}


def rows_for(key: str) -> list[BankRow]:
    """Return the rows of a bank's corpus file."""
    return corpus_rows(SEEDS[key])


def expected_movements(key: str, rows: Sequence[StatementRow] | None = None) -> list[dict[str, object]]:
    """What a correct reader finds in the bank's file: every non-zero movement, in file order."""
    bank = BANKS[key]
    found: list[dict[str, object]] = []
    for row in rows_for(key) if rows is None else rows:
        moment = row.time if bank.clock else None
        if moment is not None and bank.clock == "m":
            moment = moment.replace(second=0)
        found.append({
            "date": row.date.isoformat(), "time": moment.isoformat() if moment else None, "amount": row.amount,
            "direction": row.direction, "last5": row.last5,
            "payer_name": (_name(row) or None) if bank.names else None, "balance": row.balance,
        })
    return found


__all__ = ["BANKS", "NBSP", "RICHART_CARD", "Bank", "BankRow", "Cell", "Formula", "Line", "Style", "corpus_rows",
           "expected_movements", "rows_for"]
