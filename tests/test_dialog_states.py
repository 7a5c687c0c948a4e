"""Dialog states as the persistence stores them, after the sweep forgot abandoned ones."""

from __future__ import annotations

from datetime import timedelta

from bot import persistence
from bot.simulator import Harness
from storage import conversations
from storage.conversations import ConversationKey
from storage.db import utcnow
from tests.appeal_helpers import resident
from tests.test_bounded_memory import CATEGORY, db_of, in_complaint

DANA, ARU = 1101, 1102


async def stored_step(bot: Harness, user_id: int) -> object | None:
    """A person's complaint step as the conversations table holds it."""
    key: ConversationKey = (user_id, user_id)
    return (await conversations.load_all(db_of(bot), "complaint")).get(key)


async def test_forgotten_dialogs_stay_forgotten_and_a_new_run_is_stored(bot: Harness) -> None:
    dana = await resident(bot, DANA, "Dana", "en")
    aru = await resident(bot, ARU, "Aru", "en")
    for person in (dana, aru):
        await person.send("/complaint")
    step = await stored_step(bot, DANA)
    assert step is not None and await stored_step(bot, ARU) == step  # waiting for a category

    tomorrow = utcnow() + timedelta(hours=24, minutes=30)
    assert await persistence.forget_abandoned(bot.app, timedelta(hours=24), tomorrow) == 2
    assert await stored_step(bot, DANA) is None and await stored_step(bot, ARU) is None

    # Aru starts again at once, before any flush, and reaches the step the sweep forgot: the
    # persistence must store it, not take it for stored already (it was, before the sweep).
    await aru.send("/complaint")
    assert aru.last_text.startswith(CATEGORY)
    assert await stored_step(bot, ARU) == step
    await bot.app.update_persistence()  # and another flush: Dana's dialog does not come back
    assert await stored_step(bot, DANA) is None and not in_complaint(bot, DANA)

    await bot.restart(crash=True)  # what is on disk is what a restart brings back
    assert not in_complaint(bot, DANA) and in_complaint(bot, ARU)
    await aru.tap("🛣")
    assert aru.last_text.startswith("Describe")
