"""Corrections of a published hearing, poll or notice reach exactly the original's recipients."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from bot.simulator import Harness
from storage import hearings
from storage import polls as polls_repo
from tests.conftest import OTHER_STAFF_ID, STAFF_ID, make_settings
from tests.hearing_helpers import announce_hearing
from tests.poll_helpers import MOLODEZHNY, OSAKAROVKA, announce, db_of, received, residents, vote

MARK = "✏️ Исправление"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Staff tap through a correction in a second: the flood guard (for people) is off."""
    return make_settings(tmp_path, flood_updates=0)


async def test_a_notice_correction_reaches_exactly_the_original_recipients(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    await residents(bot, OSAKAROVKA, range(120, 122))  # another village, not chosen
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/broadcast")
    await staff.send("Завтра не будет воды.")
    await staff.tap("Молодежный")
    await staff.tap("Готово ›")
    await staff.tap("📤 Отправить")
    await bot.broadcasts_finished()
    await residents(bot, MOLODEZHNY, [103])  # joined after the notice went out
    await staff.tap("✏️ Исправить")
    await staff.tap("Текст")
    await staff.send("Послезавтра не будет воды.")
    assert staff.last_text == "Отправить исправление: 2 жителям, получившим исходное сообщение?"
    await staff.tap("📤 Отправить исправление")
    await bot.broadcasts_finished()
    for resident in (101, 102):
        assert received(bot, resident, MARK) == 1
        assert "Текст: Послезавтра не будет воды." in bot.user(resident, "", "ru").last_text
    for other in (103, 120, 121):
        assert received(bot, other, MARK) == 0


async def test_a_hearing_correction_reaches_its_recipients_in_their_language(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, [101], "kk")
    await residents(bot, MOLODEZHNY, [102], "ru")
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    hearing = await announce_hearing(bot, staff, "Молодежный")
    await residents(bot, MOLODEZHNY, [103])
    await staff.tap_data(f"v1:cor:go:hearing:{hearing.id}")
    await staff.tap("Тақырып")
    await staff.send("Жергілікті бюджет 2028")
    await staff.tap("📤 Түзетуді жіберу")
    await bot.broadcasts_finished()
    assert bot.user(101, "", "kk").last_text.startswith("✏️ Түзету: «Жергілікті бюджет 2027» жиыны")
    assert "Тема: Жергілікті бюджет 2028" in bot.user(102, "", "ru").last_text
    assert received(bot, 103, "✏️") == 0
    stored = await hearings.get(db_of(bot), hearing.id)
    assert stored is not None and stored.topic == "Жергілікті бюджет 2028"


async def test_poll_question_is_refused_after_a_vote_but_closing_time_is_not(bot: Harness) -> None:
    voters = await residents(bot, MOLODEZHNY, range(101, 103))
    poll = await announce(bot)
    await vote(voters[0], poll, 0)
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/polls")
    await staff.tap("🟢 Что ремонтировать")
    await staff.tap("✏️ Исправить")
    answer = await staff.tap("Вопрос")
    assert answer is not None and answer["show_alert"]
    assert answer["text"].startswith("Вопрос и варианты исправить нельзя: жители уже голосуют.")
    answer = await staff.tap("Варианты")
    assert answer is not None and answer["show_alert"]
    assert (await polls_repo.get(db_of(bot), poll.id)).question == poll.question  # type: ignore[union-attr]
    await staff.tap("Время окончания")
    await staff.tap_data("v1:cor:in:7", staff.messages[-1])
    await staff.tap("📤 Отправить исправление")
    await bot.broadcasts_finished()
    moved = await polls_repo.get(db_of(bot), poll.id)
    assert moved is not None and moved.closes_at > poll.closes_at
    for voter in voters:
        assert received(bot, voter.id, "Голосование до:") == 1


async def test_poll_question_before_any_vote_is_corrected(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    poll = await announce(bot)
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.tap_data(f"v1:cor:go:poll:{poll.id}")
    await staff.tap("Вопрос")
    await staff.send("Что отремонтировать первым?")
    await staff.tap("📤 Отправить исправление")
    await bot.broadcasts_finished()
    stored = await polls_repo.get(db_of(bot), poll.id)
    assert stored is not None and stored.question == "Что отремонтировать первым?"
    assert received(bot, 101, "Вопрос: Что отремонтировать первым?") == 1


async def test_poll_options_before_any_vote_are_corrected_and_checked(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    poll = await announce(bot)
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.tap_data(f"v1:cor:go:poll:{poll.id}")
    await staff.tap("Варианты")
    await staff.send("Только один вариант")
    assert staff.last_text.startswith("Вариантов должно быть от 2 до 10")  # the wizard's check
    await staff.send("Дорогу\nШколу\nКлуб")
    await staff.tap("📤 Отправить исправление")
    await bot.broadcasts_finished()
    stored = await polls_repo.get(db_of(bot), poll.id)
    assert stored is not None and stored.options == ("Дорогу", "Школу", "Клуб")
    assert received(bot, 101, "Варианты:\nДорогу\nШколу\nКлуб") == 1


async def test_staff_of_another_village_cannot_correct_by_a_forged_tap(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    poll = await announce(bot)
    other = bot.user(OTHER_STAFF_ID, "Асқар", "ru")
    await other.send("/menu")
    answer = await other.tap_data(f"v1:cor:go:poll:{poll.id}")
    assert answer is not None and answer["show_alert"]
    answer = await other.tap_data("v1:cor:f:question")  # no dialog was opened for them
    assert answer is not None
    answer = await other.tap_data("v1:cor:send")
    assert answer is not None
    assert received(bot, 101, MARK) == 0
    stored = await polls_repo.get(db_of(bot), poll.id)
    assert stored is not None and stored.question == poll.question
    resident = bot.user(101, "R101", "ru")
    answer = await resident.tap_data(f"v1:cor:go:poll:{poll.id}")
    assert answer is not None and answer["show_alert"]
