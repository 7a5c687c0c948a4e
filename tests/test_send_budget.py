"""One budget for all sends: Telegram's flood limits on, replies, staff notices and broadcasts
share them without a 429, and a burst of items reaches staff as a few merged messages."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.simulator import Harness, SimUser
from bot.simulator.api import ApiError, Json, Throttle
from storage import appeals as appeals_repo
from storage import broadcasts, people
from storage import staff_notices as outbox
from storage.db import utcnow
from tests.appeal_helpers import (
    BEINEU,
    OSAKAROVKA,
    file_complaint,
    latest,
    resident,
    services,
    staff_member,
    staff_told,
)
from tests.conftest import OTHER_STAFF_ID, STAFF_ID, make_settings, seed

pytestmark = pytest.mark.slow
MOLODEZHNY = "krg-osakarovka-molodezhny"
NEW_ITEMS = re.compile(r"^📥 ([\d\s\u00a0\u202f]+) нов")  # "📥 57 новых обращений"
ONE_ITEM = "📥 Новое: "


def telegram_limits(tmp_path: Path, **overrides: object) -> Settings:
    """Settings whose pacer mirrors the simulator's throttle (one message a second per chat)."""
    values: dict[str, object] = {"chat_burst": 1, "chat_rate": 1.0}
    values.update(overrides)
    return make_settings(tmp_path, **values)


def throttle(bot: Harness) -> Throttle:
    """Telegram's flood limits in the simulator: 30 a second, one a second per chat."""
    bot.sim.throttle = Throttle(overall=30, chat_burst=1, chat_rate=1.0)
    return bot.sim.throttle


def refused(bot: Harness) -> list[str]:
    """Every call Telegram answered with 429."""
    return [call.method for call in bot.sim.calls if call.status == 429]


async def registered(bot: Harness, ids: range, village: str = OSAKAROVKA) -> list[SimUser]:
    """Residents who joined earlier (stored directly: their joining is not under test)."""
    db = services(bot).db
    users = []
    for user_id in ids:
        users.append(bot.user(user_id, f"R{user_id}", "ru", started=True))
        await people.ensure_person(db, user_id, f"R{user_id}")
        await people.set_village(db, user_id, village)
        await people.set_language(db, user_id, "ru")
    return users


def items_told(staff: SimUser) -> list[int]:
    """How many items each notice the staff member got is about (one for a per-item notice)."""
    counts = []
    for text in staff.texts:
        if text.startswith(ONE_ITEM):
            counts.append(1)
        elif match := NEW_ITEMS.match(text):
            counts.append(int(re.sub(r"\D", "", match.group(1))))
    return counts


async def file_all(users: list[SimUser]) -> None:
    """Every resident files a complaint at the same time."""
    await asyncio.gather(
        *(file_complaint(user, f"Нет воды в колонке у дома {user.id}") for user in users)
    )


