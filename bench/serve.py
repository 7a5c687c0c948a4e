"""Benchmark of the shipped process: ``python -m bot run`` next to a bare PTB bot, over HTTP.

Run: ``.venv/bin/python bench/serve.py`` (defaults: ``--votes 1000 --ballots 1000 --dialogs 200
--rate 50 --seconds 20 --latency-ms 50 --concurrency 32``; ``--rounds 2`` runs each bot twice,
alternating; ``--webhook`` posts updates to a webhook instead of polling; ``--profile DIR``
samples the bots with py-spy (``pip install py-spy``); ``--only qatysu`` (repeatable: the
bots to run, of ``qatysu``, ``bare``, ``bare-aiohttp``); ``--logs DIR`` keeps the bots' logs).
Everything stays on 127.0.0.1 and is bounded: every answer is awaited at most ``--patience``
seconds, then counted as missing.

The Bot API simulator (``bot/simulator/http.py``) runs in this process, answering every request
after ``--latency-ms`` (Telegram's round trip from Kazakhstan is tens of milliseconds). Each bot
runs as its own process against a fresh simulator, taking updates as in production: first
``python -m bot run`` on a seeded database, then ``bench/bare_bot.py`` (bare
python-telegram-bot, the same Bot API calls, the same update processor, nothing stored) on
PTB's default transport (httpx, ``bare``), then the same bare bot on Qatysu's aiohttp transport
(``bare-aiohttp``). The bare bots pace nothing, so their simulator has no flood limits;
Qatysu's keeps Telegram's (30 messages a second, one a second per chat after a burst). All get
the same updates:

- votes: N residents tap a poll's button at the same moment (a burst);
- ballots: N residents tap Vote on a participatory budget's ballot at the same moment, each with
  projects ticked that fit in the budget (the ballot is checked against the cycle's phase, the
  voter's village and the budget, and stored under the voter's key, in a group commit);
- complaint dialogs: N residents each file a complaint at once, five updates each
  (/complaint, category, text, Next, Send), each step sent when the previous one was answered;
- mixed traffic at a fixed rate: vote taps, complaint steps and /mydata (2:2:1), for a fixed
  time, each person waiting for the bot's answer before their next update.

An update's latency runs from the moment it is offered to ``getUpdates`` (or to the webhook)
until the bot's answer reaches its chat (the first message sent or edited there); for a tap
also until the tap is answered (``answerCallbackQuery``). CPU is the process's user and system
time from /proc (all threads); RSS is read from /proc as well (idle: after start, before any
update). Scheduled digests and summaries are off, so that nothing but the updates runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import callbacks
from bot.app import OFFLINE_TOKEN
from bot.broadcast.engine import preview_of
from bot.budget import render as budget_render
from bot.budget import service as budget_service
from bot.i18n import I18n
from bot.polls.render import render_announcement
from bot.polls.service import ANNOUNCEMENT_KIND, payload_of
from bot.settings import Settings
from bot.simulator.api import BotApiSimulator, Json, now
from bot.simulator.http import SimServer
from bot.territory import import_territory, sample_file
from storage import broadcasts as broadcasts_repo
from storage import budget as budget_repo
from storage import polls as polls_repo
from storage import roles as roles_repo
from storage import territory
from storage.budget import BallotKind, Electorate, NewCycle, NewProject, Phase
from storage.db import Database, to_db_time, utcnow
from storage.models import Role, Scope, ScopeKind
from storage.polls import NewPoll

ROOT = Path(__file__).resolve().parent.parent
VILLAGE = "krg-osakarovka-osakarovka"
STAFF_ID = 5001
VOTERS, DIALOGS, MIXED_VOTERS, MIXED_DIALOGS, COMMANDERS, BALLOTERS = (
    100_000, 200_000, 300_000, 400_000, 500_000, 600_000
)  # fmt: skip
COMMAND_POOL = 200
# The bots: Qatysu; a bare PTB bot on PTB's default transport (httpx); the same on Qatysu's.
KINDS = ("qatysu", "bare", "bare-aiohttp")
MIXED_PATTERN = ("vote", "step", "command", "vote", "step")
OPTIONS = ("Дорога до школы", "Водопровод", "Крыша школы", "Уличное освещение")
# The budget's projects (5 mln ₸) and the ballots cast, each within the budget.
PROJECTS = (("Уличное освещение", 1_000_000), ("Детская площадка", 2_000_000),
            ("Крыша клуба", 2_000_000), ("Дорога к школе", 3_000_000))  # fmt: skip
SELECTIONS = (0b0011, 0b0110, 0b1001, 0b0100)


@dataclass(frozen=True)
class Load:
    """The sizes of one run."""

    votes: int
    dialogs: int
    rate: float
    seconds: float
    latency: float
    patience: float
    concurrency: int
    scenarios: tuple[str, ...] = ("votes", "ballots", "dialogs", "mixed")
    webhook: bool = False
    ballots: int = 1000

    @property
    def mixed_updates(self) -> int:
        return int(self.rate * self.seconds)


@dataclass
class Figures:
    """What one scenario measured for one bot."""

    updates: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    acks: list[float] = field(default_factory=list)
    missing: int = 0
    cpu: float = 0.0
    offered_rate: float | None = None

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, which: list[float], q: float) -> float:
        if not which:
            return float("nan")
        ordered = sorted(which)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def cpu_ms(self) -> float:
        return self.cpu / self.updates * 1000 if self.updates else float("nan")


@dataclass
class BotRun:
    """Every scenario of one bot, and its memory."""

    kind: str  # one of KINDS
    name: str = ""
    figures: dict[str, Figures] = field(default_factory=dict)
    idle_rss: float = 0.0
    peak_rss: float = 0.0
    idle_cpu: float = 0.0
    profile: Path | None = None
    heavy: list[str] = field(default_factory=list)
    simulator_cpu: float = 0.0  # this process: the simulator, the HTTP server, the bench


# --- /proc ------------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """User plus system time of a process, all threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int, key: str) -> float:
    """A ``VmRSS``/``VmHWM`` line of /proc/PID/status, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


HEAVY = ("openpyxl", "lxml", "numpy", "matplotlib", "PIL")
IDLE_SECONDS = 3.0


def heavy_libraries(pid: int) -> list[str]:
    """Which of the report and chart libraries a process has loaded (their files are mapped)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return [name for name in HEAVY if f"/{name}/" in maps]


