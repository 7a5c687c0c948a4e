"""A resident files a complaint or a suggestion: by buttons, checked, numbered, never lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from bot.simulator import Harness
from storage import drafts
from storage.appeals import Kind, Status
from tests.appeal_helpers import (
    OSAKAROVKA,
    VIDEO,
    file_complaint,
    latest,
    resident,
    send_raw,
    services,
    staff_told,
)
from tests.conftest import ADMIN_ID, OTHER_STAFF_ID, STAFF_ID, make_settings, seed

pytestmark = pytest.mark.both_databases

POTHOLE_KK = "Орталық көшедегі үлкен шұңқыр, көлік өте алмайды"
LAMP_RU = "Предлагаю поставить фонари на улице Абая у школы"


async def test_whole_complaint_in_kazakh_with_photo_voice_location_and_hidden_name(
    bot: Harness,
) -> None:
    aigerim = await resident(bot, 1101, "Айгерім", "kk")
    await aigerim.send("/complaint")
    assert aigerim.last_text.startswith("Шағымыңыз не туралы? Санатын таңдаңыз:")
    assert "🛣 Жолдар" in aigerim.button_labels()
    await aigerim.tap("🛣 Жолдар")
    assert aigerim.last_text.startswith("Мәселені бірнеше сөзбен сипаттаңыз")
    await aigerim.send(POTHOLE_KK)
    assert "📎 арқылы 3 фотоға дейін" in aigerim.last_text
    await aigerim.send_photo()
    assert aigerim.last_text.startswith("📷 Фото қосылды: 1/3.")
    await aigerim.send_voice()
    assert aigerim.last_text.startswith("🎤 Дауыстық хабар қосылды.")
    await aigerim.share_location(50.56, 72.57)
    assert aigerim.last_text.startswith("📍 Орналасқан жер қосылды.")
    await aigerim.tap("Әрі қарай")
    summary = aigerim.last_text
    assert summary.startswith("Шағымыңызды тексеріңіз:\nСанаты: 🛣 Жолдар\nАуыл: Осакаровка")
    assert POTHOLE_KK in summary and "📷 1 фото" in summary and "🎤 дауыстық хабар" in summary
    assert "👤 Әкімдік қызметкерлері атыңызды көреді." in summary
    await aigerim.tap("🙈 Атымды жасыру")
    assert "🙈 Атыңыз қызметкерлерден жасырылады." in aigerim.last_text
    await aigerim.tap("✅ Жіберу")

    appeal = await latest(bot)
    year = appeal.created_at.astimezone(bot.settings.zone).year
    assert aigerim.last_text.startswith(f"✅ Шағымыңыз #{year}-00001 нөмірімен тіркелді.")
    assert "Әкімдіктің жауап беру мерзімі: " in aigerim.last_text
    assert (appeal.kind, appeal.category, appeal.text) == (Kind.COMPLAINT, "roads", POTHOLE_KK)
    assert (appeal.status, appeal.language, appeal.hide_name) == (Status.NEW, "kk", True)
    assert len(appeal.photos) == 1 and appeal.voice_file_id is not None
    assert (appeal.latitude, appeal.longitude) == (50.56, 72.57)
    assert appeal.village_code == OSAKAROVKA and appeal.resident_telegram_id == 1101
    assert await drafts.load(services(bot).db, 1101, "complaint") == {}


async def test_whole_suggestion_in_russian_from_the_menu(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("/menu")
    await ivan.tap("💡 Предложение")
    assert ivan.last_text == "О чём ваше предложение? Выберите категорию:"
    await ivan.tap("🚌 Транспорт")
    assert ivan.last_text.startswith("Напишите предложение в нескольких словах")
    await ivan.send(LAMP_RU)
    await ivan.tap("Далее")
    assert ivan.last_text.startswith("Проверьте предложение:\nКатегория: 🚌 Транспорт")
    await ivan.tap("✅ Отправить")
    assert "Ваше предложение зарегистрировано под номером #" in ivan.last_text
    assert "Акимат должен ответить до " in ivan.last_text
    appeal = await latest(bot)
    assert (appeal.kind, appeal.category, appeal.language) == (Kind.SUGGESTION, "transport", "ru")


async def test_numbers_follow_one_sequence_per_year(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    await file_complaint(ivan, "Не вывозят мусор третью неделю", category="🗑")
    year = (await latest(bot)).created_at.astimezone(bot.settings.zone).year
    assert f"#{year}-00002" in ivan.last_text
    assert (await latest(bot)).number == f"{year}-00002"


async def test_text_problems_get_a_clear_answer_and_the_draft_is_kept(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.tap("💧")
    await ivan.send("   ")
    assert ivan.last_text == "Сообщение пустое. Пожалуйста, напишите текст словами."
    await ivan.send("Вода")  # one word does not say what is wrong
    assert ivan.last_text.startswith("Напишите хотя бы два слова, например «нет света»")
    await ivan.send("ы" * 2001)
    assert ivan.last_text.startswith("Слишком длинно (символов: 2001, можно не больше 2000).")
    await ivan.send_sticker()
    assert ivan.last_text.startswith("Сначала напишите текст.")
    await ivan.send_photo()
    assert ivan.last_text.startswith("Сначала напишите текст.")
    draft = await drafts.load(services(bot).db, 1102, "complaint")
    assert draft["category"] == "water" and draft["text"] is None
    await ivan.send("Третий день нет воды на улице Мира")
    await ivan.tap("Далее")
    assert "Категория: 💧 Водоснабжение" in ivan.last_text


async def test_attachment_problems_get_a_clear_answer(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.tap("🛣")
    await ivan.send("Яма на дороге у моста, опасно ездить")
    await ivan.send_photo(size=25 * 1024 * 1024)
    assert ivan.last_text == "Этот файл больше 20 МБ, его нельзя принять. Отправьте файл поменьше."
    for _ in range(3):
        await ivan.send_photo()
    assert ivan.last_text.startswith("📷 Добавлено фото 3 из 3.")
    await ivan.send_photo()
    assert ivan.last_text == "Можно приложить не больше 3 фото. Нажмите «Далее», чтобы продолжить."
    wrong = "Приложить можно только фото, голосовое сообщение или геопозицию"
    await ivan.send_sticker()
    assert ivan.last_text.startswith(wrong)
    await ivan.send_document()
    assert ivan.last_text.startswith(wrong)
    await send_raw(bot, ivan, video=VIDEO)
    assert ivan.last_text.startswith(wrong)
    await send_raw(bot, ivan, voice={"file_id": "v", "file_unique_id": "v", "duration": 900,
                                     "file_size": 30 * 1024 * 1024})  # fmt: skip
    assert ivan.last_text.startswith("Этот файл больше 20 МБ")
    await ivan.send("и ещё добавлю")
    assert ivan.last_text.startswith("Текст уже сохранён, изменить его можно на шаге проверки")
    await ivan.tap("Далее")
    await ivan.tap("✅ Отправить")
    appeal = await latest(bot)
    assert len(appeal.photos) == 3 and appeal.voice_file_id is None


async def test_a_voice_note_alone_is_a_complaint(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Staff", "ru", started=True)
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.tap("🔥")
    await ivan.send_voice()  # instead of words: it will do on its own
    assert ivan.last_text.startswith("🎤 Голосовое сообщение сохранено: его достаточно.")
    await ivan.tap("Далее")
    assert "🎤 (голосовое сообщение без текста)" in ivan.last_text
    await ivan.tap("✅ Отправить")
    appeal = await latest(bot)
    assert (appeal.text, appeal.category) == ("", "heating")
    assert appeal.voice_file_id is not None and appeal.voice_file_id.startswith("voice-1102")
    await staff_told(bot)
    assert staff.last_text.endswith("🎤 (мәтінсіз дауыстық хабар)")  # the staff notice, in kk


async def test_a_second_voice_only_complaint_is_not_a_repeat(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    for _ in range(2):
        await ivan.send("/complaint")
        await ivan.tap("🔥")
        await ivan.send_voice()
        await ivan.tap("Далее")
        await ivan.tap("✅ Отправить")
        assert "зарегистрирована под номером" in ivan.last_text


async def test_two_words_are_a_complaint(bot: Harness) -> None:
    aigerim = await resident(bot, 1101, "Айгерім", "kk")
    await aigerim.send("/complaint")
    await aigerim.tap("⚡")
    await aigerim.send("жарық жоқ")
    await aigerim.tap("Әрі қарай")
    await aigerim.tap("✅ Жіберу")
    appeal = await latest(bot)
    assert (appeal.text, appeal.category) == ("жарық жоқ", "energy")


async def test_the_same_text_twice_within_a_day_is_refused(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    await ivan.send("/complaint")
    await ivan.tap("💧")
    await ivan.send("нет воды в колонке на улице Ленина!")
    assert ivan.last_text.startswith("Вы уже отправляли этот текст за последние 24 часа.")
    assert (await latest(bot)).number.endswith("-00001")


async def test_the_daily_limit_stops_a_flood(tmp_path: Path) -> None:
    settings: Settings = make_settings(tmp_path, appeals_per_day=2)
    await seed(settings)
    async with Harness(settings) as bot:
        ivan = await resident(bot, 1102, "Иван", "ru")
        await file_complaint(ivan, "Первая жалоба про дорогу у школы")
        await file_complaint(ivan, "Вторая жалоба про воду в колонке")
        await ivan.send("/complaint")
        assert ivan.last_text == "Вы достигли дневного лимита обращений (2). Попробуйте завтра."
        assert "reply_markup" not in ivan.messages[-1]
        row = await services(bot).db.fetch_one("SELECT COUNT(*) FROM appeals")
        assert row is not None and row[0] == 2


async def test_only_a_resident_with_a_village_can_file(bot: Harness) -> None:
    dana = bot.user(1103, "Dana", "en")
    await dana.send("/complaint")
    assert dana.last_text == "First choose your village: /village"


async def test_cancel_leaves_at_any_step_and_forgets_the_draft(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.tap("🛣")
    await ivan.send("Яма на дороге у моста, опасно ездить")
    await ivan.send("/cancel")
    assert ivan.last_text == "Отменено. Ничего не изменено."
    assert await drafts.load(services(bot).db, 1102, "complaint") == {}
    await ivan.send("просто текст")  # the dialog is over: kept, and asked what it is
    assert ivan.last_text.startswith("Отправить это как жалобу или предложение?")
    await ivan.send("/suggestion")
    await ivan.tap("✖ Отмена")
    assert ivan.last_text == "Отменено. Ничего не изменено."


async def test_a_restart_in_the_middle_of_intake_continues_it(bot: Harness) -> None:
    aigerim = await resident(bot, 1101, "Айгерім", "kk")
    await aigerim.send("/complaint")
    await aigerim.tap("🌾")
    await bot.restart(crash=True)
    await aigerim.send("Жайылымға рұқсатсыз қоршау салынды")
    await aigerim.send_photo()
    await bot.restart(crash=True)
    await aigerim.tap("Әрі қарай")
    assert "Санаты: 🌾 Жер" in aigerim.last_text and "📷 1 фото" in aigerim.last_text
    await aigerim.tap("✅ Жіберу")
    appeal = await latest(bot)
    assert (appeal.category, appeal.text, len(appeal.photos)) == (
        "land", "Жайылымға рұқсатсыз қоршау салынды", 1,
    )  # fmt: skip


async def test_edit_from_the_summary_returns_to_the_summary(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.tap("🛣")
    await ivan.send("Яма на дороге у моста, опасно ездить")
    await ivan.tap("Далее")
    await ivan.tap("✏️ Изменить")
    await ivan.tap("Текст")
    await ivan.send("Две ямы на дороге у моста, опасно ездить")
    assert ivan.last_text.startswith("Проверьте жалобу:")
    await ivan.tap("✏️ Изменить")
    await ivan.tap("Категорию")
    await ivan.tap("🚌")
    assert "Категория: 🚌 Транспорт" in ivan.last_text
    assert "Две ямы на дороге" in ivan.last_text
    await ivan.tap("✅ Отправить")
    appeal = await latest(bot)
    assert appeal.category == "transport"
    assert appeal.text == "Две ямы на дороге у моста, опасно ездить"


async def test_staff_covering_the_village_are_told_once_each(bot: Harness) -> None:
    for staff_id in (STAFF_ID, OTHER_STAFF_ID, ADMIN_ID):
        await bot.user(staff_id, "Staff", "ru").send("/menu")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    await staff_told(bot)
    told = [c.params["chat_id"] for c in bot.sim.calls_to("sendMessage")
            if str(c.params["text"]).startswith(("📥 Жаңа", "📥 Новое"))]  # fmt: skip
    assert told == [STAFF_ID]


async def test_a_repeat_found_only_at_sending_ends_the_dialog_with_a_clear_answer(
    bot: Harness,
) -> None:
    from bot.appeals import service as appeals
    from storage import people

    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.tap("💧")
    await ivan.send("Нет воды в колонке на улице Ленина")
    await ivan.tap("Далее")
    person = await people.get_by_telegram_id(services(bot).db, 1102)
    assert person is not None  # meanwhile the same text arrived from his other phone
    draft = appeals.IntakeDraft(category="water", text="Нет воды в колонке на улице Ленина")
    await appeals.submit(services(bot), bot.app.bot, person, draft)
    await ivan.tap("✅ Отправить")
    assert ivan.last_text.startswith("Вы уже отправляли этот текст за последние 24 часа.")
    assert await drafts.load(services(bot).db, 1102, "complaint") == {}
    row = await services(bot).db.fetch_one("SELECT COUNT(*) FROM appeals")
    assert row is not None and row[0] == 1
