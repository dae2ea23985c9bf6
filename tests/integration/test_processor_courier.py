"""With a courier, the inbox worker applies the next event while LINE is still answering the last one's reply."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from flask import Flask
from sqlmodel import select

from bot.processor import EventProcessor
from infra.config import Settings
from infra.courier import Courier
from infra.db import UnitOfWork
from infra.messages import Message
from models import WebhookEvent
from tests.factories.campaigns import HOTPOT, at
from tests.factories.webhook import HOST_ID, member_id, text_event
from tests.fakes import FakeMessenger


class SlowLine(FakeMessenger):
    """A LINE whose reply API does not answer until told to."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = threading.Event()

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        self.answer.wait(10)
        super().reply(reply_token, messages)


def statuses(uow: UnitOfWork) -> list[str]:
    uow.session.expire_all()
    rows = uow.session.exec(select(WebhookEvent).order_by(WebhookEvent.sent_at)).all()  # type: ignore[arg-type]
    found = [row.status for row in rows]
    uow.rollback()  # on SQLite every transaction holds the write lock: end it before the courier needs one
    return found


def test_events_are_applied_while_replies_wait_for_line(app: Flask, settings: Settings, inbox_uow: UnitOfWork
                                                        ) -> None:
    rt = app.extensions["groupbuy"]
    line, courier = SlowLine(), Courier()
    processor = EventProcessor(rt.engine, settings, line, courier=courier)
    events = [text_event(HOTPOT, user_id=HOST_ID, ts=at(1, 10))]
    events += [text_event("A+1", user_id=member_id(n), ts=at(1, 11, n)) for n in range(1, 4)]
    rt.inbox.store(events, 5)
    assert processor.drain() == 4  # returns although not one reply has been answered
    assert statuses(inbox_uow) == ["done"] * 4
    assert line.replies == []
    line.answer.set()
    courier.join()
    texts = [message.text for _, messages in line.replies for message in messages]  # type: ignore[attr-defined]
    assert len(line.replies) == 4 and "開團成功" in texts[0]
    assert [token for token, _ in line.replies] == [e["replyToken"] for e in events]  # in the order applied
    courier.stop()