# --- updates as Telegram sends them ----------------------------------------------------------
def person(user_id: int) -> Json:
    return {"id": user_id, "is_bot": False, "first_name": f"R{user_id}", "language_code": "ru"}


def text_update(sim: BotApiSimulator, user_id: int, text: str) -> Json:
    message: Json = {
        "message_id": sim.next_message_id(), "date": now(), "from": person(user_id),
        "chat": {"id": user_id, "type": "private", "first_name": f"R{user_id}"}, "text": text,
    }  # fmt: skip
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return sim.make_update({"message": message})


def tap_update(sim: BotApiSimulator, user_id: int, message: Json, data: str) -> Json:
    query = {
        "id": f"cq-{user_id}-{sim.next_message_id()}", "from": person(user_id),
        "message": message, "chat_instance": f"ci-{user_id}", "data": data,
    }  # fmt: skip
    return sim.make_update({"callback_query": query})


def first_button(sim: BotApiSimulator, user_id: int) -> tuple[Json, str]:
    """The newest message with buttons in a chat, and its first button's data."""
    for message in reversed(sim.chat_messages(user_id)):
        rows = message.get("reply_markup", {}).get("inline_keyboard", [])
        if rows:
            return message, rows[0][0]["callback_data"]
    raise RuntimeError(f"no buttons in chat {user_id}")


