"""Chats in parallel, each chat in order: the shipped update processor, through PTB's Updater."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot import callbacks
from bot.appeals.service import CATEGORIES
from bot.settings import Settings
from bot.simulator import Harness, SimUser
from bot.simulator.api import Json
from storage import appeals, people
from storage import polls as polls_repo
from tests.appeal_helpers import OSAKAROVKA
from tests.conftest import make_settings, seed
from tests.poll_helpers import MOLODEZHNY, announce, poll_message, stored_votes

LATENCY = 0.02  # seconds per Bot API answer: enough for updates to overlap when they can
SENT = "✅ Ваша жалоба зарегистрирована"
STALE = "Эта кнопка устарела. Отправьте /start."


@pytest.fixture
async def polling(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot taking updates from ``getUpdates`` through PTB's Updater, as ``run`` does."""
    settings = make_settings(tmp_path, broadcast_rate=1000.0)
    await seed(settings)
    async with Harness(settings, polling=True) as harness:
        yield harness


def impatient(bot: Harness, person: SimUser) -> SimUser:
    """The same person, sending without waiting for the bot to answer."""

    async def post(update: Json) -> None:
        bot.sim.enqueue(update)

    return SimUser(bot.sim, post, person.id, person.first_name, person.language_code)


async def settle(bot: Harness) -> None:
    """Wait until the bot took every update offered and handled it."""
    await bot.wait_until(lambda: bot.sim.pending_updates == 0, within=60)
    await asyncio.wait_for(bot.app.update_queue.join(), 60)


async def join_at_once(bot: Harness, ids: range, village: str) -> list[SimUser]:
    """Residents who all open the village's link at the same moment."""
    residents = [bot.user(user_id, f"R{user_id}", "ru") for user_id in ids]
    for person in residents:
        await impatient(bot, person).send(f"/start v_{village}")
    await settle(bot)
    return residents


def answers_to(bot: Harness, query_prefix: str) -> list[Json]:
    """Every answer given to taps whose id starts with ``query_prefix``."""
    return [
        call.params
        for call in bot.sim.calls_to("answerCallbackQuery")
        if str(call.params["callback_query_id"]).startswith(query_prefix)
    ]


async def test_each_chat_is_handled_in_order_while_chats_interleave(polling: Harness) -> None:
    bot = polling
    residents = await join_at_once(bot, range(300, 320), OSAKAROVKA)
    bot.sim.latency = LATENCY
    since = len(bot.sim.calls)
    category = CATEGORIES[1]
    screens: dict[int, int] = {}
    for person in residents:  # each sends a whole complaint before the bot answered anything
        screen = person.messages[-1]
        screens[person.id] = screen["message_id"]
        hurried = impatient(bot, person)
        await hurried.send("/complaint")
        await hurried.tap_data(callbacks.build("cmp", "cat", category), screen)
        await hurried.send(f"Нет света на улице {person.id}, столбы стоят тёмные")
        await hurried.tap_data(callbacks.build("cmp", "next"), screen)
        await hurried.tap_data(callbacks.build("cmp", "send"), screen)
    await settle(bot)

    services = bot.app.bot_data.services
    assert services is not None
    for person in residents:
        found = await people.get_by_telegram_id(services.db, person.id)
        assert found is not None
        filed = await appeals.of_person(services.db, found.id, limit=5)
        assert [(a.category, a.text) for a in filed] == [
            (category, f"Нет света на улице {person.id}, столбы стоят тёмные")
        ]
        assert bot.sim.messages[person.id][screens[person.id]]["text"].startswith(SENT)
        assert len(answers_to(bot, f"cq-{person.id}-")) == 3  # each tap answered once
    # Every chat's five updates were enqueued one chat after another; had they been handled one
    # at a time, each chat's answers would come in one block.
    chats = [
        call.params["chat_id"]
        for call in bot.sim.calls[since:]
        if call.method in {"sendMessage", "editMessageText"}
        and call.params["chat_id"] in {p.id for p in residents}
    ]
    switches = sum(1 for a, b in itertools.pairwise(chats) if a != b)
    assert switches > len(residents)


async def test_dialog_steps_taken_at_once_by_many_chats_survive_a_crash(polling: Harness) -> None:
    bot = polling
    residents = await join_at_once(bot, range(500, 512), OSAKAROVKA)
    bot.sim.latency = LATENCY
    for person in residents:  # three steps each, every chat at once
        screen = person.messages[-1]
        hurried = impatient(bot, person)
        await hurried.send("/complaint")
        await hurried.tap_data(callbacks.build("cmp", "cat", CATEGORIES[0]), screen)
        await hurried.send(f"Мусор не вывозят две недели, двор {person.id}")
    await settle(bot)
    await bot.restart(crash=True)  # only what each update's session wrote survives
    for person in residents:
        screen = person.messages[-1]  # "add photos… or Next"
        hurried = impatient(bot, person)
        await hurried.tap_data(callbacks.build("cmp", "next"), screen)
        await hurried.tap_data(callbacks.build("cmp", "send"), screen)
    await settle(bot)

    services = bot.app.bot_data.services
    assert services is not None
    for person in residents:
        found = await people.get_by_telegram_id(services.db, person.id)
        assert found is not None
        filed = await appeals.of_person(services.db, found.id, limit=5)
        assert [a.text for a in filed] == [f"Мусор не вывозят две недели, двор {person.id}"]
        assert person.messages[-1]["text"].startswith(SENT)


