"""Typed answers understood at every choice step, and the reply menu under the input field.

A resident who types instead of tapping: language names, a village's name at any step of the
picker (kk/ru/en, Cyrillic or Latin, small typos, then confirmed), option numbers, «артқа /
назад / back», «көмек / помощь / help», «иә / жоқ / да / нет / yes / no».
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import typed
from bot.simulator import Harness
from bot.typed import Word
from storage import appeals as appeals_repo
from storage import drafts, hearings, people
from storage.db import utcnow
from storage.hearings import NewHearing
from tests.appeal_helpers import file_complaint, latest, resident, services
from tests.conftest import STAFF_ID
from tests.poll_helpers import MOLODEZHNY, announce, stored_votes

# --- the words themselves ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "meaning"),
    [
        ("артқа", Word.BACK), ("Назад", Word.BACK), ("back", Word.BACK), ("кері", Word.BACK),
        ("көмек", Word.HELP), ("Помощь!", Word.HELP), ("help", Word.HELP), ("?", Word.HELP),
        ("иә", Word.YES), ("Иа", Word.YES), ("да", Word.YES), ("Yes.", Word.YES),
        ("жоқ", Word.NO), ("жок", Word.NO), ("ZHOQ", Word.NO), ("нет", Word.NO), ("no", Word.NO),
        ("Қатысамын", Word.COME), ("приду", Word.COME), ("келесі", Word.NEXT),
        ("Дана", None), ("жарық жоқ", None), ("2", None),
    ],
)  # fmt: skip
def test_words_in_any_of_the_three_languages(text: str, meaning: Word | None) -> None:
    assert typed.word(text) is meaning


def test_language_names_numbers_and_meaning() -> None:
    names = ("қазақша", "Русский", "орысша", "english", "Казахский")
    assert [typed.language(t) for t in names] == ["kk", "ru", "ru", "en", "kk"]
    assert typed.numbers("2") == [2] and typed.numbers("№ 3.") == [3]
    assert typed.numbers("1, 3") == [1, 3] and typed.numbers("1 и 3") == [1, 3]
    assert typed.numbers("2 жарық") is None and typed.numbers("12", maximum=10) is None
    assert typed.meaningful("жарық жоқ") and typed.meaningful("нет воды")
    assert (
        not typed.meaningful("ж") and not typed.meaningful("Жарық") and not typed.meaningful("а б")
    )


@pytest.mark.parametrize(
    ("typed_name", "found"),
    [
        ("нура", "Нұра"), ("NURA", "Нұра"), ("Нұра ауылы", "Нұра"), ("село Нура", "Нұра"),
        ("Zhetybai", "Жетібай"), ("jetibay", "Жетібай"), ("Жетыбай", "Жетібай"),
        ("Осакаровко", "Осакаровка"), ("Katon-Karagai", "Катонқарағай"),
        ("Мойнты", "Мойынты"), ("Kurshim", "Күршім"),
    ],
)  # fmt: skip
def test_village_names_across_scripts_and_small_typos(typed_name: str, found: str) -> None:
    names = [
        ("Нұра", "Нура", "Nura"), ("Жетібай", "Жетыбай", "Zhetybai"),
        ("Осакаровка", "Осакаровка", "Osakarovka"),
        ("Катонқарағай", "Катон-Карагай", "Katonkaragay"),
        ("Мойынты", "Мойынты", "Moiynty"), ("Күршім", "Курчум", "Kurchum"),
    ]  # fmt: skip
    assert [n[0] for n in typed.search(typed_name, names, lambda n: n)] == [found]


def test_the_state_language_staff_wrote_in() -> None:
    assert typed.written_in("Жол жөндеу туралы тыңдау", "ru") == "kk"
    assert typed.written_in("Ремонт дороги по улице Абая", "kk") == "ru"
    assert typed.written_in("Дом культуры", "kk") == "ru"
    assert typed.written_in("Road repair", "ru") == "ru"  # no sign: the staff's own language


# --- onboarding ----------------------------------------------------------------------------


async def test_a_language_typed_at_the_language_step(bot: Harness) -> None:
    user = bot.user(1201, "Otabek", "uz")
    await user.send("/start")
    await user.send("русский")
    assert user.last_text == "Выберите область:"
    stored = await people.get_by_telegram_id(services(bot).db, 1201)
    assert stored is not None and stored.language == "ru"


async def test_a_village_typed_at_any_step_of_the_picker_then_confirmed(bot: Harness) -> None:
    user = bot.user(1202, "Dana", "en")
    await user.send("/start")
    await user.send("english")
    await user.tap("Karaganda Region")  # at the district step she types a village of elsewhere
    await user.send("zhetybay")
    assert user.last_text == "Is this your village: Zhetybai (Karakiya District, Mangystau Region)?"
    await user.send("yes")
    stored = await people.get_by_telegram_id(services(bot).db, 1202)
    assert stored is not None and stored.village_code == "mng-karakiya-zhetybai"


async def test_several_villages_found_are_numbered(bot: Harness) -> None:
    user = bot.user(1203, "Иван", "ru")
    await user.send("/start")
    await user.send("Русский")
    await user.send("аксу")
    assert user.last_text == "Какое из них ваше? Нажмите или напишите номер:"
    labels = user.button_labels()
    assert labels[0].startswith("1. ") and labels[1].startswith("2. ")
    chosen = labels[1].split(". ", 1)[1].split(",")[0]  # «2. Аксу-Аюлы, Шетский район»
    await user.send("2")
    assert f"Ваше село: {chosen}" in user.last_text


async def test_back_and_help_at_the_picker(bot: Harness) -> None:
    user = bot.user(1204, "Айгерім", "kk")
    await user.send("/start")
    await user.send("қазақша")
    await user.tap("Қарағанды облысы")
    await user.tap("Осакаров ауданы")
    await user.send("артқа")  # the villages: back to the districts
    assert "Ауданыңызды таңдаңыз" in user.last_text
    await user.send("артқа")  # back to the regions
    assert user.last_text == "Облысыңызды таңдаңыз:"
    await user.send("көмек")
    assert user.last_text.startswith("Облысты, ауданды және ауылды басыңыз")
    await user.send("назад")  # back to the languages
    assert "Тілді таңдаңыз" in user.last_text
    await user.send("кемек")  # a typo of «көмек»: not a word, not a language
    assert user.last_text.startswith("Тілді басыңыз немесе атын жазыңыз")


# --- outside any dialog --------------------------------------------------------------------


async def test_a_language_typed_outside_a_dialog_changes_the_reply_menu(bot: Harness) -> None:
    ivan = await resident(bot, 1205, "Иван", "ru")
    assert ivan.reply_keyboard[0]["text"] == "📝 Жалоба"
    await ivan.send("қазақша")
    assert ivan.last_text == "Тіл: қазақша."
    assert [b["text"] for b in ivan.reply_keyboard][:2] == ["📝 Шағым", "🏛 Жиындар"]


async def test_help_and_back_outside_a_dialog(bot: Harness) -> None:
    ivan = await resident(bot, 1206, "Иван", "ru")
    await ivan.send("помощь")
    assert ivan.last_text.startswith("Qatysu помогает участвовать в решениях своего села.")
    await ivan.send("назад")
    assert ivan.last_text == "Что вы хотите сделать?"
    assert "🏡 Моё село" in ivan.button_labels()


async def test_yes_and_no_to_a_move(bot: Harness) -> None:
    ivan = await resident(bot, 1207, "Иван", "ru")
    await ivan.send("/start v_krg-nura-nura")  # another village's link: asked first
    assert ivan.last_text.startswith("Ваше село в Qatysu: Осакаровка")
    await ivan.send("нет")
    assert ivan.last_text == "Ничего не изменилось: ваше село — Осакаровка."
    await ivan.send("/start v_krg-nura-nura")
    await ivan.send("да")
    stored = await people.get_by_telegram_id(services(bot).db, 1207)
    assert stored is not None and stored.village_code == "krg-nura-nura"


async def test_an_option_number_votes_after_a_confirmation(bot: Harness) -> None:
    (ivan,) = [await resident(bot, 1208, "Иван", "ru", MOLODEZHNY)]
    poll = await announce(bot)
    await ivan.send("2")
    assert ivan.last_text == (
        "«Что ремонтировать в первую очередь?»\nВаш выбор: Водопровод. Голосовать?"
    )
    assert await stored_votes(bot, poll) == []
    await ivan.send("да")
    assert "Ваш голос: Водопровод" in ivan.last_text
    person = await people.get_by_telegram_id(services(bot).db, 1208)
    assert person is not None and await stored_votes(bot, poll) == [(person.id, 0b10)]
    await ivan.send("3")  # nothing left to vote in
    assert ivan.last_text.startswith("Открытых опросов, в которых вы ещё не голосовали, нет.")


async def test_an_option_number_out_of_range_and_the_vote_button(bot: Harness) -> None:
    ivan = await resident(bot, 1209, "Иван", "ru", MOLODEZHNY)
    poll = await announce(bot)
    await ivan.send("7")
    assert ivan.last_text == "Напишите номер варианта: от 1 до 3."
    await ivan.send("1")
    await ivan.tap("✅ Голосовать")
    assert "Ваш голос: Дорога до школы" in ivan.last_text
    assert len(await stored_votes(bot, poll)) == 1


async def hearing_in(bot: Harness, village: str, topic: str) -> int:
    new = NewHearing(
        topic=topic, starts_at=utcnow().replace(microsecond=0) + timedelta(days=2),
        place="Мәдениет үйі", agenda="1. Жол", village_codes=(village,), created_by=STAFF_ID,
    )  # fmt: skip
    return (await hearings.create(services(bot).db, new)).id


async def test_yes_typed_says_i_will_come_to_the_next_hearing(bot: Harness) -> None:
    aigerim = await resident(bot, 1210, "Айгерім", "kk", MOLODEZHNY)
    first = await hearing_in(bot, MOLODEZHNY, "Жергілікті бюджет")
    await aigerim.send("иә")
    assert aigerim.last_text.startswith(
        "✅ Белгіленді: сіз «Жергілікті бюджет» тыңдауына қатысасыз"
    )
    person = await people.get_by_telegram_id(services(bot).db, 1210)
    assert person is not None and await hearings.is_coming(services(bot).db, first, person.id)
    await hearing_in(bot, MOLODEZHNY, "Жол жөндеу")
    second = await hearing_in(bot, MOLODEZHNY, "Су құбыры")
    await aigerim.send("Қатысамын")  # two wait for an answer: which?
    assert aigerim.last_text == "Қай тыңдауға қатысасыз? Басыңыз немесе нөмірін жазыңыз:"
    await aigerim.send("2")
    assert await hearings.is_coming(services(bot).db, second, person.id)


# --- in the complaint dialog ----------------------------------------------------------------


async def test_back_help_next_and_yes_in_the_complaint_dialog(bot: Harness) -> None:
    ivan = await resident(bot, 1211, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.send("помощь")
    assert ivan.last_text.startswith("Нажмите категорию или напишите её название или номер")
    await ivan.send("водоснабжения")  # a category by its name (a small typo)
    assert ivan.last_text.startswith("Опишите проблему в нескольких словах")
    await ivan.send("назад")
    assert ivan.last_text.startswith("О чём ваша жалоба? Выберите категорию:")
    await ivan.send("2")
    await ivan.send("Нет воды в колонке")
    await ivan.send("далее")
    assert ivan.last_text.startswith("Проверьте жалобу:\nКатегория: 💧 Водоснабжение")
    await ivan.send("назад")
    assert "фото" in ivan.last_text
    await ivan.send("дальше")
    await ivan.send("да")
    appeal = await latest(bot)
    assert (appeal.category, appeal.text) == ("water", "Нет воды в колонке")


# --- the reply menu ---------------------------------------------------------------------------


async def test_reply_menu_presses_work_inside_a_dialog(bot: Harness) -> None:
    ivan = await resident(bot, 1212, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.tap("🛣")
    await ivan.press("Слушания")  # not taken as the complaint's text
    assert "пока ничего не запланировано" in ivan.last_text  # the meetings, not his text
    await ivan.press("Опросы")
    assert "Опросы" in ivan.last_text or "опрос" in ivan.last_text
    await ivan.send("Яма на дороге у моста")  # the dialog went on
    assert "фото" in ivan.last_text
    await ivan.press("Жалоба")  # its own entry: start over?
    assert ivan.last_text == "Начать заново? Всё, что вы уже ввели, будет потеряно."
    await ivan.press("Меню")
    assert "🏡 Моё село" in ivan.button_labels()


async def test_yes_and_no_to_delete_my_data(bot: Harness) -> None:
    ivan = await resident(bot, 1213, "Иван", "ru")
    await ivan.send("/deletedata")
    await ivan.send("нет")
    assert ivan.last_text.startswith("Ничего не удалено")
    await ivan.send("/deletedata")
    await ivan.send("да")
    assert ivan.last_text.startswith("Ваши данные удалены")
    stored = await people.get_by_telegram_id(services(bot).db, 1213)
    assert stored is None


async def test_no_typed_to_was_it_solved_reopens_the_item(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru", started=True)
    ivan = await resident(bot, 1214, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:res:{appeal.id}")
    await staff.send("Колонку починили.")
    assert ivan.button_labels() == ["👍 Да, решено", "👎 Нет, не решено"]
    await ivan.send("нет")
    reopened = await appeals_repo.get(services(bot).db, appeal.id)
    assert reopened is not None and reopened.status.value == "in_progress"


async def test_staff_without_a_village_are_not_taken_to_choose_one(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("Осакаровка")
    assert staff.last_text == "Не удалось понять сообщение. Выберите в меню:"
    await staff.send_voice()
    assert staff.last_text == "Не удалось понять сообщение. Выберите в меню:"
    assert await drafts.load(services(bot).db, STAFF_ID, "loose") == {}
