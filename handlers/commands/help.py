"""``/說明``: what the bot can do, tailored to hosts and members."""

from __future__ import annotations

from handlers.commands import COMMANDS, KEYWORDS, command
from handlers.context import EventContext
from infra.messages import Text


@command("/說明", host_only=False, summary="顯示這份說明", aliases=("/help", "/幫助"))
def show_help(ctx: EventContext, _args: str) -> None:
    """Reply with the commands this user can use."""
    seen: set[str] = set()
    host_lines: list[str] = []
    member_lines: list[str] = []
    for cmd in COMMANDS.values():
        if cmd.name in seen:
            continue
        seen.add(cmd.name)
        line = f"{cmd.name}{(' ' + cmd.usage) if cmd.usage else ''}：{cmd.summary}"
        (host_lines if cmd.host_only else member_lines).append(line)
    for kw in dict.fromkeys(KEYWORDS.values()):
        member_lines.append(f"{kw.name}：{kw.summary}")
    parts = [
        "🛒 團購小幫手可以幫你：",
        "・團主用 /開團 貼上團購文，我會整理品項、價格、限量和截單時間",
        "・大家留言「A+2」「高麗菜+1」「我要兩包韭菜」就會自動記錄，「A改3」「取消」也可以",
        "・匯款後留言「已匯款 後五碼12345 540元」，團主上傳對帳單自動對帳",
        "・多付的錢會變成購物金，下次應付自動折抵；付款還能集點換購物金（輸入「我的購物金」「我的點數」查詢）",
        "",
        "【大家都能用】",
        *member_lines,
    ]
    if ctx.is_host:
        parts += ["", "【團主指令】", *host_lines]
    ctx.reply(Text("\n".join(parts)))
