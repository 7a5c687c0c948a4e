"""The database locked by another process (a backup, a script): writes wait, nothing fails."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.simulator.http import SimServer
from storage import db as db_module
from storage.db import Database
from tests.conftest import STAFF_ID, make_settings, seed
from tests.proof_helpers import ROOT, TOKEN, BotProcess, kill_leftovers, query, spawn
from tests.test_e2e_http import POTHOLE

pytestmark = pytest.mark.sqlite_only  # SQLite's file lock and busy timeout


@pytest.fixture(autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    """Kill what a failing test left running."""
    yield
    kill_leftovers()


def hold_exclusive(path: Path, seconds: float, locked: threading.Event) -> None:
    """Another connection takes the write lock and keeps it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    locked.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


async def test_a_write_waits_out_a_lock_longer_than_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: past busy_timeout the write failed with 'database is locked'."""
    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_MS", 300)
    db = Database(tmp_path / "q.db")
    await db.open()
    locked = threading.Event()
    holder = threading.Thread(target=hold_exclusive, args=(db.path, 0.7, locked))
    holder.start()
    try:
        assert await asyncio.to_thread(locked.wait, 5)
        await db.execute_write(
            "INSERT INTO processed_updates (update_id, processed_at) VALUES (1, 'x')"
        )
    finally:
        await asyncio.to_thread(holder.join, 10)
        await db.close()
    row = sqlite3.connect(db.path).execute("SELECT COUNT(*) FROM processed_updates").fetchone()
    assert row == (1,)


@pytest.mark.slow
async def test_the_bot_rides_out_a_locked_database_and_a_backup(tmp_path: Path) -> None:
    """Another process holds BEGIN EXCLUSIVE for 3 s while a resident files a complaint and
    ``python -m bot backup`` runs: the bot waits, nothing is lost, the backup is whole."""
    settings = make_settings(tmp_path)
    await seed(settings)
    locker = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        'c.execute("INSERT INTO processed_updates (update_id, processed_at) '
        "VALUES (999999, '2000-01-01')\")\n"
        "print('locked', flush=True)\n"
        "time.sleep(3)\n"
        "c.execute('COMMIT')\n"
    )
    async with SimServer(token=TOKEN) as server, BotProcess(server, settings) as bot:
        server.person(STAFF_ID, "Ерлан", "ru", started=True)  # to be told of the complaint
        aigerim = server.person(1101, "Айгерім", "kk")
        await aigerim.send("/start v_krg-osakarovka-osakarovka")
        await aigerim.send("/complaint")
        await aigerim.tap("🛣 Жолдар")
        lock_log = tmp_path / "locker.log"
        holder = spawn([sys.executable, "-c", locker, str(settings.database_path)], ROOT, lock_log)
        await server.wait_until(lambda: "locked" in lock_log.read_text(), within=10)
        started = time.monotonic()
        backup = spawn(
            [sys.executable, "-m", "bot", "backup", str(tmp_path / "during-lock.db")],
            tmp_path, tmp_path / "backup.log", bot.env,
        )  # fmt: skip
        await aigerim.send(POTHOLE)  # its claim and its draft wait for the lock
        await server.wait_until(lambda: "📎" in aigerim.last_text, within=20)
        assert time.monotonic() - started >= 2.0  # it did wait
        await aigerim.tap("Әрі қарай")
        await aigerim.tap("✅ Жіберу")
        assert aigerim.last_text.startswith("✅ Шағымыңыз #")
        assert holder.wait(timeout=20) == 0
        assert backup.wait(timeout=30) == 0, (tmp_path / "backup.log").read_text()
        assert bot.running
        assert "database is locked" not in bot.log()
    assert [row[0] for row in await query(settings, "SELECT text FROM appeals")] == [POTHOLE]
    copy = sqlite3.connect(tmp_path / "during-lock.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
