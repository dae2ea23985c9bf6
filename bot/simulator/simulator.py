"""The simulator's actions: a person types, taps, unsends, edits or uploads; the bot gets the webhook."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.fakeline import FakeLinePlatform, Mention, WebhookSender
from bot.fakeline.events import Event
from bot.fakeline.records import ChatEntry
from bot.simulator.cast import Cast

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What happened when a webhook was sent for an action."""

    status: int
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict for the page."""
        return {"status": self.status, "ok": 200 <= self.status < 300, "error": self.error}


class Simulator:
    """Turn what a person does in the page into chat bubbles and signed webhook events."""

    def __init__(self, platform: FakeLinePlatform, cast: Cast, sender: WebhookSender) -> None:
        """Play `cast` on `platform`, delivering events through `sender`."""
        self.platform = platform
        self.cast = cast
        self.sender = sender
        for person in cast.people:
            platform.add_user(person.user_id, person.name, friend=person.friend)
        platform.add_group(cast.group_id, cast.group_name, [p.user_id for p in cast.people])

    def _group_of(self, chat_id: str) -> str | None:
        """Return the group id when `chat_id` is the group, None for a 1:1 chat."""
        return chat_id if chat_id in self.platform.groups else None

    def _check_chat(self, user_id: str, chat_id: str) -> str | None:
        """Return the group id (or None for 1:1); KeyError unless `user_id` may write in `chat_id`."""
        self.cast.person(user_id)
        group_id = self._group_of(chat_id)
        if group_id is None and chat_id != user_id:
            raise KeyError(chat_id)
        return group_id

    def _deliver(self, event: Event) -> Outcome:
        """POST one event to the bot."""
        try:
            delivery = self.sender.send(event, destination=self.platform.bot_user_id)
        except OSError as exc:
            logger.warning("bot webhook unreachable: %s", exc)
            return Outcome(0, f"連不上機器人（{self.sender.bot_url}）")
        error = "" if delivery.status == 200 else f"機器人回應 HTTP {delivery.status}"
        return Outcome(delivery.status, error)

    def say(self, user_id: str, chat_id: str, text: str) -> Outcome:
        """Post `text` as `user_id` in `chat_id` and send the message event."""
        group_id = self._check_chat(user_id, chat_id)
        event = self.platform.events.text(text, user_id=user_id, group_id=group_id, mentions=self._mentions(text))
        self.platform.post_to_chat(
            chat_id,
            user_id,
            event["message"],
            via="user",
            message_id=event["message"]["id"],
            timestamp_ms=event["timestamp"],
        )
        return self._deliver(event)

    def _mentions(self, text: str) -> list[Mention]:
        """Return a mention for each `@name` of a cast member or of the bot in `text`."""
        names = [(p.name, p.user_id, False) for p in self.cast.people]
        names.append((self.platform.bot_name, self.platform.bot_user_id, True))
        return [Mention.of(text, name, user_id, is_self=is_self) for name, user_id, is_self in names if f"@{name}" in text]

    def postback(self, user_id: str, chat_id: str, data: str, display_text: str | None = None) -> Outcome:
        """Tap a postback action (showing `display_text` as the person's bubble, if any)."""
        if display_text:
            message = {"type": "text", "text": display_text}
            self.platform.post_to_chat(chat_id, user_id, message, via="display")
        event = self.platform.events.postback(data, user_id=user_id, group_id=self._check_chat(user_id, chat_id))
        return self._deliver(event)

    def unsend(self, message_id: str) -> Outcome:
        """Withdraw a person's message and send `unsend`."""
        entry = self._own_entry(message_id)
        with self.platform.lock:
            entry.unsent = True
        group_id = self._group_of(entry.chat_id)
        return self._deliver(self.platform.events.unsend(message_id, user_id=entry.sender_id, group_id=group_id))

    def edit(self, message_id: str, text: str) -> Outcome:
        """Edit a person's group message and send `messageEdited`."""
        entry = self._own_entry(message_id)
        group_id = self._group_of(entry.chat_id)
        if group_id is None:
            return Outcome(400, "LINE 只能在群組裡編輯訊息")
        with self.platform.lock:
            entry.message = {**entry.message, "text": text}
            entry.edited = True
        event = self.platform.events.message_edited(message_id, text, user_id=entry.sender_id, group_id=group_id)
        return self._deliver(event)

    def redeliver(self, message_id: str) -> Outcome:
        """Send the webhook body that carried `message_id` again, marked `isRedelivery` (same event ids)."""
        self._own_entry(message_id)
        for delivery in reversed(self.sender.deliveries):
            if any(e.get("message", {}).get("id") == message_id for e in delivery.body["events"]):
                try:
                    again = self.sender.redeliver(delivery.body)
                except OSError as exc:
                    logger.warning("bot webhook unreachable: %s", exc)
                    return Outcome(0, f"連不上機器人（{self.sender.bot_url}）")
                return Outcome(again.status, "" if again.status == 200 else f"機器人回應 HTTP {again.status}")
        raise KeyError(message_id)

    def set_friend(self, user_id: str, friend: bool) -> Outcome:
        """Add the bot as a friend (`follow`) or block it (`unfollow`)."""
        self.cast.person(user_id)
        self.platform.set_friend(user_id, friend)
        text = "已將機器人加入好友" if friend else "已封鎖機器人"
        self.platform.post_to_chat(user_id, None, {"type": "system", "text": text}, via="system")
        events = self.platform.events
        return self._deliver(events.follow(user_id) if friend else events.unfollow(user_id))

    def upload(self, user_id: str, chat_id: str, file_name: str, data: bytes, content_type: str) -> Outcome:
        """Send a file (e.g. a bank statement); the platform serves its bytes from the content endpoint."""
        group_id = self._check_chat(user_id, chat_id)
        event = self.platform.events.file(file_name, len(data), user_id=user_id, group_id=group_id)
        message_id = event["message"]["id"]
        self.platform.add_content(message_id, data, content_type or "application/octet-stream")
        self.platform.post_to_chat(
            chat_id, user_id, event["message"], via="user", message_id=message_id, timestamp_ms=event["timestamp"]
        )
        return self._deliver(event)

    def invite_bot(self) -> Outcome:
        """Send `join`: the bot was added to the group."""
        message = {"type": "system", "text": "機器人已加入群組"}
        self.platform.post_to_chat(self.cast.group_id, None, message, via="system")
        return self._deliver(self.platform.events.join(self.cast.group_id))

    def _own_entry(self, message_id: str) -> ChatEntry:
        """Return a person's (not the bot's) message bubble."""
        entry = self.platform.find_entry(message_id)
        if entry is None or entry.sender_id is None:
            raise KeyError(message_id)
        return entry

    def timeline(self, after_seq: int = 0) -> list[dict[str, Any]]:
        """Return bubbles for the page, with sender names and quoted messages resolved."""
        out = []
        for entry in self.platform.timeline(after_seq=after_seq):
            item = entry.to_dict()
            item["senderName"] = self._name(entry.sender_id)
            quote_token = entry.message.get("quoteToken") if entry.sender_id is None else None
            quoted_id = self.platform.quoted_message(quote_token) if quote_token else None
            quoted = self.platform.find_entry(quoted_id) if quoted_id else None
            if quoted is not None:
                item["quoted"] = {"senderName": self._name(quoted.sender_id), "text": quoted.message.get("text", "")}
            out.append(item)
        return out

    def _name(self, user_id: str | None) -> str:
        """Return a display name (the bot's for None)."""
        if user_id is None:
            return self.platform.bot_name
        user = self.platform.users.get(user_id)
        return user.display_name if user else user_id

    def state(self) -> dict[str, Any]:
        """Return who is who, for the page."""
        return {
            "bot": {"name": self.platform.bot_name, "userId": self.platform.bot_user_id},
            "group": {"id": self.cast.group_id, "name": self.cast.group_name},
            "people": [
                {
                    "id": p.user_id,
                    "name": p.name,
                    "role": p.role,
                    "avatar": p.avatar,
                    "friend": self.platform.users[p.user_id].friend,
                }
                for p in self.cast.people
            ],
            "usage": self.platform.usage,
            "quota": self.platform.quota,
        }
