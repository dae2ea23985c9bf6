"""Split a normalised comment into order tokens: item references, quantities, keywords."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from parsers.text import CN_NUMERAL, cn_to_int

UNITS = "包盒份組個顆袋箱尾瓶條罐片串斤件隻支杯碗盤桶粒塊張套捆把束根卷捲台塊排"
MAX_QTY_DIGITS = 4

Kind = Literal[
    "name", "code", "ref", "pos", "dot", "qty", "num", "cancel", "set", "swap", "each", "all", "want", "span", "word",
    "junk", "sep",
]


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical unit of a comment; value holds the code, number or text it carries.

    A "sep" token's text is "\n" when the separator ends a line, else empty; "ref" tokens are item numbers
    written as such (#3, 3號, 第3項), "pos" and "dot" ones are bare numbers that may be an item or a quantity.
    """

    kind: Kind
    text: str = ""
    number: int = 0
    op: str = ""  # for qty: "+" add, "-" remove, "x" times, "n" counted with a unit


# Text that looks numeric but is never a quantity: phones, dates, times, money, pack sizes.
NOT_QUANTITY = re.compile(
    r"""
    (?:\+?886[\s-]?|0)9\d{2}[\s-]?\d{3}[\s-]?\d{3}       # mobile phone
    | 0\d{1,2}[\s-]?\d{3,4}[\s-]?\d{4}                    # landline
    | \d{2,4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{1,2}         # full date
    | \d{1,2}\s*/\s*\d{1,2}(?:\s*\([^)]{1,3}\))?          # 12/8, 12/8(二)
    | \d{1,2}\s*:\s*\d{2}                                 # 20:00
    | \d{1,2}\s*月\s*\d{1,2}\s*[日號]?                     # 12月3日
    | \d{1,2}\s*[點时時]\s*(?:\d{1,2}\s*分?|半)?           # 8點
    | (?:NT)?\$\s*\d[\d,]*(?:\.\d+)? | NT\s*\d[\d,]*      # $180, NT$1,680
    | \d[\d,]*\s*(?:元|塊錢|圓)                            # 540元
    | (?:總共|共計|合計|總計|小計|總額|總金額|金額|共)\s*\d[\d,]*\s*(?:元|["""
    + UNITS
    + r"""])?
    | \d+\s*(?:入|G|KG|克|公克|公斤|ML|CC|CM|%)(?![A-Z])  # pack sizes and measures
    | \d{1,4}(?:,\d{3})+                                  # 1,680
    """,
    re.VERBOSE,
)

_NUM = rf"(?:\d{{1,{MAX_QTY_DIGITS}}}(?!\d)|{CN_NUMERAL})"
_OP_AHEAD = r"(?=\s*(?:[+\-*×]|X\s*\d|加|改)|取消|不要)"

_TOKEN_TEMPLATE = rf"""
    (?P<sep>[^\w#()+\-*×]+)
    |(?P<ref>第\s*(?P<r1>{_NUM})\s*[項個樣款號]?|編號\s*(?P<r2>\d+)|\#\s*(?P<r3>\d+)
        |\(\s*(?P<r4>[A-Z]|\d+)\s*\)|(?P<r5>\d{{1,3}})\s*號(?!碼)|(?<![A-Z\d])(?P<r6>\d{{1,3}}(?!\d)){_OP_AHEAD})
    |(?P<dot>(?<![^\s])\d{{1,2}}(?=\s*\.(?!\d)))
    |(?P<qty>(?P<op>[+加]|[X*×]|-|減)\s*(?P<on>{_NUM})(?:\s*(?P<ou>[{UNITS}]))?)
    |(?P<count>(?P<cn>{_NUM})\s*(?P<cu>[{UNITS}]))
    |(?P<cancel>取消|不要了|不用了|不要(?=$|[^\w]|[A-Z])|不訂了|退訂|刪除|刪掉|移除|撤單|退出)
    |(?P<set>改成|改為|改要|更改成|更改為|更改|改)
    |(?P<swap>換成|換為|換)
    |(?P<each>各(?:\s*(?P<en>{_NUM})(?:\s*(?P<eu>[{UNITS}]))?)?)
    |(?P<all>全部|每樣|每種|每款|每一樣|通通)
    |(?P<want>我也要|我要|想要|也要|要|訂購|預訂|預購)
    |(?P<code>(?<![A-Z])[A-Z](?=X\s*\d)|(?<![A-Z])[A-Z](?![A-Z]))
    |(?P<long>\d{{{MAX_QTY_DIGITS + 1},}})
    |(?P<num>\d+)
    |(?P<word>[A-Z]+)
    |(?P<cjk>[\u3400-\u9fff\uf900-\ufaff])
    |(?P<other>.)
"""


