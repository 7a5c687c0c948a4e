"""End to end over real sockets: ``python -m bot run``, unchanged, against the HTTP simulator."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import ClientSession

from bot.settings import Settings
from bot.simulator import SimUser
from bot.simulator.http import SECRET_HEADER, SimServer
from tests.conftest import STAFF_ID, seed
from tests.proof_helpers import (
    ROOT,
    SECRET,
    TOKEN,
    BotProcess,
    bot_env,
    free_port,
    kill_leftovers,
    query,
    spawn,
)  # fmt: skip

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]


@pytest.fixture(autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    """Kill what a failing test left running."""
    yield
    kill_leftovers()


POTHOLE = "Орталық көшедегі үлкен шұңқыр, көлік өте алмайды"


async def onboard_by_buttons(resident: SimUser) -> None:
    """/start → language → region → district → village."""
    await resident.send("/start")
    assert "Тілді таңдаңыз" in resident.last_text
    await resident.tap("Қазақша")
    assert resident.last_text == "Облысыңызды таңдаңыз:"
    await resident.tap("Қарағанды облысы")
    await resident.tap("Осакаров ауданы")
    await resident.tap("Осакаровка")
    assert "Сіздің ауылыңыз: Осакаровка" in resident.texts[-2]


async def file_a_complaint(resident: SimUser) -> None:
    """/complaint → category → text → a photo → Next → Send."""
    await resident.send("/complaint")
    await resident.tap("🛣 Жолдар")
    await resident.send(POTHOLE)
    await resident.send_photo()
    assert resident.last_text.startswith("📷 Фото қосылды: 1/3.")
    await resident.tap("Әрі қарай")
    assert resident.last_text.startswith("Шағымыңызды тексеріңіз:")
    await resident.tap("✅ Жіберу")
    assert resident.last_text.startswith("✅ Шағымыңыз #")


async def vote_in_a_poll(staff: SimUser, resident: SimUser) -> None:
    """Staff publish a poll by /newpoll; the resident votes; a second tap changes nothing."""
    closing = datetime.now(ZoneInfo("Asia/Almaty")) + timedelta(days=3)
    await staff.send("/newpoll")
    await staff.send("Что ремонтировать в первую очередь?")
    await staff.send("Дорога до школы\nВодопровод")
    await staff.tap("Один вариант")
    await staff.tap("Осакаровка")
    await staff.tap("Готово ›")
    await staff.tap("Все жители сёл")
    await staff.send(closing.strftime("%d.%m.%Y 18:30"))
    await staff.tap("Нет, голос окончательный")
    await staff.tap("Только после завершения")
    await staff.tap("📤 Опубликовать")
    for _ in range(100):  # the announcement goes out through the broadcast engine
        if any("Что ремонтировать" in text for text in resident.texts):
            break
        await asyncio.sleep(0.1)
    answer = await resident.tap("Дорога до школы")
    assert answer is not None and answer["text"] == "✅ Дауысыңыз есептелді."
    poll_message = next(m for m in resident.messages if "Что ремонтировать" in m.get("text", ""))
    assert "✅ Сіздің дауысыңыз: Дорога до школы" in poll_message["text"]
    again = await resident.tap_data("v1:poll:v:1:2", poll_message)  # a second, forged tap
    assert again is not None and again["show_alert"]  # refused: the first vote stays


async def walk_a_resident(server: SimServer) -> None:
    """A resident joins and files a complaint; the district's staff hear of it."""
    staff = server.person(STAFF_ID, "Ерлан", "ru")
    aigerim = server.person(1101, "Айгерім", "kk")
    await onboard_by_buttons(aigerim)
    await vote_in_a_poll(staff, aigerim)
    await file_a_complaint(aigerim)
    # The staff notice goes out from the outbox just after the resident's answer.
    await server.wait_until(lambda: any(POTHOLE in text for text in staff.texts), what="notice")
    sends = server.sim.calls_to("sendMessage")
    assert all(call.params.get("parse_mode") is None for call in sends)
    assert all(call.ok for call in sends)


async def stored_appeals(settings: Settings) -> list[tuple[str, int]]:
    rows = await query(
        settings,
        "SELECT a.text, p.telegram_id FROM appeals a JOIN people p ON p.id = a.person_id",
    )
    return [(row[0], row[1]) for row in rows]


async def test_polling_over_http_onboarding_and_a_complaint(settings: Settings) -> None:
    await seed(settings)
    async with SimServer(token=TOKEN) as server, BotProcess(server, settings) as bot:
        await walk_a_resident(server)
        assert bot.running
        polls = server.sim.calls_to("getUpdates")
        assert polls and max(int(c.params.get("offset", 0)) for c in polls) > 1
    assert await stored_appeals(settings) == [(POTHOLE, 1101)]
    assert await stored_votes(settings) == [(1101, 1)]


