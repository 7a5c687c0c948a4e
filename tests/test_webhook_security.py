"""The webhook over real HTTP on 127.0.0.1, with ``python -m bot run`` as a process.

It refuses to start without a long secret; a wrong secret is refused (403) with no effect; a
body over the limit is refused (413) before it is read, and the process does not grow.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.cli import EXIT_SETTINGS
from bot.settings import load_settings
from bot.simulator.http import SECRET_HEADER, SimServer
from tests.conftest import make_settings, seed
from tests.proof_helpers import (
    SECRET,
    TOKEN,
    BotProcess,
    bot_env,
    free_port,
    kill_leftovers,
    query,
    run_bot,
)

pytestmark = pytest.mark.slow
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    """Kill what a failing test left running."""
    yield
    kill_leftovers()


def webhook_env(port: int, secret: str | None = SECRET) -> dict[str, object]:
    env: dict[str, object] = {
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "WEBHOOK_PORT": port,
    }
    if secret is not None:
        env["WEBHOOK_SECRET"] = secret
    return env


@pytest.mark.parametrize(
    "secret", [None, "short-secret_1234", "x" * 31], ids=["none", "short", "31"]
)
async def test_webhook_mode_refuses_to_start_without_a_long_secret(
    tmp_path: Path, secret: str | None
) -> None:
    settings = make_settings(tmp_path)
    async with SimServer(token=TOKEN) as server:
        env = bot_env(server.url, settings, **webhook_env(free_port(), secret))
        code, _, err = await run_bot(env, tmp_path)
        assert server.sim.calls == []  # not even getMe: the settings stopped it
    assert code == EXIT_SETTINGS
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("qatysu: WEBHOOK_SECRET is invalid: webhook mode (WEBHOOK_URL) ")
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in lines[0]
    assert "Traceback" not in err


def test_the_webhook_listens_on_loopback_unless_told_and_a_made_secret_is_long_enough() -> None:
    import secrets

    made = secrets.token_urlsafe(32)
    settings = load_settings(webhook_url="https://example.org/hook", webhook_secret=made)
    assert settings.webhook_listen == "127.0.0.1"
    assert settings.webhook_max_body == MB
    assert load_settings().webhook_secret is None  # polling needs none


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[SimServer, BotProcess, int]]:
    """The bot in webhook mode on a free port, against the HTTP simulator."""
    settings = make_settings(tmp_path)
    await seed(settings)
    port = free_port()
    async with (
        SimServer(token=TOKEN) as server,
        BotProcess(server, settings, **webhook_env(port)) as bot,
    ):
        yield server, bot, port


def vm_rss_kb(pid: int) -> int:
    """The process's resident memory (``VmRSS`` in /proc), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def chunks(size: int) -> AsyncIterator[bytes]:
    """A body of ``size`` bytes sent chunked (no Content-Length)."""
    piece = b" " * (256 * 1024)
    for _ in range(size // len(piece)):
        yield piece


async def test_oversized_bodies_are_refused_unread_and_memory_stays_flat(
    running: tuple[SimServer, BotProcess, int],
) -> None:
    server, bot, port = running
    assert bot.process is not None
    url = f"http://127.0.0.1:{port}/telegram"
    body = b"{" + b" " * (5 * MB) + b"}"
    right = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
    wrong = {"Content-Type": "application/json", SECRET_HEADER: "guessed-secret"}
    async with ClientSession() as client:
        async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
            healthy = "active" if bot.settings.database_url else "ok"  # PostgreSQL: the leader
            assert (response.status, await response.text()) == (200, healthy)
        async with client.post(url, data=body, headers=right) as response:
            assert response.status == 413  # warm-up: the first request loads code
        before = vm_rss_kb(bot.process.pid)
        answers = []
        for headers in (right, wrong) * 4:
            async with client.post(url, data=body, headers=headers) as response:
                answers.append(response.status)
        for _ in range(2):  # no declared size: cut off at the limit while read
            async with client.post(url, data=chunks(5 * MB), headers=right) as response:
                answers.append(response.status)
        after = vm_rss_kb(bot.process.pid)
    assert answers == [413, 403] * 4 + [413, 413]
    assert after - before < 20 * 1024, (before, after)  # kB: it did not keep what came
    assert bot.running
    assert server.webhook_answers == []  # the simulator has posted no update yet


async def test_an_update_with_the_secret_still_works_after_refused_ones(
    running: tuple[SimServer, BotProcess, int],
) -> None:
    server, bot, port = running
    url = f"http://127.0.0.1:{port}/telegram"
    update = server.sim.make_update(
        {
            "message": {
                "message_id": 1, "date": int(time.time()), "text": "/start",
                "chat": {"id": 1777, "type": "private", "first_name": "Aida"},
                "from": {"id": 1777, "is_bot": False, "first_name": "Aida"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )  # fmt: skip
    async with ClientSession() as client:
        for secret, status in ((SECRET[:-1], 403), (SECRET + "x", 403), ("", 403)):
            headers = {"Content-Type": "application/json", SECRET_HEADER: secret}
            async with client.post(url, data=json.dumps(update), headers=headers) as response:
                assert response.status == status
        headers = {"Content-Type": "application/json", SECRET_HEADER: SECRET}
        async with client.post(url, data=b"not json", headers=headers) as response:
            assert response.status == 400
        async with client.post(url, data=json.dumps(update), headers=headers) as response:
            assert response.status == 200
    await server.wait_until(
        lambda: any(c.params.get("chat_id") == 1777 for c in server.sim.calls_to("sendMessage")),
        what="an answer to the update with the secret",
    )
    rows = await query(bot.settings, "SELECT COUNT(*) FROM people WHERE telegram_id = 1777")
    assert rows[0][0] == 1
