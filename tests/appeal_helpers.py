"""Shared steps of the complaint tests: a resident joins and files an item."""

from __future__ import annotations

from typing import Any

from bot.context import Services
from bot.simulator import Harness, SimUser
from storage import appeals as repo
from storage.appeals import Appeal

OSAKAROVKA = "krg-osakarovka-osakarovka"
BEINEU = "mng-beineu-beineu"


def services(bot: Harness) -> Services:
    found = bot.app.bot_data.services
    assert found is not None
    return found


async def resident(
    bot: Harness, user_id: int, name: str, language: str, village: str = OSAKAROVKA
) -> SimUser:
    person = bot.user(user_id, name, language)
    await person.send(f"/start v_{village}")
    return person


async def file_complaint(
    user: SimUser, text: str, *, category: str = "🛣", command: str = "/complaint"
) -> None:
    """Category (by its icon), text, Next, Send."""
    await user.send(command)
    await user.tap(category)
    await user.send(text)
    await user.tap("▶")
    await user.tap("✅")


async def staff_told(bot: Harness, within: float = 10.0) -> None:
    """Wait until the staff-notice outbox is sent (notices go out just after the answer)."""
    sender = services(bot).staff_notices
    assert sender is not None
    await bot.wait_until(lambda: sender.idle, within)


async def latest(bot: Harness) -> Appeal:
    """The newest item, once its staff were told (the notice goes out just after the answer)."""
    await staff_told(bot)
    row = await services(bot).db.fetch_one("SELECT MAX(id) FROM appeals")
    assert row is not None and row[0] is not None
    appeal = await repo.get(services(bot).db, int(row[0]))
    assert appeal is not None
    return appeal


async def send_raw(bot: Harness, user: SimUser, **content: Any) -> None:
    """Send a message with any content (a video, an oversized voice note...)."""
    from bot.simulator.api import now

    message = {
        "message_id": bot.sim.next_message_id(),
        "date": now(),
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": user.as_json(),
        **content,
    }
    await bot.deliver(bot.sim.make_update({"message": message}))


async def staff_member(bot: Harness, user_id: int, name: str, language: str) -> SimUser:
    """A staff member who chose their language (so notices reach them in it)."""
    from bot.i18n import LANGUAGE_NAMES

    person = bot.user(user_id, name, language)
    await person.send("/language")
    await person.tap(LANGUAGE_NAMES[language])
    return person


VIDEO = {
    "file_id": "video-1", "file_unique_id": "video-1", "width": 640, "height": 480, "duration": 5,
}  # fmt: skip
