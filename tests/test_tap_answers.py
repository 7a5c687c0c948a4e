"""A tapped button is answered before the slow work it starts.

Telegram refuses an answer to a tap that comes late ("query is too old"), and the person's
button keeps spinning meanwhile. Messages to others (paced at one a second per chat), command
menus and the results of a poll are slow: the answer goes first. Checked on the order of the
calls the bot made, not on the clock.
"""

from __future__ import annotations

from bot.simulator import Harness
from bot.simulator.api import ApiCall
from tests.appeal_helpers import file_complaint, latest, resident, staff_member
from tests.conftest import STAFF_ID
from tests.poll_helpers import MOLODEZHNY, announce, residents

WATER_RU = "Нет воды в колонке на улице Ленина"


def calls_since(bot: Harness, start: int) -> list[ApiCall]:
    """The calls the bot made since ``start`` (an index into the simulator's calls)."""
    return bot.sim.calls[start:]


def first(calls: list[ApiCall], method: str, chat_id: int | None = None) -> int:
    """The position of the first call of ``method`` (to ``chat_id``) among ``calls``."""
    for position, call in enumerate(calls):
        if call.method == method and chat_id in (None, call.params.get("chat_id")):
            return position
    raise AssertionError(f"no {method} to {chat_id} in {[c.method for c in calls]}")


async def test_taking_an_item_is_answered_before_the_resident_is_told(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    await staff.tap_data(f"v1:inb:open:{(await latest(bot)).id}")
    start = len(bot.sim.calls)
    answer = await staff.tap("🛠 Взять в работу")
    assert answer is not None and answer["text"] == "Взято в работу."
    calls = calls_since(bot, start)
    assert first(calls, "answerCallbackQuery") < first(calls, "sendMessage", ivan.id)
    assert ivan.last_text.endswith(": акимат взял в работу.")


async def test_forwarding_an_item_is_answered_before_anyone_is_told(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    await staff.tap_data(f"v1:inb:open:{(await latest(bot)).id}")
    await staff.tap("↪️ Передать")
    await staff.tap("Молодежный")
    start = len(bot.sim.calls)
    await staff.tap("↪️ Передать без примечания")
    calls = calls_since(bot, start)
    sends = [i for i, c in enumerate(calls) if c.method.startswith("send")]
    assert sends and first(calls, "answerCallbackQuery") < min(sends)
    assert ivan.last_text.endswith("передано на рассмотрение — Молодежный.")


async def test_closing_a_poll_now_is_answered_before_its_results_go_out(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, [101, 102])
    await announce(bot)
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/polls")  # staff without a village: their area's polls at once
    await staff.tap("🟢 Что ремонтировать")
    await staff.tap("⏹ Завершить сейчас")
    start = len(bot.sim.calls)
    answer = await staff.tap("⏹ Да, завершить")
    assert answer is not None and answer["text"] == "Опрос завершён, итоги отправляются."
    await bot.broadcasts_finished()
    calls = calls_since(bot, start)
    sends = [i for i, c in enumerate(calls) if c.method.startswith("send")]
    assert sends and first(calls, "answerCallbackQuery") < min(sends)
    assert first(calls, "sendPhoto", 101) > 0  # the results, with their chart


async def test_a_chosen_language_is_answered_before_the_command_menu_changes(
    bot: Harness,
) -> None:
    aigerim = bot.user(1101, "Айгерім", "ru")
    await aigerim.send("/start")
    start = len(bot.sim.calls)
    answer = await aigerim.tap("Қазақша")
    assert answer is not None and answer["text"]
    calls = calls_since(bot, start)
    assert first(calls, "answerCallbackQuery") < first(calls, "setMyCommands")
