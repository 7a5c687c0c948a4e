"""Cancelling and postponing a meeting: a reason and the new time, those who said "I will
come" told first; a cancellation closes the questions asked in advance and tells who asked."""

from __future__ import annotations

from datetime import timedelta

from bot.simulator import Harness
from storage import appeals, hearings
from storage.db import utcnow
from tests.conftest import STAFF_ID
from tests.meeting_helpers import (
    ALMATY,
    MOLODEZHNY,
    announce,
    db_of,
    join,
    settings,  # noqa: F401 (the fixture)
)


def notices_to_residents(bot: Harness, since: int, mark: str) -> list[int]:
    """The chats that got a message starting with ``mark`` since call ``since``, in order."""
    return [
        c.params["chat_id"] for c in bot.sim.calls_to("sendMessage")[since:]
        if c.params["text"].startswith(mark) and c.params["chat_id"] != STAFF_ID
    ]  # fmt: skip


async def test_cancelling_tells_those_coming_first_with_the_reason(bot: Harness) -> None:
    dana = await join(bot, 101, MOLODEZHNY, "en")  # joined first: first in any plain order
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    aigerim = await join(bot, 103, MOLODEZHNY, "kk")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "gathering", staff=staff, topic="Бөлек жиын")
    await aigerim.tap("✋ Қатысамын")
    await ivan.tap("❓ Задать вопрос")
    await ivan.send("Кого выдвигаем на собрание местного сообщества?")
    sent_before = len(bot.sim.calls_to("sendMessage"))

    await staff.tap_data(f"v1:ha:open:{hearing.id}")
    await staff.tap("⛔ Cancel the meeting")
    assert staff.last_text.startswith("Why is it cancelled?")
    await staff.send("The club has no heating")
    preview = staff.texts[-2]
    assert preview.startswith("⛔ Cancelled: Separate village gathering\n«Бөлек жиын»")
    assert preview.endswith("💬 Reason: The club has no heating")
    await staff.tap("⛔ Yes, cancel it")
    await bot.broadcasts_finished()

    assert notices_to_residents(bot, sent_before, "⛔") == [103, 101, 102]  # the one coming first
    assert aigerim.last_text.startswith("⛔ Ауыл тұрғындарының бөлек жиыны өтпейді\n«Бөлек жиын»")
    assert "💬 Себебі: The club has no heating" in aigerim.last_text
    assert aigerim.last_text.endswith(
        "✋ Сіз қатысатыныңызды айтқансыз, сондықтан алдымен сізге хабарлаймыз."
    )
    assert dana.last_text.startswith("⛔ Cancelled: Separate village gathering")
    assert "✋" not in dana.last_text
    # Ivan asked a question: he is told it is closed, with the reason, after the cancellation.
    assert ivan.texts[-2].startswith("⛔ Отмена: Раздельный сход жителей села")
    assert ivan.last_text.startswith("❓ На ваш вопрос, заданный заранее, на встрече не ответят")
    assert "💬 Причина: The club has no heating" in ivan.last_text
    row = await db_of(bot).fetch_one(
        "SELECT id, status FROM appeals WHERE hearing_id = ?", (hearing.id,)
    )
    assert row is not None and row[1] == "rejected"
    history = await appeals.history(db_of(bot), row[0])
    assert (history[-1].action, history[-1].note) == (
        "meeting_cancelled", "The club has no heating",
    )  # fmt: skip
    stored = await hearings.get(db_of(bot), hearing.id)
    assert stored is not None and (stored.status, stored.reason) == (
        "cancelled", "The club has no heating",
    )  # fmt: skip
    answer = await ivan.tap_data(f"v1:hr:go:{hearing.id}")
    assert answer is not None and answer["text"] == "Это мероприятие отменено."


async def test_postponing_carries_the_reason_the_new_time_and_moves_questions(
    bot: Harness,
) -> None:
    dana = await join(bot, 101, MOLODEZHNY, "en")
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "report", staff=staff, topic="Akim's report")
    await ivan.tap("✋ Приду")
    await dana.tap("❓ Ask a question")
    await dana.send("Will the library open on Saturdays?")
    await db_of(bot).execute_write(  # a reminder went out already; the new time re-arms it
        "INSERT INTO hearing_reminders (hearing_id, offset_minutes, claimed_at) "
        "VALUES (?, 1440, ?)",
        (hearing.id, "2026-01-01T00:00:00+00:00"),
    )
    sent_before = len(bot.sim.calls_to("sendMessage"))
    new_day = utcnow().astimezone(ALMATY) + timedelta(days=9)

    await staff.tap_data(f"v1:ha:open:{hearing.id}")
    await staff.tap("⏩ Postpone")
    await staff.send(new_day.strftime("%d.%m.%Y"))
    await staff.send("11:00")
    assert staff.last_text.startswith("Why is it moved?")
    await staff.send("The akim is called to the regional session")
    assert staff.texts[-2].startswith("⏩ Postponed: Akim's reporting meeting\n«Akim's report»")
    await staff.tap("📤 Send")
    await bot.broadcasts_finished()

    assert notices_to_residents(bot, sent_before, "⏩") == [102, 101]  # the one coming first
    text = ivan.last_text
    assert text.startswith("⏩ Перенос: Отчётная встреча акима с населением\n«Akim's report»")
    assert "🗓 Новое время: " in text and "11:00" in text
    assert "✖️ Вместо: " in text and "18:00" in text
    assert "💬 Причина: The akim is called to the regional session" in text
    assert text.endswith("✋ Вы собирались прийти, поэтому сообщаем вам первыми.")
    assert ivan.button_labels()[0] == "✋ Приду"  # the buttons come with it
    stored = await hearings.get(db_of(bot), hearing.id)
    assert stored is not None and stored.status == "scheduled"
    assert stored.starts_at.astimezone(ALMATY).date() == new_day.date()
    assert stored.postponed_from == hearing.starts_at and stored.postponements == 1
    due = await db_of(bot).fetch_one(
        "SELECT due_on FROM appeals WHERE hearing_id = ?", (hearing.id,)
    )
    assert due is not None and due[0] == new_day.date().isoformat()  # the question moved with it
    reminders = await db_of(bot).fetch_all(
        "SELECT 1 FROM hearing_reminders WHERE hearing_id = ?", (hearing.id,)
    )
    assert reminders == []
