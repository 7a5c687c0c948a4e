"""Staff work the inbox of their villages; every change reaches the resident in their language."""

from __future__ import annotations

from pathlib import Path

from bot.appeals import service as appeals
from bot.simulator import Harness
from storage import appeals as repo
from storage import people
from storage import roles as roles_repo
from storage.appeals import Status
from storage.models import Role, Scope, ScopeKind
from tests.appeal_helpers import (
    file_complaint,
    latest,
    resident,
    services,
    staff_member,
    staff_told,
)
from tests.conftest import OTHER_STAFF_ID, STAFF_ID, make_settings, seed

VILLAGE_STAFF_ID = 6001  # staff of the village Osakarovka only
WATER_RU = "Нет воды в колонке на улице Ленина"
ROAD_KK = "Орталық көшедегі үлкен шұңқыр, көлік өте алмайды"


async def open_in_inbox(bot: Harness, staff_id: int, appeal_id: int) -> None:
    await bot.user(staff_id, "Staff", "ru").tap_data(f"v1:inb:open:{appeal_id}")


async def test_staff_list_and_open_an_item_with_its_photo_voice_and_location(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    aigerim = await resident(bot, 1101, "Айгерім", "kk")
    await aigerim.send("/complaint")
    await aigerim.tap("🛣")
    await aigerim.send(ROAD_KK)
    await aigerim.send_photo()
    await aigerim.send_photo()
    await aigerim.send_voice()
    await aigerim.share_location(50.56, 72.57)
    await aigerim.tap("Әрі қарай")
    await aigerim.tap("✅")
    await staff.send("/inbox")
    assert "🆕 Новое (1)" in staff.button_labels()
    await staff.tap("🆕 Новое (1)")
    await staff.tap("#")
    card = staff.last_text
    assert card.startswith("Жалоба #") and "· 🛣 Дороги" in card
    assert "Село: Осакаровка (Осакаровский район)" in card
    assert "Отправитель: Айгерім" in card and ROAD_KK in card
    assert "📷 2 фото · 🎤 голосовое сообщение · 📍 геопозиция" in card
    assert [c.method for c in bot.sim.calls[-5:]] == [
        "answerCallbackQuery", "sendMediaGroup", "sendVoice", "sendLocation", "sendMessage",
    ]  # fmt: skip
    album = bot.sim.calls_to("sendMediaGroup")[-1].params["media"]
    appeal = await latest(bot)
    assert [item["media"] for item in album] == list(appeal.photos)
    assert "🛠 Взять в работу" in staff.button_labels()


async def test_a_hidden_name_is_not_shown_to_staff_but_stays_linked(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.tap("💧")
    await ivan.send(WATER_RU)
    await ivan.tap("Далее")
    await ivan.tap("🙈")
    await ivan.tap("✅")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    assert "Отправитель: имя скрыто" in staff.last_text
    assert all("Иван" not in text for text in staff.texts)
    person = await people.get_by_telegram_id(services(bot).db, 1102)
    assert person is not None and appeal.person_id == person.id


async def test_staff_of_another_village_cannot_see_or_act_on_an_item(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    other = await staff_member(bot, OTHER_STAFF_ID, "Бейнеу", "ru")
    await other.send("/inbox")
    assert "🆕 Новое (0)" in other.button_labels()
    refused = "Извините, это село не относится к вашей территории."
    for data in (f"v1:inb:open:{appeal.id}", f"v1:inb:take:{appeal.id}",
                 f"v1:inb:fwdd:{appeal.id}", f"v1:inb:ans:{appeal.id}",
                 f"v1:inb:extd:{appeal.id}:5"):  # fmt: skip
        answer = await other.tap_data(data)
        assert answer is not None and answer["text"] == refused, data
    await other.send("Вопрос решён, закрываем")  # no answer dialog was opened
    stored = await repo.get(services(bot).db, appeal.id)
    assert stored is not None and stored.status is Status.NEW
    assert [e.action for e in await repo.history(services(bot).db, appeal.id)] == ["created"]
    assert all(WATER_RU not in text for text in other.texts)


async def test_a_resident_cannot_use_the_inbox(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    await ivan.send("/inbox")
    assert ivan.last_text == "Извините, это доступно только сотрудникам акимата."
    answer = await ivan.tap_data(f"v1:inb:take:{(await latest(bot)).id}")
    assert answer is not None and answer["text"].startswith("Извините, это доступно только")


async def test_every_status_change_reaches_the_resident_in_their_language(tmp_path: Path) -> None:
    # Staff here tap and type faster than the flood guard allows (a Russian answer to a Kazakh
    # reader adds a tap each time): the guard is off for them.
    settings = make_settings(tmp_path, flood_updates=0)
    await seed(settings)
    async with Harness(settings) as bot:
        staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
        aigerim = await resident(bot, 1101, "Айгерім", "kk")
        await file_complaint(aigerim, ROAD_KK)
        first = await latest(bot)
        await staff.tap_data(f"v1:inb:open:{first.id}")
        await staff.tap("🛠 Взять в работу")
        assert aigerim.last_text.endswith(": әкімдік жұмысқа алды.")
        await staff.tap("💬 Ответить")
        await staff.send("Завтра засыплем щебнем.")
        await staff.tap("Отправить как есть")  # Kazakh reader, Russian words: sent as typed
        assert staff.last_text.startswith("💬 Ответ по #")
        assert aigerim.last_text.startswith("💬 Әкімдіктің жауабы — Шағым #")
        assert aigerim.last_text.endswith("Завтра засыплем щебнем.")
        await staff.tap("📂 Открыть")
        await staff.tap("⏳ Продлить срок")
        await staff.tap("+5")
        await staff.send("Ждём подрядчика")
        await staff.tap("Отправить как есть")  # Kazakh reader, Russian words: sent as typed
        assert "мерзімі ұзартылды, жаңа мерзім:" in aigerim.last_text
        assert aigerim.last_text.endswith("Себебі: Ждём подрядчика")
        extended = await repo.get(services(bot).db, first.id)
        assert extended is not None
        assert extended.due_on == appeals.calendar(services(bot)).add_working_days(first.due_on, 5)
        await staff.tap("📂 Открыть")
        await staff.tap("✅ Решено")
        await staff.send("Засыпали <b>щебнем</b>")
        await staff.tap("Отправить как есть")  # Kazakh reader, Russian words: sent as typed
        assert "шешілді деп белгіленді.\nТүсініктеме: Засыпали <b>щебнем</b>" in aigerim.last_text
        assert aigerim.button_labels() == ["👍 Иә, шешілді", "👎 Жоқ, шешілмеді"]
        assert "parse_mode" not in bot.sim.calls_to("sendMessage")[-2].params

        await file_complaint(aigerim, "Көшеде жарық жоқ, кешке қараңғы", category="⚡")
        second = await latest(bot)
        await staff.tap_data(f"v1:inb:open:{second.id}")
        await staff.tap("⛔ Отклонить")
        await staff.send("Это не относится к акимату села")
        await staff.tap("Отправить как есть")  # Kazakh reader, Russian words: sent as typed
        assert aigerim.last_text.endswith("қабылданбады.\nСебебі: Это не относится к акимату села")

        await file_complaint(aigerim, "Мектепте жылу жоқ, балалар тоңып отыр", category="🔥")
        third = await latest(bot)
        await staff.tap_data(f"v1:inb:open:{third.id}")
        await staff.tap("↪️ Передать")
        await staff.tap("Молодежный")
        await staff.tap("↪️ Передать без примечания")
        assert aigerim.last_text.endswith("қарау үшін жолданды — Молодежный.")
        history = [e.action for e in await repo.history(services(bot).db, first.id)]
        assert history == ["created", "taken", "answered", "extended", "resolved"]


async def test_history_records_who_acted_and_when(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    await staff.tap("🛠 Взять в работу")
    events = await repo.history(services(bot).db, appeal.id)
    assert [(e.action, e.actor_id) for e in events] == [("created", None), ("taken", STAFF_ID)]
    assert events[1].created_at >= events[0].created_at
    assert "— взято в работу (Ерлан)" in staff.last_text


async def test_forwarding_up_to_the_district_takes_it_from_village_staff(bot: Harness) -> None:
    db = services(bot).db
    await roles_repo.grant(
        db, VILLAGE_STAFF_ID, Role.STAFF, Scope(ScopeKind.VILLAGE, "krg-osakarovka-osakarovka"), "t"
    )
    village_staff = await staff_member(bot, VILLAGE_STAFF_ID, "Асель", "kk")
    district_staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    await staff_told(bot)
    assert village_staff.last_text.startswith("📥 Жаңа: Шағым #")
    await village_staff.tap_data(f"v1:inb:open:{appeal.id}")
    await village_staff.tap("↪️ Жолдау")
    await village_staff.tap("🏛 Аудан әкімдігі")
    await village_staff.tap("↪️ Ескертпесіз жолдау")
    assert village_staff.last_text.endswith("жолданды.")
    assert ivan.last_text.endswith("передано на рассмотрение — акимат района (Осакаровский район).")
    await staff_told(bot)
    assert district_staff.last_text.startswith("📥 Новое: Жалоба #")
    answer = await village_staff.tap_data(f"v1:inb:take:{appeal.id}")
    assert answer is not None and answer["show_alert"] is True
    await district_staff.tap("📂 Открыть")
    assert "Передано в акимат района: Осакаровский район" in district_staff.last_text
    assert "передано: акимат района (Осакаровский район) (Асель)" in district_staff.last_text


async def test_no_reopens_the_item_and_tells_staff(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:res:{appeal.id}")
    await staff.send("Колонку починили")
    await ivan.tap("👎 Нет, не решено")
    assert ivan.last_text == f"Обращение #{appeal.number} открыто снова, акимат уведомлён."
    await staff_told(bot)
    assert staff.last_text.startswith(f"🔁 Жалоба #{appeal.number}")
    assert staff.last_text.endswith("обращение снова в работе.")
    stored = await repo.get(services(bot).db, appeal.id)
    assert stored is not None and stored.status is Status.IN_PROGRESS
    again = await ivan.tap_data(f"v1:my:solved:{appeal.id}:y")  # the question was answered
    assert again is not None and again["text"] == "Эта кнопка устарела. Отправьте /start."


async def test_yes_keeps_it_resolved(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:res:{appeal.id}")
    await staff.send("Колонку починили")
    other = await resident(bot, 1104, "Пётр", "ru")
    forged = await other.tap_data(f"v1:my:solved:{appeal.id}:n")  # not their item
    assert forged is not None and forged["show_alert"] is True
    await ivan.tap("👍 Да, решено")
    assert ivan.last_text == f"Спасибо! Обращение #{appeal.number} закрыто как решённое."
    events = [e.action for e in await repo.history(services(bot).db, appeal.id)]
    assert events == ["created", "resolved", "confirmed"]


async def test_the_staff_typing_dialog_survives_a_restart(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:ans:{appeal.id}")
    await bot.restart(crash=True)
    await staff.send("Водовоз приедет в четверг")
    assert ivan.last_text.endswith("Водовоз приедет в четверг")


async def test_my_lists_the_residents_items_with_history_and_answers(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    aigerim = await resident(bot, 1101, "Айгерім", "kk")
    await aigerim.send("/my")
    assert aigerim.last_text.startswith("Сіз әлі шағым не ұсыныс жіберген жоқсыз")
    await file_complaint(aigerim, ROAD_KK)
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:ans:{appeal.id}")
    await staff.send("Завтра засыплем щебнем.")
    await staff.tap("Отправить как есть")
    await aigerim.send("/my")
    assert aigerim.last_text == "Сіз 1 өтініш жібердіңіз:"
    await aigerim.tap(f"#{appeal.number}")
    text = aigerim.last_text
    assert text.startswith(f"Шағым #{appeal.number} · 🛣 Жолдар")
    assert "Мәртебесі: 💬 Жауап берілді" in text
    assert "— жауап берілді\n   «Завтра засыплем щебнем.»" in text
    assert "Ерлан" not in text
    stranger = await resident(bot, 1104, "Пётр", "ru")
    forged = await stranger.tap_data(f"v1:my:open:{appeal.id}")
    assert forged is not None and forged["show_alert"] is True
    assert all(ROAD_KK not in t for t in stranger.texts)


async def test_a_hearing_question_lands_in_the_inbox_with_its_topic(bot: Harness) -> None:
    from storage.db import to_db_time, utcnow

    db = services(bot).db
    now = to_db_time(utcnow())
    await db.execute_write(
        "INSERT INTO hearings (id, topic, starts_at, place, agenda, created_by, created_at, "
        "updated_at) VALUES (7, 'Бюджет села на 2027 год', ?, 'Дом культуры', '-', ?, ?, ?)",
        (now, STAFF_ID, now, now),
    )
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    await resident(bot, 1102, "Иван", "ru")
    person = await people.get_by_telegram_id(db, 1102)
    assert person is not None
    question = await appeals.submit_hearing_question(
        services(bot), person, 7, "krg-osakarovka-osakarovka",
        "Сколько денег пойдёт на ремонт клуба?", bot=bot.app.bot,
    )  # fmt: skip
    assert (question.kind.value, question.hearing_id) == ("question", 7)
    await staff_told(bot)
    assert staff.last_text.startswith(f"📥 Новое: Вопрос #{question.number}")
    await staff.tap("📂 Открыть")
    assert "Вопрос к публичным слушаниям «Бюджет села на 2027 год»" in staff.last_text
