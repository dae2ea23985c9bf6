"""The host's reminder settings (/提醒 設定): switches per kind, lead days, quiet hours and the monthly budget."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import select

from infra.db import UnitOfWork
from models import Setting
from services.errors import DomainError
from services.lifecycle import Switches

SCOPE = "global"
SWITCH_NAMES = {"補貨": "refill", "小撇步": "tip", "回購": "winback", "熟客": "vip", "推薦": "nps"}


class SettingInvalid(DomainError):
    """A host typed a setting the bot cannot use; the message says how to write it."""


@dataclass(frozen=True)
class ReminderSettings:
    """The host's reminder settings (stored in the Setting table)."""

    switches: Switches = field(default_factory=Switches)
    quiet_start: time = time(21)
    quiet_end: time = time(9)
    monthly_budget: int | None = None  # pushes per month (LINE's consumption), None = whatever LINE allows

    def quiet_at(self, now: datetime, tz: ZoneInfo) -> bool:
        """Return True when ``now`` falls in quiet hours (local time)."""
        t = now.astimezone(tz).time()
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        return start <= t < end if start < end else (t >= start or t < end)


def load_settings(uow: UnitOfWork) -> ReminderSettings:
    """Return the stored reminder settings (defaults for whatever was never set)."""
    rows = {s.key: s.value for s in uow.session.exec(select(Setting).where(Setting.scope == SCOPE)).all()}
    rs = ReminderSettings()
    switches = rs.switches
    for value in SWITCH_NAMES.values():
        if f"reminders.{value}" in rows:
            switches = replace(switches, **{value: rows[f"reminders.{value}"] == "on"})
    if "reminders.lead_days" in rows:
        switches = replace(switches, lead_days=int(rows["reminders.lead_days"]))
    if "reminders.quiet" in rows:
        start, end = _parse_quiet(rows["reminders.quiet"])
        rs = replace(rs, quiet_start=start, quiet_end=end)
    if rows.get("reminders.budget"):
        rs = replace(rs, monthly_budget=int(rows["reminders.budget"]))
    return replace(rs, switches=switches)


def change_setting(uow: UnitOfWork, name: str, value: str) -> str:
    """Change one setting from the host's words (提前 3, 安靜 21-9, 額度 180|不限, 補貨 開|關); return what it is now."""
    name, value = name.strip(), value.strip()
    if name == "提前":
        if not value.isdigit() or not 0 <= int(value) <= 14:
            raise SettingInvalid("提前天數請寫 0～14 的數字，例如：/提醒 設定 提前 3")
        _store(uow, "reminders.lead_days", str(int(value)))
        return f"補貨提醒改為預估吃完前 {int(value)} 天送出。"
    if name == "安靜":
        start, end = _parse_quiet(value)
        _store(uow, "reminders.quiet", f"{start:%H:%M}-{end:%H:%M}")
        return f"安靜時段改為 {start:%H:%M}～{end:%H:%M}，這段時間不會推播。"
    if name == "額度":
        if value in {"不限", "無", "off"}:
            _store(uow, "reminders.budget", "")
            return "每月推播額度改為不另設限（以 LINE 方案的剩餘額度為準）。"
        if not value.isdigit():
            raise SettingInvalid("額度請寫每月推播則數，例如：/提醒 設定 額度 180（或「不限」）")
        _store(uow, "reminders.budget", str(int(value)))
        return f"每月推播額度改為 {int(value)} 則（含其他推播，依 LINE 用量計算）。"
    if name in SWITCH_NAMES:
        if value not in {"開", "關"}:
            raise SettingInvalid(f"請寫「開」或「關」，例如：/提醒 設定 {name} 開")
        _store(uow, f"reminders.{SWITCH_NAMES[name]}", "on" if value == "開" else "off")
        return f"「{name}」已{'開啟' if value == '開' else '關閉'}。"
    raise SettingInvalid("可以設定：提前、安靜、額度、" + "、".join(SWITCH_NAMES) + "。例如：/提醒 設定 安靜 21-9")


def describe_settings(rs: ReminderSettings) -> str:
    """Describe the settings for the host."""
    sw = rs.switches
    budget = "不另設限（依 LINE 剩餘額度）" if rs.monthly_budget is None else f"{rs.monthly_budget} 則"
    onoff = "、".join(f"{label}{'✅' if getattr(sw, key) else '⛔'}" for label, key in SWITCH_NAMES.items())
    return (
        f"⏰ 提醒設定\n・提前：預估吃完前 {sw.lead_days} 天\n・安靜時段：{rs.quiet_start:%H:%M}～{rs.quiet_end:%H:%M}\n"
        f"・每月推播額度：{budget}\n・{onoff}\n"
        "修改例：/提醒 設定 提前 3｜安靜 21-9｜額度 180｜推薦 關"
    )


def _parse_quiet(text: str) -> tuple[time, time]:
    parts = text.replace("～", "-").replace("~", "-").replace("到", "-").split("-")
    try:
        if len(parts) != 2:
            raise ValueError(text)
        start, end = (_clock(p) for p in parts)
    except ValueError as exc:
        raise SettingInvalid("安靜時段請寫「開始-結束」，例如：/提醒 設定 安靜 21-9 或 21:30-08:00") from exc
    return start, end


def _clock(text: str) -> time:
    hour, _, minute = text.strip().partition(":")
    h = int(hour)
    return time(0) if h == 24 else time(h, int(minute or 0))


def _store(uow: UnitOfWork, key: str, value: str) -> None:
    row = uow.session.exec(select(Setting).where(Setting.scope == SCOPE, Setting.key == key)).first()
    row = row or Setting(scope=SCOPE, key=key)
    row.value = value
    uow.session.add(row)
