"""Files in broadcasts: uploaded once per language, reused by file id, text when refused.

Telegram takes a file field as a file id it issued, an http(s) URL or an upload; a local path
given as a string is refused. These tests read what the bot sent, call by call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.polls import service as polls
from bot.settings import Settings
from bot.simulator import Harness, SimUser
from bot.simulator.api import ApiCall, ApiError, Json
from bot.simulator.http import SimServer
from storage import people
from storage import polls as repo
from storage.db import utcnow
from storage.polls import NewPoll
from tests.conftest import STAFF_ID, make_settings, seed
from tests.poll_helpers import MOLODEZHNY, announce, db_of, residents, services_of
from tests.proof_helpers import TOKEN, BotProcess, add_residents, kill_leftovers, query

PNG = b"\x89PNG\r\n\x1a\n"
QUESTION = "Что ремонтировать в первую очередь?"
LANGUAGES = {**dict.fromkeys(range(101, 109), "kk"), **dict.fromkeys(range(111, 119), "ru"),
             **dict.fromkeys(range(121, 125), "en")}  # fmt: skip


async def residents_speaking(bot: Harness, languages: dict[int, str]) -> list[SimUser]:
    """Residents of Molodezhny, each with a chosen language."""
    found = await residents(bot, MOLODEZHNY, list(languages))
    for user_id, language in languages.items():
        await people.set_language(db_of(bot), user_id, language)
    return found


def photo_of(messages: list[Json]) -> Json:
    """The one photo message of a chat."""
    (photo,) = [m for m in messages if "photo" in m]
    return photo


def file_id_in(message: Json) -> str:
    """The file id Telegram gave the (largest size of the) photo of a message."""
    return str(message["photo"][-1]["file_id"])


def assert_uploaded_once_then_reused(
    calls: list[ApiCall], messages: Callable[[int], list[Json]], languages: dict[int, str]
) -> None:
    """One upload (multipart, a PNG) per language; every other photo names an uploaded file id."""
    sends = [c for c in calls if c.method == "sendPhoto" and c.ok]
    uploads = {
        file_id_in(photo_of(messages(c.params["chat_id"]))): index
        for index, c in enumerate(sends)
        if c.files
    }
    assert len(uploads) == len(set(languages.values()))
    for index, call in enumerate(sends):
        if call.files:
            assert call.files["photo"].startswith(PNG) and "photo" not in call.params
        else:  # a file id issued by an earlier upload: never a path, never a second upload
            assert uploads[call.params["photo"]] < index
    for language in set(languages.values()):
        chats = [chat for chat, spoken in languages.items() if spoken == language]
        assert len({file_id_in(photo_of(messages(chat))) for chat in chats}) == 1, language


async def test_a_poll_closed_now_reaches_everyone_as_a_photo_uploaded_once_per_language(
    bot: Harness,
) -> None:
    voters = await residents_speaking(bot, LANGUAGES)
    poll = await announce(bot)
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await people.set_language(db_of(bot), STAFF_ID, "ru")
    await staff.send("/polls")  # staff without a village: their area's polls at once
    await staff.tap("🟢 Что ремонтировать")
    await staff.tap("⏹ Завершить сейчас")
    await staff.tap("⏹ Да, завершить")
    await bot.broadcasts_finished()

    for person in voters:  # the results, with the chart, in each one's language
        assert "photo" in person.messages[-1], person.id
    assert voters[0].messages[-1]["caption"].startswith("📊 Сауалнама нәтижелері\n")
    assert voters[-1].messages[-1]["caption"].startswith("📊 Poll results\n")
    assert_uploaded_once_then_reused(bot.sim.calls, bot.sim.chat_messages, LANGUAGES)
    texts = [c for c in bot.sim.calls_to("sendMessage") if c.params["text"].startswith("📊")]
    assert [c.params["chat_id"] for c in texts] == [STAFF_ID]  # only the author's report
    every_file = [c.params.get("photo") for c in bot.sim.calls_to("sendPhoto")]
    assert not [f for f in every_file if f and ("/" in f or f.endswith(".png"))]  # no paths
    report = (
        f"📊 Рассылка итогов опроса: «{QUESTION}»\n\n"
        "✅ Рассылка завершена. Доставлено: 21 из 21.\nЗаблокировали бота: 0 · ошибки: 0"
    )
    assert staff.texts.count(report) == 1  # the queued message, edited to the final count
    assert (await repo.get(db_of(bot), poll.id)).status == "closed"  # type: ignore[union-attr]


async def refuse_photos(method: str, params: Json) -> None:
    """A Bot API that refuses every photo, as Telegram refuses a file id it never issued."""
    if method == "sendPhoto":
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")


async def test_a_refused_chart_falls_back_to_the_text_and_the_report_counts_it(
    bot: Harness,
) -> None:
    languages = {101: "kk", 102: "kk", 103: "kk", 111: "ru", 112: "ru"}
    voters = await residents_speaking(bot, languages)
    poll = await announce(bot)
    staff = bot.user(STAFF_ID, "Ерлан", "en")
    await people.set_language(db_of(bot), STAFF_ID, "en")
    bot.sim.fault = refuse_photos
    assert await polls.close(services_of(bot), poll.id) is not None  # as the closing job does
    await bot.broadcasts_finished()

    for person in voters:
        assert person.messages[-1]["text"].startswith("📊"), person.id  # the results, as text
        assert QUESTION in person.messages[-1]["text"]
    tried = bot.sim.calls_to("sendPhoto")
    assert len(tried) == 3  # once per language (kk, ru, en), then the text alone
    assert not [c for c in tried if c.ok]
    assert any(t.startswith("📊 Poll results\n") for t in staff.texts)  # a recipient too
    assert (
        staff.texts.count(
            f"📊 Poll results to residents: «{QUESTION}»\n\n"
            "✅ Broadcast finished. Delivered: 6 of 6.\nBlocked the bot: 0 · failed: 0\n"
            "🖼 Got the text without the picture or file: 6"
        )
        == 1
    )
    rows = await db_of(bot).fetch_all("SELECT status, text_only FROM outbox WHERE broadcast_id = "
                                      "(SELECT MAX(id) FROM broadcasts)")  # fmt: skip
    assert sorted((row[0], row[1]) for row in rows) == [("sent", 1)] * 6


async def test_a_notice_whose_document_telegram_refuses_goes_as_text_and_is_reported(
    bot: Harness,
) -> None:
    voters = await residents_speaking(bot, {101: "kk", 111: "ru", 112: "ru"})
    staff = bot.user(STAFF_ID, "Ерлан", "en")
    await staff.send("/broadcast")
    await staff.send_document()
    await staff.tap("All")
    await staff.tap("Done ›")

    async def refuse_documents(method: str, params: Json) -> None:
        if method == "sendDocument" and params["chat_id"] != STAFF_ID:  # not the preview
            raise ApiError(400, "Bad Request: file is too big")

    bot.sim.fault = refuse_documents
    await staff.tap("📤 Send")
    await bot.broadcasts_finished()
    tried = [c for c in bot.sim.calls_to("sendDocument") if c.params["chat_id"] != STAFF_ID]
    assert len(tried) == 2  # once per language: the file id staff sent, never an upload
    assert all(c.params["document"].startswith(f"doc-{STAFF_ID}-") and not c.files for c in tried)
    assert [person.last_text for person in voters] == [
        "📢 Әкімдіктің хабарландыруы", "📢 Объявление акимата", "📢 Объявление акимата",
    ]  # fmt: skip
    assert staff.last_text == (
        "✅ Broadcast finished. Delivered: 3 of 3.\nBlocked the bot: 0 · failed: 0\n"
        "🖼 Got the text without the picture or file: 3"
    )


async def test_results_published_late_after_a_crash_are_reported_to_the_author(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    async with Harness(settings) as bot:
        await residents_speaking(bot, {101: "kk", 111: "ru"})
        poll = await announce(bot)
        await people.set_language(db_of(bot), STAFF_ID, "ru")
        await repo.close(db_of(bot), poll.id, utcnow(), None)  # closed, then the bot died
        await bot.restart(crash=True)
        staff = bot.user(STAFF_ID, "Ерлан", "ru")
        final = f"📊 Рассылка итогов опроса: «{QUESTION}»\n\n✅ Рассылка завершена."
        await bot.wait_until(lambda: any(t.startswith(final) for t in staff.texts), within=15)
        report = next(t for t in staff.texts if t.startswith(final))
        assert "Доставлено: 3 из 3." in report
        assert "photo" in bot.sim.chat_messages(101)[-1]


async def test_a_report_that_cannot_be_shown_does_not_hold_the_results_back(
    bot: Harness,
) -> None:
    (ivan,) = await residents_speaking(bot, {111: "ru"})
    poll = await announce(bot)
    bot.sim.blocked.add(STAFF_ID)  # the author blocked the bot since
    assert await polls.close(services_of(bot), poll.id) is not None
    await bot.broadcasts_finished()
    assert "photo" in ivan.messages[-1]


@pytest.mark.slow
async def test_over_http_the_chart_goes_up_as_multipart_once_per_language(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    kk, ru = range(20_000, 20_012), range(20_100, 20_112)
    try:
        async with SimServer(token=TOKEN) as server:
            await add_residents(server, settings, kk, MOLODEZHNY, "kk")
            await add_residents(server, settings, ru, MOLODEZHNY, "ru")
            await create_poll(settings)
            staff = server.person(STAFF_ID, "Ерлан", "ru")
            async with BotProcess(server, settings):
                await staff.send("/start")
                await tap_when_shown(server, staff, "Русский")
                await staff.send("/polls")
                for label in ("🟢 Что ремонтировать", "⏹ Завершить сейчас", "⏹ Да, завершить"):
                    await tap_when_shown(server, staff, label)
                await server.wait_until(
                    lambda: any("✅ Рассылка завершена" in t for t in staff.texts),
                    within=60,
                    what="the author's final report",
                )
            languages = {**dict.fromkeys(kk, "kk"), **dict.fromkeys(ru, "ru")}
            assert_uploaded_once_then_reused(server.sim.calls, server.sim.chat_messages, languages)
            assert any("Доставлено: 25 из 25." in t for t in staff.texts)
    finally:
        kill_leftovers()
    rows = await query(settings, "SELECT status, COUNT(*) FROM outbox GROUP BY status")
    assert [(row[0], row[1]) for row in rows] == [("sent", 25)]


async def tap_when_shown(server: SimServer, person: SimUser, label: str) -> None:
    """Tap a button once the bot has shown it (a busy machine may answer late)."""
    await server.wait_until(
        lambda: any(label in shown for shown in person.button_labels()), what=label
    )
    await person.tap(label)


async def create_poll(settings: Settings) -> None:
    """A poll of the district's staff, stored before the bot starts (not announced)."""
    db = settings.database()
    await db.open()
    try:
        new = NewPoll(
            question=QUESTION, options=("Дорога до школы", "Водопровод"), max_choices=1,
            may_change=False, results_early=False, closes_at=utcnow() + timedelta(days=3),
            village_codes=(MOLODEZHNY,), created_by=STAFF_ID,
        )  # fmt: skip
        await repo.create(db, new, utcnow())
    finally:
        await db.close()
