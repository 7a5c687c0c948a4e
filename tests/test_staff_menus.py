"""Staff first (issue 18 item 1): their actions as menu buttons, none needing a home village."""

from __future__ import annotations

from datetime import timedelta

from bot.simulator import Harness, SimUser
from storage.db import utcnow
from tests.conftest import COORDINATOR_ID, OTHER_STAFF_ID, STAFF_ID
from tests.hearing_helpers import ALMATY
from tests.poll_helpers import MOLODEZHNY, announce, residents


async def staff_without_village(bot: Harness) -> SimUser:
    """The district's staff member, who never chose a village of their own, at the menu."""
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/menu")
    return staff


async def test_staff_menu_has_their_actions_first_and_no_resident_items(bot: Harness) -> None:
    staff = await staff_without_village(bot)
    labels = staff.button_labels()
    assert labels[:7] == [
        "🏛 Новые слушания", "📢 Объявление", "🗳 Новый опрос", "📥 Обращения", "👥 Жители",
        "✍️ За жителя", "🏛 Собрания и слушания",
    ]  # fmt: skip
    assert "📝 Жалоба" not in labels and "📋 Мои обращения" not in labels
    assert "📊 Сводка" not in labels  # a coordinator's


async def test_a_resident_keeps_the_residents_menu(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    await ivan.send("/menu")
    labels = ivan.button_labels()
    assert labels[0] == "📝 Жалоба"
    assert "🏛 Новые слушания" not in labels and "📥 Обращения" not in labels


async def test_staff_who_is_a_resident_keeps_both(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send(f"/start v_{MOLODEZHNY}")
    assert staff.reply_keyboard  # the resident's reply menu stays
    await staff.send("/menu")
    labels = staff.button_labels()
    assert labels[0] == "🏛 Новые слушания"
    assert "📝 Жалоба" in labels and "📋 Мои обращения" in labels


async def test_coordinator_menu_has_the_summary(bot: Harness) -> None:
    coordinator = bot.user(COORDINATOR_ID, "Айгерім", "ru")
    await coordinator.send("/menu")
    assert coordinator.button_labels()[:2] == ["👥 Жители", "📊 Сводка"]
    await coordinator.tap("📊 Сводка")
    assert coordinator.last_text.startswith("📊 Сводка: таблица Excel")


async def test_staff_without_village_list_their_areas_polls(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    poll = await announce(bot)
    staff = await staff_without_village(bot)
    await staff.tap("🗳 Опросы")
    assert "Сначала выберите" not in staff.last_text
    assert any(poll.question[:15] in label for label in staff.button_labels())
    await staff.send("/polls")
    assert any(poll.question[:15] in label for label in staff.button_labels())


async def test_staff_without_village_announce_and_list_a_hearing_from_the_menu(
    bot: Harness,
) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    staff = await staff_without_village(bot)
    await staff.tap("🏛 Новые слушания")
    assert staff.last_text.startswith("Какова тема")
    await staff.send("Благоустройство парка")
    tomorrow = utcnow().astimezone(ALMATY) + timedelta(days=1)
    await staff.tap_data(f"v1:hn:day:{tomorrow:%Y%m%d}")
    await staff.tap("18:00")
    await staff.send("Дом культуры")
    await staff.tap_data("v1:hn:nopin")
    await staff.send("1. Парк")
    await staff.tap("Молодежный")
    await staff.tap_data("v1:hn:vok")
    await staff.tap_data("v1:hn:send")
    await bot.broadcasts_finished()
    await staff.send("/hearings")
    assert "Сначала выберите" not in staff.last_text
    assert staff.last_text == "Собрания и слушания в ваших сёлах:"
    assert [label.startswith(f"{tomorrow.day} ") for label in staff.button_labels()] == [True]


async def test_staff_without_village_create_a_poll_from_the_menu(bot: Harness) -> None:
    staff = await staff_without_village(bot)
    await staff.tap("🗳 Новый опрос")
    assert "вопрос" in staff.last_text.casefold()


async def test_staff_without_village_send_a_notice_from_the_menu(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    staff = await staff_without_village(bot)
    await staff.tap("📢 Объявление")
    assert staff.last_text.startswith("Пришлите объявление")
    await staff.send("Завтра не будет воды.")
    await staff.tap("Молодежный")
    await staff.tap("Готово ›")
    await staff.tap("📤 Отправить")
    await bot.broadcasts_finished()
    assert bot.user(101, "R101", "ru").last_text.endswith("Завтра не будет воды.")


async def test_staff_without_village_open_the_inbox_from_the_menu(bot: Harness) -> None:
    staff = await staff_without_village(bot)
    await staff.tap("📥 Обращения")
    assert "Сначала выберите" not in staff.last_text
    assert staff.button_labels()  # the inbox's statuses


async def test_complaint_by_staff_without_village_points_to_the_inbox(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/complaint")
    assert staff.last_text.startswith("Жалобы и предложения подают жители")
    assert staff.button_labels() == ["✍️ За жителя", "📥 Обращения"]
    kk = bot.user(OTHER_STAFF_ID, "Асқар", "kk")
    await kk.send("/complaint")
    assert kk.last_text.startswith("Шағымдар мен ұсыныстарды тұрғындар жібереді")


async def test_resident_menu_cannot_reach_staff_actions(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    answer = await ivan.tap_data("v1:menu:newpoll")
    assert answer is not None and answer.get("show_alert")


async def test_staff_commands_come_first(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/language")
    await staff.tap("Русский")
    menus = [
        c
        for c in bot.sim.calls_to("setMyCommands")
        if c.params.get("scope", {}).get("chat_id") == STAFF_ID
    ]
    assert menus and menus[-1].params["commands"][0]["command"] == "newmeeting"
