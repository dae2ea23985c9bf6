"""``/後台``: a host asks the bot, 1:1, for a one-time link to the web console."""

from __future__ import annotations

from handlers.commands import command
from handlers.context import EventContext
from infra.messages import Text
from models.base import utcnow
from services import console_auth


@command("/後台", host_only=True, summary="私訊我取得後台（網頁）登入連結，10 分鐘內有效、只能用一次")
def console_link(ctx: EventContext, _args: str) -> None:
    """Reply with a sign-in link in a 1:1 chat; never post one in a group."""
    if ctx.is_group:
        ctx.reply(Text("後台登入連結只會私下給你：請私訊我（1 對 1 聊天）輸入 /後台。"
                       "還沒加我好友的話，請先點我的頭像加入好友。"))
        return
    if not ctx.settings.public_url:
        ctx.reply(Text("後台還沒有網址：請設定 GROUPBUY_PUBLIC_URL（例如 https://你的網域），"
                       "或在電腦上執行 groupbuy console-link --host 你的LINE使用者ID。"))
        return
    token = console_auth.issue(ctx.uow, ctx.settings, ctx.user_id or "", utcnow())  # ten minutes from now
    ctx.reply(Text(f"🔐 後台登入連結（10 分鐘內有效，只能用一次，請勿轉傳）：\n"
                   f"{console_auth.link(ctx.settings.public_url, token)}"))
