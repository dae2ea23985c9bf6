"""In-memory fakes for unit and integration tests (end-to-end tests use the fake LINE platform)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from infra.messages import Message, Text
from infra.messenger import LineError, Quota


@dataclass
class FakeMessenger:
    """Records what the bot would send to LINE; reply tokens are single use, like LINE's."""

    names: dict[str, str] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    replies: list[tuple[str, list[Message]]] = field(default_factory=list)
    pushes: list[tuple[str, list[Message], str | None]] = field(default_factory=list)
    quota_limit: int | None = None
    member_counts: dict[str, int] = field(default_factory=dict)  # group id -> members (a group push costs each)
    pushes_at_once: int = 1  # in order, one after another (tests that want pushes side by side set more)
    _used_tokens: set[str] = field(default_factory=set)
    _retry_keys: set[str] = field(default_factory=set)

    def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        """Record a reply; a reused token fails as on LINE."""
        if reply_token in self._used_tokens:
            raise LineError(400, "Invalid reply token")
        self._used_tokens.add(reply_token)
        self.replies.append((reply_token, list(messages)))

    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
        """Record a push; a repeated retry key is refused."""
        if retry_key is not None:
            if retry_key in self._retry_keys:
                return False
            self._retry_keys.add(retry_key)
        self.pushes.append((to, list(messages), retry_key))
        return True

    def group_member_name(self, group_id: str, user_id: str) -> str | None:
        """Return the configured name."""
        return self.names.get(user_id)

    def profile_name(self, user_id: str) -> str | None:
        """Return the configured name."""
        return self.names.get(user_id)

    def group_member_count(self, group_id: str) -> int:
        """Return the configured member count (3 when not set)."""
        return self.member_counts.get(group_id, 3)

    def content(self, message_id: str) -> bytes:
        """Return configured content or fail like LINE's 404."""
        if message_id not in self.contents:
            raise LineError(404, "Not found")
        return self.contents[message_id]

    def quota(self) -> Quota:
        """Return the configured quota."""
        return Quota(limit=self.quota_limit, used=sum(self.member_counts.get(to, 3) if to.startswith("C") else 1
                                                      for to, _, _ in self.pushes))

    def reply_texts(self) -> list[str]:
        """Return the text of every replied message, in order."""
        return [m.text for _, msgs in self.replies for m in msgs if isinstance(m, Text)]
