"""Text messages: commands, member keywords, then the interpreters (orders, payments, survey)."""

from __future__ import annotations

from collections.abc import Callable

from handlers.commands import member_tags, ordering, payments, reminders, run_command, run_keyword, survey
from handlers.context import EventContext
from handlers.senders import remember_sender

# Each interpreter looks at a non-command text and returns True when it handled it; the first that does wins.
Interpreter = Callable[[EventContext, str], bool]
INTERPRETERS: tuple[Interpreter, ...] = (
    member_tags.watch_for_care_phrases,  # a care phrase the host watches for (家有長輩控鹽); never swallows the text
    survey.answer_by_text,  # an answer to the onboarding question just asked
    reminders.nps_answer,  # a 0-10 score after a delivery
    payments.claim_payment,  # 已匯款 後五碼12345 540元
    ordering.take_order,  # A+2 B+1, 高麗菜+1, 取消 …
    survey.ask_again,  # a member in the middle of the survey typed something else
)


def handle_text(ctx: EventContext) -> None:
    """Handle a text message from a group or a 1:1 chat."""
    text: str = ctx.event.message.text or ""
    remember_sender(ctx)
    if run_command(ctx, text) or run_keyword(ctx, text):
        return
    for interpret in INTERPRETERS:
        if interpret(ctx, text):
            return
    # Anything else is chit-chat: say nothing.
