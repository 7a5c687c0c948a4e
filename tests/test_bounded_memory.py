"""Nothing grows for ever: PTB's per-chat bookkeeping, abandoned dialogs and their drafts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from telegram.ext import ConversationHandler

from bot import heap, persistence
from bot.jobs import forget_abandoned_dialogs
from bot.persistence import TimedConversation
from bot.simulator import Harness, SimUser
from storage import conversations, drafts
from storage.db import Database, to_db_time, utcnow
from tests.appeal_helpers import resident
from tests.conftest import make_settings, seed

RESIDENTS = 5_000
STALE = "This button is out of date. Send /start."
# Words outside any dialog are kept and asked about (inside the complaint they would be its text).
OUTSIDE = "Send this as a complaint or a suggestion? Until you answer, I keep it: nothing is lost."
CATEGORY = "What is your complaint about?"


def db_of(bot: Harness) -> Database:
    services = bot.app.bot_data.services
    assert services is not None
    return services.db


def complaint_dialog(bot: Harness) -> ConversationHandler[object]:
    return next(
        handler
        for group in bot.app.handlers.values()
        for handler in group
        if isinstance(handler, ConversationHandler) and handler.name == "complaint"
    )


def in_complaint(bot: Harness, user_id: int) -> bool:
    """Whether the person is in the complaint dialog, as the running bot knows it."""
    return (user_id, user_id) in complaint_dialog(bot)._conversations


async def stored(bot: Harness, user_id: int) -> tuple[object | None, dict[str, object]]:
    """The person's stored complaint step and draft."""
    states = await conversations.load_all(db_of(bot), "complaint")
    return states.get((user_id, user_id)), await drafts.load(db_of(bot), user_id, "complaint")


async def start_complaint(person: SimUser) -> str:
    """/complaint, then a category: the dialog waits for the text, with a draft.

    Returns the category button's data: a button of the dialog the person may tap again.
    """
    await person.send("/complaint")
    assert person.last_text.startswith(CATEGORY)
    data = str(person.find_button("🛣")[1]["callback_data"])
    await person.tap("🛣")
    return data


async def comes_back(person: SimUser, button: str) -> None:
    """The person taps a button of the dialog they left, then types: both outside a dialog."""
    answer = await person.tap_data(button)
    assert answer is not None and answer.get("text") == STALE
    await person.send("A pothole by the bridge, dangerous to drive")
    assert person.last_text == OUTSIDE


async def tap_an_old_button(person: SimUser) -> None:
    """Tap a button of a message long gone (answered at once, and never paced)."""
    message = {"message_id": 1, "date": 0, "chat": {"id": person.id, "type": "private"},
               "text": "old"}  # fmt: skip
    answer = await person.tap_data("v1:menu:gone", message)
    assert answer is not None and answer.get("text") == STALE


async def test_ids_of_thousands_of_residents_are_not_kept(bot: Harness) -> None:
    people = [bot.user(20_000 + n, f"R{n}", "en") for n in range(RESIDENTS)]
    for start in range(0, RESIDENTS, 250):
        await asyncio.gather(*(tap_an_old_button(p) for p in people[start : start + 250]))
    app = bot.app
    assert app._chat_ids_to_be_updated_in_persistence == set()
    assert app._user_ids_to_be_updated_in_persistence == set()
    assert len(app.chat_data) == len(app.user_data) == 0


async def test_a_dialog_left_untouched_ends_and_its_draft_is_forgotten(bot: Harness) -> None:
    person = await resident(bot, 1101, "Dana", "en")
    other = await resident(bot, 1102, "Aru", "en")
    button = await start_complaint(person)
    await start_complaint(other)
    dialog = complaint_dialog(bot)
    assert isinstance(dialog, TimedConversation)
    dialog.touched[(1102, 1102)] += 3600  # Aru took a step an hour later
    tomorrow = utcnow() + timedelta(hours=24, minutes=30)

    assert await persistence.forget_abandoned(bot.app, timedelta(hours=24), tomorrow) == 1
    await bot.app.update_persistence()
    assert not in_complaint(bot, 1101) and await stored(bot, 1101) == (None, {})
    assert in_complaint(bot, 1102) and (await stored(bot, 1102))[1]
    assert (1101, 1101) not in dialog.touched  # nothing is kept of it
    assert person.last_text.startswith("Describe")  # nothing was said meanwhile
    await comes_back(person, button)


