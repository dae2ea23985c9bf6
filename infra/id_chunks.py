"""Split id lists for ``IN (...)`` queries into pieces every supported database binds in one statement."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

CHUNK = 900  # ids per query: SQLite builds before 3.32 bind at most 999 parameters


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """Yield the distinct ids, sorted, ``CHUNK`` at a time (nothing for no ids)."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]