class Tracker:
    """When each offered update was answered: the first message sent or edited in its chat."""

    def __init__(self, sim: BotApiSimulator, patience: float) -> None:
        self.sim = sim
        self.patience = patience
        self._waiting: dict[int, tuple[float, asyncio.Future[float]]] = {}
        self.taps: dict[str, float] = {}  # callback query id -> when offered
        sim.observers.append(self._seen)

    def _seen(self, kind: str, message: Json) -> None:
        if kind != "sent":
            return
        waiting = self._waiting.pop(message["chat"]["id"], None)
        if waiting is not None and not waiting[1].done():
            waiting[1].set_result(time.monotonic())

    async def offer(self, update: Json, chat: int) -> tuple[float, float | None]:
        """Offer an update; return when it was offered and when it was answered (None: never)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        offered = time.monotonic()
        self._waiting[chat] = (offered, future)
        if "callback_query" in update:
            self.taps[update["callback_query"]["id"]] = offered
        self.sim.enqueue(update)
        try:
            return offered, await asyncio.wait_for(future, self.patience)
        except TimeoutError:
            self._waiting.pop(chat, None)
            return offered, None

    def ack_latencies(self, since_call: int) -> list[float]:
        """Seconds from offering each tap to its ``answerCallbackQuery``."""
        found = []
        for call in self.sim.calls[since_call:]:
            if call.method == "answerCallbackQuery":
                offered = self.taps.get(str(call.params.get("callback_query_id")))
                if offered is not None:
                    found.append(call.at - offered)
        return found


# --- the scenarios ------------------------------------------------------------------------------
Outcome = tuple[float, float | None]


def collect(figures: Figures, outcomes: list[Outcome], started: float) -> Figures:
    """Fill latencies, misses and the span from the first offer to the last answer."""
    answered = [(o, a) for o, a in outcomes if a is not None]
    figures.updates += len(answered)
    figures.missing += len(outcomes) - len(answered)
    figures.latencies += [a - o for o, a in answered]
    if answered:
        figures.seconds = max(a for _, a in answered) - started
    return figures


async def votes(tracker: Tracker, poll_messages: dict[int, Json], load: Load) -> Figures:
    """Every voter taps one option at the same moment."""
    sim = tracker.sim
    started = time.monotonic()
    offers = []
    for n in range(load.votes):
        user_id = VOTERS + n
        message = poll_messages[user_id]
        buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
        update = tap_update(sim, user_id, message, buttons[n % len(buttons)]["callback_data"])
        offers.append(tracker.offer(update, user_id))
    return collect(Figures(), list(await asyncio.gather(*offers)), started)


async def ballots(tracker: Tracker, ballot_messages: dict[int, Json], load: Load) -> Figures:
    """Every voter taps Vote on the budget's ballot at the same moment, projects ticked."""
    sim = tracker.sim
    started = time.monotonic()
    offers = []
    for n in range(load.ballots):
        user_id = BALLOTERS + n
        message = ballot_messages[user_id]
        vote = message["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
        cycle_id = int(vote.split(":")[3])
        data = callbacks.build(callbacks.Feature.BUDGET, "c", cycle_id, SELECTIONS[n % 4])
        offers.append(tracker.offer(tap_update(sim, user_id, message, data), user_id))
    return collect(Figures(), list(await asyncio.gather(*offers)), started)


async def dialog_step(tracker: Tracker, user_id: int, step: int, n: int) -> Outcome:
    """One step of a resident's complaint: what a person sends after the previous answer."""
    sim = tracker.sim
    if step == 0:
        return await tracker.offer(text_update(sim, user_id, "/complaint"), user_id)
    if step == 2:
        text = f"Яма на улице номер {n}, машины объезжают её по тротуару"
        return await tracker.offer(text_update(sim, user_id, text), user_id)
    message, data = first_button(sim, user_id)  # a category, then Next, then Send
    return await tracker.offer(tap_update(sim, user_id, message, data), user_id)


async def dialogs(tracker: Tracker, load: Load) -> Figures:
    """Every resident files a complaint at once, step by step."""

    async def one(n: int) -> list[Outcome]:
        outcomes = []
        for step in range(5):
            outcome = await dialog_step(tracker, DIALOGS + n, step, n)
            outcomes.append(outcome)
            if outcome[1] is None:
                break
        return outcomes

    started = time.monotonic()
    runs = await asyncio.gather(*(one(n) for n in range(load.dialogs)))
    return collect(Figures(), [o for run in runs for o in run], started)


async def mixed(tracker: Tracker, poll_messages: dict[int, Json], load: Load) -> Figures:
    """Votes, complaint steps and /mydata offered at a fixed rate."""
    sim = tracker.sim
    fresh_voters = iter(range(MIXED_VOTERS, MIXED_VOTERS + load.mixed_updates))
    fresh_residents = iter(range(MIXED_DIALOGS, MIXED_DIALOGS + load.mixed_updates))
    idle: list[tuple[int, int]] = []  # residents mid-complaint, waiting for nobody: (id, step)
    busy: set[int] = set()
    next_commander = 0

    async def vote() -> Outcome:
        user_id = next(fresh_voters)
        message = poll_messages[user_id]
        data = message["reply_markup"]["inline_keyboard"][user_id % 3][0]["callback_data"]
        return await tracker.offer(tap_update(sim, user_id, message, data), user_id)

    async def step() -> Outcome:
        user_id, at = idle.pop(0) if idle else (next(fresh_residents), 0)
        outcome = await dialog_step(tracker, user_id, at, user_id)
        if outcome[1] is not None and at < 4:
            idle.append((user_id, at + 1))
        return outcome

    async def command() -> Outcome:
        nonlocal next_commander
        tried = 0
        while COMMANDERS + next_commander % COMMAND_POOL in busy:
            next_commander += 1
            tried += 1
            if tried % COMMAND_POOL == 0:  # all of them wait for an answer: let one come
                await asyncio.sleep(0.05)
        user_id = COMMANDERS + next_commander % COMMAND_POOL
        next_commander += 1
        busy.add(user_id)
        try:
            return await tracker.offer(text_update(sim, user_id, "/mydata"), user_id)
        finally:
            busy.discard(user_id)

    kinds: dict[str, Callable[[], Awaitable[Outcome]]] = {
        "vote": vote, "step": step, "command": command,
    }  # fmt: skip
    started = time.monotonic()
    tasks = []
    for i in range(load.mixed_updates):
        delay = started + i / load.rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(kinds[MIXED_PATTERN[i % len(MIXED_PATTERN)]]()))
    offered_for = time.monotonic() - started
    figures = collect(Figures(), list(await asyncio.gather(*tasks)), started)
    figures.offered_rate = load.mixed_updates / offered_for if offered_for else None
    return figures


