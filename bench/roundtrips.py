"""Database round trips per update: a vote, and each step of a complaint.

Run: ``.venv/bin/python bench/roundtrips.py`` (``-v`` lists the statements of each update).

The real Application runs in process on the Bot API simulator (``Harness``), as in the tests.
Every call that crosses to aiosqlite's thread (a statement, a fetch, a cursor closed, BEGIN and
COMMIT, a group commit's whole transaction) is one round trip: the event loop hands the work
over and waits to be woken. Counted per update, with the transactions among them. Updates are
handled one at a time here, so group commit shares nothing: these are the counts of a quiet bot.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite.core

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.simulator import Harness
from tests.appeal_helpers import resident, staff_told
from tests.conftest import make_settings, seed
from tests.poll_helpers import MOLODEZHNY, announce, residents, vote

TEXT = "Яма на дороге у школы, машины объезжают"


class Trips:
    """What crossed to the database thread while counting."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.on = False

    @property
    def transactions(self) -> int:
        """BEGINs sent on their own, and group commits (a whole transaction in one trip)."""
        return sum(c.startswith("BEGIN") or c == "<write_group>" for c in self.calls)


def describe(fn: Any, args: tuple[Any, ...]) -> str:
    """The statement (or the cursor call) of one round trip."""
    if args and isinstance(args[0], str):
        return " ".join(args[0].split())[:90]
    name = getattr(fn, "__name__", None) or getattr(getattr(fn, "func", None), "__name__", "?")
    return f"<{name}>"


@contextmanager
def counting(trips: Trips) -> Iterator[None]:
    """Count every call of ``aiosqlite.Connection._execute`` while ``trips.on``."""
    original = aiosqlite.core.Connection._execute

    async def _execute(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if trips.on:
            trips.calls.append(describe(fn, args))
        return await original(self, fn, *args, **kwargs)

    aiosqlite.core.Connection._execute = _execute  # type: ignore[method-assign]
    try:
        yield
    finally:
        aiosqlite.core.Connection._execute = original  # type: ignore[method-assign]


async def measure(
    bot: Harness, trips: Trips, name: str, act: Callable[[], Awaitable[Any]], verbose: bool
) -> tuple[str, int, int]:
    """Round trips and transactions of one update (handed over directly: done when it returns).

    The staff notice an item draws is sent afterwards by the outbox's sender: not counted.
    """
    await staff_told(bot)
    trips.calls, trips.on = [], True
    await act()
    trips.on = False
    if verbose:
        print(f"{name}:")
        for call in trips.calls:
            print(f"    {call}")
    return name, len(trips.calls), trips.transactions


async def main(verbose: bool) -> None:
    trips = Trips()
    with tempfile.TemporaryDirectory() as folder, counting(trips):
        settings = make_settings(Path(folder), staff_notice_window_seconds=1.0)
        await seed(settings)
        async with Harness(settings) as bot:
            (voter,) = await residents(bot, MOLODEZHNY, [1201])
            poll = await announce(bot)
            person = await resident(bot, 1301, "Айгерим", "kk")
            await bot.user(5001, "Ерлан", "ru").send("/start")  # the staff member to tell
            rows = [
                await measure(bot, trips, "vote", lambda: vote(voter, poll, 0), verbose),
                await measure(bot, trips, "/complaint", lambda: person.send("/complaint"), verbose),
                await measure(bot, trips, "category", lambda: person.tap("🛣"), verbose),
                await measure(bot, trips, "text", lambda: person.send(TEXT), verbose),
                await measure(bot, trips, "Next", lambda: person.tap("▶"), verbose),
                await measure(bot, trips, "Send", lambda: person.tap("✅"), verbose),
                await measure(bot, trips, "/mydata", lambda: person.send("/mydata"), verbose),
            ]
    print("| update | round trips | transactions |")
    print("| --- | --- | --- |")
    for name, count, transactions in rows:
        print(f"| {name} | {count} | {transactions} |")
    dialog = rows[1:6]
    print(f"| complaint, 5 updates | {sum(r[1] for r in dialog)} | {sum(r[2] for r in dialog)} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list the statements")
    asyncio.run(main(parser.parse_args().verbose))
