"""/deletedata deletes: no table keeps the person's id, name, username or words; /mydata lists
everything; drafts go after DRAFT_RETENTION_DAYS; log lines name people by their key alone."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import persistence
from bot.settings import Settings
from bot.simulator import Harness, SimUser
from storage import appeals as appeals_repo
from storage import drafts, hearings
from storage.db import Database, to_db_time, utcnow
from storage.hearings import NewHearing
from tests.appeal_helpers import staff_member
from tests.conftest import STAFF_ID, database_settings, make_settings
from tests.poll_helpers import OSAKAROVKA, announce, db_of, services_of, vote

pytestmark = pytest.mark.both_databases

IVAN_ID = 7712345  # far from any row id or counter, so that a match is his
NAME = "Иванушка"
USERNAME = "ivan_kz_77"
COMPLAINT = "Яма у дома 14 на улице Абая, звоните 87011234567"
QUESTION = "Когда отремонтируют крышу школы номер 3?"
UNFINISHED = "Черновик о мусоре у дома 7 на Ленина"
LATITUDE, LONGITUDE = 50.56123, 72.57456


@pytest.fixture
def settings(tmp_path: Path, database_kind: str, request: pytest.FixtureRequest) -> Settings:
    """No flood guard: the resident below types fast."""
    return database_settings(tmp_path, database_kind, request, flood_updates=0)


async def every_value(db: Database) -> list[tuple[str, str, Any]]:
    """(table, column, value) of every cell of every table."""
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if db.server is None
        else "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    cells = []
    for (table,) in tables:
        rows = await db.fetch_all(f'SELECT * FROM "{table}"')  # noqa: S608 - names from SQLite
        for row in rows:
            cells += [(table, column, row[column]) for column in row.keys()]  # noqa: SIM118
    return cells


def traces(cells: list[tuple[str, str, Any]], secrets: list[str]) -> list[tuple[str, str, Any]]:
    """The cells holding the person's id, a location of theirs, or any of ``secrets``."""
    found = []
    for table, column, value in cells:
        if (
            (isinstance(value, int) and value == IVAN_ID)
            or (isinstance(value, float) and value in (LATITUDE, LONGITUDE))
            or (isinstance(value, str) and any(s in value for s in [str(IVAN_ID), *secrets]))
        ):
            found.append((table, column, value))
    return found


async def active_resident(bot: Harness) -> tuple[SimUser, int, int]:
    """A resident who did everything: complaint with photo, voice and pin, a hearing question,
    "I will come", a vote, and a complaint left half written. Returns him, the poll, the hearing."""
    ivan = bot.user(IVAN_ID, NAME, "ru", username=USERNAME)
    await ivan.send(f"/start v_{OSAKAROVKA}")
    await ivan.send("/complaint")
    await ivan.tap("🛣")
    await ivan.send(COMPLAINT)
    await ivan.send_photo()
    await ivan.send_voice()
    await ivan.share_location(LATITUDE, LONGITUDE)
    await ivan.tap("Далее")
    await ivan.tap("✅")
    new = NewHearing(
        topic="Бюджет 2027", starts_at=utcnow() + timedelta(days=2), place="Дом культуры",
        agenda="1. Дороги", village_codes=(OSAKAROVKA,), created_by=STAFF_ID,
    )  # fmt: skip
    hearing = await hearings.create(db_of(bot), new)
    await ivan.send(f"/start h_{hearing.id}")
    await ivan.tap("✋ Приду")
    await ivan.tap("❓ Задать вопрос")
    await ivan.send(QUESTION)
    poll = await announce(bot, villages=(OSAKAROVKA,))
    await vote(ivan, poll, 1)
    await ivan.send("/complaint")
    await ivan.tap("💧")
    await ivan.send(UNFINISHED)  # left in the middle of the dialog
    return ivan, poll.id, hearing.id


