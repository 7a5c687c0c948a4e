"""Benchmark: the summary of a large synthetic region for a week and a quarter, its time and
its peak memory.

Run: ``.venv/bin/python bench/summary.py [SCALE ...] [--weeks N] [--period P ...]`` (default:
0.5 1 2, 52, 2026-W48 and 2026-Q4).

At scale 1 a fresh database holds one region of 500 villages (25 districts), 200,000
residents, 100,000 complaints and suggestions (with their answers), 1,000 public hearings with
20,000 "I will come" answers and 2,000 questions, and 20 notices with 100,000 deliveries,
spread over a year (``--weeks``; items past due mostly answered); nine villages in ten have a
population. For each scale and period (by default the middle week, and the quarter around it)
the summary for the whole region (workbook with its charts, CSV files, charts, with the trend of
the eight periods before) is built by ``python -m bot report --period`` in a child process,
whose wall time, CPU time and peak resident memory (``os.wait4``) are printed; a second child
times the queries and the files apart; then the machine's load (the last minute's average).
Polls: 2,000 with 1,000,000 votes and paper votes (``--no-polls`` leaves them out). Prints
figures; asserts nothing.

``--postgres URL`` (``postgresql://…``) builds every summary a second time on PostgreSQL: the
SQLite database is copied into a fresh schema of that server by ``python -m bot migrate
--from-sqlite`` (its time printed), and the same children run with ``DATABASE_URL`` set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.appeals.service import CATEGORIES  # noqa: E402
from storage.db import Database  # noqa: E402

PERIODS = ("2026-W48", "2026-Q4")
WEEKS = 52  # by default the data spans a year, 2026-W48 in its middle
ZONE_OFFSET = timedelta(hours=5)
# matplotlib's font cache, kept between runs as a deployed bot keeps it (a fresh one costs ~1 s).
MPL_CACHE = Path(tempfile.gettempdir()) / "qatysu-bench-matplotlib"


@dataclass(frozen=True)
class Sizes:
    """How much of everything, at one scale."""

    villages: int
    residents: int
    appeals: int
    hearings: int
    broadcasts: int = 20
    polls: int = 0  # 2,000 at scale 1 with --polls
    votes: int = 0  # 1,000,000 at scale 1 with --polls

    @classmethod
    def at(cls, scale: float, polls: bool) -> Sizes:
        return cls(
            villages=int(500 * scale), residents=int(200_000 * scale),
            appeals=int(100_000 * scale), hearings=int(1_000 * scale),
            polls=int(2_000 * scale) if polls else 0, votes=int(1_000_000 * scale) if polls else 0,
        )  # fmt: skip


def _stamp(start: datetime, rng: random.Random, weeks: int) -> str:
    moment = start + timedelta(seconds=rng.randrange(weeks * 7 * 86400))
    return moment.isoformat(timespec="seconds")


def generate(path: Path, sizes: Sizes, weeks: int = WEEKS, seed: int = 6) -> float:
    """Write the synthetic region; return the seconds it took."""
    began = time.perf_counter()
    asyncio.run(_migrate(path))
    rng = random.Random(seed)
    start = datetime(2026, 11, 23, tzinfo=UTC) - ZONE_OFFSET - timedelta(weeks=weeks // 2)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO regions VALUES ('bench', 'Бенч облысы', 'Бенч область', 'Bench')")
    districts = max(1, sizes.villages // 20)
    conn.executemany(
        "INSERT INTO districts VALUES (?, 'bench', ?, ?, ?)",
        [(f"b-{d}", f"{d}-аудан", f"{d}-район", f"District {d}") for d in range(districts)],
    )
    villages = [f"b-{v % districts}-{v}" for v in range(sizes.villages)]
    # Most villages have a population from the household register; some do not.
    conn.executemany(
        "INSERT INTO villages (code, district_code, name_kk, name_ru, name_en, population) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [(code, code.rsplit("-", 1)[0], f"Ауыл {i}", f"Село {i}", f"Village {i}",
          None if i % 10 == 0 else rng.randrange(400, 2000))
         for i, code in enumerate(villages)],
    )  # fmt: skip
    languages = ["kk", "kk", "ru", "ru", "en", None]
    people = []
    for i in range(sizes.residents):
        created = _stamp(start, rng, weeks)
        deleted = _stamp(start, rng, weeks) if i % 40 == 0 else None
        people.append((i + 1, None if deleted else 10_000_000 + i, None if deleted else "Name",
                       rng.choice(languages), rng.choice(villages), created, created, deleted,
                       _stamp(start, rng, weeks) if i % 50 == 1 else None))  # fmt: skip
    conn.executemany(
        "INSERT INTO people (id, telegram_id, first_name, language, village_code, created_at, "
        "village_set_at, deleted_at, blocked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        people,
    )
    hearing_rows, hearing_villages, rsvps = [], [], set()
    for h in range(1, sizes.hearings + 1):
        stamp = _stamp(start, rng, weeks)
        status = rng.choice(["held", "held", "scheduled", "cancelled"])
        hearing_rows.append((h, f"Тақырып {h}", stamp, "Клуб", "1.", status, 5001, stamp, stamp,
                             40 if status == "held" else None,
                             "Шешім" if status == "held" else None))  # fmt: skip
        for code in rng.sample(villages, k=rng.randint(1, 3)):
            hearing_villages.append((h, code))
        rsvps |= {(h, rng.randrange(1, sizes.residents + 1), stamp) for _ in range(20)}
    conn.executemany(
        "INSERT INTO hearings (id, topic, starts_at, place, agenda, status, created_by, "
        "created_at, updated_at, attendance, decisions) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        hearing_rows,
    )
    conn.executemany("INSERT OR IGNORE INTO hearing_villages VALUES (?, ?)", hearing_villages)
    conn.executemany("INSERT OR IGNORE INTO hearing_rsvps VALUES (?, ?, ?)", list(rsvps))
    appeals, events = [], []
    statuses = ["new", "in_progress", "answered", "resolved", "rejected"]
    for a in range(1, sizes.appeals + 1):
        person = people[rng.randrange(sizes.residents)]
        created = _stamp(start, rng, weeks)
        question = a % 50 == 0 and sizes.hearings
        kind = "question" if question else rng.choice(["complaint", "complaint", "suggestion"])
        # Items past their due date were mostly answered; recent ones are mostly open.
        recent = datetime.fromisoformat(created) > start + timedelta(weeks=weeks - 3)
        status = rng.choice(statuses) if recent or rng.random() < 0.15 else rng.choice(statuses[2:])
        due = (datetime.fromisoformat(created) + timedelta(days=21)).date().isoformat()
        hearing = rng.randint(1, sizes.hearings) if question else None
        appeals.append((a, 2026, a, kind, person[0], person[4], person[4],
                        rng.choice(CATEGORIES), "text", f"k{a}", "ru", status, due, hearing,
                        created, created))  # fmt: skip
        if status in ("answered", "resolved", "rejected"):
            answered = datetime.fromisoformat(created) + timedelta(hours=rng.randrange(2, 500))
            events.append((a, status, answered.isoformat(timespec="seconds")))
    conn.executemany(
        "INSERT INTO appeals (id, year, seq, kind, person_id, village_code, "
        "handler_village_code, category, text, text_key, language, status, due_on, hearing_id, "
        "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        appeals,
    )
    conn.executemany(
        "INSERT INTO appeal_events (appeal_id, action, actor_id, created_at) "
        "VALUES (?, ?, 5001, ?)",
        events,
    )
    for b in range(1, sizes.broadcasts + 1):
        conn.execute(
            "INSERT INTO broadcasts (id, kind, created_by, payload, status, created_at) "
            "VALUES (?, 'notice', 5001, '{}', 'done', ?)",
            (b, _stamp(start, rng, weeks)),
        )
        recipients = rng.sample(range(1, sizes.residents + 1), k=sizes.residents // 40)
        conn.executemany(
            "INSERT INTO outbox (broadcast_id, person_id, status) VALUES (?, ?, ?)",
            [(b, p, rng.choice(["sent", "sent", "sent", "blocked"])) for p in recipients],
        )
    generate_polls(conn, sizes, villages, rng, start)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - began


def generate_polls(
    conn: sqlite3.Connection, sizes: Sizes, villages: list[str], rng: random.Random,
    start: datetime,
) -> None:  # fmt: skip
    """Write ``sizes.polls`` polls (four options, one to three villages) and ``sizes.votes``
    votes spread over them (one per person and poll), plus paper votes for a third of them."""
    if not sizes.polls:
        return
    per_poll = max(1, sizes.votes // sizes.polls)
    for p in range(1, sizes.polls + 1):
        created = _stamp(start, rng, WEEKS)
        closes = (datetime.fromisoformat(created) + timedelta(days=7)).isoformat()
        conn.execute(
            "INSERT INTO polls (id, question, max_choices, may_change, results_early, closes_at, "
            "status, created_by, created_at, closed_at) VALUES (?, ?, 1, 0, 0, ?, 'closed', 5001, "
            "?, ?)",
            (p, f"Сұрақ {p}", closes, created, closes),
        )
        conn.executemany(
            "INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)",
            [(p, n, f"Нұсқа {n + 1}") for n in range(4)],
        )
        places = rng.sample(villages, k=rng.randint(1, 3))
        conn.executemany(
            "INSERT INTO poll_villages (poll_id, village_code, registered) VALUES (?, ?, 400)",
            [(p, code) for code in places],
        )
        voters = rng.sample(range(1, sizes.residents + 1), k=min(per_poll, sizes.residents))
        conn.executemany(
            "INSERT INTO poll_votes (poll_id, person_id, village_code, choices, voted_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(p, person, rng.choice(places), 1 << rng.randrange(4), created) for person in voters],
        )
        if p % 3 == 0:  # a meeting's protocol of paper votes
            protocol = conn.execute(
                "INSERT INTO poll_protocols (poll_id, village_code, met_on, place, present, "
                "entered_by, entered_at) VALUES (?, ?, ?, 'School', 80, 5001, ?)",
                (p, places[0], closes[:10], closes),
            ).lastrowid
            conn.executemany(
                "INSERT INTO poll_protocol_votes (protocol_id, position, votes) VALUES (?, ?, ?)",
                [(protocol, n, rng.randrange(20)) for n in range(4)],
            )


async def _migrate(path: Path) -> None:
    db = Database(path)
    await db.open()
    await db.close()


def database_env(path: Path, url: str | None) -> dict[str, str]:
    """The children's environment: the SQLite file, or PostgreSQL when ``url`` is given."""
    env = {**os.environ, "DATABASE_PATH": str(path), "MPLCONFIGDIR": str(MPL_CACHE)}
    if url is not None:
        env["DATABASE_URL"] = url
    return env