async def test_dialogs_a_restart_brought_back_are_swept_once_abandoned(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    async with Harness(settings) as bot:
        gone = await resident(bot, 1101, "Dana", "en")
        busy = await resident(bot, 1102, "Aru", "en")
        fresh = await resident(bot, 1103, "Timur", "en")
        buttons = [await start_complaint(person) for person in (gone, busy, fresh)]
        await bot.restart(crash=True)  # PTB's timers are lost; the states come back
        assert all(in_complaint(bot, p.id) for p in (gone, busy, fresh))
        await busy.send("too short")  # a step after the restart: the running bot saw it
        yesterday = to_db_time(utcnow() - timedelta(hours=25))
        for user_id in (1101, 1102):  # untouched in the database for 25 hours
            await db_of(bot).execute_write(
                "UPDATE conversations SET updated_at = ? WHERE key = ?",
                (yesterday, f"{user_id},{user_id}"),
            )
            await db_of(bot).execute_write(
                "UPDATE drafts SET updated_at = ? WHERE telegram_id = ?", (yesterday, user_id)
            )

        assert bot.app.job_queue is not None
        [sweep] = bot.app.job_queue.get_jobs_by_name("abandoned-dialogs")
        assert sweep.callback is forget_abandoned_dialogs
        await sweep.run(bot.app)
        await bot.app.update_persistence()

        assert not in_complaint(bot, 1101) and await stored(bot, 1101) == (None, {})
        assert in_complaint(bot, 1102) and (await stored(bot, 1102))[1]  # touched lately
        assert in_complaint(bot, 1103) and (await stored(bot, 1103))[1]  # touched lately
        await comes_back(gone, buttons[0])
        await fresh.send("A pothole by the bridge, dangerous to drive")  # goes on as before
        assert fresh.last_text.startswith("If you like, add up to 3 photos")


async def test_the_sweep_leaves_a_chat_whose_update_is_in_hand(bot: Harness) -> None:
    person = await resident(bot, 1101, "Dana", "en")
    await start_complaint(person)
    await bot.restart(crash=True)
    app = bot.app
    from bot.concurrency import ChatLanes

    lanes = app.update_processor
    assert isinstance(lanes, ChatLanes)
    lanes._tails[1101] = asyncio.Event()  # an update of this chat is being handled
    later = utcnow() + timedelta(hours=25)
    assert await persistence.forget_abandoned(app, timedelta(hours=24), later) == 0
    del lanes._tails[1101]
    assert await persistence.forget_abandoned(app, timedelta(hours=24), later) == 1
    assert not in_complaint(bot, 1101)


async def test_a_dialog_state_stored_without_its_time_is_dated_all_the_same(db: Database) -> None:
    upsert = (
        "INSERT INTO conversations (name, key, state) VALUES ('complaint', '7,7', ?) "
        "ON CONFLICT (name, key) DO UPDATE SET state = excluded.state"
    )
    await db.execute_write(upsert, ("1",))
    soon, before = utcnow() + timedelta(seconds=2), utcnow() - timedelta(minutes=1)
    assert await conversations.untouched_since(db, soon) == [("complaint", (7, 7))]
    assert await conversations.untouched_since(db, before) == []
    long_ago = to_db_time(utcnow() - timedelta(hours=30))
    await db.execute_write("UPDATE conversations SET updated_at = ?", (long_ago,))
    await db.execute_write(upsert, ("1",))  # the same step again: no change
    assert await conversations.untouched_since(db, before) == [("complaint", (7, 7))]
    await db.execute_write(upsert, ("2",))  # the next step
    assert await conversations.untouched_since(db, before) == []


def test_freed_heap_is_given_back_after_start_and_elsewhere_nothing_happens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``heap.release`` runs on Linux (glibc's malloc_trim) and is a no-op on other systems."""
    heap.release()  # here: Linux
    monkeypatch.setattr(heap.sys, "platform", "darwin")
    monkeypatch.setattr(heap.ctypes, "CDLL", None)  # would fail if it were called
    heap.release()
