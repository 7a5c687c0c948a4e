"""Benchmark: residents' updates while coordinators' summaries build, in the shipped process.

Run: ``.venv/bin/python bench/blocking.py`` (defaults: ``--scale 0.5 --summaries 3 --rate 50
--seconds 40 --latency-ms 50``; ``--root DIR`` runs the bot of another checkout, e.g. an older
commit exported with ``git archive``, to compare).

One database holds the summary benchmark's synthetic region (``bench/summary.py``, at
``--scale``: 250 villages and 100,000 residents at 0.5) and ``bench/serve.py``'s residents and
poll. ``python -m bot run`` serves over HTTP against the simulator (``--latency-ms`` per
answer), with mixed traffic at ``--rate`` (votes, complaint steps, /mydata, as in serve.py).
Meanwhile a coordinator taps "summary of this week, whole region" ``--summaries`` times, one
after another, each once the previous one's files arrived (the first one also starts the
worker process). Printed: the latency of updates offered while a summary was building (in all,
and during each), and of the others. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import serve
import summary as summary_bench

from bot import callbacks
from bot.simulator.api import Json, now
from bot.simulator.http import SimServer
from storage import roles as roles_repo
from storage.db import Database, to_db_time, utcnow
from storage.models import Role, Scope, ScopeKind
from storage.polls import RESULTS_KIND

COORDINATOR = 5003
Window = tuple[float, float]


async def prepare_region(path: Path) -> None:
    """The synthetic region's coordinator; its past kept quiet at start.

    Its closed polls count as published and its coming hearings as cancelled: otherwise the
    bot would publish 1,000 polls' results and send reminders at start, and measure that.
    Its appeals' numbers are taken, so that new complaints get the next ones.
    """
    db = Database(path)
    await db.open()
    try:
        await roles_repo.grant(db, COORDINATOR, Role.COORDINATOR,
                               Scope(ScopeKind.REGION, "bench"), "bench")  # fmt: skip
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
    finally:
        await db.close()


def coordinator_message(server: SimServer) -> Json:
    """A message in the coordinator's chat to tap on (as /summary's would be)."""
    sim = server.sim
    sim.users[COORDINATOR] = serve.person(COORDINATOR)
    message: Json = {
        "message_id": sim.next_message_id(), "date": now(), "text": "/summary",
        "chat": {"id": COORDINATOR, "type": "private", "first_name": "Coordinator"},
        "from": sim.bot_user(),
    }  # fmt: skip
    sim.messages.setdefault(COORDINATOR, {})[message["message_id"]] = message
    return message


async def summaries(server: SimServer, count: int, warm_up: float) -> list[Window]:
    """Ask for the region's summary ``count`` times; when each was asked and when it arrived."""
    sim = server.sim
    message = coordinator_message(server)
    data = callbacks.build("rep", "sum", summary_bench.WEEK.token, "region", "bench")
    documents: list[float] = []
    arrived = asyncio.Event()

    def seen(kind: str, sent: Json) -> None:
        if kind == "sent" and sent["chat"]["id"] == COORDINATOR and "document" in sent:
            documents.append(time.monotonic())
            if len(documents) % 2 == 0:  # the workbook, then the CSV files in a zip
                arrived.set()

    sim.observers.append(seen)
    windows = []
    await asyncio.sleep(warm_up)
    for _ in range(count):
        arrived.clear()
        began = time.monotonic()
        sim.enqueue(serve.tap_update(sim, COORDINATOR, message, data))
        await arrived.wait()
        windows.append((began, documents[-1]))
        await asyncio.sleep(warm_up)
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


async def main(args: argparse.Namespace) -> None:
    load = serve.Load(votes=0, dialogs=0, rate=args.rate, seconds=args.seconds,
                      latency=args.latency_ms / 1000, patience=60.0, concurrency=32,
                      scenarios=("mixed",))  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="qatysu-blocking-") as name:
        folder = Path(name)
        database = folder / "bench.db"
        sizes = summary_bench.Sizes.at(args.scale, True)
        await asyncio.to_thread(summary_bench.generate, database, sizes)  # runs its own loop
        text, markup = await serve.prepare_database(database, load)
        await prepare_region(database)
        server = SimServer()
        server.sim.latency = load.latency
        poll_messages = serve.seed_chats(server.sim, load, text, markup)
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
            built, _ = await asyncio.gather(
                summaries(server, args.summaries, args.seconds / (args.summaries + 1) / 2),
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
    during = [a - o for o, a in outcomes if a is not None and any(s <= o <= e for s, e in built)]
    apart = [a - o for o, a in outcomes if a is not None and not any(s <= o <= e for s, e in built)]
    missing = sum(1 for _, a in outcomes if a is None)
    took = ", ".join(f"{e - s:.1f} s" for s, e in built)
    print(f"Bot: {args.root or 'this checkout'}; summary of {summary_bench.WEEK} at scale "
          f"{args.scale:g} built {len(built)} times ({took}); mixed traffic at {args.rate:g}/s, "
          f"Bot API latency {args.latency_ms:g} ms")  # fmt: skip
    print(f"  while a summary built: {figures(during)}")
    for number, (start, end) in enumerate(built, 1):
        each = [a - o for o, a in outcomes if a is not None and start <= o <= end]
        print(f"    summary {number}: {figures(each)}")
    print(f"  otherwise:             {figures(apart)}")
    print(f"  unanswered: {missing}; error lines in the bot's log: {len(errors)}")
    if args.profile is not None:
        print(serve.summarise_profile(args.profile))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--summaries", type=int, default=3)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--log", type=Path, default=None, help="where to keep the bot's log")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy output (GIL holders)")
    parser.add_argument("--root", type=Path, default=None, help="the checkout whose bot to run")
    asyncio.run(main(parser.parse_args()))
