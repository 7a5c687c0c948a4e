"""Anything a resident sends outside a dialog is kept: words and voice notes become a draft,
asked about, and a complaint or a suggestion on ✅ (or a typed «иә»); nothing is lost."""

from __future__ import annotations

from bot.simulator import Harness
from storage import drafts
from storage.appeals import Kind
from tests.appeal_helpers import latest, resident, services

NO_LIGHT = "жарық жоқ"


async def test_free_text_outside_a_dialog_becomes_a_draft_and_a_complaint(bot: Harness) -> None:
    aigerim = await resident(bot, 1101, "Айгерім", "kk")
    await aigerim.send(NO_LIGHT)  # outside any dialog
    assert aigerim.last_text.startswith("Мұны шағым немесе ұсыныс ретінде жіберейін бе?")
    assert aigerim.button_labels() == ["✅ Шағым", "💡 Ұсыныс", "✖ Жоқ"]
    db = services(bot).db
    assert await drafts.load(db, 1101, "loose") == {"text": NO_LIGHT}  # kept meanwhile
    await aigerim.tap("✅ Шағым")
    assert aigerim.last_text.startswith("Шағымыңыз не туралы? Санатын таңдаңыз:")
    await aigerim.tap("⚡")  # the words are there: straight to the summary
    assert aigerim.last_text.startswith("Шағымыңызды тексеріңіз:\nСанаты: ⚡ Электр және газ")
    assert NO_LIGHT in aigerim.last_text
    await aigerim.tap("✅ Жіберу")
    appeal = await latest(bot)
    assert (appeal.kind, appeal.category, appeal.text) == (Kind.COMPLAINT, "energy", NO_LIGHT)
    assert await drafts.load(db, 1101, "loose") == {}


async def test_a_voice_note_outside_a_dialog_becomes_a_suggestion(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send_voice()
    assert ivan.last_text.startswith("Отправить это как жалобу или предложение?")
    await ivan.tap("💡 Предложение")
    await ivan.tap("🚌")
    assert "🎤 (голосовое сообщение без текста)" in ivan.last_text
    await ivan.tap("✅ Отправить")
    appeal = await latest(bot)
    assert (appeal.kind, appeal.category, appeal.text) == (Kind.SUGGESTION, "transport", "")
    assert appeal.voice_file_id is not None


async def test_the_kept_words_survive_a_restart_and_more_words_join_them(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("Нет света на улице Абая")
    await bot.restart(crash=True)
    await ivan.send("уже третий день")  # joins the words kept before
    await ivan.send("да")  # typed instead of ✅: a complaint
    await ivan.send("4")  # the category by its number (the fourth shown: heating)
    assert ivan.last_text.startswith("Проверьте жалобу:")
    await ivan.send("да")  # sent
    appeal = await latest(bot)
    assert appeal.text == "Нет света на улице Абая\nуже третий день"
    assert appeal.category == "heating"


async def test_no_forgets_the_kept_words(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("Нет света на улице Абая")
    await ivan.tap("✖ Нет")
    assert ivan.last_text == "Не отправлено и удалено."
    assert await drafts.load(services(bot).db, 1102, "loose") == {}
    await ivan.send("Нет воды у школы")
    await ivan.send("нет")  # typed works the same
    assert ivan.last_text == "Не отправлено и удалено."


async def test_a_stray_character_is_not_kept(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("ж")
    assert ivan.last_text == "Не удалось понять сообщение. Выберите в меню:"
    assert await drafts.load(services(bot).db, 1102, "loose") == {}


async def test_words_before_joining_are_kept_until_the_village_is_chosen(bot: Harness) -> None:
    newcomer = bot.user(1103, "Жанар", "kk")
    await newcomer.send("Көшеде жарық жоқ")
    assert newcomer.texts[-2] == "Алдымен ауылыңызды таңдаңыз: жазғаныңыз сақталды."
    assert newcomer.last_text == "Облысыңызды таңдаңыз:"
    await newcomer.tap("Қарағанды облысы")
    await newcomer.tap("Осакаров ауданы")
    await newcomer.tap("Осакаровка")
    assert newcomer.last_text.startswith("Мұны шағым немесе ұсыныс ретінде жіберейін бе?")
    await newcomer.send("иә")
    await newcomer.send("жол")  # a category by its name
    await newcomer.send("иә")
    appeal = await latest(bot)
    assert (appeal.text, appeal.category) == ("Көшеде жарық жоқ", "roads")
