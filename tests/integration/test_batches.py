"""A worker applies one chat's pending events as a batch, and every member hears of their order exactly once."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from sqlmodel import func, select

import handlers
from bot.processor import EventProcessor
from handlers.confirmations import FOLD_AT, MAX_TOKEN_AGE_S
from infra import inbox
from infra.config import Settings
from infra.db import UnitOfWork
from infra.messages import Message, Text
from infra.messenger import LineError
from models import OrderLine, OwedConfirmation, WebhookEvent
from models.base import utcnow
from tests.factories.campaigns import HOTPOT, at
from tests.factories.webhook import GROUP_ID, HOST_ID, member_id, text_event
from tests.fakes import FakeMessenger

OTHER_GROUP = "Cgroup00000000000000000000000002"


class DownLine(FakeMessenger):
    """A LINE that is unreachable for replies until told otherwise (a worker stopped before it could send)."""

    down = True

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        if self.down:
            raise LineError(0, "LINE API unreachable")
        super().reply(reply_token, messages)


def open_hotpot(processor: EventProcessor, store: Any, group: str = GROUP_ID) -> None:
    store([text_event(HOTPOT, user_id=HOST_ID, group_id=group, ts=at(1, 10))], 5)
    processor.drain()


def comments(count: int, *, first: int = 1, group: str = GROUP_ID, text: str = "A+1") -> list[dict[str, Any]]:
    return [text_event(text, user_id=member_id(n), group_id=group, ts=at(1, 11, n)) for n in range(first, first + count)]


def owed(uow: UnitOfWork) -> int:
    found = uow.session.exec(select(func.count()).select_from(OwedConfirmation)).one()
    uow.rollback()
    return int(found)


def mentioned(messages: Sequence[Message]) -> set[str]:
    return {uid for m in messages if isinstance(m, Text) for uid in m.mentions.values()}


@pytest.fixture
def processor(app: Flask, settings: Settings, messenger: FakeMessenger) -> EventProcessor:
    # A generous time budget: these tests are about what one batch does, not how fast this machine is.
    return EventProcessor(app.extensions["groupbuy"].engine, settings, messenger, batch_budget_s=30.0)


@pytest.fixture
def store(app: Flask) -> Any:
    return app.extensions["groupbuy"].inbox.store


def test_a_few_comments_get_a_quote_reply_each(processor: EventProcessor, store: Any, messenger: FakeMessenger,
                                               uow: UnitOfWork) -> None:
    open_hotpot(processor, store)
    events = comments(FOLD_AT - 1)
    store(events, 5)
    assert processor.drain() == len(events)
    confirmations = messenger.replies[1:]
    assert [token for token, _ in confirmations] == [e["replyToken"] for e in events]
    for (_, messages), event in zip(confirmations, events, strict=True):
        assert isinstance(messages[0], Text) and messages[0].quote_token == event["message"]["quoteToken"]
    assert owed(uow) == 0  # LINE accepted every one: nothing is owed


def test_many_comments_of_one_chat_are_folded_into_one_reply_to_the_newest_token(
    processor: EventProcessor, store: Any, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    open_hotpot(processor, store)
    change = text_event("A改3", user_id=member_id(3), ts=at(1, 12))  # member 3 changes their mind in the same batch
    events = [*comments(12), change]
    store(events, 5)
    processor.drain()
    (token, messages), = messenger.replies[1:]
    assert token == events[-1]["replyToken"]
    assert mentioned(messages) == {member_id(n) for n in range(1, 13)}  # every member named, once
    lines = [line for m in messages if isinstance(m, Text) for line in m.text.splitlines()[1:]]
    assert len(lines) == 12 and len(messages) == 2  # ten members a message
    member3 = next(m for m in messages if isinstance(m, Text) and "m2" in m.mentions and m.mentions["m2"] == member_id(3))
    assert "×3" in member3.text.splitlines()[3]  # their current order, not the first comment's
    assert owed(uow) == 0


def test_a_failing_event_is_rolled_back_alone_and_the_rest_of_its_batch_commits(
    processor: EventProcessor, store: Any, messenger: FakeMessenger, uow: UnitOfWork, inbox_uow: UnitOfWork,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_hotpot(processor, store)
    events = comments(3)
    real = handlers.dispatch

    def planted(ctx: Any) -> None:  # a bug in one handler: it wrote an order line, then raised
        real(ctx)
        if ctx.user_id == member_id(2):
            raise RuntimeError("planted")

    monkeypatch.setattr("bot.processor.dispatch", planted)
    store(events, 5)
    processor.drain()
    rows = {r.webhook_event_id: (r.status, r.attempts) for r in inbox_uow.session.exec(select(WebhookEvent)).all()}
    members = set(uow.session.exec(select(OrderLine.member_id)).all())
    uow.rollback()
    assert rows[events[0]["webhookEventId"]] == ("done", 1) and rows[events[2]["webhookEventId"]] == ("done", 1)
    assert rows[events[1]["webhookEventId"]] == ("failed", inbox.MAX_ATTEMPTS)  # tried again, then parked
    assert len(members) == 2  # the failed event's line was rolled back with it
    assert len(messenger.replies) == 1 + 2


def test_a_stale_reply_token_is_never_used_its_confirmation_goes_with_a_newer_reply(
    app: Flask, processor: EventProcessor, store: Any, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    open_hotpot(processor, store)
    old, new = comments(1), comments(1, first=2)
    store(old, 5)
    with UnitOfWork(processor.inbox.engine) as w:  # it waited in the inbox for almost a minute
        w.session.execute(update(WebhookEvent).where(WebhookEvent.webhook_event_id == old[0]["webhookEventId"])
                          .values(received_at=utcnow() - timedelta(seconds=MAX_TOKEN_AGE_S + 5)))
        w.commit()
    store(new, 5)
    processor.drain()
    tokens = [token for token, _ in messenger.replies]
    assert old[0]["replyToken"] not in tokens
    (token, messages), = messenger.replies[1:]
    assert token == new[0]["replyToken"] and mentioned(messages) == {member_id(1), member_id(2)}
    assert owed(uow) == 0


def test_a_confirmation_lost_between_commit_and_reply_goes_with_the_next_reply(
    app: Flask, settings: Settings, store: Any, uow: UnitOfWork
) -> None:
    line = DownLine()
    processor = EventProcessor(app.extensions["groupbuy"].engine, settings, line)
    line.down = False
    open_hotpot(processor, store)
    line.down = True
    first = comments(1)
    store(first, 5)
    processor.drain()  # committed; the reply never reached LINE
    assert owed(uow) == 1
    line.down = False
    with UnitOfWork(app.extensions["groupbuy"].engine) as w:  # the worker stopped 15 s ago
        w.session.execute(update(OwedConfirmation).values(created_at=utcnow() - timedelta(seconds=15)))
        w.commit()
    restarted = EventProcessor(app.extensions["groupbuy"].engine, settings, line)  # a new worker process
    later = comments(1, first=2)
    store(later, 5)
    restarted.drain()
    (token, messages), = line.replies[1:]
    assert token == later[0]["replyToken"] and mentioned(messages) == {member_id(1), member_id(2)}
    assert owed(uow) == 0
    lines = uow.session.exec(select(func.count()).select_from(OrderLine)).one()
    assert lines == 2  # nothing applied twice


def test_an_idle_worker_resends_an_unsent_confirmation_while_its_token_lasts(
    app: Flask, settings: Settings, store: Any, uow: UnitOfWork
) -> None:
    line = DownLine()
    line.down = False
    processor = EventProcessor(app.extensions["groupbuy"].engine, settings, line)
    open_hotpot(processor, store)
    line.down = True
    event = comments(1)
    store(event, 5)
    processor.drain()
    line.down = False
    with UnitOfWork(app.extensions["groupbuy"].engine) as w:  # the worker stopped 15 s ago
        w.session.execute(update(OwedConfirmation).values(created_at=utcnow() - timedelta(seconds=15),
                                                          token_at=utcnow() - timedelta(seconds=15)))
        w.commit()
    EventProcessor(app.extensions["groupbuy"].engine, settings, line).tidy()  # a restarted worker, with no new events
    (token, messages), = line.replies[1:]
    assert token == event[0]["replyToken"] and mentioned(messages) == {member_id(1)}
    EventProcessor(app.extensions["groupbuy"].engine, settings, line).drain()  # forgets what LINE accepted
    assert owed(uow) in (0, 1)  # accepted in the other processor: forgotten there at its next transaction


def test_one_chats_batch_is_applied_by_one_worker_at_a_time(
    app: Flask, settings: Settings, store: Any, messenger: FakeMessenger, uow: UnitOfWork, inbox_uow: UnitOfWork
) -> None:
    engine = app.extensions["groupbuy"].engine
    processor = EventProcessor(engine, settings, messenger)
    open_hotpot(processor, store)
    open_hotpot(processor, store, OTHER_GROUP)
    store(comments(2) + comments(2, first=5, group=OTHER_GROUP), 5)
    held = processor.inbox.claim(uow, 50).rows  # another worker is in the middle of the oldest chat's batch
    assert {row.chat_key for row in held} == {GROUP_ID}
    other = threading.Thread(target=EventProcessor(engine, settings, messenger).process_next)
    other.start()
    other.join(1.0)
    if uow.dialect == "postgresql":
        assert not other.is_alive()  # it skipped the held chat and applied the other one meanwhile
        done = inbox_uow.session.exec(select(WebhookEvent.chat_key).where(WebhookEvent.status == "done",
                                                                    WebhookEvent.event_type == "message")).all()
        assert done.count(OTHER_GROUP) == 3 and done.count(GROUP_ID) == 1  # both openings; the other chat's batch
    else:
        assert other.is_alive()  # SQLite: one writer; it waits for the held batch's transaction
    uow.rollback()  # that worker died before committing: its chat's events are pending again
    other.join(10)
    assert not other.is_alive()
    processor.drain()
    inbox_uow.rollback()
    pending = inbox_uow.session.exec(
        select(func.count()).select_from(WebhookEvent).where(WebhookEvent.status != "done")).one()
    assert pending == 0


def test_a_confirmation_another_worker_is_still_sending_is_not_sent_again(
    app: Flask, processor: EventProcessor, store: Any, messenger: FakeMessenger, uow: UnitOfWork
) -> None:
    open_hotpot(processor, store)
    first = comments(1)
    store(first, 5)
    processor.drain()
    with UnitOfWork(app.extensions["groupbuy"].engine) as w:  # as if another worker had just committed it
        w.session.add(OwedConfirmation(chat_key=GROUP_ID, user_id=member_id(1), member_id=1, campaign_id=1,
                                       reply_token=first[0]["replyToken"], token_at=utcnow()))
        w.commit()
    later = comments(1, first=2)
    store(later, 5)
    EventProcessor(app.extensions["groupbuy"].engine, processor.settings, messenger).drain()
    token, messages = messenger.replies[-1]
    assert token == later[0]["replyToken"] and mentioned(messages) == {member_id(2)}  # the other worker's stays its own
    assert owed(uow) == 1