async def test_a_burst_of_200_items_reaches_staff_merged_and_every_resident_gets_a_number(
    tmp_path: Path,
) -> None:
    settings = telegram_limits(tmp_path, staff_notice_window_seconds=3.0)
    await seed(settings)
    bot = Harness(settings)
    await bot.start()
    try:
        staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
        throttle(bot)
        first, second = await registered(bot, range(2000, 2120)), []
        await file_all(first)
        db = services(bot).db
        waiting = len(await outbox.pending(db))  # usually some: the crash comes mid-drain
        await bot.crash()
        # A real restart outlasts Telegram's one-second windows; the harness restarts at once,
        # and the new pacer cannot know what the old one sent in its last second.
        await bot.wait_until(lambda: time.monotonic() - bot.sim.calls[-1].at > 1.2)
        await bot.start()
        second = await registered(bot, range(2120, 2200))
        await file_all(second)
        await staff_told(bot, within=60)

        for user in first + second:
            person = await people.get_by_telegram_id(services(bot).db, user.id)
            assert person is not None
            filed = await appeals_repo.of_person(services(bot).db, person.id, limit=5)
            assert len(filed) == 1, user.id
            assert f"#{filed[0].number}" in user.last_text, user.last_text
        assert refused(bot) == []
        told = items_told(staff)
        assert sum(told) == 200, (told, waiting)
        assert len(told) < 20  # a handful of messages, not two hundred
        merged = next(m for m in staff.messages if NEW_ITEMS.match(m.get("text", "")))
        assert merged["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "v1:menu:inbox"
        assert await outbox.pending(services(bot).db) == []
    finally:
        await bot.stop()


async def test_residents_writing_during_a_broadcast_are_answered_without_429s(
    tmp_path: Path,
) -> None:
    settings = telegram_limits(tmp_path)
    await seed(settings)
    async with Harness(settings) as bot:
        audience = await registered(bot, range(3000, 3150), village=BEINEU)
        writers = audience[::10]
        throttle(bot)
        engine = services(bot).engine
        broadcast_id = await engine.submit(
            kind="notice", payload={"text": "Завтра не будет воды"}, created_by=STAFF_ID,
            village_codes=(BEINEU,),
        )  # fmt: skip
        await bot.wait_until(lambda: len(bot.sim.calls_to("sendMessage")) >= 20)
        await asyncio.gather(*(user.send("/my") for user in writers))
        await bot.broadcasts_finished(within=60)

        assert refused(bot) == []
        tally = await broadcasts.tally(services(bot).db, broadcast_id)
        assert (tally.sent, tally.failed) == (150, 0)
        sent = [(i, call) for i, call in enumerate(bot.sim.calls) if call.method == "sendMessage"]
        last_notice = max(i for i, call in sent if "Завтра не будет воды" in call.params["text"])
        for user in writers:
            assert sum(text.startswith("Вы ещё не отправляли") for text in user.texts) == 1
            texts = [str(c.params["text"]) for _, c in sent if c.params["chat_id"] == user.id]
            assert sum("Завтра не будет воды" in text for text in texts) == 1
            # Answered while the broadcast was still sending, not after it.
            answered = next(i for i, call in sent if call.params["chat_id"] == user.id
                            and str(call.params["text"]).startswith("Вы ещё не"))  # fmt: skip
            assert answered < last_notice


async def test_a_single_item_gives_its_own_notice_and_a_blocked_staff_member_is_skipped(
    tmp_path: Path,
) -> None:
    settings = telegram_limits(tmp_path)
    await seed(settings)
    async with Harness(settings) as bot:
        beineu_staff = await staff_member(bot, OTHER_STAFF_ID, "Бейнеу", "ru")
        throttle(bot)
        ivan = await resident(bot, 1102, "Иван", "ru", village=BEINEU)
        await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
        appeal = await latest(bot)
        assert ivan.last_text.startswith(
            f"✅ Ваша жалоба зарегистрирована под номером #{appeal.number}."
        )
        await staff_told(bot)
        assert beineu_staff.last_text.startswith(f"📥 Новое: Жалоба #{appeal.number}")
        assert beineu_staff.button_labels() == ["📂 Открыть"]
        await beineu_staff.tap("📂 Открыть")
        assert beineu_staff.last_text.startswith(f"Жалоба #{appeal.number}")

        bot.sim.blocked.add(OTHER_STAFF_ID)
        dana = await resident(bot, 1103, "Дана", "ru", village=BEINEU)
        await file_complaint(dana, "Не горят фонари на улице Абая")
        second = await latest(bot)
        assert f"#{second.number}" in dana.last_text
        await staff_told(bot)
        row = await services(bot).db.fetch_one(
            "SELECT outcome FROM staff_notices WHERE appeal_id = ?", (second.id,)
        )
        assert row is not None and row["outcome"] == "blocked"
        assert refused(bot) == []


async def test_notices_pending_at_a_crash_are_sent_after_the_start_merged(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    first = await latest(bot)
    dana = await resident(bot, 1103, "Дана", "ru", village=MOLODEZHNY)
    await file_complaint(dana, "Не горят фонари на улице Абая")
    second = await latest(bot)
    db = services(bot).db
    # Rows as a crash would leave them: stored, never sent. The second item was new to the
    # village, then forwarded up: one new item to the district's staff, not two.
    now = utcnow()
    await outbox.queue(db, [STAFF_ID], first.id, outbox.REOPENED, OSAKAROVKA, now)
    await outbox.queue(db, [STAFF_ID], first.id, outbox.NEW, OSAKAROVKA, now)
    await outbox.queue(db, [STAFF_ID], second.id, outbox.NEW, MOLODEZHNY, now)
    await outbox.queue(db, [STAFF_ID], second.id, outbox.NEW, MOLODEZHNY, now)
    before = len(staff.texts)
    await bot.restart(crash=True)
    await bot.wait_until(lambda: len(staff.texts) > before)
    await staff_told(bot)
    assert staff.texts[before:] == [
        "📥 2 новых обращения\n"
        "• Осакаровка (Осакаровский район): 1\n"
        "• Молодежный (Осакаровский район): 1\n"
        "🔁 Снова в работе (по словам жителей, не решено): 1 обращение"
    ]
    assert staff.button_labels() == ["📥 Обращения"]
    assert await outbox.pending(services(bot).db) == []


async def test_trouble_telling_staff_does_not_reach_the_resident_and_the_notice_follows(
    bot: Harness,
) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    failures: list[str] = []

    async def staff_chat_in_trouble(method: str, params: Json) -> None:
        """Longer than a reply's retries: before, the error reached the resident's Send."""
        if method == "sendMessage" and params.get("chat_id") == STAFF_ID and len(failures) < 7:
            failures.append(method)
            if len(failures) == 3:
                raise ApiError(502, "Bad Gateway")
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)

    bot.sim.fault = staff_chat_in_trouble
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    assert ivan.last_text.startswith("✅ Ваша жалоба зарегистрирована под номером #")
    appeal = await latest(bot)  # waits until the staff were told
    assert f"#{appeal.number}" in ivan.last_text
    assert len(failures) == 7
    notices = [text for text in staff.texts if text.startswith("📥")]
    assert len(notices) == 1 and notices[0].startswith(f"📥 Новое: Жалоба #{appeal.number}")
