"""The bot's HTTP transport (``bot/transport.py``) against the Bot API simulator over HTTP.

PTB's ``Bot`` drives it as in production: what the simulator received, and what PTB raises
when the server does not answer (its own ``TimedOut`` and ``NetworkError``, which its retries,
the pacer and the token watch rely on).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import NetworkError, TimedOut

from bot.simulator.api import BotApiSimulator, Json
from bot.simulator.http import SimServer
from bot.simulator.people import SimUser
from bot.transport import AiohttpRequest

TOKEN = "7000000001:OFFLINEofflineOFFLINEofflineOFFLINE"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
RESIDENT = 1101

pytestmark = pytest.mark.slow


async def nowhere(update: Json) -> None:
    """People's updates go nowhere: the tests play the bot's side by hand."""


@pytest.fixture
async def server() -> AsyncIterator[SimServer]:
    """The simulator (no flood limits) on a local port, with a resident who wrote to the bot."""
    async with SimServer(BotApiSimulator(flood_limits=False), token=TOKEN) as running:
        await SimUser(running.sim, nowhere, RESIDENT, "Aigerim", "kk").send("/start")
        yield running


def bot_on(server: SimServer, request: AiohttpRequest) -> Bot:
    """PTB's Bot talking to the simulator through ``request`` (calls and long polls)."""
    return Bot(
        TOKEN,
        base_url=server.base_url,
        base_file_url=server.base_file_url,
        request=request,
        get_updates_request=request,
    )


def closed_port() -> int:
    """A port on 127.0.0.1 that nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_parameters_arrive_as_the_bot_api_reads_them(server: SimServer) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Да ✅", callback_data="v1:x:1")]])
    async with bot_on(server, AiohttpRequest()) as bot:
        sent = await bot.send_message(RESIDENT, "Сәлем & «привет» = 100%", reply_markup=markup)
    call = server.sim.calls[-1]
    assert call.method == "sendMessage"
    assert call.params["chat_id"] == RESIDENT
    assert call.params["text"] == "Сәлем & «привет» = 100%"
    assert call.params["reply_markup"] == markup.to_dict()
    assert sent.text == "Сәлем & «привет» = 100%"
    assert [c.method for c in server.sim.calls] == ["getMe", "sendMessage"]


async def test_uploads_go_as_multipart_with_their_bytes(server: SimServer, tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(PNG[::-1])
    async with bot_on(server, AiohttpRequest()) as bot:
        from_bytes = await bot.send_photo(RESIDENT, PNG, caption="Нәтиже")
        await bot.send_photo(RESIDENT, chart)  # PTB hands a file handle
        await bot.send_document(RESIDENT, b"a;b\n1;2\n", filename="votes.csv")
        with chart.open("rb") as handle:
            await bot.send_media_group(RESIDENT, [InputMediaPhoto(PNG), InputMediaPhoto(handle)])
    photo, from_path, document, album = server.sim.calls[-4:]
    assert photo.files == {"photo": PNG} and photo.params["caption"] == "Нәтиже"
    assert from_path.files == {"photo": PNG[::-1]}
    assert document.files == {"document": b"a;b\n1;2\n"}
    assert sorted(album.files.values()) == sorted([PNG, PNG[::-1]])
    assert all(c.ok for c in (photo, from_path, document, album))
    assert from_bytes.photo and from_bytes.caption == "Нәтиже"


async def test_a_file_is_downloaded_with_a_get(server: SimServer) -> None:
    async with bot_on(server, AiohttpRequest()) as bot:
        sent = await bot.send_photo(RESIDENT, PNG)
        file = await bot.get_file(sent.photo[-1].file_id)
        content = await file.download_as_bytearray()
    assert content.startswith(b"simulated file ")


async def test_a_long_poll_may_outlast_the_read_timeout(server: SimServer) -> None:
    # The simulator holds an empty long poll for a second; PTB adds the poll's timeout to the
    # read timeout, so a read timeout of a tenth of that must not cut the poll short.
    async with bot_on(server, AiohttpRequest(read_timeout=0.1)) as bot:
        assert await bot.get_updates(timeout=2) == ()
    assert server.sim.calls[-1].method == "getUpdates" and server.sim.calls[-1].ok


async def test_a_server_that_does_not_answer_in_time_is_timed_out(server: SimServer) -> None:
    async with bot_on(server, AiohttpRequest(read_timeout=0.2)) as bot:
        server.outage(30, ("timeout",), hang=1.0)
        with pytest.raises(TimedOut):
            await bot.send_message(RESIDENT, "Hello")
        server.sim.fault = None
        await bot.send_message(RESIDENT, "Hello again")  # the pool recovered


async def test_a_dropped_connection_is_a_network_error(server: SimServer) -> None:
    async with bot_on(server, AiohttpRequest()) as bot:
        server.outage(30, ("reset",))
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(RESIDENT, "Hello")
        assert not isinstance(caught.value, TimedOut)
        server.sim.fault = None
        await bot.send_message(RESIDENT, "Hello again")


async def test_a_refused_connection_is_a_network_error() -> None:
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{closed_port()}/bot", request=request)
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.initialize()  # getMe
    finally:
        await request.shutdown()
    assert not isinstance(caught.value, TimedOut)
    assert "aiohttp.ClientConnectorError" in caught.value.message


async def test_a_request_waiting_for_a_pooled_connection_past_the_pool_timeout_times_out(
    server: SimServer,
) -> None:
    request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.05, connect_timeout=0.05)
    async with bot_on(server, request) as bot:
        # The one connection hangs a second on a chat action (then the server drops it).
        server.outage(30, ("timeout",), methods=frozenset({"sendChatAction"}), hang=1.0)
        first = asyncio.create_task(bot.send_chat_action(RESIDENT, "typing"))
        await server.wait_until(lambda: server.sim.calls[-1].method == "sendChatAction")
        with pytest.raises(TimedOut):
            await bot.send_message(RESIDENT, "waiting for the pool")
        with pytest.raises(NetworkError):
            await first
        await bot.send_message(RESIDENT, "the connection is free again")
    sent = [c.params.get("text") for c in server.sim.calls if c.method == "sendMessage"]
    assert sent == ["the connection is free again"]


async def test_the_request_opens_again_after_a_shutdown(server: SimServer) -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError):
        await request.do_request(f"{server.base_url}{TOKEN}/getMe", "POST")
    for _ in range(2):
        async with bot_on(server, request) as bot:
            await bot.get_me()
    assert [c.method for c in server.sim.calls].count("getMe") == 4
