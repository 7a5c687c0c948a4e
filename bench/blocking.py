"""Benchmark: residents' updates while heavy work runs in the shipped process.

Run: ``.venv/bin/python bench/blocking.py`` (defaults: ``--scale 0.5 --summaries 3 --rate 50
--seconds 150 --latency-ms 50 --events summary,close,broadcast``; ``--no-bare`` skips the bare
bot; ``--root DIR`` runs the bot of another checkout, e.g. an older commit exported with
``git archive``, to compare).

One database holds the summary benchmark's synthetic region (``bench/summary.py``, at
``--scale``: 250 villages and 100,000 residents at 0.5) and ``bench/serve.py``'s residents and
poll. ``python -m bot run`` serves over HTTP against the simulator (``--latency-ms`` per
answer), with mixed traffic at ``--rate`` (votes, complaint steps, /mydata, as in serve.py).
Meanwhile, one after another, with quiet gaps between them:

- ``summary``: a coordinator taps "summary of this week, whole region" ``--summaries`` times,
  each once the previous one's files arrived (the first one also starts the worker process);
  the window ends when the files have arrived;
- ``close``: a staff member taps "close now" on a poll of ``POLL_VILLAGES`` villages of the
  region (60% of their residents voted); its results, with a chart in each reader's language,
  go to every resident of those villages; the window ends when residents of every language
  have their chart (drawn, uploaded, the outbox written and sending);
- ``broadcast``: a staff member taps "Send" on a notice to the whole region (every resident
  with a chat, about 95,000 at scale 0.5); the window ends when the sender's progress message
  arrives, sent once the whole outbox is written.

After each broadcast's window it sends for ``--gap`` seconds at Telegram's pace ("sending"),
then its sender taps Stop, so that each window measures its own event. Printed: the latency of
the updates offered in each window, while a broadcast sent, and otherwise (traffic alone);
then, unless ``--no-bare``, of the bare PTB bot on aiohttp (``bench/bare_bot.py``) under the
same mixed traffic alone, for comparison. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import serve
import summary as summary_bench

from bot import callbacks
from bot.reports.period import Period
from bot.simulator.api import BotApiSimulator, Json, now
from bot.simulator.http import SimServer
from storage import conversations, drafts
from storage import polls as polls_repo
from storage import roles as roles_repo
from storage.db import Database, to_db_time, utcnow
from storage.models import Role, Scope, ScopeKind
from storage.polls import RESULTS_KIND, NewPoll

COORDINATOR = 5003
STAFF = 5004  # staff of the whole synthetic region: closes its poll, sends its notice
POLL_VILLAGES = 20
EVENTS = ("summary", "close", "broadcast")
EVENT_PATIENCE = 300.0  # seconds an event may take before the bench gives up on it
# The week summary.py builds first: the middle of its synthetic year.
WEEK = Period.parse(summary_bench.PERIODS[0])
Window = tuple[float, float]
# The /broadcast dialog's name and its last step (handlers/broadcasts.py): the notice written,
# the villages chosen, the preview shown; "Send" is the next tap.
NOTICE_DIALOG, NOTICE_DRAFT, NOTICE_CONFIRM = "broadcast", "notice", 2


@dataclass
class Region:
    """What the events need to know of the synthetic region."""

    poll_id: int = 0
    voters: dict[int, str] = field(default_factory=dict)  # the poll's residents: id -> language
    residents: list[int] = field(default_factory=list)  # every resident with a chat


async def prepare_region(path: Path) -> Region:
    """The synthetic region's coordinator and staff, its past kept quiet at start, the events.

    Its closed polls count as published, its coming hearings as cancelled and the deadlines of
    its open items as flagged already: otherwise the bot would publish 1,000 polls' results,
    send reminders and escalate thousands of overdue items at start, and measure that.
    Its appeals' numbers are taken, so that new complaints get the next ones. Then a poll of
    ``POLL_VILLAGES`` villages that 60% of their residents voted in, and a notice to the whole
    region written up to its last step, as if the staff member had done it before a restart.
    """
    db = Database(path)
    await db.open()
    try:
        region = Scope(ScopeKind.REGION, "bench")
        await roles_repo.grant(db, COORDINATOR, Role.COORDINATOR, region, "bench")
        await roles_repo.grant(db, STAFF, Role.STAFF, region, "bench")
        async with db.transaction() as tx:  # seeding only
            await tx.execute(
                "INSERT INTO broadcasts (kind, ref_id, created_by, payload, status, created_at) "
                "SELECT ?, id, created_by, '{}', 'done', created_at FROM polls "
                "WHERE status = 'closed'",
                (RESULTS_KIND,),
            )
            await tx.execute(  # the generator numbers appeals without the counter
                "INSERT INTO appeal_sequences (year, last) SELECT year, MAX(seq) FROM appeals "
                "GROUP BY year ON CONFLICT (year) DO UPDATE SET last = excluded.last"
            )
            await tx.execute(
                "UPDATE hearings SET status = 'cancelled' WHERE status = 'scheduled' "
                "AND starts_at > ?",
                (to_db_time(utcnow()),),
            )
            await tx.execute(  # their deadlines were watched day by day (bot/deadlines.py)
                "INSERT INTO appeal_notices (appeal_id, kind, due_on, claimed_at) "
                "SELECT a.id, k.kind, a.due_on, ? FROM appeals a, "
                "(SELECT 'overdue' AS kind UNION ALL SELECT 'due_soon') k "
                "WHERE a.status IN ('new', 'in_progress') AND a.due_on IS NOT NULL "
                "ON CONFLICT DO NOTHING",
                (to_db_time(utcnow()),),
            )
        codes = [
            str(row[0])
            for row in await db.fetch_all(
                "SELECT v.code FROM villages v JOIN districts d ON d.code = v.district_code "
                "WHERE d.region_code = 'bench' ORDER BY v.code"
            )
        ]
        chosen = codes[:POLL_VILLAGES]
        new = NewPoll(
            question="На что направить бюджет села в первую очередь?",
            options=("Дороги", "Водопровод", "Школа", "Освещение"), max_choices=1,
            may_change=False, results_early=False, closes_at=utcnow() + timedelta(days=7),
            village_codes=tuple(chosen), created_by=STAFF,
        )  # fmt: skip
        poll = await polls_repo.create(db, new, utcnow())
        async with db.transaction() as tx:  # seeding only
            await tx.execute(
                "INSERT INTO poll_votes (poll_id, person_id, village_code, choices, voted_at) "
                "SELECT ?, id, village_code, 1 << (id % 4), ? FROM people "
                "WHERE village_code IN (SELECT value FROM json_each(?)) "
                "AND telegram_id IS NOT NULL AND id % 5 < 3",
                (poll.id, to_db_time(utcnow()), json.dumps(chosen)),
            )
        await drafts.save(db, STAFF, NOTICE_DRAFT, {"text": "Завтра с 10:00 до 14:00 не будет "
                          "воды: ремонт водопровода.", "villages": codes})  # fmt: skip
        await conversations.save(db, NOTICE_DIALOG, (STAFF, STAFF), NOTICE_CONFIRM)
        people = await db.fetch_all(
            "SELECT telegram_id, language, village_code FROM people WHERE telegram_id IS NOT NULL"
        )
    finally:
        await db.close()
    found = Region(poll_id=poll.id)
    for telegram_id, language, village in people:
        found.residents.append(int(telegram_id))
        if village in chosen:
            found.voters[int(telegram_id)] = language or "kk"  # DEFAULT_LANGUAGE's default
    return found


def staff_message(sim: BotApiSimulator, chat: int, text: str, data: str = "") -> Json:
    """A message of the bot's in a staff member's chat, to tap on (with one button)."""
    sim.users[chat] = serve.person(chat)
    sim.started.add(chat)
    message: Json = {
        "message_id": sim.next_message_id(), "date": now(), "text": text,
        "chat": {"id": chat, "type": "private", "first_name": f"Staff {chat}"},
        "from": sim.bot_user(),
    }  # fmt: skip
    if data:
        message["reply_markup"] = {"inline_keyboard": [[{"text": "▶", "callback_data": data}]]}
    sim.messages.setdefault(chat, {})[message["message_id"]] = message
    return message


async def event(sim: BotApiSimulator, update: Json, done: Callable[[str, Json], bool]) -> Window:
    """Offer ``update``; return when it was offered and when ``done`` saw what ends it."""
    finished = asyncio.Event()

    def seen(kind: str, sent: Json) -> None:
        if done(kind, sent):
            finished.set()

    sim.observers.append(seen)
    began = time.monotonic()
    sim.enqueue(update)
    try:
        await asyncio.wait_for(finished.wait(), EVENT_PATIENCE)
    except TimeoutError:
        print(f"an event did not end within {EVENT_PATIENCE:g} s")
    finally:
        sim.observers.remove(seen)
    return began, time.monotonic()


async def summaries(sim: BotApiSimulator, count: int, gap: float) -> list[Window]:
    """Ask for the region's summary ``count`` times; when each was asked and when it arrived."""
    data = callbacks.build("rep", "sum", WEEK.token, "region", "bench")
    message = staff_message(sim, COORDINATOR, "/summary")
    windows = []
    for _ in range(count):
        documents = 0

        def arrived(kind: str, sent: Json) -> bool:
            nonlocal documents
            if kind == "sent" and sent["chat"]["id"] == COORDINATOR and "document" in sent:
                documents += 1
            return documents == 2  # the workbook, then the CSV files in a zip

        windows.append(await event(sim, serve.tap_update(sim, COORDINATOR, message, data),
                                   arrived))  # fmt: skip
        await asyncio.sleep(gap)
    return windows


