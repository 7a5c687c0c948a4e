"""Questions asked before a meeting: their own kind in the inbox, linked to the meeting, by
theme, due when it starts (its day), answered together in one message after it."""

from __future__ import annotations

from datetime import timedelta

from bot.simulator import Harness
from storage import appeals, hearings
from tests.appeal_helpers import staff_told
from tests.conftest import STAFF_ID
from tests.meeting_helpers import (
    ALMATY,
    MOLODEZHNY,
    OSAKAROVKA,
    announce,
    begin,
    db_of,
    join,
    settings,  # noqa: F401 (the fixture)
)


async def ask(bot: Harness, user_id: int, hearing_id: int, theme: str | None, text: str) -> None:
    user = bot.user(user_id, f"R{user_id}")
    await user.tap_data(f"v1:hr:ask:{hearing_id}")
    if theme is not None:
        await user.tap_data(f"v1:hr:qt:{theme}")
    await user.send(text)


async def questions(bot: Harness, hearing_id: int) -> list[tuple[str, str, str]]:
    rows = await db_of(bot).fetch_all(
        "SELECT category, status, due_on FROM appeals WHERE hearing_id = ? AND kind = 'question' "
        "ORDER BY id",
        (hearing_id,),
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def test_a_question_has_a_theme_is_due_at_the_meeting_and_names_it(bot: Harness) -> None:
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/menu")
    hearing = await announce(bot, "report", staff=staff, topic="Отчёт акима за 2026 год", days=40)
    await ivan.tap("❓ Задать вопрос")
    assert "Сначала выберите тему или просто напишите" in ivan.last_text
    await ivan.tap("💧")
    assert "\n\nТема: 💧 Водоснабжение. Теперь напишите вопрос" in ivan.last_text
    assert not any("💧" in label for label in ivan.button_labels())  # themes gave way
    await ivan.send("Когда в селе будет круглосуточная вода?")
    day = hearing.starts_at.astimezone(ALMATY).date()
    assert ivan.last_text.startswith("✅ Ваш вопрос зарегистрирован под номером #")
    assert "На него ответят на встрече" in ivan.last_text
    # Due on the meeting's day, 40 days away: not in 15 working days.
    assert await questions(bot, hearing.id) == [("water", "new", day.isoformat())]
    await staff_told(bot)
    notice = staff.last_text
    assert notice.startswith("📥 Новое: Вопрос #") and "💧" in notice
    assert "Вопрос заранее: Отчётная встреча акима с населением «Отчёт акима за 2026 год»" in notice


async def test_questions_are_their_own_kind_in_the_inbox(bot: Harness) -> None:
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    await join(bot, 103, MOLODEZHNY, "en")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/menu")
    hearing = await announce(bot, "report", staff=staff, topic="Akim's report")
    await ask(bot, 102, hearing.id, "roads", "When will the road to the school be repaired?")
    await ask(bot, 103, hearing.id, None, "Will the library open on Saturdays?")
    await ivan.send("/complaint")  # a complaint beside them, for contrast
    await ivan.tap("🛣")
    await ivan.send("A pothole by the bridge, dangerous to drive")
    await ivan.tap_data("v1:cmp:next")
    await ivan.tap_data("v1:cmp:send")
    await staff.send("/inbox")
    labels = staff.button_labels()
    assert "🆕 New (1)" in labels  # the complaint only
    assert "❓ Meeting questions (2)" in labels
    await staff.tap("❓ Meeting questions (2)")
    assert staff.last_text == "Meetings with questions asked in advance:"
    await staff.tap("Akim's report")
    overview = staff.last_text
    assert overview.startswith("❓ Questions asked in advance\nAkim's reporting meeting: «Akim's")
    assert "🛣 Roads · 1 · ✍️ no answer yet" in overview
    assert "📌 Other · 1 · ✍️ no answer yet" in overview
    assert "The answers can be sent once the meeting has begun." in overview


async def test_answers_go_out_together_in_one_message_after_the_meeting(bot: Harness) -> None:
    aigerim = await join(bot, 101, MOLODEZHNY, "kk")
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    dana = await join(bot, 103, MOLODEZHNY, "en")
    quiet = await join(bot, 104, MOLODEZHNY, "ru")  # asked nothing
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "report", staff=staff, topic="Akim's report")
    await ask(bot, 101, hearing.id, "roads", "Мектепке баратын жол қашан жөнделеді?")
    await ask(bot, 102, hearing.id, "roads", "Когда отремонтируют дорогу к школе?")
    await ask(bot, 102, hearing.id, "water", "Когда починят водонапорную башню?")
    await ask(bot, 103, hearing.id, "water", "Is the water tower to be fixed this year?")

    await staff.tap_data(f"v1:mt:qs:{hearing.id}")
    await staff.tap_data(f"v1:mt:qpub:{hearing.id}")  # before the start, and unanswered
    await staff.tap("✍️ 🛣 Roads · 2")
    assert "«Akim's report»" in staff.last_text and "Когда отремонтируют дорогу" in staff.last_text
    await staff.tap("✍️ Answer these questions")
    await staff.send("The road to the school is repaired in May 2027 from the village budget.")
    assert staff.last_text.startswith("🛣 Roads · 2 questions")
    assert "💬 Answer:\nThe road to the school is repaired in May 2027" in staff.last_text
    await staff.tap_data(f"v1:mt:qt:{hearing.id}:water")
    await staff.tap("✍️ Answer these questions")
    await staff.send("The water tower is replaced in 2027; the tender is in March.")
    early = await staff.tap_data(f"v1:mt:qpub:{hearing.id}")
    assert early is not None and early["text"] == (
        "The answers can be sent once the meeting has begun."
    )

    await begin(bot, hearing)
    sent_before = len(bot.sim.calls_to("sendMessage"))
    await staff.tap_data(f"v1:mt:qs:{hearing.id}")
    await staff.tap("📤 Send the answers")
    assert staff.texts[-2].startswith("💬 Answers to the questions asked in advance")
    await staff.tap("📤 To those who asked (3)")
    await bot.broadcasts_finished()

    answers = [
        c.params for c in bot.sim.calls_to("sendMessage")[sent_before:]
        if c.params["text"].startswith("💬") and c.params["chat_id"] != STAFF_ID
    ]  # fmt: skip
    assert sorted(p["chat_id"] for p in answers) == [101, 102, 103]  # one message each
    assert ivan.last_text.startswith("💬 Ответы на вопросы, заданные заранее\n")
    assert "🛣 Дороги · 2 вопроса\nThe road to the school is repaired in May 2027" in ivan.last_text
    assert "💧 Водоснабжение · 2 вопроса\nThe water tower is replaced in 2027" in ivan.last_text
    assert aigerim.last_text.startswith("💬 Алдын ала қойылған сұрақтарға жауаптар")
    assert dana.last_text.startswith("💬 Answers to the questions asked in advance")
    assert not any(t.startswith("💬") for t in quiet.texts)
    assert {s for _, s, _ in await questions(bot, hearing.id)} == {"answered"}
    first = await db_of(bot).fetch_one(
        "SELECT id FROM appeals WHERE hearing_id = ? ORDER BY id", (hearing.id,)
    )
    assert first is not None
    history = await appeals.history(db_of(bot), first[0])
    assert history[-1].action == "answered"
    assert history[-1].note is not None and history[-1].note.startswith("The road to the school")
    again = await staff.tap_data(f"v1:mt:qsend:{hearing.id}:a")
    assert again is not None and again["text"] == "The answers have already gone out."
    stored = await hearings.get(db_of(bot), hearing.id)
    assert stored is not None and stored.answers_sent_at is not None