# --- preparing and running a bot ----------------------------------------------------------------
def everyone(load: Load) -> list[int]:
    """Every resident of the run (and the staff member)."""
    return [
        *range(VOTERS, VOTERS + load.votes),
        *range(DIALOGS, DIALOGS + load.dialogs),
        *range(MIXED_VOTERS, MIXED_VOTERS + load.mixed_updates),
        *range(MIXED_DIALOGS, MIXED_DIALOGS + load.mixed_updates),
        *range(COMMANDERS, COMMANDERS + COMMAND_POOL),
        *range(BALLOTERS, BALLOTERS + load.ballots),
    ]


Shown = tuple[str, Json]  # a message's text and buttons


async def open_budget(db: Database) -> Shown:
    """A budget cycle of the village in its voting phase, and its ballot as residents got it.

    Its projects are proposed and accepted in the past; a ballot broadcast with nobody left to
    send to marks the ballot as sent (the seeded chats hold it), so the bot sends nothing.
    """
    now = utcnow()
    day = timedelta(days=1)
    new = NewCycle(
        title="Бюджет участия 2027", scope_kind="village", scope_code=VILLAGE,
        village_codes=(VILLAGE,), amount=5_000_000, rule="greedy",
        ballot_kind=BallotKind.BUDGET, max_choices=None, electorate=Electorate.RESIDENTS,
        opened_at=now - 3 * day, screening_at=now - 2 * day, voting_at=now - day,
        results_at=now + 7 * day, implementation_at=now + 14 * day, created_by=STAFF_ID,
    )  # fmt: skip
    cycle = await budget_repo.create(db, new)
    proposer = await db.fetch_one("SELECT id FROM people ORDER BY id LIMIT 1")
    assert proposer is not None
    for title, cost in PROJECTS:
        project = NewProject(cycle.id, "bench", proposer[0], VILLAGE, title, "—", cost)
        _, stored = await budget_repo.propose(db, project, 10, now - 3 * day)
        assert stored is not None
        await budget_repo.screen(db, stored.id, status="accepted", by=STAFF_ID,
                                 now=now - 2 * day, final_cost=cost)  # fmt: skip
    await budget_repo.advance(db, cycle.id, Phase.PROPOSALS, Phase.SCREENING)
    assert await budget_repo.open_voting(db, cycle.id) is Phase.VOTING
    voting = await budget_repo.get(db, cycle.id)
    assert voting is not None
    village = await territory.get_village(db, VILLAGE)
    assert village is not None
    payload = budget_service.payload_of(voting) | {
        "place": asdict(village.names),
        "items": budget_service.items_of(await budget_repo.projects(db, cycle.id)),
    }
    await broadcasts_repo.create(db, kind=budget_service.VOTING_KIND, payload=payload,
                                 created_by=STAFF_ID, ref_id=cycle.id)  # fmt: skip
    tr = I18n("ru", Settings(_env_file=None).zone).get("ru")  # type: ignore[call-arg]
    shown = await budget_render.render_voting(preview_of(budget_service.VOTING_KIND, payload), tr)
    assert shown.markup is not None
    return shown.text, json.loads(json.dumps(shown.markup.to_dict()))


