"""Faults: the bot killed mid-broadcast and mid-dialog, updates twice, the Bot API failing,
the database locked, the clock passing a schedule while the bot is down."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from bot.settings import Settings
from bot.simulator.http import SimServer
from tests.conftest import STAFF_ID, seed
from tests.proof_helpers import (
    TOKEN,
    BotProcess,
    add_residents,
    free_port,
    kill_leftovers,
    query,
    received_by,
)
from tests.test_e2e_http import POTHOLE, webhook_settings

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]


@pytest.fixture(autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    """Kill what a failing test left running."""
    yield
    kill_leftovers()


MOLODEZHNY = "krg-osakarovka-molodezhny"
OSAKAROVKA = "krg-osakarovka-osakarovka"


async def staff_broadcasts(server: SimServer, text: str) -> None:
    """District staff send a notice to Molodezhny through /broadcast."""
    staff = server.person(STAFF_ID, "Ерлан", "ru")
    await staff.send("/broadcast")
    await staff.send(text)
    await staff.tap("Молодежный")
    await staff.tap("Готово ›")
    await staff.tap("📤 Отправить")


async def broadcast_status(settings: Settings) -> list[str]:
    return [row[0] for row in await query(settings, "SELECT status FROM broadcasts ORDER BY id")]


async def test_killed_mid_broadcast_every_resident_gets_it_once_but_the_few_in_flight(
    settings: Settings,
) -> None:
    await seed(settings)
    residents = range(20_000, 20_300)
    env = {"BROADCAST_LEASE_SECONDS": 2}  # the broadcast rate stays within Telegram's 30/s
    async with SimServer(token=TOKEN) as server:
        await add_residents(server, settings, residents, MOLODEZHNY)
        bot = await BotProcess(server, settings, **env).start()
        await staff_broadcasts(server, "Свет отключат в среду")
        await server.wait_until(
            lambda: sum(received_by(server, residents, "Свет отключат").values()) >= 100,
            what="100 residents reached",
        )
        bot.kill()
        at_kill = sum(received_by(server, residents, "Свет отключат").values())
        await bot.start()
        await server.wait_until(
            lambda: min(received_by(server, residents, "Свет отключат").values()) >= 1,
            within=60,
            what="every resident reached",
        )
        await server.wait_until(lambda: server.sim.calls_to("editMessageText") != [], within=10)
        await server.settle(quiet=1.0)
        await bot.stop()
    counts = received_by(server, residents, "Свет отключат")
    twice = sum(1 for n in counts.values() if n > 1)
    print(
        f"\nkill mid-broadcast: {len(residents)} residents, killed after {at_kill} sends; "
        f"every one reached, {twice} twice (in flight at the kill), none more than twice"
    )
    assert min(counts.values()) == 1 and max(counts.values()) <= 2
    assert twice <= 20  # 16 workers in flight, at most
    assert await broadcast_status(settings) == ["done"]
    staff_texts = [m.get("text", "") for m in server.sim.chat_messages(STAFF_ID)]
    assert any(t.startswith("✅ Рассылка завершена. Доставлено: 300 из 300.") for t in staff_texts)


async def test_killed_mid_dialog_the_complaint_continues_after_the_restart(
    settings: Settings,
) -> None:
    await seed(settings)
    async with SimServer(token=TOKEN) as server:
        server.person(STAFF_ID, "Ерлан", "ru", started=True)  # to be told of the complaint
        bot = await BotProcess(server, settings).start()
        aigerim = server.person(1101, "Айгерім", "kk")
        await aigerim.send(f"/start v_{OSAKAROVKA}")
        await aigerim.send("/complaint")
        await aigerim.tap("🛣 Жолдар")
        await aigerim.send(POTHOLE)
        assert "📎 арқылы 3 фотоға дейін" in aigerim.last_text
        bot.kill()
        await bot.start()
        await aigerim.send_photo()
        assert aigerim.last_text.startswith("📷 Фото қосылды: 1/3.")
        await aigerim.tap("Әрі қарай")
        assert POTHOLE in aigerim.last_text
        await aigerim.tap("✅ Жіберу")
        assert aigerim.last_text.startswith("✅ Шағымыңыз #")
        await bot.stop()
    rows = await query(
        settings,
        "SELECT text, (SELECT COUNT(*) FROM appeal_photos p WHERE p.appeal_id = a.id) "
        "FROM appeals a",
    )
    assert [(row[0], row[1]) for row in rows] == [(POTHOLE, 1)]


def start_update(server: SimServer, user_id: int) -> dict[str, object]:
    return server.sim.make_update(
        {
            "message": {
                "message_id": server.sim.next_message_id(), "date": int(time.time()),
                "text": f"/start v_{OSAKAROVKA}",
                "chat": {"id": user_id, "type": "private", "first_name": "Иван"},
                "from": {"id": user_id, "is_bot": False, "first_name": "Иван",
                         "language_code": "ru"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )  # fmt: skip


async def test_an_update_delivered_again_after_a_kill_has_one_effect(settings: Settings) -> None:
    """Telegram re-delivers what the killed bot never confirmed: the restarted bot drops it."""
    await seed(settings)
    async with SimServer(token=TOKEN) as server:
        ivan = server.person(1102, "Иван", "ru")
        bot = await BotProcess(server, settings).start()
        update = start_update(server, 1102)
        await server.deliver(update)
        await server.settle_chat(1102, time.monotonic() - 0.01)
        answered = len(ivan.messages)
        assert answered >= 1 and "Ваше село: Осакаровка" in ivan.texts[0]
        bot.kill()
        server.sim.enqueue(update)  # the same update_id again
        await bot.start()
        await server.wait_until(lambda: server.sim.pending_updates == 0)
        await server.settle(quiet=1.0)
        assert len(ivan.messages) == answered
        await bot.stop()


async def test_a_webhook_update_posted_twice_has_one_effect(settings: Settings) -> None:
    await seed(settings)
    port = free_port()
    async with (
        SimServer(token=TOKEN) as server,
        BotProcess(server, settings, **webhook_settings(port)),
    ):
        ivan = server.person(1102, "Иван", "ru")
        update = start_update(server, 1102)
        await server.deliver(update)
        await server.deliver(dict(update))  # Telegram retries when an answer was lost
        await server.wait_until(lambda: len(server.webhook_answers) >= 2)
        await server.settle(quiet=1.0)
        assert server.webhook_answers == [200, 200]
        sent = [c for c in server.sim.calls_to("sendMessage") if c.params["chat_id"] == 1102]
        assert len(sent) == len(ivan.messages) == 1  # the village and the menu, once


async def test_the_bot_api_failing_for_a_while_loses_nothing_and_work_resumes(
    settings: Settings,
) -> None:
    """429, 500, 502, timeouts and resets, for every method, mid-broadcast and mid-dialog."""
    await seed(settings)
    residents = range(21_000, 21_060)
    async with SimServer(token=TOKEN) as server:
        await add_residents(server, settings, residents, MOLODEZHNY)
        bot = await BotProcess(server, settings, BROADCAST_RATE=20).start()
        aigerim = server.person(1101, "Айгерім", "kk")
        await aigerim.send(f"/start v_{OSAKAROVKA}")
        await aigerim.send("/complaint")
        await staff_broadcasts(server, "Вода будет по графику")
        await server.wait_until(
            lambda: sum(received_by(server, residents, "по графику").values()) >= 10
        )
        outage = server.outage(4.0, ("429", "500", "502", "timeout", "reset"), hang=6.0)
        # Each step is answered, late, once the API is back (or when its retry gets through).
        steps: list[tuple[Callable[[], Awaitable[object]], str]] = [
            (lambda: aigerim.tap("🛣 Жолдар"), "Мәселені бірнеше сөзбен сипаттаңыз"),
            (lambda: aigerim.send(POTHOLE), "📎"),
            (lambda: aigerim.tap("Әрі қарай"), "Шағымыңызды тексеріңіз:"),
            (lambda: aigerim.tap("✅ Жіберу"), "✅ Шағымыңыз #"),
        ]
        for step, answer in steps:
            await step()
            await server.wait_until(
                lambda a=answer: a in aigerim.last_text,  # type: ignore[misc]
                within=40,
                what=answer,
            )
        await server.wait_until(
            lambda: min(received_by(server, residents, "по графику").values()) >= 1, within=60
        )
        await server.settle(quiet=1.0)
        assert outage.failed >= 5 and not outage.active
        assert bot.running
        await bot.stop()
    counts = received_by(server, residents, "по графику")
    assert set(counts.values()) == {1}  # nobody lost, nobody twice
    assert await broadcast_status(settings) == ["done"]
    rows = await query(settings, "SELECT status, COUNT(*) FROM outbox GROUP BY status")
    assert [(row[0], row[1]) for row in rows] == [("sent", 60)]
    assert [row[0] for row in await query(settings, "SELECT text FROM appeals")] == [POTHOLE]