def stop_button(sim: BotApiSimulator) -> tuple[Json, str] | None:
    """The newest progress message of a broadcast in the staff member's chat, and its Stop."""
    stop = callbacks.build("bc", "stop")
    for message in reversed(sim.chat_messages(STAFF)):
        for row in message.get("reply_markup", {}).get("inline_keyboard", []):
            for button in row:
                if str(button.get("callback_data", "")).startswith(stop):
                    return message, str(button["callback_data"])
    return None


async def close_poll(sim: BotApiSimulator, region: Region) -> Window:
    """Staff close the poll now; until residents of every language have their chart."""
    data = callbacks.build("pst", "closeok", region.poll_id)
    message = staff_message(sim, STAFF, "Закрыть опрос сейчас?", data)
    waiting = set(region.voters.values())

    def charts(kind: str, sent: Json) -> bool:
        if kind == "sent" and "photo" in sent:
            waiting.discard(region.voters.get(sent["chat"]["id"], ""))
        return not waiting

    return await event(sim, serve.tap_update(sim, STAFF, message, data), charts)


async def send_notice(sim: BotApiSimulator) -> Window:
    """Staff tap "Send" under the notice's preview; until the progress message arrives."""
    data = callbacks.build("ntc", "send")
    message = staff_message(sim, STAFF, "Отправить?", data)
    stop = callbacks.build("bc", "stop")

    def queued(kind: str, sent: Json) -> bool:
        rows = sent.get("reply_markup", {}).get("inline_keyboard", [])
        return (kind == "sent" and sent["chat"]["id"] == STAFF
                and any(str(b.get("callback_data", "")).startswith(stop)
                        for row in rows for b in row))  # fmt: skip

    return await event(sim, serve.tap_update(sim, STAFF, message, data), queued)