def copy_to_postgres(path: Path, server: str, schema: str) -> tuple[str, float]:
    """Copy the SQLite database into a fresh schema; its URL, and seconds the copy took."""
    asyncio.run(_drop_schema(server, schema, create_again=True))
    url = f"{server}{'&' if '?' in server else '?'}search_path={schema}"
    command = [sys.executable, "-m", "bot", "migrate", "--from-sqlite", str(path)]
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=database_env(path, url), check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return url, time.perf_counter() - began


async def _drop_schema(server: str, schema: str, *, create_again: bool = False) -> None:
    import asyncpg

    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        if create_again:
            await conn.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await conn.close()


def measure(path: Path, out: Path, period: str, url: str | None = None) -> dict[str, float]:
    """Build the summary in a child process: wall time, CPU time and peak memory."""
    env = database_env(path, url)
    command = [sys.executable, "-m", "bot", "report", "--period", period,
               "--scope", "region:bench", "--out", str(out), "--language", "ru"]  # fmt: skip
    began = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    if status != 0:
        raise SystemExit(f"the report failed with status {status}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"seconds": wall, "cpu": cpu, "peak_mb": usage.ru_maxrss / 1024}


def phases(path: Path, out: Path, period: str, url: str | None = None) -> dict[str, float]:
    """The same summary in-process after a warm-up: seconds of queries and of files."""
    code = (
        "import asyncio, json, time, sys\n"
        "from pathlib import Path\n"
        "from zoneinfo import ZoneInfo\n"
        "from bot.i18n import I18n\n"
        "from bot.reports import data, scope\n"
        "from bot.reports.files import write_report\n"
        "from bot.reports.period import TREND, Period\n"
        "from bot.settings import Settings\n"
        "from storage.models import Scope, ScopeKind\n"
        "import matplotlib.figure, openpyxl\n"
        "async def main():\n"
        "    zone = ZoneInfo('Asia/Almaty')\n"
        "    db = Settings().database(); await db.open()\n"
        "    t0 = time.perf_counter()\n"
        "    villages = await scope.villages_of(db, [Scope(ScopeKind.REGION, 'bench')])\n"
        "    period = Period.parse(sys.argv[3])\n"
        "    figures = await data.load(db, villages, period, zone, trend=TREND)\n"
        "    t1 = time.perf_counter()\n"
        "    write_report(I18n('ru', zone).get('ru'), figures, Path(sys.argv[2]))\n"
        "    t2 = time.perf_counter()\n"
        "    await db.close()\n"
        "    print(json.dumps({'queries': t1 - t0, 'files': t2 - t1}))\n"
        "asyncio.run(main())\n"
    )
    command = [sys.executable, "-c", code, str(path), str(out), period]
    result = subprocess.run(command, cwd=ROOT, env=database_env(path, url), capture_output=True,
                            text=True, check=True)  # fmt: skip
    return dict(json.loads(result.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scales", nargs="*", type=float, default=[0.5, 1.0, 2.0])
    parser.add_argument("--weeks", type=int, default=WEEKS, help="weeks the data spans")
    parser.add_argument(
        "--period", action="append", help="periods to build (default: 2026-W48 and 2026-Q4)"
    )
    parser.add_argument(
        "--no-polls", action="store_true", help="leave out the 2,000 polls and 1,000,000 votes"
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="also on this PostgreSQL server (a schema per scale)"
    )
    args = parser.parse_args()
    periods = args.period or list(PERIODS)
    print(
        "Summary for the whole region (workbook with charts, 9 CSV files, charts, a trend of 8 "
        f"periods); data spread over {args.weeks} weeks"
    )
    print(
        "scale | database | period | villages | residents | complaints | hearings | wall s "
        "| CPU s | peak MB | queries s | files s | load | (data generated, or copied, in s)"
    )
    for scale in args.scales:
        sizes = Sizes.at(scale, not args.no_polls)
        with tempfile.TemporaryDirectory(prefix="qatysu-bench-") as folder:
            path = Path(folder) / "bench.db"
            generated = generate(path, sizes, args.weeks)
            targets: list[tuple[str, str | None, float]] = [("SQLite", None, generated)]
            if args.postgres:
                schema = f"bench_summary_{str(scale).replace('.', '_')}"
                url, copied = copy_to_postgres(path, args.postgres, schema)
                targets.append(("PostgreSQL", url, copied))
            for name, url, prepared in targets:
                measure(path, Path(folder) / "warm.xlsx", periods[0], url)  # matplotlib's cache
                for period in periods:
                    run = measure(path, Path(folder) / "summary.xlsx", period, url)
                    split = phases(path, Path(folder) / "phases.xlsx", period, url)
                    print(f"{scale:>5} | {name:>10} | {period:>8} | {sizes.villages:>8,} "
                          f"| {sizes.residents:>9,} | {sizes.appeals:>10,} | {sizes.hearings:>8,} "
                          f"| {run['seconds']:>6.2f} | {run['cpu']:>5.2f} | {run['peak_mb']:>7.0f} "
                          f"| {split['queries']:>9.2f} | {split['files']:>7.2f} "
                          f"| {os.getloadavg()[0]:>4.1f} | ({prepared:.1f})",
                          flush=True)  # fmt: skip
            if args.postgres:
                asyncio.run(_drop_schema(args.postgres, schema))


if __name__ == "__main__":
    main()
