"""The command table: ``/指令`` for hosts and members, and plain keywords members type."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from handlers.context import EventContext
from infra.messages import Text

log = logging.getLogger(__name__)

Runner = Callable[[EventContext, str], None]


@dataclass(frozen=True)
class Command:
    """One command: its name, who may run it, and a one-line zh-TW summary for /說明."""

    name: str
    run: Runner
    host_only: bool
    summary: str
    usage: str = ""


COMMANDS: dict[str, Command] = {}
KEYWORDS: dict[str, Command] = {}


def command(name: str, *, host_only: bool, summary: str, usage: str = "", aliases: tuple[str, ...] = ()) -> Callable[
    [Runner], Runner
]:
    """Register a slash command (``/開團``) and its aliases."""

    def register(fn: Runner) -> Runner:
        cmd = Command(name=name, run=fn, host_only=host_only, summary=summary, usage=usage)
        for key in (name, *aliases):
            COMMANDS[key] = cmd
        return fn

    return register


def keyword(*words: str, summary: str) -> Callable[[Runner], Runner]:
    """Register plain words a member may type (``我的訂單``)."""

    def register(fn: Runner) -> Runner:
        cmd = Command(name=words[0], run=fn, host_only=False, summary=summary)
        for word in words:
            KEYWORDS[word] = cmd
        return fn

    return register


def split_command(text: str) -> tuple[str, str] | None:
    """Split ``/開團 rest…`` into (``/開團``, ``rest…``); None when the text is not a command."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "/／":
        return None
    stripped = "/" + stripped[1:]
    head, _, rest = stripped.partition("\n")
    name, _, inline = head.replace("\u3000", " ").partition(" ")
    args = "\n".join(part for part in (inline.strip(), rest.strip("\n")) if part)
    return name.strip(), args


def run_command(ctx: EventContext, text: str) -> bool:
    """Run a slash command; return False when the text is not one."""
    parts = split_command(text)
    if parts is None:
        return False
    name, args = parts
    if len(name) <= 1:
        return False
    cmd = COMMANDS.get(name)
    if cmd is None:
        if ctx.is_host:
            ctx.reply(Text(f"看不懂指令「{name[:20]}」。輸入 /說明 看看所有指令怎麼用。"))
        return True
    if cmd.host_only and not ctx.is_host:
        ctx.reply(
            Text(f"只有團主可以使用「{cmd.name}」喔！如需協助請私訊團主；輸入 /說明 看看你可以用的指令。")
        )
        return True
    cmd.run(ctx, args)
    return True


def run_keyword(ctx: EventContext, text: str) -> bool:
    """Run a member keyword; return False when the text is not one."""
    cmd = KEYWORDS.get(text.strip())
    if cmd is None:
        return False
    cmd.run(ctx, "")
    return True


def load_all() -> None:
    """Import every module of this package so their decorators register commands and interpreters."""
    import importlib
    import pkgutil

    import handlers.commands as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"handlers.commands.{info.name}")
