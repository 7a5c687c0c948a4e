"""The Bot API simulator refuses what Telegram refuses, in Telegram's words.

Each test drives python-telegram-bot's own ``Bot`` against the simulator (in process through the
request seam, and over HTTP where the transport matters: files and 429s) and checks both what
PTB raises and the description the simulator answered.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
)
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.simulator import BotApiSimulator, Harness, SimUser
from bot.simulator.__main__ import main as simulator_main
from bot.simulator.api import Json, Throttle
from bot.simulator.http import SimServer
from bot.simulator.rules import NOT_MODIFIED, QUERY_TOO_OLD, WRONG_FILE
from tests.conftest import make_settings

TOKEN = "7000000001:OFFLINEofflineOFFLINEofflineOFFLINE"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
RESIDENT = 1101


async def nowhere(update: Json) -> None:
    """People's updates go nowhere: these tests play the bot's side by hand."""


class Inbox(list[Json]):
    """The updates people sent, as the bot would receive them."""

    async def __call__(self, update: Json) -> None:
        self.append(update)

    def file_id(self, kind: str) -> str:
        """The file id of the newest ``kind`` of file sent."""
        for update in reversed(self):
            media = update.get("message", {}).get(kind)
            if media:
                return str(media[-1]["file_id"] if kind == "photo" else media["file_id"])
        raise AssertionError(f"no {kind} was sent")

    def query_id(self) -> str:
        """The id of the newest button tap."""
        taps = [u["callback_query"]["id"] for u in self if "callback_query" in u]
        return str(taps[-1])


class Frozen:
    """A clock that moves only when told: flood windows and deadlines without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Frozen:
    """The simulator's clock."""
    return Frozen()


@pytest.fixture
def sim(clock: Frozen) -> BotApiSimulator:
    """A strict simulator whose flood limits and deadlines run on a frozen clock."""
    simulator = BotApiSimulator()
    simulator.clock = clock
    assert simulator.throttle is not None  # on by default
    simulator.throttle.clock = clock
    return simulator


@pytest.fixture
async def bot(sim: BotApiSimulator) -> AsyncIterator[Bot]:
    """PTB's ``Bot`` on the simulator, in process."""
    telegram_bot = Bot(TOKEN, request=sim, get_updates_request=sim)
    await telegram_bot.initialize()
    yield telegram_bot
    await telegram_bot.shutdown()


@pytest.fixture
def inbox() -> Inbox:
    """What people sent."""
    return Inbox()


@pytest.fixture
async def resident(sim: BotApiSimulator, inbox: Inbox) -> SimUser:
    """A person who wrote ``/start``."""
    person = SimUser(sim, inbox, RESIDENT, "Aigerim", "kk")
    await person.send("/start")
    return person


async def refused(sim: BotApiSimulator, call: Any, kind: type[TelegramError]) -> str:
    """Run a Bot API call that must fail with ``kind``; return the simulator's description."""
    with pytest.raises(kind):
        await call
    return sim.calls[-1].error


async def raw_refusal(sim: BotApiSimulator, method: str, **params: Any) -> str:
    """Post a request as raw JSON (what PTB's methods would not build); return the refusal."""
    status, body = await sim.answer(method, params)
    answer = json.loads(body)
    assert status == answer["error_code"] == 400 and not answer["ok"]
    return str(answer["description"])


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """An inline keyboard of rows."""
    return InlineKeyboardMarkup(list(rows))