async def sending(sim: BotApiSimulator, seconds: float) -> Window:
    """Let the broadcast just enqueued send for ``seconds``, then its sender stops it."""
    began = time.monotonic()
    await asyncio.sleep(seconds)
    found = stop_button(sim)
    if found is None:
        print("no Stop button of a broadcast in the staff member's chat")
    else:
        tap = serve.tap_update(sim, STAFF, *found)
        sim.enqueue(tap)
        query = tap["callback_query"]["id"]
        for _ in range(50):  # the stop is a tap like any other: answered in a moment
            await asyncio.sleep(0.1)
            answers = [c for c in sim.calls_to("answerCallbackQuery")
                       if c.params.get("callback_query_id") == query]  # fmt: skip
            if answers:
                print(f"  (a broadcast stopped: {answers[0].params.get('text')})")
                break
    return began, time.monotonic()


async def events(
    sim: BotApiSimulator, region: Region, chosen: tuple[str, ...], summaries_count: int,
    gap: float,
) -> dict[str, list[Window]]:  # fmt: skip
    """The chosen events, one after another, ``gap`` seconds of traffic alone around each.

    After each broadcast's window it sends for ``gap`` seconds ("sending"), then is stopped,
    so that the next window measures its own event, not the pace of a broadcast before it.
    """
    windows: dict[str, list[Window]] = {name: [] for name in (*chosen, "sending")}
    await asyncio.sleep(gap)
    if "summary" in chosen:
        windows["summary"] = await summaries(sim, summaries_count, gap)
    if "close" in chosen:
        windows["close"].append(await close_poll(sim, region))
        windows["sending"].append(await sending(sim, gap))
        await asyncio.sleep(gap)
    if "broadcast" in chosen:
        windows["broadcast"].append(await send_notice(sim))
        windows["sending"].append(await sending(sim, gap))
        await asyncio.sleep(gap)
    return windows