def compile_lexer(names: Iterable[str], short: Iterable[str] = ()) -> re.Pattern[str]:
    """Compile the token pattern, with the campaign's full item names (and ``short`` words, e.g. 辣) tried first."""
    alternatives = sorted({name for name in names if len(name) >= 2} | set(short), key=len, reverse=True)
    name_part = "(?P<name>" + "|".join(map(re.escape, alternatives)) + ")|" if alternatives else ""
    return re.compile(name_part + _TOKEN_TEMPLATE, re.VERBOSE | re.DOTALL)


def _qty_op(op: str) -> str:
    """Map an operator character to its quantity kind."""
    if op in "+加":
        return "+"
    if op in "-減":
        return "-"
    return "x"


def tokenize(text: str, lexer: re.Pattern[str]) -> list[Token]:
    """Turn normalised comment text into tokens, merging runs of plain CJK into spans."""
    tokens: list[Token] = []
    run: list[str] = []
    for match in lexer.finditer(text):
        kind = match.lastgroup
        if kind == "cjk":
            run.append(match.group())
            continue
        if run:
            tokens.append(Token("span", "".join(run)))
            run = []
        token = _make_token(kind, match)
        if kind == "each" and match.group("en"):
            number = cn_to_int(match.group("en"))
            tokens.append(token)
            token = Token("qty", match.group(), number, "n") if number is not None else Token("junk")
        if token.kind == "sep" and tokens and tokens[-1].kind == "sep":
            if token.text:
                tokens[-1] = token
            continue
        tokens.append(token)
    if run:
        tokens.append(Token("span", "".join(run)))
    return tokens


def _make_token(kind: str | None, match: re.Match[str]) -> Token:
    """Build the token for one regex match."""
    if kind == "sep":
        return Token("sep", "\n" if "\n" in match.group() else "")
    if kind == "other":
        return Token("sep")
    if kind == "qty":
        number = cn_to_int(match.group("on"))
        if number is None:
            return Token("junk", match.group())
        op = _qty_op(match.group("op"))
        return Token("qty", match.group(), number, op)
    if kind == "count":
        number = cn_to_int(match.group("cn"))
        if number is None:
            return Token("span", match.group())
        return Token("qty", match.group(), number, "n")
    if kind == "ref":
        if match.group("r4") is not None and not match.group("r4").isdigit():
            return Token("code", match.group("r4"))
        if match.group("r6") is not None:  # "2+1": item 2, unless the grammar wants a quantity here
            return Token("pos", match.group("r6"), int(match.group("r6")))
        raw = next(group for group in match.group("r1", "r2", "r3", "r4", "r5") if group)
        number = cn_to_int(raw)
        return Token("ref", raw, number) if number is not None else Token("junk", raw)
    if kind == "num":
        return Token("num", match.group(), int(match.group()))
    if kind == "dot":
        return Token("dot", match.group(), int(match.group()))
    if kind == "long":
        return Token("junk", match.group())
    if kind in ("code", "name", "word", "cancel", "set", "swap", "each", "all", "want"):
        return Token(kind, match.group())  # type: ignore[arg-type]
    return Token("sep")