async def test_answers_may_also_go_to_every_resident_after_those_who_asked(bot: Harness) -> None:
    await join(bot, 102, MOLODEZHNY, "ru")
    quiet = await join(bot, 104, MOLODEZHNY, "ru")
    elsewhere = await join(bot, 105, OSAKAROVKA, "ru")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "report", staff=staff, topic="Akim's report")
    await ask(bot, 102, hearing.id, "roads", "Когда отремонтируют дорогу к школе?")
    await staff.tap_data(f"v1:mt:qt:{hearing.id}:roads")
    await staff.tap("✍️ Answer these questions")
    await staff.send("In May 2027.")
    await begin(bot, hearing, timedelta(minutes=30))
    sent_before = len(bot.sim.calls_to("sendMessage"))
    await staff.tap_data(f"v1:mt:qpub:{hearing.id}")
    await staff.tap("📤 Also all residents (2)")
    await bot.broadcasts_finished()
    order = [
        c.params["chat_id"] for c in bot.sim.calls_to("sendMessage")[sent_before:]
        if c.params["text"].startswith("💬") and c.params["chat_id"] != STAFF_ID
    ]  # fmt: skip
    assert order == [102, 104]  # the one who asked first, then the rest, each once
    assert quiet.last_text.startswith("💬 Ответы на вопросы")
    assert not any(t.startswith("💬") for t in elsewhere.texts)


async def test_a_question_whose_resident_erased_their_data_shows_no_text(bot: Harness) -> None:
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "report", staff=staff, topic="Akim's report")
    await ask(bot, 102, hearing.id, "roads", "Когда отремонтируют дорогу к школе?")
    await ivan.send("/deletedata")
    await ivan.tap("Да, удалить")
    await staff.tap_data(f"v1:mt:qs:{hearing.id}")
    await staff.tap("✍️ 🛣 Roads · 1")
    assert "removed at the resident's request" in staff.last_text
    assert "Когда отремонтируют дорогу" not in staff.last_text