def figures(latencies: list[float]) -> str:
    """p50 / p95 / p99 / max in milliseconds."""
    if not latencies:
        return "no updates"
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return (f"{len(ordered)} updates: p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, "
            f"p99 {pct(0.99):.0f} ms, max {ordered[-1] * 1000:.0f} ms")  # fmt: skip


async def run_qatysu(
    args: argparse.Namespace, load: serve.Load
) -> tuple[list[serve.Outcome], dict[str, list[Window]], int]:
    """The shipped process on the region's database: traffic and events; its error lines."""
    with tempfile.TemporaryDirectory(prefix="qatysu-blocking-") as name:
        folder = Path(name)
        database = folder / "bench.db"
        sizes = summary_bench.Sizes.at(args.scale, True)
        await asyncio.to_thread(summary_bench.generate, database, sizes)  # runs its own loop
        poll, ballot = await serve.prepare_database(database, load)
        region = await prepare_region(database)
        server = SimServer()
        server.sim.latency = load.latency
        poll_messages, _ = serve.seed_chats(server.sim, load, poll, ballot)
        for resident in region.residents:  # they wrote to the bot before: it may write to them
            server.sim.users[resident] = serve.person(resident)
            server.sim.started.add(resident)
        await server.start()
        env = serve.environment(server, database, load)
        env["MPLCONFIGDIR"] = str(summary_bench.MPL_CACHE)
        if args.root is not None:
            env["PYTHONPATH"] = str(args.root.resolve())
        process = serve.start_bot("qatysu", folder, env)
        spy = None
        try:
            await serve.wait_ready(server, process, folder / "qatysu.log", None)
            if args.profile is not None:
                spy = serve.start_profiler(process.pid, args.profile)
            tracker = serve.Tracker(server.sim, load.patience)
            outcomes: list[serve.Outcome] = []
            offer = tracker.offer

            async def recorded(update: Json, chat: int) -> serve.Outcome:
                outcome = await offer(update, chat)
                outcomes.append(outcome)
                return outcome

            tracker.offer = recorded  # type: ignore[method-assign]
            chosen = tuple(args.events.split(","))
            windows, _ = await asyncio.gather(
                events(server.sim, region, chosen, args.summaries, args.gap),
                serve.mixed(tracker, poll_messages, load),
            )
        finally:
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                spy.wait(timeout=60)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            await server.stop()
        errors = serve.log_errors(folder / "qatysu.log")
        if args.log is not None:
            shutil.copy(folder / "qatysu.log", args.log)
    return outcomes, windows, len(errors)