async def test_deletion_leaves_no_id_name_username_or_words_in_any_table(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan, poll_id, hearing_id = await active_resident(bot)
    db = db_of(bot)
    complaint = await appeals_repo.get(db, 1)
    assert complaint is not None and complaint.photos and complaint.voice_file_id
    await staff.tap_data(f"v1:inb:open:{complaint.id}")
    await staff.tap("💬 Ответить")
    await staff.send("Засыплем щебнем до пятницы.")
    secrets = [NAME, USERNAME, COMPLAINT[:20], QUESTION[:20], UNFINISHED[:20],
               *complaint.photos, complaint.voice_file_id]  # fmt: skip
    assert len(traces(await every_value(db), secrets)) > 5  # the scan finds what is there

    await ivan.send("/deletedata")
    confirm = ivan.last_text
    assert "Удаляется: ваше имя и Telegram ID" in confirm and "Остаётся" in confirm
    await ivan.tap("Да, удалить")
    await bot.user(7700001, "Другой", "ru").send("/start")  # another update: a flush of states

    assert traces(await every_value(db), secrets) == []
    counts = await db.fetch_one(
        "SELECT (SELECT COUNT(*) FROM appeals), "
        "(SELECT COUNT(*) FROM poll_votes WHERE poll_id = ?), "
        "(SELECT COUNT(*) FROM hearing_rsvps WHERE hearing_id = ?)",
        (poll_id, hearing_id),
    )
    assert counts is not None and tuple(counts) == (2, 1, 1)  # kept as counts, under the key

    # The staff's notice of the question goes out when its window ends (held while the one of
    # the complaint was fresh), after the erasure: wait for it before counting the card's calls.
    def question_notices() -> list[str]:
        texts = [m.get("text", "") for m in bot.sim.chat_messages(STAFF_ID)]
        return [text for text in texts if "Вопрос #2026-00002" in text]

    await bot.wait_until(lambda: bool(question_notices()))
    notice = question_notices()[0]
    assert "удалены по просьбе жителя" in notice and not any(s in notice for s in secrets)
    # Staff still see the item: category, dates, status and their answer; not its content.
    calls = len(bot.sim.calls)
    await staff.tap_data(f"v1:inb:open:{complaint.id}")
    card = staff.last_text
    assert "(текст, фото, голосовое и геометка удалены по просьбе жителя)" in card
    assert "Отправитель: удалено по просьбе жителя" in card and "🛣 Дороги" in card
    assert "Засыплем щебнем до пятницы." in card
    assert [c.method for c in bot.sim.calls[calls:]] == ["answerCallbackQuery", "sendMessage"]


async def test_my_data_lists_appeals_polls_hearings_and_what_stays(bot: Harness) -> None:
    ivan, _, _ = await active_resident(bot)
    await ivan.send("/cancel")
    await ivan.send("/mydata")
    text = ivan.last_text
    key = services_of(bot).identity.short_key(IVAN_ID)
    assert f"Telegram ID: {IVAN_ID}" in text and f"Имя: {NAME}" in text
    assert "Ваши обращения (2):" in text and "• #2026-00001 · 🛣 Дороги · 🆕 Новое" in text
    assert "Опросы, в которых вы голосовали (1):\n• Что ремонтировать в первую очередь?" in text
    assert "Слушания, на которые вы обещали прийти (1):\n• Бюджет 2027" in text
    assert f"Ваш псевдонимный ключ: {key}" in text
    assert "После /deletedata под этим ключом" in text


async def test_drafts_and_dialogs_go_after_the_retention_whatever_the_timeout(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, dialog_timeout_hours=24 * 365, draft_retention_days=30)
    from tests.conftest import seed

    await seed(settings)
    async with Harness(settings) as bot:
        ivan = bot.user(7713, "Иван", "ru")
        await ivan.send(f"/start v_{OSAKAROVKA}")
        await ivan.send("/complaint")
        await ivan.tap("🛣")
        await ivan.send(UNFINISHED)
        db = db_of(bot)
        assert (await drafts.load(db, 7713, "complaint"))["text"] == UNFINISHED
        now = utcnow()
        ended = await persistence.forget_abandoned(
            bot.app,
            settings.dialog_timeout,
            now + timedelta(days=29),
            retention=settings.draft_retention,
        )
        assert ended == 0 and await drafts.load(db, 7713, "complaint")  # within the retention
        old = to_db_time(now - timedelta(days=31))
        await db.execute_write("UPDATE drafts SET updated_at = ?", (old,))
        await db.execute_write("UPDATE conversations SET updated_at = ?", (old,))
        ended = await persistence.forget_abandoned(
            bot.app,
            settings.dialog_timeout,
            now + timedelta(days=31),
            retention=settings.draft_retention,
        )
        assert ended == 1
        assert await drafts.load(db, 7713, "complaint") == {}
        row = await db.fetch_one("SELECT COUNT(*) FROM conversations")
        assert row is not None and row[0] == 0


async def test_log_lines_name_people_by_their_key_alone(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # the level `run` logs at (DEBUG shows libraries' internals)
    ivan, poll_id, _ = await active_resident(bot)
    await ivan.tap_data("v1:nosuch:thing")  # an unhandled tap: logged
    await ivan.send("/inbox")  # refused: logged
    await ivan.tap_data(f"v1:poll:v:{poll_id}:4")  # a vote refused: logged
    await ivan.send("/deletedata")
    await ivan.tap("Да, удалить")
    key = services_of(bot).identity.short_key(IVAN_ID)
    lines = [record.getMessage() for record in caplog.records]
    assert any(key in line for line in lines)
    leaks = [line for line in lines if str(IVAN_ID) in line or NAME in line or USERNAME in line]
    assert leaks == []


async def test_a_flood_is_logged_by_key(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = make_settings(tmp_path, flood_updates=3)
    from tests.conftest import seed

    await seed(settings)
    caplog.set_level(logging.INFO)
    async with Harness(settings) as bot:
        ivan = bot.user(IVAN_ID, NAME, "ru")
        for _ in range(5):
            await ivan.send("/help")
        key = services_of(bot).identity.short_key(IVAN_ID)
    flood = [r.getMessage() for r in caplog.records if "Flood" in r.getMessage()]
    assert flood == [f"Flood from p:{key}: dropping updates for a while"]
    assert all(str(IVAN_ID) not in r.getMessage() for r in caplog.records)