async def prepare_database(path: Path, load: Load) -> tuple[Shown, Shown]:
    """Territory, residents, a staff member, an open poll and a budget cycle in its vote: the
    poll's announcement and the ballot, as residents got them."""
    db = Database(path)
    await db.open()
    try:
        await import_territory(db, sample_file())
        await roles_repo.grant(db, STAFF_ID, Role.STAFF, Scope(ScopeKind.DISTRICT,
                               "krg-osakarovka"), "bench")  # fmt: skip
        created = to_db_time(utcnow())
        async with db.transaction() as tx:  # seeding only: the bench measures updates
            await tx.executemany(
                "INSERT INTO people (telegram_id, first_name, language, village_code, created_at)"
                " VALUES (?, ?, 'ru', ?, ?)",
                [(uid, f"R{uid}", VILLAGE, created) for uid in everyone(load)],
            )
        new = NewPoll(
            question="Что ремонтировать в первую очередь?", options=OPTIONS, max_choices=1,
            may_change=False, results_early=False, closes_at=utcnow() + timedelta(days=7),
            village_codes=(VILLAGE,), created_by=STAFF_ID,
        )  # fmt: skip
        poll = await polls_repo.create(db, new, utcnow())
        ballot = await open_budget(db)
    finally:
        await db.close()
    tr = I18n("ru", Settings(_env_file=None).zone).get("ru")  # type: ignore[call-arg]
    shown = await render_announcement(preview_of(ANNOUNCEMENT_KIND, payload_of(poll)), tr)
    assert shown.markup is not None
    return (shown.text, json.loads(json.dumps(shown.markup.to_dict()))), ballot


def seed_chats(
    sim: BotApiSimulator, load: Load, poll: Shown, ballot: Shown
) -> tuple[dict[int, Json], dict[int, Json]]:
    """Everyone can be written to (the staff member too); voters have the poll in their chat,
    those who cast ballots the budget's ballot."""
    sim.users[STAFF_ID] = person(STAFF_ID)
    sim.started.add(STAFF_ID)  # wrote to the bot before: told of every complaint
    voters = {*range(VOTERS, VOTERS + load.votes),
              *range(MIXED_VOTERS, MIXED_VOTERS + load.mixed_updates)}  # fmt: skip
    balloters = set(range(BALLOTERS, BALLOTERS + load.ballots))
    poll_messages: dict[int, Json] = {}
    ballot_messages: dict[int, Json] = {}
    for user_id in everyone(load):
        sim.users[user_id] = person(user_id)
        for who, (text, markup), into in ((voters, poll, poll_messages),
                                          (balloters, ballot, ballot_messages)):  # fmt: skip
            if user_id in who:
                message = {
                    "message_id": sim.next_message_id(), "date": now(), "text": text,
                    "chat": {"id": user_id, "type": "private", "first_name": f"R{user_id}"},
                    "from": sim.bot_user(), "reply_markup": markup,
                }  # fmt: skip
                sim.messages.setdefault(user_id, {})[message["message_id"]] = message
                into[user_id] = message
    return poll_messages, ballot_messages


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def environment(server: SimServer, database: Path, load: Load) -> dict[str, str]:
    """This machine's environment, less any Qatysu setting, plus the bench's (and a webhook)."""
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in names}
    env.update(
        BOT_TOKEN=OFFLINE_TOKEN, DATABASE_PATH=str(database), BOT_API_BASE_URL=server.base_url,
        BOT_API_BASE_FILE_URL=server.base_file_url, PYTHONPATH=str(ROOT),
        DIGEST_SCHEDULE="off", SUMMARY_SCHEDULE="off", BARE_STAFF_ID=str(STAFF_ID),
        CONCURRENT_UPDATES=str(load.concurrency),
        PYTHONOPTIMIZE="2",  # as the Docker image runs them: no docstrings, no asserts
    )  # fmt: skip
    if load.webhook:
        port = free_port()
        env.update(
            WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_LISTEN="127.0.0.1",
            WEBHOOK_PORT=str(port), WEBHOOK_SECRET="bench-secret_1-bench-secret_2-bench-3",
        )  # fmt: skip
    return env


async def wait_ready(
    server: SimServer, process: subprocess.Popen[bytes], log: Path, webhook_port: int | None
) -> None:
    """Until the bot polls for updates, or has set its webhook and listens."""
    deadline = time.monotonic() + 60
    ready_on = "getUpdates" if webhook_port is None else "setWebhook"

    def ready() -> bool:
        if not any(c.method == ready_on for c in server.sim.calls):
            return False
        if webhook_port is None:
            return True
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", webhook_port)) == 0

    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start:\n{tail(log)}")
        await asyncio.sleep(0.05)


