"""Taking an order as a use case: plain values in, an outcome or a domain error out (services.order_intake)."""

from __future__ import annotations

from datetime import datetime

import pytest

from infra.db import UnitOfWork
from parsers.comment import parse_comment
from services import campaigns, order_intake, order_views
from tests.factories.orders import add_campaign, add_member, taipei
from tests.factories.webhook import member_id

DEADLINE = taipei(2026, 12, 10, 20)


@pytest.mark.parametrize(("comment", "sent", "kind", "owes"), [
    ("A+2", taipei(2026, 12, 9), "applied", 360),
    ("A+200", taipei(2026, 12, 9), "ask", 0),  # a large quantity is asked before it is applied
    ("+1", taipei(2026, 12, 9), "ask", 0),  # which item, of three
    ("A+1 B+1", taipei(2026, 12, 10, 19), "applied", 430),
])
def test_a_comment_before_the_cutoff(uow: UnitOfWork, comment: str, sent: datetime, kind: str, owes: int) -> None:
    fixture = add_campaign(uow, "水餃團", deadline=DEADLINE, status="open")
    member = add_member(uow, 1)
    assert fixture.campaign.id is not None and member.id is not None
    result = parse_comment(comment, campaigns.items_of(uow, fixture.campaign.id))
    outcome = order_intake.take(uow, campaign_id=fixture.campaign.id, user_id=member_id(1), result=result,
                                message_id="m1", sent_at=sent)
    assert outcome.kind == kind
    assert order_views.amount_due(order_views.member_state(uow, fixture.campaign, member.id)) == owes


def test_a_comment_sent_after_the_cutoff_is_refused_and_closes_the_campaign(uow: UnitOfWork) -> None:
    fixture = add_campaign(uow, "水餃團", deadline=DEADLINE, status="open")
    member = add_member(uow, 1)
    assert fixture.campaign.id is not None and member.id is not None
    result = parse_comment("A+2", campaigns.items_of(uow, fixture.campaign.id))
    with pytest.raises(order_intake.Closed) as caught:
        order_intake.take(uow, campaign_id=fixture.campaign.id, user_id=member_id(1), result=result,
                          message_id="m1", sent_at=taipei(2026, 12, 10, 21))
    assert caught.value.campaign.status == "closed"
    assert order_views.member_state(uow, fixture.campaign, member.id) == []


def test_a_large_quantity_confirmed_by_the_member_is_applied(uow: UnitOfWork) -> None:
    fixture = add_campaign(uow, "水餃團", deadline=DEADLINE, status="open")
    assert fixture.campaign.id is not None
    result = parse_comment("A+200", campaigns.items_of(uow, fixture.campaign.id))
    outcome = order_intake.take(uow, campaign_id=fixture.campaign.id, user_id=member_id(2), result=result,
                                message_id="m2", sent_at=taipei(2026, 12, 9), large_confirmed=True)
    assert (outcome.kind, outcome.changed) == ("applied", True)
