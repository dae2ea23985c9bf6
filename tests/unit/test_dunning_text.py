"""Pure pieces of /催款 and the members export: what a member is told they owe, meals a week as a number."""

from __future__ import annotations

import pytest

from bot.cli.export_members import meals_number
from handlers.commands.dunning import PER_MESSAGE, chase_messages, owed_line
from models import Campaign, Member
from services.payments import Account, CampaignDue

CAMPAIGN = Campaign(id=1, group_id=1, title="冬季火鍋團", opened_by="U")


def account(n: int, due: int, *, credit: int = 0, received: int = 0, to_credit: int = 0) -> Account:
    member = Member(id=n, line_user_id=f"U{n:032x}")
    return Account(member, (CampaignDue(CAMPAIGN, due, received, credit, to_credit),), None, "none")


@pytest.mark.parametrize(("acc", "line"), [
    (account(1, 540), "請匯 $540"),
    (account(1, 540, received=400), "還差 $140（應付 $540，已收 $400）"),
    (account(1, 180, credit=100), "請匯 $80（應付 $180，購物金折抵 $100）"),
    (account(1, 1680, credit=100, received=1000), "還差 $580（應付 $1,680，購物金折抵 $100，已收 $1,000）"),
])
def test_owed_line(acc: Account, line: str) -> None:
    assert owed_line(acc) == line


@pytest.mark.parametrize(("label", "number"), [("1", 1), ("2", 2), ("3-4", 3.5), ("5+", 5), (None, None), ("?", None)])
def test_meals_number_is_the_answers_midpoint(label: str | None, number: float | None) -> None:
    assert meals_number(label) == number


@pytest.mark.parametrize("owing", [1, PER_MESSAGE, PER_MESSAGE + 1, 5 * PER_MESSAGE, 5 * PER_MESSAGE + 7])
def test_chase_messages_stay_within_line_limits(owing: int) -> None:
    accounts = tuple(account(n, 180 * n) for n in range(1, owing + 1))
    messages = chase_messages("", accounts, waiting=0)
    assert 1 <= len(messages) <= 5 and all(len(m.mentions) <= PER_MESSAGE for m in messages)
    assert sum(len(m.mentions) for m in messages) == min(owing, 5 * PER_MESSAGE)
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 5000 for m in messages)
    assert messages[-1].text.endswith("團主對帳後會確認，謝謝！")
    assert ("沒列出" in messages[-1].text) == (owing > 5 * PER_MESSAGE)