def report(
    args: argparse.Namespace, outcomes: list[serve.Outcome], windows: dict[str, list[Window]]
) -> None:
    """The latencies by window."""
    every = [w for spans in windows.values() for w in spans]

    def inside(spans: list[Window], offered: float) -> bool:
        return any(s <= offered <= e for s, e in spans)

    answered = [(o, a - o) for o, a in outcomes if a is not None]
    titles = {
        "summary": f"while a summary built (scale {args.scale:g})",
        "close": f"while a poll of {POLL_VILLAGES} villages closed (charts in every language)",
        "broadcast": "while a notice to the whole region was enqueued",
        "sending": "while a broadcast sent, after its window (Telegram's pace)",
    }
    for name, spans in windows.items():
        took = ", ".join(f"{e - s:.1f} s" for s, e in spans)
        print(f"  {titles[name]} ({took}): "
              f"{figures([lat for o, lat in answered if inside(spans, o)])}")  # fmt: skip
        if len(spans) > 1:
            for number, span in enumerate(spans, 1):
                each = [lat for o, lat in answered if inside([span], o)]
                print(f"    {name} {number}: {figures(each)}")
    quiet = [lat for o, lat in answered if not inside(every, o)]
    print(f"  otherwise (traffic alone): {figures(quiet)}")
    if args.timeline and answered:
        start = min(o for o, _ in answered)
        print("  timeline (5 s of offered updates; the events running then):")
        for at in range(0, int(max(o for o, _ in answered) - start) + 1, 5):
            span = (start + at, start + at + 5)
            lats = [lat for o, lat in answered if span[0] <= o < span[1]]
            running = [n for n, spans in windows.items()
                       if any(s < span[1] and e > span[0] for s, e in spans)]  # fmt: skip
            print(f"    {at:4d} s: {figures(lats)}  {' '.join(running)}")
    last = max((e for _, e in every), default=0.0)
    if outcomes and last > max(o for o, _ in outcomes):
        print("  (the traffic ended before the last event: raise --seconds)")


async def main(args: argparse.Namespace) -> None:
    load = serve.Load(votes=0, dialogs=0, rate=args.rate, seconds=args.seconds,
                      latency=args.latency_ms / 1000, patience=60.0, concurrency=32,
                      scenarios=("mixed",), ballots=0)  # fmt: skip
    outcomes, windows, errors = await run_qatysu(args, load)
    missing = sum(1 for _, a in outcomes if a is None)
    print(f"Bot: {args.root or 'this checkout'}; mixed traffic at {args.rate:g}/s for "
          f"{args.seconds:g} s, Bot API latency {args.latency_ms:g} ms; summary of "
          f"{WEEK.slug}")  # fmt: skip
    report(args, outcomes, windows)
    print(f"  unanswered: {missing}; error lines in the bot's log: {errors}")
    if args.profile is not None:
        print(serve.summarise_profile(args.profile))
    if args.bare:
        with tempfile.TemporaryDirectory(prefix="qatysu-blocking-bare-") as name:
            bare = await serve.run_bot("bare-aiohttp", load, Path(name), None, None)
        mixed = bare.figures["mixed"]
        print(f"Bare PTB on aiohttp, the same mixed traffic alone: "
              f"{figures(mixed.latencies)}; unanswered: {mixed.missing}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--summaries", type=int, default=3)
    parser.add_argument("--events", default=",".join(EVENTS), help="of " + ",".join(EVENTS))
    parser.add_argument("--gap", type=float, default=5.0, help="seconds of traffic alone")
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=150.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--no-bare", dest="bare", action="store_false")
    parser.add_argument("--timeline", action="store_true", help="latency per 5 s of traffic")
    parser.add_argument("--log", type=Path, default=None, help="where to keep the bot's log")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy output (GIL holders)")
    parser.add_argument("--root", type=Path, default=None, help="the checkout whose bot to run")
    asyncio.run(main(parser.parse_args()))