# --- files -----------------------------------------------------------------------------------
async def test_a_local_path_posted_raw_is_a_wrong_file_identifier(
    sim: BotApiSimulator, bot: Bot, resident: SimUser, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(PNG)
    request = bot.do_api_request("sendPhoto", api_kwargs={"chat_id": RESIDENT, "photo": str(chart)})
    assert await refused(sim, request, BadRequest) == WRONG_FILE
    assert resident.messages == []


async def test_an_unknown_file_id_is_a_wrong_file_identifier(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    assert await refused(sim, bot.send_document(RESIDENT, "BQACAgIAAx-made-up"), BadRequest) == (
        WRONG_FILE
    )


async def test_issued_file_ids_urls_and_uploads_are_taken(
    sim: BotApiSimulator, bot: Bot, resident: SimUser, inbox: Inbox, tmp_path: Path
) -> None:
    await resident.send_photo()
    await resident.send_voice()
    await resident.send_document()
    chart = tmp_path / "chart.png"
    chart.write_bytes(PNG)
    sim.throttle = None  # seven messages to one chat: not what this test is about

    await bot.send_photo(RESIDENT, inbox.file_id("photo"))
    await bot.send_voice(RESIDENT, inbox.file_id("voice"))
    await bot.send_document(RESIDENT, inbox.file_id("document"))
    await bot.send_photo(RESIDENT, "https://example.org/chart.png")
    uploaded = await bot.send_photo(RESIDENT, chart)  # PTB uploads a path it is given itself
    again = await bot.send_photo(RESIDENT, uploaded.photo[-1].file_id)

    assert again.photo[-1].file_id == uploaded.photo[-1].file_id
    assert sim.calls[-2].files  # the upload went as multipart
    assert len(resident.messages) == 6


async def test_an_album_takes_uploads_and_file_ids_but_not_paths(
    sim: BotApiSimulator, bot: Bot, resident: SimUser, inbox: Inbox
) -> None:
    await resident.send_photo()
    photo = inbox.file_id("photo")
    album = await bot.send_media_group(RESIDENT, [InputMediaPhoto(PNG), InputMediaPhoto(photo)])
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id

    raw = [{"type": "photo", "media": photo}, {"type": "photo", "media": "/srv/charts/a.png"}]
    refusal = await raw_refusal(sim, "sendMediaGroup", chat_id=RESIDENT, media=json.dumps(raw))
    assert refusal == WRONG_FILE
    assert len(resident.messages) == 2


async def test_over_http_a_path_is_refused_and_an_upload_taken(tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(PNG)
    async with SimServer(token=TOKEN) as server:
        person = SimUser(server.sim, nowhere, RESIDENT, "Aigerim", "kk")
        await person.send("/start")
        bot = Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url)
        async with bot:
            with pytest.raises(BadRequest):
                await bot.do_api_request(
                    "sendPhoto", api_kwargs={"chat_id": RESIDENT, "photo": str(chart)}
                )
            assert server.sim.calls[-1].error == WRONG_FILE
            uploaded = await bot.send_photo(RESIDENT, chart, caption="Results")
            await bot.send_photo(RESIDENT, uploaded.photo[-1].file_id)
            album = [InputMediaPhoto(PNG), InputMediaPhoto(chart.read_bytes())]
            await bot.send_media_group(RESIDENT, album)
        assert [bool(m.get("photo")) for m in person.messages] == [True] * 4


# --- texts and captions ----------------------------------------------------------------------
async def test_a_text_over_4096_characters_is_too_long(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    await bot.send_message(RESIDENT, "ы" * 4096)
    request = bot.send_message(RESIDENT, "ы" * 4097)
    assert await refused(sim, request, BadRequest) == "Bad Request: message is too long"


async def test_an_empty_text_is_refused(sim: BotApiSimulator, bot: Bot, resident: SimUser) -> None:
    request = bot.do_api_request("sendMessage", api_kwargs={"chat_id": RESIDENT, "text": "  "})
    assert await refused(sim, request, BadRequest) == "Bad Request: message text is empty"


async def test_an_edit_to_over_4096_characters_is_refused(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    message = await bot.send_message(RESIDENT, "Short")
    request = bot.edit_message_text("ы" * 4097, RESIDENT, message.message_id)
    assert await refused(sim, request, BadRequest) == "Bad Request: MESSAGE_TOO_LONG"
    assert resident.last_text == "Short"


async def test_a_caption_over_1024_characters_is_too_long(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    await bot.send_photo(RESIDENT, PNG, caption="ы" * 1024)
    request = bot.send_photo(RESIDENT, PNG, caption="ы" * 1025)
    assert await refused(sim, request, BadRequest) == "Bad Request: message caption is too long"


# --- keyboards -------------------------------------------------------------------------------
async def test_callback_data_over_64_bytes_is_refused(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    fits = InlineKeyboardButton("Иә", callback_data="ы" * 32)  # 64 bytes
    await bot.send_message(RESIDENT, "Sure?", reply_markup=keyboard([fits]))
    too_long = InlineKeyboardButton("Иә", callback_data="ы" * 32 + "a")
    request = bot.send_message(RESIDENT, "Sure?", reply_markup=keyboard([too_long]))
    assert await refused(sim, request, BadRequest) == "Bad Request: BUTTON_DATA_INVALID"


async def test_empty_callback_data_is_refused_in_an_edit_too(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    message = await bot.send_message(RESIDENT, "Sure?")
    markup = {"inline_keyboard": [[{"text": "Yes", "callback_data": ""}]]}
    refusal = await raw_refusal(
        sim, "editMessageReplyMarkup", chat_id=RESIDENT, message_id=message.message_id,
        reply_markup=markup,
    )  # fmt: skip
    assert refusal == "Bad Request: BUTTON_DATA_INVALID"


async def test_more_than_100_buttons_or_8_in_a_row_are_refused(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    def row(size: int, first: int = 0) -> list[InlineKeyboardButton]:
        return [
            InlineKeyboardButton(str(n), callback_data=str(n)) for n in range(first, first + size)
        ]

    await bot.send_message(
        RESIDENT, "Villages", reply_markup=keyboard(*(row(5, 5 * n) for n in range(20)))
    )
    too_many = keyboard(*(row(5, 5 * n) for n in range(21)))
    request = bot.send_message(RESIDENT, "Villages", reply_markup=too_many)
    assert await refused(sim, request, BadRequest) == "Bad Request: reply markup is too long"
    request = bot.send_message(RESIDENT, "Villages", reply_markup=keyboard(row(9)))
    assert await refused(sim, request, BadRequest) == "Bad Request: reply markup is too long"


# --- callback answers ------------------------------------------------------------------------
async def test_a_tap_is_answered_once(
    sim: BotApiSimulator, bot: Bot, resident: SimUser, inbox: Inbox
) -> None:
    await bot.send_message(RESIDENT, "Sure?", reply_markup=keyboard([button("Yes")]))
    await resident.tap("Yes")
    query_id = inbox.query_id()
    assert await bot.answer_callback_query(query_id, "Done")
    request = bot.answer_callback_query(query_id, "Done again")
    assert await refused(sim, request, BadRequest) == QUERY_TOO_OLD
    assert sim.callback_answers[query_id]["text"] == "Done"


async def test_a_tap_answered_after_the_deadline_is_refused(
    sim: BotApiSimulator, bot: Bot, resident: SimUser, inbox: Inbox, clock: Frozen
) -> None:
    await bot.send_message(RESIDENT, "Sure?", reply_markup=keyboard([button("Yes")]))
    await resident.tap("Yes")
    assert sim.callback_deadline == 15.0
    clock.now += 15.5
    request = bot.answer_callback_query(inbox.query_id())
    assert await refused(sim, request, BadRequest) == QUERY_TOO_OLD


async def test_an_answer_to_a_tap_never_made_is_refused(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    assert await refused(sim, bot.answer_callback_query("cq-1101-999"), BadRequest) == (
        QUERY_TOO_OLD
    )


async def test_a_callback_answer_over_200_characters_is_refused(
    sim: BotApiSimulator, bot: Bot, resident: SimUser, inbox: Inbox
) -> None:
    await bot.send_message(RESIDENT, "Sure?", reply_markup=keyboard([button("Yes")]))
    await resident.tap("Yes")
    request = bot.answer_callback_query(inbox.query_id(), "ы" * 201, show_alert=True)
    assert await refused(sim, request, BadRequest) == "Bad Request: MESSAGE_TOO_LONG"
    assert await bot.answer_callback_query(inbox.query_id(), "ы" * 200)  # the tap is still open


def button(label: str) -> InlineKeyboardButton:
    """A callback button whose data is its label."""
    return InlineKeyboardButton(label, callback_data=label)


# --- flood limits ----------------------------------------------------------------------------
async def test_more_than_30_sends_a_second_get_429(
    sim: BotApiSimulator, bot: Bot, clock: Frozen
) -> None:
    for n in range(31):
        sim.add_person(2000 + n, f"R{n}")
    for n in range(30):
        await bot.send_message(2000 + n, "Notice")
    with pytest.raises(RetryAfter):
        await bot.send_message(2030, "Notice")
    assert sim.calls[-1].status == 429
    clock.now += 1.0
    await bot.send_message(2030, "Notice")


async def test_paid_broadcast_goes_to_1000_a_second(sim: BotApiSimulator, bot: Bot) -> None:
    for n in range(40):
        sim.add_person(2000 + n, f"R{n}")
        await bot.send_message(2000 + n, "Notice", allow_paid_broadcast=True)
    assert all(call.ok for call in sim.calls)


async def test_a_private_chat_takes_a_burst_of_3_then_1_a_second(
    sim: BotApiSimulator, bot: Bot, resident: SimUser, clock: Frozen
) -> None:
    for _ in range(3):
        await bot.send_message(RESIDENT, "Reply")
    with pytest.raises(RetryAfter):
        await bot.send_message(RESIDENT, "Reply")
    assert sim.calls[-1].error == "Too Many Requests: retry after 1"
    clock.now += 1.0
    await bot.send_message(RESIDENT, "Reply")
    with pytest.raises(RetryAfter):
        await bot.send_message(RESIDENT, "Reply")
    assert len(resident.messages) == 4


async def test_a_group_takes_20_messages_a_minute(
    sim: BotApiSimulator, bot: Bot, clock: Frozen
) -> None:
    sim.add_group(-100200, "Osakarovka staff")
    for _ in range(20):
        await bot.send_message(-100200, "Digest")
        clock.now += 1.0
    with pytest.raises(RetryAfter):
        await bot.send_message(-100200, "Digest")
    assert "retry after 40" in sim.calls[-1].error


async def test_flood_limits_can_be_lifted(
    bot: Bot, sim: BotApiSimulator, resident: SimUser
) -> None:
    sim.throttle = None
    for _ in range(10):
        await bot.send_message(RESIDENT, "Reply")
    assert len(resident.messages) == 10


async def test_over_http_a_burst_to_one_chat_gets_429_with_retry_after() -> None:
    async with SimServer(BotApiSimulator(), token=TOKEN) as server:
        server.sim.add_person(RESIDENT, "Aigerim")
        assert server.sim.throttle is not None
        server.sim.throttle = Throttle(clock=Frozen())
        bot = Bot(TOKEN, base_url=server.base_url)
        async with bot:
            for _ in range(3):
                await bot.send_message(RESIDENT, "Reply")
            with pytest.raises(RetryAfter):
                await bot.send_message(RESIDENT, "Reply")
        async with ClientSession() as client:
            url = f"{server.base_url}{TOKEN}/sendMessage"
            async with client.post(url, json={"chat_id": RESIDENT, "text": "Reply"}) as answer:
                body = await answer.json()
        assert answer.status == 429
        assert body["parameters"] == {"retry_after": 1}
        assert body["description"] == "Too Many Requests: retry after 1"


# --- chats -----------------------------------------------------------------------------------
async def test_a_person_who_never_wrote_cannot_be_messaged(sim: BotApiSimulator, bot: Bot) -> None:
    silent = SimUser(sim, nowhere, 1102, "Ivan", "ru")
    request = bot.send_message(silent.id, "Hello")
    assert await refused(sim, request, Forbidden) == (
        "Forbidden: bot can't initiate conversation with a user"
    )
    await silent.send("/start")
    await bot.send_message(silent.id, "Hello")
    assert silent.last_text == "Hello"


async def test_a_person_who_blocked_the_bot_cannot_be_messaged(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    sim.blocked.add(RESIDENT)
    request = bot.send_message(RESIDENT, "Hello")
    assert await refused(sim, request, Forbidden) == "Forbidden: bot was blocked by the user"


async def test_an_unknown_chat_is_not_found(sim: BotApiSimulator, bot: Bot) -> None:
    request = bot.send_message(424242, "Hello")
    assert await refused(sim, request, BadRequest) == "Bad Request: chat not found"


# --- edits -----------------------------------------------------------------------------------
async def test_an_edit_that_changes_nothing_is_not_modified(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    markup = keyboard([button("Yes")])
    message = await bot.send_message(RESIDENT, "Sure?", reply_markup=markup)
    request = bot.edit_message_text("Sure?", RESIDENT, message.message_id, reply_markup=markup)
    assert await refused(sim, request, BadRequest) == NOT_MODIFIED
    request = bot.edit_message_reply_markup(RESIDENT, message.message_id, reply_markup=markup)
    assert await refused(sim, request, BadRequest) == NOT_MODIFIED
    await bot.edit_message_reply_markup(RESIDENT, message.message_id)  # the keyboard goes
    request = bot.edit_message_reply_markup(RESIDENT, message.message_id)
    assert await refused(sim, request, BadRequest) == NOT_MODIFIED


# --- albums ----------------------------------------------------------------------------------
async def test_an_album_has_2_to_10_items(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    one = [{"type": "photo", "media": "https://example.org/1.png"}]
    assert await raw_refusal(sim, "sendMediaGroup", chat_id=RESIDENT, media=one) == (
        "Bad Request: media group must include 2-10 items"
    )
    request = bot.send_media_group(RESIDENT, [InputMediaPhoto(PNG) for _ in range(11)])
    assert await refused(sim, request, BadRequest) == (
        "Bad Request: too many messages to send as an album"
    )
    assert resident.messages == []


# --- command menus ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("commands", "language", "description"),
    [
        ([("c" + str(n), "Command") for n in range(101)], None, "BOT_COMMANDS_TOO_MUCH"),
        ([("newPoll", "New poll")], None, "BOT_COMMAND_INVALID"),
        ([("x" * 33, "Too long a command")], None, "BOT_COMMAND_INVALID"),
        ([("poll", "ы" * 257)], None, "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([("poll", "")], None, "command description must be non-empty"),
        ([("poll", "New poll")], "kaz", "invalid language code specified"),
    ],
)
async def test_a_command_menu_outside_telegrams_limits_is_refused(
    sim: BotApiSimulator,
    commands: list[tuple[str, str]],
    language: str | None,
    description: str,
) -> None:
    menu = [{"command": c, "description": d} for c, d in commands]
    params: dict[str, Any] = {"commands": menu}
    if language:
        params["language_code"] = language
    assert await raw_refusal(sim, "setMyCommands", **params) == f"Bad Request: {description}"
    assert sim.commands == {}


async def test_a_menu_within_the_limits_is_stored(
    sim: BotApiSimulator, bot: Bot, resident: SimUser
) -> None:
    menu = [BotCommand(f"c_{n}", "ы" * 256) for n in range(100)]
    assert await bot.set_my_commands(menu, language_code="kk")
    assert await bot.set_my_commands(menu[:1], scope=BotCommandScopeChat(RESIDENT))
    assert len(sim.commands) == 2


# --- latency ---------------------------------------------------------------------------------
async def test_latency_delays_every_answer(tmp_path: Path) -> None:
    harness = Harness(make_settings(tmp_path), latency=0.05)
    assert harness.sim.latency == 0.05
    loop = asyncio.get_running_loop()
    started = loop.time()
    status, _ = await harness.sim.answer("getMe", {})
    assert status == 200
    assert loop.time() - started >= 0.049  # a lower bound: sleeping never ends early


def test_the_served_simulator_takes_a_latency(monkeypatch: pytest.MonkeyPatch) -> None:
    served: dict[str, Any] = {}

    async def serve(host: str, port: int, token: str | None, **options: Any) -> None:
        served.update(options, host=host, port=port)

    monkeypatch.setattr("bot.simulator.http.serve", serve)
    assert simulator_main(["serve", "--port", "8099", "--latency", "0.05"]) == 0
    assert served == {"host": "127.0.0.1", "port": 8099, "latency": 0.05, "flood_limits": True}
