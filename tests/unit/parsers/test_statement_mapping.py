"""The host's column mapping (/對帳欄位) and the layouts it teaches the statement reader."""

from __future__ import annotations

from datetime import date

import pytest

from parsers.statement import MissingColumns, parse_statement
from parsers.statement_mapping import MappingError, parse_mapping

NAMES = ("交易日期", "摘要", "入金", "出金", "餘額", "匯款帳戶資料")
UNKNOWN = (
    "交易日期,摘要,入金,出金,餘額,匯款帳戶資料\r\n"
    "2026/12/02,跨行轉入,540,,10540,812-*******12345\r\n"
    "2026/12/02,ATM提款,,3000,7540,\r\n"
    "2026/12/03,跨行轉入,1250,,8790,0000000***00888\r\n"
).encode("cp950")


@pytest.mark.parametrize(("text", "expected"), [
    ("存入=C 帳號=F", {"in": 2, "account": 5}),
    ("存入＝Ｃ　帳號＝Ｆ", {"in": 2, "account": 5}),  # typed on a phone's full-width keyboard
    ("存入:c,支出:d", {"in": 2, "out": 3}),
    ("存入=3 帳號=6", {"in": 2, "account": 5}),  # column numbers
    ("存入=入金 對方帳號=匯款帳戶資料", {"in": 2, "account": 5}),  # header names as the reply showed them
    ("存款=C、日期=A", {"in": 2, "date": 0}),
])
def test_mappings_are_read_in_every_way_a_host_types_them(text: str, expected: dict[str, int]) -> None:
    assert parse_mapping(text, NAMES) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("隨便寫", "用法：/對帳欄位"),
    ("顏色=C", "看不懂欄位「顏色」"),
    ("存入=Z", "沒有「Z」這一欄"),
    ("存入=C 支出=C", "C 欄被指定了兩次"),
    ("存入=不存在", "A「交易日期」"),
])
def test_bad_mappings_say_how_to_write_them(text: str, message: str) -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, NAMES)
    assert message in str(caught.value)


def test_an_unknown_header_is_refused_with_its_columns_then_read_with_the_mapping() -> None:
    with pytest.raises(MissingColumns) as caught:
        parse_statement(UNKNOWN, "中國信託_明細.csv")
    refusal = caught.value
    assert refusal.bank == "中國信託"
    assert "這是中國信託的檔案" in str(refusal) and "C「入金」" in str(refusal)
    assert "/對帳欄位 存入=C" in str(refusal)
    mapping = parse_mapping("存入=C 支出=D 帳號=F", refusal.layout.names)
    statement = parse_statement(UNKNOWN, "中國信託_明細.csv", {refusal.layout.fingerprint: mapping})
    assert [(t.date, t.amount, t.direction, t.last5) for t in statement.transactions] == [
        (date(2026, 12, 2), 540, "in", "12345"),
        (date(2026, 12, 2), 3000, "out", None),
        (date(2026, 12, 3), 1250, "in", "00888"),
    ]
    assert statement.layout == refusal.layout.fingerprint


def test_a_mapping_is_tied_to_its_layout() -> None:
    with pytest.raises(MissingColumns) as caught:
        parse_statement(UNKNOWN)
    other = UNKNOWN.replace("入金".encode("cp950"), "收款".encode("cp950"))  # 收款 is a known word: a new layout
    assert parse_statement(other).layout != caught.value.layout.fingerprint


def test_a_mapping_overrides_a_guessed_column() -> None:
    data = "交易日期,說明,存入,支出,對方資訊,轉出帳號\r\n2026/12/02,轉入,540,,王小明,812-***12345\r\n".encode()
    plain = parse_statement(data)
    assert plain.transactions[0].last5 == "12345"
    taught = parse_statement(data, layouts={plain.layout: {"account": -1}})  # the host: this file has no account
    assert taught.transactions[0].last5 is None
