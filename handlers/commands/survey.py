"""The onboarding survey in the 1:1 chat, ``我的資料``, and ``停止提醒`` / ``恢復提醒``."""

from __future__ import annotations

from handlers.commands import keyword
from handlers.context import EventContext
from handlers.postback import postback
from infra.messages import QuickReply, Text
from models import Member
from services import directory, survey
from services.survey_questions import BY_KEY, SKIP, Question, describe

ONLY_IN_CHAT = "為了保護隱私，請私訊我（先加我為好友）再輸入「{word}」喔！"
SKIP_BUTTON = QuickReply(label="跳過", text="跳過")


def question_message(question: Question, intro: str = "") -> Text:
    """Return a question with one quick-reply button per choice plus a skip."""
    buttons = tuple(QuickReply(label=o.label, text=o.text) for o in question.options)
    return Text(f"{intro}{question.prompt}\n（點下面的按鈕回答，不想回答可以按「跳過」）", (*buttons, SKIP_BUTTON))


def _member(ctx: EventContext) -> Member:
    assert ctx.user_id is not None
    return directory.ensure_member(ctx.uow, ctx.user_id)


def greet_follower(ctx: EventContext) -> bool:
    """On follow: greet a returning member, or start the survey for one who has not finished it."""
    member = _member(ctx)
    if member.survey_completed_at is not None:
        ctx.reply(Text("歡迎回來！😊 之前填的資料都還在，輸入「我的資料」可以查看，想更新就輸入「問卷」。"))
        return True
    question = survey.start(ctx.uow, member)
    ctx.reply(
        Text(
            "謝謝你加我好友！🛒 訂單、匯款和到貨通知都會在這裡告訴你。\n"
            "想請你花 10 秒回答 3 個小問題，補貨提醒會更貼近你家的需要。"
        ),
        question_message(question),
    )
    return True




@keyword("問卷", "填問卷", "重填問卷", summary="（私訊我）回答 3 個小問題，讓補貨提醒更貼心")
def restart_survey(ctx: EventContext, _args: str) -> None:
    """Start the survey again in the 1:1 chat."""
    if ctx.group_id is not None or ctx.user_id is None:
        ctx.reply(Text(ONLY_IN_CHAT.format(word="問卷")))
        return
    question = survey.start(ctx.uow, _member(ctx))
    ctx.reply(question_message(question, "好的，我們來填問卷（共 3 題）！\n"))


@keyword("我的資料", summary="（私訊我）查看你填的家庭資料和提醒設定")
def show_my_answers(ctx: EventContext, _args: str) -> None:
    """Show the member's survey answers and reminder setting."""
    if ctx.group_id is not None or ctx.user_id is None:
        ctx.reply(Text(ONLY_IN_CHAT.format(word="我的資料")))
        return
    member = _member(ctx)
    lines = ["📋 你的資料", *(f"・{q}：{a}" for q, a in survey.answers(member))]
    paused = member.reminders_opt_out
    lines.append("・補貨提醒：" + ("已暫停（輸入「恢復提醒」開啟）" if paused else "開啟中（輸入「停止提醒」可暫停）"))
    lines.append("想更新資料請輸入「問卷」。")
    ctx.reply(Text("\n".join(lines), (QuickReply(label="重填問卷", text="問卷"),)))


@keyword("停止提醒", "不要提醒", summary="不再收到補貨等提醒訊息")
def stop_reminders(ctx: EventContext, _args: str) -> None:
    """Opt the member out of reminders."""
    _set_opt_out(ctx, True, "好的，之後不會再傳補貨提醒給你 🙏 訂單和到貨通知照常。想再收到提醒，輸入「恢復提醒」就可以。")


@keyword("恢復提醒", "開啟提醒", summary="重新接收補貨提醒")
def resume_reminders(ctx: EventContext, _args: str) -> None:
    """Opt the member back in to reminders."""
    _set_opt_out(ctx, False, "好的，補貨提醒已恢復 😊 我會在你家差不多要補貨前提醒你。不想收到時輸入「停止提醒」。")


def _set_opt_out(ctx: EventContext, opt_out: bool, confirmation: str) -> None:
    """Store the member's reminder choice and confirm it."""
    if ctx.user_id is None:
        return
    member = _member(ctx)
    member.reminders_opt_out = opt_out
    ctx.uow.session.add(member)
    ctx.reply(Text(confirmation))


def _pending_member(ctx: EventContext) -> Member | None:
    """Return the 1:1 sender when a survey question is waiting for them."""
    if ctx.group_id is not None or ctx.user_id is None:
        return None
    member = directory.find_member(ctx.uow, ctx.user_id)
    return member if member is not None and survey.pending(member) is not None else None


def record_answer(ctx: EventContext, member: Member, value: str) -> None:
    """Store an answer and reply with the next question or a thank-you."""
    step = survey.answer(ctx.uow, member, value, now=ctx.sent_at)
    said = describe(step.question.key, step.value)
    ack = "好，這題先跳過。" if value == SKIP else f"記下了：{said} ✅"
    if step.next is not None:
        ctx.reply(question_message(step.next, ack + "\n"))
        return
    summary = "\n".join(f"・{q}：{a}" for q, a in survey.answers(member))
    ctx.reply(Text(f"{ack}\n🎉 問卷完成，謝謝你！\n{summary}\n輸入「我的資料」隨時查看，想修改就輸入「問卷」。"))


def answer_by_text(ctx: EventContext, text: str) -> bool:
    """Take a tapped or typed answer to the pending question in the 1:1 chat."""
    member = _pending_member(ctx)
    value = survey.understand(member, text) if member is not None else None
    if member is None or value is None:
        return False
    record_answer(ctx, member, value)
    return True


def ask_again(ctx: EventContext, text: str) -> bool:
    """When nothing else understood a 1:1 text during the survey, ask the question again."""
    member = _pending_member(ctx)
    question = survey.pending(member) if member is not None else None
    if question is None:
        return False
    ctx.reply(question_message(question, "不好意思，我沒看懂 🙏 請點下面的按鈕回答，或輸入「跳過」。\n"))
    return True


@postback("survey")
def answer_by_postback(ctx: EventContext, params: dict[str, str]) -> None:
    """Take an answer sent as postback data ``action=survey&q=<question>&v=<value|skip>`` (1:1 only)."""
    member = _pending_member(ctx)
    if member is None:
        return
    question = survey.pending(member)
    assert question is not None
    value = params.get("v", "")
    valid = {o.value for o in BY_KEY[question.key].options} | {SKIP}
    if params.get("q") != question.key or value not in valid:
        ctx.reply(question_message(question, "這個按鈕已經過期了，請回答這一題：\n"))
        return
    record_answer(ctx, member, value)