async def stored_votes(settings: Settings) -> list[tuple[int, int]]:
    rows = await query(
        settings,
        "SELECT p.telegram_id, v.choices FROM poll_votes v JOIN people p ON p.id = v.person_id",
    )
    return [(row[0], row[1]) for row in rows]


def webhook_settings(port: int) -> dict[str, object]:
    return {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": port,
    }


async def test_webhook_over_http_onboarding_and_a_complaint(settings: Settings) -> None:
    await seed(settings)
    port = free_port()
    async with (
        SimServer(token=TOKEN) as server,
        BotProcess(server, settings, **webhook_settings(port)),
    ):
        webhook = server.sim.calls_to("setWebhook")[-1].params
        assert webhook["url"] == f"http://127.0.0.1:{port}/telegram"
        assert webhook["secret_token"] == SECRET
        await walk_a_resident(server)
        assert server.webhook_answers and set(server.webhook_answers) == {200}
        assert server.sim.calls_to("getUpdates") == []
    assert await stored_appeals(settings) == [(POTHOLE, 1101)]
    assert await stored_votes(settings) == [(1101, 1)]


async def test_a_webhook_request_without_the_secret_is_refused_and_has_no_effect(
    settings: Settings,
) -> None:
    await seed(settings)
    port = free_port()
    async with (
        SimServer(token=TOKEN) as server,
        BotProcess(server, settings, **webhook_settings(port)),
        ClientSession() as client,
    ):
        intruder = server.person(1666, "Mallory", "en")
        update = server.sim.make_update(
            {
                "message": {
                    "message_id": 1, "date": int(time.time()), "text": "/start v_krg-nura-nura",
                    "chat": {"id": 1666, "type": "private", "first_name": "Mallory"},
                    "from": intruder.as_json(),
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                }
            }
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/telegram"
        for headers in (
            {"Content-Type": "application/json"},
            {"Content-Type": "application/json", SECRET_HEADER: "guessed-secret"},
            {"Content-Type": "application/json", SECRET_HEADER: SECRET.upper()},
        ):
            async with client.post(url, data=json.dumps(update), headers=headers) as response:
                assert response.status == 403
        await server.settle()
        assert intruder.messages == []
        assert not [c for c in server.sim.calls if c.params.get("chat_id") == 1666]
    rows = await query(settings, "SELECT COUNT(*) FROM people WHERE telegram_id = 1666")
    assert rows[0][0] == 0
    rows = await query(settings, "SELECT COUNT(*) FROM processed_updates WHERE update_id = ?",
                       (update["update_id"],))  # fmt: skip
    assert rows[0][0] == 0  # refused before it was even seen


async def test_the_simulator_serves_from_the_command_line_with_a_control_api(
    settings: Settings,
) -> None:
    """``python -m bot.simulator serve`` and ``python -m bot run``, both as processes."""
    tmp_path = settings.database_path.parent
    await seed(settings)
    port = free_port()
    sim = spawn(
        [sys.executable, "-m", "bot.simulator", "serve", "--port", str(port)],
        ROOT, tmp_path / "sim.log",
    )  # fmt: skip
    bot: subprocess.Popen[bytes] | None = None
    base = f"http://127.0.0.1:{port}"
    try:
        async with ClientSession() as client:
            for _ in range(200):
                try:
                    async with client.get(f"{base}/_sim/state") as response:
                        if response.status == 200:
                            break
                except OSError:
                    await asyncio.sleep(0.05)
            env = bot_env(base, settings)
            bot = spawn([sys.executable, "-m", "bot", "run"], tmp_path, tmp_path / "bot.log", env)
            for _ in range(400):
                async with client.get(f"{base}/_sim/calls?method=getUpdates") as response:
                    if (await response.json())["calls"]:
                        break
                await asyncio.sleep(0.05)
            async with client.post(
                f"{base}/_sim/people/1102", json={"first_name": "Иван", "language_code": "ru"}
            ) as response:
                assert response.status == 200
            async with client.post(
                f"{base}/_sim/people/1102/send", json={"text": "/start v_krg-nura-nura"}
            ) as response:
                assert response.status == 200
            async with client.get(f"{base}/_sim/people/1102/chat") as response:
                chat = await response.json()
            assert any("Ваше село: Нура" in text for text in chat["texts"])
            assert "☰ Меню" in chat["keyboard"]  # the reply menu under the input field
            async with client.post(f"{base}/_sim/people/1102/tap", json={"data": "v1:x"}) as r:
                assert (await r.json())["answer"]["text"].startswith("Эта кнопка устарела")
    finally:
        for process in (bot, sim):
            if process is not None:
                process.terminate()
                process.wait(timeout=20)
