"""A member's waitlist place is their rank among waiting members, by each one's earliest waiting line."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.db import UnitOfWork
from models import Member, OrderLine
from services.order_views import waitlist_position
from tests.factories.orders import add_campaign, add_member, taipei

OPENED = taipei(2026, 12, 1)

# (member 1-4, seconds after opening — ties allowed, qty, confirmed) per line; a line waits when confirmed < qty.
lines_strategy = st.lists(
    st.tuples(st.integers(1, 4), st.integers(0, 5), st.integers(1, 3), st.integers(0, 3)), min_size=1, max_size=12
)


def reference(rows: list[OrderLine], member: int) -> int | None:
    """The specification: walk the waiting lines in send order (ties by id), number members as first met."""
    waiting: list[int] = []
    for line in sorted(rows, key=lambda r: (r.sent_at, r.id or 0)):
        if line.qty > line.confirmed_qty and line.member_id not in waiting:
            waiting.append(line.member_id)
    return waiting.index(member) + 1 if member in waiting else None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=lines_strategy)
def test_waitlist_place_matches_the_send_order_walk(database_url: str, spec: list[tuple[int, int, int, int]]) -> None:
    from infra.db import make_engine

    engine = make_engine(database_url)
    try:
        with UnitOfWork(engine) as uow:
            fixture = add_campaign(uow, "火鍋團", status="open", items={"C": ("牛肉片", 300)})
            members: dict[int, Member] = {n: add_member(uow, n) for n in range(1, 5)}
            item = fixture.items["C"]
            rows = []
            for n, seconds, qty, confirmed in spec:
                row = OrderLine(campaign_id=fixture.campaign.id, item_id=item.id, member_id=members[n].id,  # type: ignore[arg-type]
                                qty=qty, confirmed_qty=min(confirmed, qty), sent_at=OPENED + timedelta(seconds=seconds))
                uow.session.add(row)
                rows.append(row)
            uow.session.flush()
            for member in members.values():
                assert member.id is not None
                assert waitlist_position(uow, item, member.id) == reference(rows, member.id)
            uow.rollback()
    finally:
        engine.dispose()
