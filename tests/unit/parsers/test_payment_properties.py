"""Property tests: any claim in any surface form parses back; junk never raises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.payment import parse_payment

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")

reports = st.sampled_from(
    ["已匯款", "已轉帳", "匯款完成", "轉帳完成", "已匯", "剛轉帳了", "已經匯款了", "匯好了", "已付款", ""]
)
labels = st.sampled_from(["後五碼", "末五碼", "帳號後5碼", "後5碼", "末5碼", "帳號末五碼", "后五码"])
label_seps = st.sampled_from(["", " ", "：", ":", "是", " 為 "])
joiners = st.sampled_from([" ", "\n", "，", "、", " / ", "～"])
amount_forms = st.sampled_from(
    ["金額{a}", "{a}元", "共{a}元", "${a}", "NT${a}", "{a}塊", "金額 {c}", "{c}元", "共 {c} 元", "合計NT${c}"]
)


@given(
    last5=st.from_regex(r"\A[0-9]{5}\Z"),
    amount=st.integers(min_value=1, max_value=250_000) | st.none(),
    report=reports,
    label=labels,
    sep=label_seps,
    joiner=joiners,
    form=amount_forms,
    amount_first=st.booleans(),
    full_width=st.booleans(),
)
def test_any_rendered_claim_parses_back(
    last5: str,
    amount: int | None,
    report: str,
    label: str,
    sep: str,
    joiner: str,
    form: str,
    amount_first: bool,
    full_width: bool,
) -> None:
    parts = [f"{label}{sep}{last5}"]
    if amount is not None:
        money = form.format(a=amount, c=f"{amount:,}")
        parts.insert(0 if amount_first else 1, money)
    text = joiner.join([report, *parts] if report else parts)
    if full_width:
        text = text.translate(_FULL)
    result = parse_payment(text)
    assert (result.status, result.last5, result.amount) == ("payment", last5, amount), text


@given(st.text(max_size=300))
def test_junk_never_raises_and_keeps_invariants(text: str) -> None:
    result = parse_payment(text)
    assert result.status in ("payment", "incomplete", "none")
    if result.status == "payment":
        assert result.last5 is not None and len(result.last5) == 5 and result.last5.isascii()
        assert result.last5.isdigit()
    else:
        assert result.last5 is None
    assert result.amount is None or result.amount > 0
    if result.status == "none":
        assert result.amount is None


@settings(max_examples=200)
@given(st.text(alphabet="0123456789 +-ABab/:", max_size=40))
def test_orders_numbers_and_dates_are_never_claims(text: str) -> None:
    assert parse_payment(text).status == "none"
