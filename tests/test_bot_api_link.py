"""``python -m bot run`` when the Bot API cannot be used: one line naming the setting, non-zero.

At start (an unreachable ``BOT_API_BASE_URL``, a token Telegram refuses) and while running (the
token revoked), in polling and in webhook mode, against the HTTP simulator.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import EXIT_SETTINGS, EXIT_UNREACHABLE
from bot.simulator.http import SimServer
from tests.conftest import make_settings, seed
from tests.proof_helpers import (
    SECRET,
    TOKEN,
    BotProcess,
    bot_env,
    free_port,
    kill_leftovers,
    run_bot,
)  # fmt: skip

pytestmark = pytest.mark.slow
NEW_TOKEN = "7000000001:NEWtokenNEWtokenNEWtokenNEWtoken123"  # the token after a revoke


@pytest.fixture(autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    """Kill what a failing test left running."""
    yield
    kill_leftovers()


def webhook_settings(port: int) -> dict[str, object]:
    return {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": port,
    }


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_an_unreachable_bot_api_ends_the_start_in_one_line(
    tmp_path: Path, webhook: bool
) -> None:
    settings = make_settings(tmp_path)
    closed = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    extra = webhook_settings(free_port()) if webhook else {}
    env = bot_env(closed, settings, **extra)
    code, out, err = await run_bot(env, tmp_path)
    assert code == EXIT_UNREACHABLE
    assert out == ""
    (line,) = lines(err)
    assert line.startswith("qatysu: ") and "BOT_API_BASE_URL" in line
    assert f"{closed}/bot " in line  # the URL as configured, without the token
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
async def test_a_token_refused_at_start_ends_it_in_one_line(tmp_path: Path, webhook: bool) -> None:
    settings = make_settings(tmp_path)
    extra = webhook_settings(free_port()) if webhook else {}
    async with SimServer(token=NEW_TOKEN) as server:  # the bot has an old token: 401
        code, out, err = await run_bot(bot_env(server.url, settings, **extra), tmp_path)
        assert [call.method for call in server.sim.calls] == []  # refused before any method
    assert code == EXIT_SETTINGS
    (line,) = lines(err)
    assert line.startswith("qatysu: ") and "BOT_TOKEN" in line and "Unauthorized" in line
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in out + err


async def test_a_token_revoked_while_polling_ends_the_process(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    async with SimServer(token=TOKEN) as server:
        bot = await BotProcess(server, settings).start()
        resident = server.person(1101, "Айгерім", "kk")
        await resident.send("/start")
        assert resident.texts  # it works
        server.token = NEW_TOKEN  # revoked in @BotFather: getUpdates now answers 401
        await server.wait_until(lambda: not bot.running, within=30, what="the bot exits")
        code = await bot.stop()
        log = bot.log()
    assert code == EXIT_SETTINGS
    assert len([line for line in lines(log) if "BOT_TOKEN" in line]) == 1
    assert lines(log)[-1].startswith("qatysu: the Bot API stopped accepting BOT_TOKEN")
    assert "Traceback" not in log and "Application.stop() complete" in log  # a clean stop
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


async def test_a_token_revoked_in_webhook_mode_ends_the_process(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    async with SimServer(token=TOKEN) as server:
        bot = await BotProcess(server, settings, **webhook_settings(free_port())).start()
        resident = server.person(1101, "Айгерім", "kk")
        await resident.send("/start")
        assert resident.texts
        server.token = NEW_TOKEN
        await server.deliver(server.sim.make_update(_text_message(resident.id, "/menu")))
        await server.wait_until(lambda: not bot.running, within=30, what="the bot exits")
        code = await bot.stop()
        log = bot.log()
    assert code == EXIT_SETTINGS
    assert lines(log)[-1].startswith("qatysu: the Bot API stopped accepting BOT_TOKEN")
    assert len([line for line in lines(log) if "BOT_TOKEN" in line]) == 1
    assert "Traceback" not in log and "Application.stop() complete" in log
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


def _text_message(user_id: int, text: str) -> dict[str, object]:
    return {
        "message": {
            "message_id": 900, "date": int(time.time()), "text": text,
            "chat": {"id": user_id, "type": "private", "first_name": "A"},
            "from": {"id": user_id, "is_bot": False, "first_name": "A", "language_code": "kk"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        }
    }  # fmt: skip
