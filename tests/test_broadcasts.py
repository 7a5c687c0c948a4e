"""The broadcast engine and /broadcast: right people, right language, within limits, resumable."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.simulator import ApiError, Harness
from bot.simulator.api import Json
from storage import broadcasts as repo
from storage import people
from storage.db import Database
from tests.conftest import STAFF_ID, make_settings, seed

pytestmark = pytest.mark.both_databases


def db_of(bot: Harness) -> Database:
    services = bot.app.bot_data.services
    assert services is not None
    return services.db


async def residents(bot: Harness, village: str, ids: range, language: str = "ru") -> None:
    for user_id in ids:
        await bot.user(user_id, f"R{user_id}", language).send(f"/start v_{village}")


def received(bot: Harness, user_id: int, marker: str) -> int:
    """How many messages containing ``marker`` reached ``user_id``."""
    return sum(
        1
        for call in bot.sim.calls
        if call.ok
        and call.method in {"sendMessage", "sendPhoto"}
        and call.params.get("chat_id") == user_id
        and marker in str(call.params.get("text") or call.params.get("caption"))
    )


def total_received(bot: Harness, users: range, marker: str) -> int:
    """How many messages containing ``marker`` reached any of ``users``."""
    return sum(received(bot, user_id, marker) for user_id in users)


async def test_staff_notice_reaches_exactly_the_chosen_villages_in_each_language(
    bot: Harness,
) -> None:
    kk = bot.user(101, "Әлия", "kk")
    ru = bot.user(102, "Ольга", "ru")
    en = bot.user(103, "Dana", "en")
    for person in (kk, ru, en):
        await person.send("/start v_krg-osakarovka-molodezhny")
    await residents(bot, "krg-osakarovka-osakarovka", range(110, 112))  # not chosen
    await residents(bot, "krg-nura-nura", range(120, 122))  # not in the staff's district

    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/broadcast")
    assert staff.last_text.startswith("Пришлите объявление")
    await staff.send("Завтра с 10:00 до 14:00 не будет воды.")
    assert staff.last_text == "Выберите сёла (выбрано: 0 сёл):"
    assert [label[2:] for label in staff.button_labels()[:2]] == ["Молодежный", "Осакаровка"]
    await staff.tap("Молодежный")
    assert staff.last_text == "Выберите сёла (выбрано: 1 село):"
    await staff.tap("Готово ›")
    assert staff.texts[-2] == "📢 Объявление акимата\n\nЗавтра с 10:00 до 14:00 не будет воды."
    assert staff.last_text == "Отправить это объявление 3 жителям?\nСёла: Молодежный"
    await staff.tap("📤 Отправить")
    await bot.broadcasts_finished()

    assert kk.last_text == "📢 Әкімдіктің хабарландыруы\n\nЗавтра с 10:00 до 14:00 не будет воды."
    assert ru.last_text.startswith("📢 Объявление акимата\n\n")
    assert en.last_text.startswith("📢 Notice from the akimat\n\n")
    for other in (110, 111, 120, 121):
        assert received(bot, other, "не будет воды") == 0
    assert staff.last_text.startswith("✅ Рассылка завершена. Доставлено: 3 из 3.")


async def test_photo_notice_keeps_the_photo(bot: Harness) -> None:
    await residents(bot, "krg-osakarovka-molodezhny", range(101, 103))
    staff = bot.user(STAFF_ID, "Ерлан", "en")
    await staff.send("/broadcast")
    await staff.send_photo(caption="New bus timetable")
    await staff.tap("All")
    await staff.tap("Done ›")
    await staff.tap("📤 Send")
    await bot.broadcasts_finished()
    photos = [c for c in bot.sim.calls_to("sendPhoto") if c.params["chat_id"] in (101, 102)]
    assert len(photos) == 2
    assert photos[0].params["caption"].endswith("New bus timetable")
    assert photos[0].params["photo"].startswith(f"photo-{STAFF_ID}-")


async def test_notice_content_is_checked(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "en")
    await staff.send("/broadcast")
    await staff.send_sticker()
    assert staff.last_text.startswith("A notice can be text, a photo or a document.")
    await staff.send("x" * 3501)
    assert (
        staff.last_text
        == "The text is too long: 3,501 characters, at most 3,500. Please shorten it."
    )
    await staff.send("/cancel")
    assert staff.last_text == "Cancelled. Nothing was changed."


async def test_staff_cannot_pick_a_village_outside_their_scope(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "en")
    await staff.send("/broadcast")
    await staff.send("Notice")
    assert all("Beineu" not in label for label in staff.button_labels())
    answer = await staff.tap_data("v1:ntc:vt:mng-beineu-beineu:0")
    assert answer is not None and answer["text"] == "Sorry, this village is outside your area."
    answer = await staff.tap("Done ›")
    assert answer is not None and answer["text"] == "Choose at least one village."


async def test_a_resident_cannot_broadcast(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/broadcast")
    assert ivan.last_text == "Извините, это доступно только сотрудникам акимата."


async def submit(
    bot: Harness, village: str = "krg-osakarovka-molodezhny", text: str = "Тест"
) -> int:
    services = bot.app.bot_data.services
    assert services is not None
    return await services.engine.submit(
        kind="notice",
        payload={"text": text},
        created_by=STAFF_ID,
        report_to=None,
        village_codes=(village,),
    )


async def test_blocked_residents_are_marked_and_skipped_next_time(bot: Harness) -> None:
    await residents(bot, "krg-osakarovka-molodezhny", range(101, 104))
    bot.sim.blocked.add(102)
    broadcast_id = await submit(bot, text="Первое")
    await bot.broadcasts_finished()
    tally = await repo.tally(db_of(bot), broadcast_id)
    assert (tally.sent, tally.blocked, tally.failed) == (2, 1, 0)
    second = await submit(bot, text="Второе")
    await bot.broadcasts_finished()
    assert (await repo.tally(db_of(bot), second)).total == 2
    bot.sim.blocked.discard(102)
    await bot.user(102, "R102", "ru").send("/start")  # writes again: reachable again
    person = await people.get_by_telegram_id(db_of(bot), 102)
    assert person is not None
    assert await repo.count_audience(db_of(bot), ["krg-osakarovka-molodezhny"]) == 3


async def test_retry_after_and_network_errors_are_obeyed_without_loss(bot: Harness) -> None:
    await residents(bot, "krg-osakarovka-molodezhny", range(101, 106))
    failures = Counter[str]()

    async def flaky(method: str, params: Json) -> None:
        if method == "sendMessage" and "Сбой" in str(params.get("text")):
            failures[method] += 1
            if failures[method] <= 2:
                raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
            if failures[method] == 3:
                raise ApiError(502, "Bad Gateway")

    bot.sim.fault = flaky
    started = asyncio.get_running_loop().time()
    broadcast_id = await submit(bot, text="Сбой сети")
    await bot.broadcasts_finished()
    assert asyncio.get_running_loop().time() - started >= 1.0  # the 429 pause was kept
    assert [received(bot, uid, "Сбой сети") for uid in range(101, 106)] == [1] * 5
    assert (await repo.tally(db_of(bot), broadcast_id)).sent == 5


async def test_sender_can_stop_a_running_broadcast(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, broadcast_rate=10)
    await seed(settings)
    async with Harness(settings) as bot:
        await residents(bot, "krg-osakarovka-molodezhny", range(200, 240))
        staff = bot.user(STAFF_ID, "Ерлан", "ru", started=True)  # gets the sender's report
        services = bot.app.bot_data.services
        assert services is not None
        broadcast_id = await services.engine.submit(
            kind="notice", payload={"text": "Длинная рассылка"}, created_by=STAFF_ID,
            report_to=(STAFF_ID, services.i18n.get("ru")),
            village_codes=("krg-osakarovka-molodezhny",),
        )  # fmt: skip
        await bot.wait_until(lambda: total_received(bot, range(200, 240), "Длинная") > 4)
        intruder = bot.user(1002, "Иван", "ru")
        await intruder.send("/start")
        answer = await intruder.tap_data(f"v1:bc:stop:{broadcast_id}")
        assert answer is not None and "только сотрудникам" in answer["text"]
        answer = await staff.tap("Остановить рассылку")
        assert answer is not None and answer["text"] == "Остановлено."
        await bot.broadcasts_finished()
        await bot.wait_until(lambda: staff.last_text.startswith("⛔ Остановлено."))  # all counted
        delivered = total_received(bot, range(200, 240), "Длинная")
        assert 5 <= delivered < 40
        tally = await repo.tally(db_of(bot), broadcast_id)
        assert tally.skipped == 40 - tally.sent
        assert staff.last_text.startswith("⛔ Остановлено. До остановки доставлено:")


async def test_broadcast_resumes_after_a_restart_without_duplicates(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, broadcast_rate=20)
    await seed(settings)
    bot = Harness(settings)
    await bot.start()
    await residents(bot, "krg-osakarovka-molodezhny", range(300, 340))
    await submit(bot, text="Возобновление")
    await bot.wait_until(
        lambda: sum(received(bot, u, "Возобновление") for u in range(300, 340)) >= 8
    )
    await bot.restart()
    await bot.broadcasts_finished()
    assert [received(bot, u, "Возобновление") for u in range(300, 340)] == [1] * 40
    await bot.stop()


async def test_broadcast_resumes_after_a_crash_and_loses_nobody(tmp_path: Path) -> None:
    settings: Settings = make_settings(tmp_path, broadcast_rate=20, broadcast_lease_seconds=0.3)
    await seed(settings)
    bot = Harness(settings)
    await bot.start()
    await residents(bot, "krg-osakarovka-molodezhny", range(300, 340))
    await submit(bot, text="Авария")
    await bot.wait_until(lambda: total_received(bot, range(300, 340), "Авария") >= 8)
    await bot.restart(crash=True)
    # The rows the dead worker held are claimed again once its lease runs out: the broadcast
    # stays "sending" until then, so this waits for it.
    await bot.broadcasts_finished()
    counts = [received(bot, u, "Авария") for u in range(300, 340)]
    assert min(counts) == 1  # nobody lost
    assert sum(counts) - 40 <= 2  # only what was in flight at the kill may go twice
    await bot.stop()


async def test_blocking_the_bot_is_remembered_before_any_broadcast(bot: Harness) -> None:
    from bot.simulator.api import BotApiSimulator, now

    await residents(bot, "krg-osakarovka-molodezhny", range(101, 103))
    me = bot.user(101, "R101", "ru")

    def member(status: str) -> Json:
        found: Json = {"user": BotApiSimulator.bot_user(), "status": status}
        if status == "kicked":
            found["until_date"] = 0
        return found

    def membership(old: str, new: str) -> Json:
        return bot.sim.make_update(
            {
                "my_chat_member": {
                    "chat": {"id": 101, "type": "private", "first_name": "R101"},
                    "from": me.as_json(),
                    "date": now(),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    await bot.deliver(membership("member", "kicked"))
    assert await repo.count_audience(db_of(bot), ["krg-osakarovka-molodezhny"]) == 1
    await bot.deliver(membership("kicked", "member"))
    assert await repo.count_audience(db_of(bot), ["krg-osakarovka-molodezhny"]) == 2


async def test_on_postgresql_a_claim_skips_the_rows_another_process_is_claiming(
    tmp_path: Path, pg_url: str
) -> None:
    """Two processes' connections (a standby that took the lead, the old active one that has
    not noticed yet): the second claim takes other rows at once (SKIP LOCKED), not the same."""
    settings = make_settings(tmp_path, database_url=pg_url)
    await seed(settings)
    first, second = settings.database(), settings.database()
    await first.open()
    await second.open()
    try:
        for user_id in range(5000, 5010):
            await people.ensure_person(first, user_id, f"R{user_id}")
            await people.set_village(first, user_id, "krg-osakarovka-molodezhny")
        broadcast_id = await repo.create(
            first, kind="notice", payload={"text": "Су"}, created_by=STAFF_ID,
            village_codes=["krg-osakarovka-molodezhny"],
        )  # fmt: skip
        async with first.transaction() as tx:  # the first four rows being claimed, uncommitted
            await tx.execute(
                "UPDATE outbox SET attempts = attempts WHERE broadcast_id = ? AND person_id IN "
                "(SELECT person_id FROM outbox WHERE broadcast_id = ? ORDER BY person_id LIMIT 4)",
                (broadcast_id, broadcast_id),
            )
            held = {row[0] for row in await tx.execute_fetchall(
                "SELECT person_id FROM outbox WHERE broadcast_id = ? ORDER BY person_id LIMIT 4",
                (broadcast_id,),
            )}  # fmt: skip
            claim = repo.claim(second, broadcast_id, 10, timedelta(seconds=30))
            claimed = {r.person_id for r in await asyncio.wait_for(claim, timeout=5)}
    finally:
        await second.close()
        await first.close()
    assert len(held) == 4 and len(claimed) == 6 and not held & claimed
