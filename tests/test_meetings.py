"""Meetings of local self-government: each kind announced in its own words, in each language;
/newhearing still announces a public hearing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.hearings.reminders import send_due_reminders
from bot.simulator import Harness
from storage import hearings, meetings
from tests.conftest import STAFF_ID
from tests.meeting_helpers import (
    MOLODEZHNY,
    OSAKAROVKA,
    announce,
    begin,
    db_of,
    join,
    latest,
    services_of,
    settings,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.both_databases

# The first lines of each kind's notice, and a line only that kind's notice has, per language.
WORDS = {
    "hearing": {
        "kk": ("🏛 Қоғамдық тыңдау\n«", "📋 Күн тәртібі:"),
        "ru": ("🏛 Публичные слушания\n«", "📋 Повестка:"),
        "en": ("🏛 Public hearing\n«", "📋 Agenda:"),
    },
    "assembly": {
        "kk": ("🤝 Жергілікті қоғамдастық жиналысы\n«", "Шешімді жиналыс мүшелері қабылдайды"),
        "ru": ("🤝 Собрание местного сообщества\n«", "Решают члены собрания"),
        "en": ("🤝 Local community assembly\n«", "The members decide"),
    },
    "gathering": {
        "kk": ("👥 Ауыл тұрғындарының бөлек жиыны\n«", "жиынның ұсыныстары"),
        "ru": ("👥 Раздельный сход жителей села\n«", "предложения схода"),
        "en": ("👥 Separate village gathering\n«", "the gathering's proposals"),
    },
    "report": {
        "kk": ("🎤 Әкімнің халық алдындағы есеп беру кездесуі\n«", "әкім кездесуде жауап береді"),
        "ru": ("🎤 Отчётная встреча акима с населением\n«", "аким ответит на встрече"),
        "en": ("🎤 Akim's reporting meeting\n«", "the akim answers at the meeting"),
    },
}
LANGUAGES = {101: "kk", 102: "ru", 103: "en"}


@pytest.mark.parametrize("kind", list(WORDS))
async def test_each_kind_is_announced_in_its_own_words_in_each_language(
    bot: Harness, kind: str
) -> None:
    people = {uid: await join(bot, uid, MOLODEZHNY, lang) for uid, lang in LANGUAGES.items()}
    other = await join(bot, 104, OSAKAROVKA, "ru")
    hearing = await announce(bot, kind, topic="Бюджет 2027")

    assert hearing.kind == kind and hearing.village_codes == (MOLODEZHNY,)
    for uid, person in people.items():
        head, own = WORDS[kind][LANGUAGES[uid]]
        assert person.last_text.startswith(head + "Бюджет 2027»"), person.last_text
        assert own in person.last_text
        for other_kind, words in WORDS.items():  # no other kind's heading
            if other_kind != kind:
                assert words[LANGUAGES[uid]][0].split("\n")[0] not in person.last_text
    assert "Бюджет 2027" not in other.last_text
    stored_items = await meetings.items_of(db_of(bot), hearing.id)
    assert [i.title for i in stored_items] == (
        ["Жол жөндеу", "Су құбыры"] if kind == "assembly" else []
    )


async def test_assembly_notice_shows_members_and_quorum(bot: Harness) -> None:
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    await meetings.add_members(
        db_of(bot), MOLODEZHNY, ["Асқар Нұрланұлы", "Мария Иванова", "Ержан Б.", "Гүлнар С."], 1
    )
    await announce(bot, "assembly")
    assert "👥 4 члена собрания · кворум: 3\n" in ivan.last_text


async def test_newhearing_still_announces_a_public_hearing_and_offers_the_other_kinds(
    bot: Harness,
) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/newhearing")
    assert staff.last_text.startswith("What is the topic of the public hearing?")
    assert staff.button_labels() == ["🗂 Another kind of meeting"]
    await staff.tap("🗂 Another kind of meeting")
    assert staff.last_text.startswith("Which kind of meeting?")
    assert staff.button_labels() == [
        "🏛 Public hearing", "🤝 Community assembly", "👥 Village gathering", "🎤 Akim's report",
    ]  # fmt: skip
    await staff.tap("🎤 Akim's report")
    assert staff.last_text.startswith("🎤 Akim's reporting meeting\nWhat is its topic?")
    await staff.send("The akim's report for 2026")
    assert staff.last_text.startswith("Which day?")


async def test_an_assembly_agenda_is_one_item_per_line(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/newmeeting")
    await staff.tap("🤝 Community assembly")
    await staff.send("Priorities of the village for 2027")
    await staff.send("31.12.2099")
    await staff.send("18:00")
    await staff.send("Club")
    await staff.tap_data("v1:hn:nopin")
    assert staff.last_text.startswith("What is on the agenda? One item per line, at most 8 items")
    await staff.send("\n".join(f"{n}. Item {n}" for n in range(1, 10)))  # nine: too many
    assert staff.last_text.startswith("What is on the agenda? One item per line")
    await staff.send("1) Approve the priorities\n- Elect the chair")
    assert staff.last_text.startswith("Choose the villages")
    await staff.tap("Molodezhny")
    await staff.tap_data("v1:hn:vok")
    await staff.tap_data("v1:hn:send")
    hearing = await latest(bot)
    assert hearing.kind == "assembly"
    assert [i.title for i in await meetings.items_of(db_of(bot), hearing.id)] == [
        "Approve the priorities", "Elect the chair",
    ]  # fmt: skip


async def test_commands_menus_name_meetings_and_keep_the_old_commands(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/help")
    assert "/meetings — Upcoming meetings and hearings" in staff.last_text
    assert "/newmeeting — Announce a meeting or a hearing" in staff.last_text
    assert "/newhearing" not in staff.last_text
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    await announce(bot, "report", topic="Отчёт акима")
    for command in ("/meetings", "/hearings"):
        await ivan.send(command)
        assert ivan.last_text == "Ближайшие собрания и слушания, село Молодежный:"
        assert ivan.button_labels()[0].startswith("🎤 ")
    hearing = await latest(bot)
    assert (await hearings.get(db_of(bot), hearing.id)) is not None


async def test_reminders_and_outcomes_speak_of_the_kind(bot: Harness) -> None:
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "gathering", staff=staff, topic="Делегаты на собрание")
    await ivan.tap("✋ Приду")
    assert await send_due_reminders(services_of(bot), hearing.starts_at - timedelta(hours=2)) == 1
    await bot.broadcasts_finished()
    assert ivan.last_text.startswith(
        "⏰ Напоминание: Раздельный сход жителей села\n«Делегаты на собрание»"
    )
    assert any(
        t.startswith("⏰ Reminder of the meeting to those who will come") for t in staff.texts
    )
    started = await begin(bot, hearing)
    await staff.tap_data(f"v1:ha:outcome:{hearing.id}")
    await staff.send("37")
    await staff.send("Делегаты: Асқар Н., Мария И.")
    await staff.tap("📤 Send")
    await bot.broadcasts_finished()
    day = services_of(bot).i18n.get("ru").date(started)
    assert ivan.last_text == (
        f"📝 Итоги раздельного схода жителей села\n«Делегаты на собрание» ({day})\n"
        "Присутствовало жителей: 37\n\nРешения:\nДелегаты: Асқар Н., Мария И."
    )
