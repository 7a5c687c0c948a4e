"""Public hearings: announced to the right residents, answered, reminded, changed, concluded."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.hearings.reminders import send_due_reminders
from bot.simulator import Harness, SimUser
from storage import hearings
from storage.db import Database, utcnow
from storage.hearings import Hearing, NewHearing
from tests.appeal_helpers import staff_told
from tests.conftest import OTHER_STAFF_ID, STAFF_ID

pytestmark = pytest.mark.both_databases

ALMATY = ZoneInfo("Asia/Almaty")


def db_of(bot: Harness) -> Database:
    services = bot.app.bot_data.services
    assert services is not None
    return services.db


async def join(bot: Harness, user_id: int, village: str, language: str) -> SimUser:
    user = bot.user(user_id, f"R{user_id}", language)
    await user.send(f"/start v_{village}")
    return user


async def announce(bot: Harness, staff: SimUser, village_label: str = "Молодежный") -> Hearing:
    """Walk /newhearing for tomorrow 18:00 in one village; return the stored hearing."""
    tomorrow = (utcnow().astimezone(ALMATY) + timedelta(days=1)).strftime("%Y%m%d")
    await staff.send("/newhearing")
    await staff.send("Жергілікті бюджет 2027")
    await staff.tap_data(f"v1:hn:day:{tomorrow}")
    await staff.tap("18:00")
    await staff.send("Мәдениет үйі, Абай к-сі, 12")
    await staff.tap_data("v1:hn:nopin")
    await staff.send("1. Жол жөндеу\n2. Су құбыры")
    await staff.tap(village_label)
    await staff.tap_data("v1:hn:vok")
    await staff.tap_data("v1:hn:send")
    await bot.broadcasts_finished()
    row = await db_of(bot).fetch_one("SELECT MAX(id) FROM hearings")
    assert row is not None and row[0] is not None
    hearing = await hearings.get(db_of(bot), row[0])
    assert hearing is not None
    return hearing


async def test_hearing_notice_reaches_its_villages_in_each_language(bot: Harness) -> None:
    aigerim = await join(bot, 101, "krg-osakarovka-molodezhny", "kk")
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    other = await join(bot, 103, "krg-osakarovka-osakarovka", "ru")
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    hearing = await announce(bot, staff)

    assert hearing.starts_at.astimezone(ALMATY).hour == 18
    assert hearing.village_codes == ("krg-osakarovka-molodezhny",)
    assert aigerim.last_text.startswith("🏛 Қоғамдық тыңдау\n«Жергілікті бюджет 2027»\n\n🗓 ")
    assert "📍 Мәдениет үйі, Абай к-сі, 12\n🏡 Молодежный" in aigerim.last_text
    assert aigerim.button_labels()[:3] == ["✋ Қатысамын", "📅 Күнтізбеге қосу", "❓ Сұрақ қою"]
    assert ivan.last_text.startswith("🏛 Публичные слушания\n«Жергілікті бюджет 2027»")
    assert "📋 Повестка:\n1. Жол жөндеу" in ivan.last_text
    assert "Публичные слушания" not in other.last_text
    assert staff.last_text.startswith("✅ Тарату аяқталды. Жеткізілді: 2 / 2.")


async def test_i_will_come_toggles_and_counts(bot: Harness) -> None:
    aigerim = await join(bot, 101, "krg-osakarovka-molodezhny", "kk")
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    hearing = await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    answer = await aigerim.tap("✋ Қатысамын")
    assert (
        answer is not None and answer["text"] == "✅ Белгіленді: сіз қатысасыз. 1 тұрғын қатысады."
    )
    assert "✅ Қатысамын" in aigerim.button_labels()
    answer = await ivan.tap("✋ Приду")
    assert (
        answer is not None and answer["text"] == "✅ Отмечено: вы придёте. Всего придут 2 жителя."
    )
    answer = await ivan.tap("✅ Приду")
    assert answer is not None and answer["text"] == "Ваш ответ отменён. Всего придёт 1 житель."
    assert await hearings.rsvp_count(db_of(bot), hearing.id) == 1


async def test_calendar_file_has_zone_start_and_place(bot: Harness) -> None:
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    hearing = await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    await ivan.tap("📅 В календарь")
    call = bot.sim.calls_to("sendDocument")[-1]
    content = next(iter(call.files.values())).decode()
    local = hearing.starts_at.astimezone(ALMATY)
    assert "BEGIN:VCALENDAR\r\n" in content and content.endswith("END:VCALENDAR\r\n")
    assert "TZID:Asia/Almaty\r\n" in content and "TZOFFSETTO:+0500\r\n" in content
    assert f"DTSTART;TZID=Asia/Almaty:{local:%Y%m%d}T180000\r\n" in content
    assert f"DTEND;TZID=Asia/Almaty:{local:%Y%m%d}T200000\r\n" in content
    assert "LOCATION:Мәдениет үйі\\, Абай к-сі\\, 12\r\n" in content
    assert all(len(line.encode()) <= 75 for line in content.split("\r\n"))
    unfolded = content.replace("\r\n ", "")  # long lines are folded (RFC 5545, 3.1)
    assert "SUMMARY:Публичные слушания: Жергілікті бюджет 2027\r\n" in unfolded


async def test_question_before_the_hearing_lands_in_the_inbox(bot: Harness) -> None:
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    hearing = await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    await ivan.tap("❓ Задать вопрос")
    assert ivan.last_text.startswith("Напишите ваш вопрос к слушаниям «Жергілікті бюджет 2027»")
    await ivan.send("Когда отремонтируют дорогу к кладбищу?")
    assert ivan.last_text.startswith("✅ Ваш вопрос зарегистрирован под номером #")
    row = await db_of(bot).fetch_one(
        "SELECT kind, hearing_id, village_code FROM appeals ORDER BY id DESC LIMIT 1"
    )
    assert row is not None and tuple(row) == ("question", hearing.id, "krg-osakarovka-molodezhny")
    await staff_told(bot)  # the notice goes out from the outbox just after the answer
    staff_messages = [m.get("text", "") for m in bot.sim.chat_messages(STAFF_ID)]
    assert any("Когда отремонтируют дорогу" in text for text in staff_messages)


async def test_residents_list_upcoming_hearings_and_open_a_shared_link(bot: Harness) -> None:
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    hearing = await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    await ivan.send("/hearings")
    assert ivan.last_text == "Ближайшие собрания и слушания, село Молодежный:"
    # a short date and the topic cut at a word to fit a button: «1 дек., 18:00 · Жергілікті…»
    label = ivan.button_labels()[0]
    assert ", 18:00 · Жергілікті" in label and label.endswith("…") and len(label) <= 30
    stranger = bot.user(150, "Dana", "en")
    await stranger.send(f"/start h_{hearing.id}")
    assert any(text.startswith("🏛 Public hearing") for text in stranger.texts)
    assert "Choose your language" in stranger.last_text  # and then joins as usual


async def test_staff_cannot_manage_a_hearing_outside_their_scope(bot: Harness) -> None:
    await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    hearing = await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    other = bot.user(OTHER_STAFF_ID, "Other", "en")
    await other.send("/start")
    for action in ("cancel", "time", "open"):
        answer = await other.tap_data(f"v1:ha:{action}:{hearing.id}")
        assert answer is not None and answer["text"] == "Sorry, this village is outside your area."
    resident = bot.user(102, "R102", "ru")
    answer = await resident.tap_data(f"v1:ha:cancel:{hearing.id}")
    assert (
        answer is not None
        and answer["text"] == "Извините, это доступно только сотрудникам акимата."
    )
    stored = await hearings.get(db_of(bot), hearing.id)
    assert stored is not None and stored.status == "scheduled"


async def test_changed_time_is_announced_again(bot: Harness) -> None:
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    hearing = await announce(bot, staff)
    await staff.tap_data(f"v1:ha:open:{hearing.id}")
    assert "✋ Придут: 0 · ❓ Вопросы: 0\nСтатус: запланированы" in staff.last_text
    await staff.tap("🗓 Изменить время")
    after_tomorrow = (utcnow().astimezone(ALMATY) + timedelta(days=2)).strftime("%d.%m.%Y")
    await staff.send(after_tomorrow)
    await staff.send("17:30")
    assert staff.last_text.startswith("Почему переносится? Жители увидят причину")
    await staff.send("Клуб закрыт на ремонт")
    assert staff.texts[-2].startswith("⏩ Перенос: Публичные слушания\n«Жергілікті бюджет 2027»")
    await staff.tap("📤 Отправить")
    await bot.broadcasts_finished()
    assert ivan.last_text.startswith("⏩ Перенос: Публичные слушания\n«Жергілікті бюджет 2027»")
    assert "🗓 Новое время: " in ivan.last_text and "17:30" in ivan.last_text
    assert "💬 Причина: Клуб закрыт на ремонт" in ivan.last_text
    stored = await hearings.get(db_of(bot), hearing.id)
    assert stored is not None and stored.starts_at.astimezone(ALMATY).strftime(
        "%d.%m.%Y %H:%M"
    ) == (f"{after_tomorrow} 17:30")


async def test_cancelled_hearing_is_announced_and_closed_to_answers(bot: Harness) -> None:
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    hearing = await announce(bot, staff)
    await staff.tap_data(f"v1:ha:cancel:{hearing.id}")
    await staff.send("Нет кворума приглашённых специалистов")
    await staff.tap("⛔ Да, отменить слушания")
    await bot.broadcasts_finished()
    assert ivan.last_text.startswith("⛔ Отмена: Публичные слушания\n«Жергілікті бюджет 2027»")
    assert ivan.last_text.endswith("💬 Причина: Нет кворума приглашённых специалистов")
    answer = await ivan.tap("✋ Приду")
    assert answer is not None and answer["text"] == "Эти слушания отменены."


async def test_outcome_is_recorded_after_the_start_and_sent(bot: Harness) -> None:
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    past = await hearings.create(
        db_of(bot),
        NewHearing("Бюджет", utcnow() - timedelta(hours=1), "Клуб", "Повестка",
                   ("krg-osakarovka-molodezhny",), STAFF_ID),
    )  # fmt: skip
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/hearings")  # staff without a village: their area's at once
    assert staff.last_text == "Собрания и слушания в ваших сёлах:"
    await staff.tap("Бюджет")
    await staff.tap("📝 Внести итоги")
    await staff.send("сорок")
    assert staff.last_text == "Пришлите число, например 45."
    await staff.send("45")
    await staff.send("Отремонтировать дорогу до школы в 2027 году.")
    await staff.tap("📤 Отправить")
    await bot.broadcasts_finished()
    assert ivan.last_text.startswith("📝 Итоги публичных слушаний «Бюджет»")
    assert "Присутствовало жителей: 45" in ivan.last_text
    stored = await hearings.get(db_of(bot), past.id)
    assert stored is not None and (stored.status, stored.attendance) == ("held", 45)


async def test_hearing_time_must_be_in_the_future(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "en")
    await staff.send("/newhearing")
    await staff.send("Topic")
    await staff.send("31.02.2026")
    assert staff.last_text == "Please type the date as DD.MM.YYYY, e.g. 30.11.2026."
    yesterday = (utcnow().astimezone(ALMATY) - timedelta(days=1)).strftime("%d.%m.%Y")
    await staff.send(yesterday)
    await staff.send("10:00")
    assert staff.texts[-2] == "That moment has already passed. Please choose a time in the future."


async def test_reminders_go_once_to_those_coming(bot: Harness) -> None:
    services = bot.app.bot_data.services
    assert services is not None
    aigerim = await join(bot, 101, "krg-osakarovka-molodezhny", "kk")
    await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    hearing = await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    await aigerim.tap("✋ Қатысамын")
    start = hearing.starts_at

    assert await send_due_reminders(services, start - timedelta(hours=25)) == 0
    assert await send_due_reminders(services, start - timedelta(hours=23)) == 1
    assert await send_due_reminders(services, start - timedelta(hours=22)) == 0
    await bot.broadcasts_finished()
    assert aigerim.last_text.startswith(
        "⏰ Еске салу: «Жергілікті бюджет 2027» қоғамдық тыңдауы жақында басталады.\n🗓 "
    )
    reminders = [c for c in bot.sim.calls_to("sendMessage") if "⏰ Еске салу" in c.params["text"]]
    assert [c.params["chat_id"] for c in reminders] == [101]
    report = [
        m["text"] for m in bot.sim.chat_messages(STAFF_ID) if "еске салу" in m.get("text", "")
    ]
    assert report == [  # the hearing's author sees the reminder go, as after a broadcast
        "⏰ Келетіндерге қоғамдық тыңдау туралы еске салу: «Жергілікті бюджет 2027»\n\n"
        "✅ Тарату аяқталды. Жеткізілді: 1 / 1.\nБотты бұғаттағандар: 0 · қате: 0"
    ]

    await bot.restart(crash=True)
    services = bot.app.bot_data.services
    assert services is not None
    assert await send_due_reminders(services, start - timedelta(hours=1)) == 1
    assert await send_due_reminders(services, start - timedelta(minutes=30)) == 0
    assert await send_due_reminders(services, start + timedelta(minutes=1)) == 0


async def test_missed_reminders_send_one_late_only_before_the_start(bot: Harness) -> None:
    services = bot.app.bot_data.services
    assert services is not None
    aigerim = await join(bot, 101, "krg-osakarovka-molodezhny", "kk")
    hearing = await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    await aigerim.tap("✋ Қатысамын")
    # The bot was down through both reminder times: one reminder, late, before the start.
    assert await send_due_reminders(services, hearing.starts_at - timedelta(minutes=20)) == 1
    assert await send_due_reminders(services, hearing.starts_at - timedelta(minutes=10)) == 0
    await bot.broadcasts_finished()
    assert sum("⏰" in text for text in aigerim.texts) == 1


async def test_times_are_shown_in_almaty(bot: Harness) -> None:
    services = bot.app.bot_data.services
    assert services is not None
    moment = datetime(2026, 12, 1, 13, 0, tzinfo=ZoneInfo("UTC"))
    shown = services.i18n.get("ru").datetime(moment)
    assert shown.endswith("18:00")


async def test_a_hearing_cancelled_twice_is_announced_once(bot: Harness) -> None:
    """The service owns the write and its notice: a second cancel (a race) tells nobody."""
    from bot.hearings import service

    await join(bot, 102, "krg-osakarovka-molodezhny", "ru")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    hearing = await announce(bot, staff)
    services = bot.app.bot_data.services
    assert services is not None
    report_to = (STAFF_ID, services.i18n.get("ru"))

    first = await service.cancel(services, hearing, actor=STAFF_ID, report_to=report_to)
    second = await service.cancel(services, hearing, actor=STAFF_ID, report_to=report_to)
    await bot.broadcasts_finished()

    assert (first, second) == (True, False)
    rows = await db_of(bot).fetch_all(
        "SELECT kind FROM broadcasts WHERE ref_id = ? ORDER BY id", (hearing.id,)
    )
    assert [row[0] for row in rows] == [service.NEW, service.CANCELLED]