async def test_two_hundred_residents_voting_at_once_are_counted_exactly(polling: Harness) -> None:
    bot = polling
    residents = await join_at_once(bot, range(1000, 1200), MOLODEZHNY)
    poll = await announce(bot)
    bot.sim.latency = LATENCY / 2
    shown: dict[int, int] = {}
    for n, person in enumerate(residents):
        message = poll_message(person, poll)
        shown[person.id] = message["message_id"]
        await impatient(bot, person).tap_data(f"v1:poll:v:{poll.id}:{1 << (n % 3)}", message)
    await settle(bot)

    services = bot.app.bot_data.services
    assert services is not None
    votes = await stored_votes(bot, poll)
    assert len(votes) == 200 and len({person for person, _ in votes}) == 200
    current = await polls_repo.get(services.db, poll.id)
    assert current is not None
    assert (await polls_repo.results(services.db, current)).bot == (67, 67, 66)
    for person in residents:
        (answer,) = answers_to(bot, f"cq-{person.id}-")
        assert answer["text"] == "✅ Ваш голос учтён."
        assert "✅ Ваш голос: " in bot.sim.messages[person.id][shown[person.id]]["text"]


async def test_double_taps_in_a_dialog_file_one_item_with_one_answer(polling: Harness) -> None:
    bot = polling
    (ivan,) = await join_at_once(bot, range(400, 401), OSAKAROVKA)
    await ivan.send("/complaint")
    await ivan.tap("🛣")
    await ivan.send("Яма у школы, дети обходят её по дороге")
    bot.sim.latency = LATENCY
    screen = ivan.messages[-1]  # "add photos… or Next", with its buttons
    hurried = impatient(bot, ivan)
    for _ in range(2):  # Next, tapped twice before the bot answered the first
        await hurried.tap_data(callbacks.build("cmp", "next"), screen)
    await settle(bot)
    screen = ivan.messages[-1]  # now the summary, with Send
    for _ in range(2):
        await hurried.tap_data(callbacks.build("cmp", "send"), screen)
    await settle(bot)

    services = bot.app.bot_data.services
    assert services is not None
    found = await people.get_by_telegram_id(services.db, ivan.id)
    assert found is not None
    assert len(await appeals.of_person(services.db, found.id, limit=5)) == 1
    edits = [
        call.params["text"]
        for call in bot.sim.calls_to("editMessageText")
        if call.params["chat_id"] == ivan.id and call.params["message_id"] == screen["message_id"]
    ]
    assert sum(1 for text in edits if text.startswith(SENT)) == 1
    assert ivan.messages[-1]["text"].startswith(SENT)
    taps = answers_to(bot, f"cq-{ivan.id}-")[-4:]  # the two Next, then the two Send
    assert [bool(a.get("show_alert")) for a in taps] == [False, True, False, True]
    assert taps[1]["text"] == taps[3]["text"] == STALE


def test_report_and_chart_libraries_load_only_when_used(settings: Settings) -> None:
    """Not at start, and never in the serving process: the worker process draws and writes.

    Nor the PDF and QR code libraries (paper forms, worker too), nor phone number metadata
    (``phonenumbers``, about 1 MB: loaded when a resident first shares a number), nor, on
    SQLite, PostgreSQL's driver (``asyncpg``) and the standby's web server (``aiohttp.web``).

    Nor the catalog compiler (babel.messages): only a bot whose catalogs are not compiled
    (``pybabel compile``, as the Docker build does) needs it, at start.
    """
    folder = settings.database_path.parent
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "import bot.app\n"
        "from bot.polls import chart as poll_chart\n"
        "from bot.reports import summary\n"
        "from bot.reports.period import Period\n"
        "from bot.settings import Settings\n"
        "from bot.simulator import Harness\n"
        "from bot.standby import take_lead\n"
        "from storage.models import Scope, ScopeKind\n"
        "HEAVY = ('openpyxl', 'lxml', 'numpy', 'matplotlib', 'PIL', 'fpdf', 'segno',\n"
        "         'phonenumbers', 'asyncpg', 'aiohttp.web')\n"
        "def heavy(): return sorted(m for m in HEAVY if m in sys.modules)\n"
        "print('import', heavy(), 'babel.messages' in sys.modules)\n"
        "async def main():\n"
        f"    settings = Settings(_env_file=None, database_path={str(settings.database_path)!r})\n"
        f"    folder = Path({str(folder)!r})\n"
        "    assert take_lead(settings) is None\n"
        "    async with Harness(settings) as harness:\n"
        "        await harness.user(1002, 'Ivan', 'ru').send('/start')\n"
        "        print('run', heavy())\n"
        "        services = harness.app.bot_data.services\n"
        "        tr = services.i18n.get('ru')\n"
        "        shown = poll_chart.picture(tr, 'Q?', ['a', 'b'], [3, 1], [0, 2])\n"
        "        chart = await poll_chart.cached(folder / 'chart.png', shown)\n"
        "        files = await summary.build(services.db, tr, [Scope(ScopeKind.ALL)],\n"
        "                                    Period.week(2026, 48), folder / 'w.xlsx')\n"
        "        made = [chart.read_bytes()[:4], files.workbook.read_bytes()[:2]]\n"
        "        print('built', made, heavy())\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )  # generous: the worker yields the CPU to anything else on a busy machine
    assert done.stdout.splitlines() == [
        "import [] False", "run []", "built [b'\\x89PNG', b'PK'] []"
    ]  # fmt: skip
