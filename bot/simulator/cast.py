"""Who is in the simulated LINE group: the host (團主) and a few members."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Person:
    """A LINE user the person at the keyboard can play."""

    user_id: str
    name: str
    role: str = "member"  # "host" or "member"
    friend: bool = False  # has added the bot as a friend (1:1 pushes reach them)
    avatar: str = "🙂"


@dataclass(frozen=True)
class Cast:
    """The group and everyone in it."""

    group_id: str = "Cdemo0000000000000000000000000001"
    group_name: str = "幸福社區冷凍團購"
    people: tuple[Person, ...] = field(default_factory=tuple)

    @property
    def host(self) -> Person:
        """Return the host (the first person with role "host")."""
        return next(p for p in self.people if p.role == "host")

    def person(self, user_id: str) -> Person:
        """Return the person with `user_id` (KeyError if unknown)."""
        for p in self.people:
            if p.user_id == user_id:
                return p
        raise KeyError(user_id)


DEMO_HOST_ID = "Udemohost000000000000000000000001"


def demo_cast(host_user_id: str = DEMO_HOST_ID) -> Cast:
    """Return the demo group: 團主 林姐 and members 小美、阿明、王媽媽、陳先生."""
    return Cast(
        people=(
            Person(host_user_id, "林姐（團主）", role="host", friend=True, avatar="👩‍🍳"),
            Person("Udemo00000000000000000000000mei01", "小美", friend=True, avatar="👧"),
            Person("Udemo0000000000000000000000ming02", "阿明", avatar="👨"),
            Person("Udemo00000000000000000000000wang3", "王媽媽", avatar="👵"),
            Person("Udemo00000000000000000000000chen4", "陳先生", avatar="👨‍💼"),
        )
    )