def tail(log: Path) -> str:
    """The end of a log."""
    return log.read_text()[-3000:]


def compiled_catalogs(folder: Path, root: Path = ROOT) -> Path:
    """A copy of ``locales`` with its catalogs compiled, as the Docker build leaves them.

    Without ``.mo`` files the bot compiles the ``.po`` files in memory at start, with
    babel.messages, which an installed bot never loads. Returns the folder to put first on
    ``PYTHONPATH``.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    found = folder / "catalogs"
    if not found.exists():
        shutil.copytree(root / "locales", found / "locales")
        for source in (found / "locales").glob("*/LC_MESSAGES/*.po"):
            with source.open("rb") as po, source.with_suffix(".mo").open("wb") as mo:
                write_mo(mo, read_po(po, locale=source.parent.parent.name))
    return found


def start_bot(kind: str, folder: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``python -m bot run``, or the bare bot, with its output in ``folder/<kind>.log``."""
    command = [sys.executable, "-m", "bot", "run"]
    # As installed from requirements.lock (without tornado, which PTB would load if it could)
    # and built by the Dockerfile (the catalogs compiled).
    root = Path(env.get("PYTHONPATH") or ROOT)  # another checkout's bot (blocking.py --root)
    paths = (compiled_catalogs(folder, root), ROOT / "bench" / "without_tornado", root)
    env = {**env, "PYTHONPATH": os.pathsep.join(map(str, paths))}
    if kind.startswith("bare"):
        command = [sys.executable, str(ROOT / "bench" / "bare_bot.py")]
        transport = "aiohttp" if kind == "bare-aiohttp" else "httpx"
        env = {**env, "PYTHONPATH": str(ROOT), "BARE_TRANSPORT": transport}
    with (folder / f"{kind}.log").open("wb") as out:
        return subprocess.Popen(
            command, cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip


def log_errors(log: Path) -> list[str]:
    """Error lines of a bot's log, less PTB's last ``getUpdates`` at shutdown.

    That call has a read timeout shorter than the simulated latency, so it always fails: PTB
    logs it and stops anyway (the updates it meant to confirm were all handled).
    """
    return [
        line
        for line in log.read_text().splitlines()
        if "ERROR" in line and "one more time to mark all fetched updates" not in line
    ]


def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the bot's Python work (what holds the GIL) until it is interrupted."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        print("--profile needs py-spy in this environment: pip install py-spy")
        return None
    command = [str(spy), "record", "--pid", str(pid), "--rate", "250", "--gil", "--format", "raw",
               "--output", str(out), "--nonblocking"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def run_bot(
    name: str, load: Load, folder: Path, profile: Path | None, keep: Path | None
) -> BotRun:
    """Start one bot against a fresh simulator and run the three scenarios on it."""
    database = folder / f"{name}.db"
    poll, ballot = await prepare_database(database, load)
    server = SimServer()
    server.sim.latency = load.latency
    if name.startswith("bare"):
        server.sim.throttle = None  # the bare bot paces nothing: no 429s for it (bare_bot.py)
    poll_messages, ballot_messages = seed_chats(server.sim, load, poll, ballot)
    await server.start()
    log = folder / f"{name}.log"
    env = environment(server, database, load)
    process = start_bot(name, folder, env)
    result = BotRun(name, name)
    spy: subprocess.Popen[bytes] | None = None
    try:
        port = int(env["WEBHOOK_PORT"]) if load.webhook else None
        await wait_ready(server, process, log, port)
        cpu_before = cpu_seconds(process.pid)
        await asyncio.sleep(IDLE_SECONDS)  # idle: long polls only
        result.idle_rss = memory_mb(process.pid, "VmRSS")
        result.heavy = heavy_libraries(process.pid)
        result.idle_cpu = cpu_seconds(process.pid) - cpu_before
        if profile is not None:
            result.profile = profile / f"{name}.txt"
            spy = start_profiler(process.pid, result.profile)
        tracker = Tracker(server.sim, load.patience)
        scenarios: dict[str, Callable[[], Awaitable[Figures]]] = {
            "votes": lambda: votes(tracker, poll_messages, load),
            "ballots": lambda: ballots(tracker, ballot_messages, load),
            "dialogs": lambda: dialogs(tracker, load),
            "mixed": lambda: mixed(tracker, poll_messages, load),
        }
        for scenario, run in scenarios.items():
            if scenario not in load.scenarios:
                continue
            calls_before = len(server.sim.calls)
            cpu_before, own_before = cpu_seconds(process.pid), time.process_time()
            figures = await run()
            figures.cpu = cpu_seconds(process.pid) - cpu_before
            result.simulator_cpu += time.process_time() - own_before
            figures.acks = tracker.ack_latencies(calls_before)
            result.figures[scenario] = figures
            await asyncio.sleep(1.0)  # let stragglers finish before the next scenario
        result.peak_rss = memory_mb(process.pid, "VmHWM")
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(timeout=60)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        await server.stop()
    if keep is not None:
        shutil.copy(log, keep / f"{name}-{folder.name}.log")
    errors = log_errors(log)
    if errors:
        print(f"{name}: {len(errors)} error lines in its log, e.g. {errors[0][:200]}")
    if name.startswith("qatysu") and "ballots" in load.scenarios:
        stored = stored_ballots(database)
        if stored != load.ballots:
            print(f"{name}: {stored} ballots stored of {load.ballots} cast")
    return result


def stored_ballots(database: Path) -> int:
    """Budget ballots stored by the bot (each voter's one ballot)."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM budget_ballots").fetchone()[0])


# --- printing -----------------------------------------------------------------------------------
def table(runs: list[BotRun], load: Load) -> str:
    """The results as a Markdown table, with Qatysu/bare ratios."""
    lines = [
        "| scenario | bot | updates | updates/s | p50 ms | p95 ms | p99 ms | taps answered p99 ms "
        "| CPU ms/update | missing |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    titles = {
        "votes": f"votes: {load.votes} taps at once",
        "ballots": f"budget ballots: {load.ballots} Vote taps at once",
        "dialogs": f"complaints: {load.dialogs} residents at once, 5 updates each",
        "mixed": f"mixed: {load.rate:g} updates/s for {load.seconds:g} s",
    }
    for scenario, title in titles.items():
        for run in runs:
            f = run.figures.get(scenario)
            if f is None:
                continue
            rate = f"{f.rate:.1f}" + (
                f" (offered {f.offered_rate:.1f})" if f.offered_rate is not None else ""
            )
            lines.append(
                f"| {title} | {run.name} | {f.updates} | {rate} | {f.pct(f.latencies, 0.5):.0f} "
                f"| {f.pct(f.latencies, 0.95):.0f} | {f.pct(f.latencies, 0.99):.0f} "
                f"| {f.pct(f.acks, 0.99):.0f} | {f.cpu_ms:.1f} | {f.missing} |"
            )
    return "\n".join(lines)


def ratios(ours: BotRun, bare: BotRun) -> str:
    """Qatysu / bare, per scenario, for one round."""
    lines = [
        f"| {ours.name} / {bare.name} | updates/s | p99 | CPU/update |",
        "| --- | --- | --- | --- |",
    ]
    for scenario in (s for s in ("votes", "ballots", "dialogs", "mixed") if s in ours.figures):
        a, b = ours.figures[scenario], bare.figures[scenario]
        p99 = a.pct(a.latencies, 0.99) / b.pct(b.latencies, 0.99)
        cpu = a.cpu_ms / b.cpu_ms
        lines.append(f"| {scenario} | {a.rate / b.rate:.2f} | {p99:.2f} | {cpu:.2f} |")
    lines.append(
        f"| memory | idle RSS {ours.idle_rss:.0f} / {bare.idle_rss:.0f} MB "
        f"| peak RSS {ours.peak_rss:.0f} / {bare.peak_rss:.0f} MB | |"
    )
    return "\n".join(lines)


OURS = {"bot": "qatysu bot/", "handlers": "qatysu handlers/", "storage": "qatysu storage/"}


def where(frame: str) -> str:
    """The package of a py-spy frame ``function (package/module.py:line)``."""
    path = frame.rsplit("(", 1)[-1]
    if path.startswith("<frozen importlib"):
        return "imports (failing)"
    top = path.split("/", 1)[0].split(":", 1)[0].removesuffix(".py")
    return OURS.get(top, top or "?")


GROUPS = {
    "HTTP client (aiohttp; httpx, httpcore, h11, anyio; failing imports)": (
        "aiohttp", "yarl", "multidict", "propcache", "aiohappyeyeballs", "httpx", "httpcore",
        "h11", "anyio", "imports (failing)", "_distutils_hack", "urllib",
    ),
    "python-telegram-bot (objects, dispatch)": ("telegram",),
    "asyncio event loop": ("asyncio", "selectors", "socket", "contextlib"),
    "SQLite through aiosqlite": ("aiosqlite", "sqlite3"),
    "Qatysu's own code": ("qatysu bot/", "qatysu handlers/", "qatysu storage/", "babel"),
}  # fmt: skip


def summarise_profile(path: Path, top: int = 15) -> str:
    """Self time by package, and the busiest functions, from py-spy's raw (collapsed) output."""
    if not path.exists():
        return f"(no profile at {path})"
    packages: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        frames = stack.split(";")
        total += samples
        packages[where(frames[-1])] += samples
        functions[frames[-1]] += samples
        for package in {where(frame) for frame in frames}:
            inclusive[package] += samples
    if not total:
        return "(empty profile)"
    lines = [f"{total} samples; self time by group:"]
    for group, members in GROUPS.items():
        share = sum(packages[m] for m in members) / total
        lines.append(f"  {share:6.1%}  {group}")
    lines.append("self time by package (inclusive in brackets):")
    for package, samples in packages.most_common():
        lines.append(f"  {package:<22} {samples / total:6.1%}  ({inclusive[package] / total:6.1%})")
    lines.append("busiest functions (self):")
    for function, samples in functions.most_common(top):
        lines.append(f"  {samples / total:6.1%}  {function[:110]}")
    return "\n".join(lines)


async def main(
    load: Load, only: list[str], rounds: int, profile: Path | None, keep: Path | None
) -> None:
    runs: list[BotRun] = []
    with tempfile.TemporaryDirectory(prefix="qatysu-serve-") as folder:
        for round_ in range(1, rounds + 1):  # alternating, so that a busy minute hits both
            for kind in only:
                name = kind if rounds == 1 else f"{kind} #{round_}"
                work = Path(folder) / f"{kind}-{round_}"
                work.mkdir()
                run = await run_bot(kind, load, work, profile if round_ == 1 else None, keep)
                run.name = name
                runs.append(run)
    how = "a webhook" if load.webhook else "polling"
    print(f"Bot API latency {load.latency * 1000:.0f} ms, {how} over HTTP on 127.0.0.1, "
          f"{load.concurrency} chats at once, {os.cpu_count()} CPUs")  # fmt: skip
    print(table(runs, load))
    print()
    for run in runs:
        updates = sum(f.updates for f in run.figures.values())
        simulator = run.simulator_cpu * 1000 / updates if updates else float("nan")
        print(f"{run.name}: idle RSS {run.idle_rss:.0f} MB, peak RSS {run.peak_rss:.0f} MB, "
              f"CPU while idle {run.idle_cpu * 1000 / IDLE_SECONDS:.1f} ms/s, report and chart "
              f"libraries loaded at idle: {', '.join(run.heavy) or 'none'}; the simulator "
              f"(this process) spent {simulator:.1f} ms of CPU per update")  # fmt: skip
    for start in range(0, len(runs), len(only)):  # each round: Qatysu against each bare bot
        in_round = runs[start : start + len(only)]
        for ours in (r for r in in_round if r.kind == "qatysu"):
            for bare in (r for r in in_round if r.kind.startswith("bare")):
                print()
                print(ratios(ours, bare))
    for run in runs:
        if run.profile is not None:
            print(f"\nProfile of {run.name} (py-spy, samples holding the GIL, every scenario):")
            print(summarise_profile(run.profile))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=1000)
    parser.add_argument("--dialogs", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--ballots", type=int, default=1000)
    parser.add_argument("--scenarios", default="votes,ballots,dialogs,mixed")
    parser.add_argument("--webhook", action="store_true", help="updates posted to a webhook")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each bot, alternating")
    parser.add_argument("--concurrency", type=int, default=32, help="CONCURRENT_UPDATES")
    parser.add_argument("--patience", type=float, default=60.0, help="seconds to await an answer")
    parser.add_argument("--only", choices=KINDS, action="append")
    parser.add_argument("--logs", type=Path, default=None, help="folder to keep the bots' logs")
    parser.add_argument("--profile", type=Path, default=None, help="folder for py-spy output")
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    chosen = Load(args.votes, args.dialogs, args.rate, args.seconds, args.latency_ms / 1000,
                  args.patience, args.concurrency, tuple(args.scenarios.split(",")),
                  args.webhook, args.ballots)  # fmt: skip
    if args.logs is not None:
        args.logs.mkdir(parents=True, exist_ok=True)
    asyncio.run(main(chosen, args.only or list(KINDS), args.rounds, args.profile, args.logs))
