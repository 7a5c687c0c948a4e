"""``python -m bot backup`` while the bot writes, and the restore procedure of the README."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from bot.app import build_application
from bot.identity import IdentityError, secret_path
from bot.simulator import Harness
from tests.conftest import STAFF_ID, make_settings, seed
from tests.proof_helpers import TOKEN, bot_env

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]  # SQLite's backup, its file


async def run_backup(settings_path: Path, target: Path) -> int:
    """``python -m bot backup TARGET`` as an operator runs it, beside the running bot."""
    env = bot_env("http://127.0.0.1:9", make_settings(settings_path.parent))
    env["BOT_TOKEN"] = TOKEN
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", str(target), cwd=settings_path.parent, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return process.returncode


async def test_a_backup_taken_while_the_bot_writes_is_consistent(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)  # broadcasting within Telegram's 30 a second
    await seed(settings)
    async with Harness(settings) as bot:
        for user_id in range(30_000, 30_200):
            await bot.user(user_id, "R", "ru").send("/start v_krg-osakarovka-molodezhny")
        services = bot.app.bot_data.services
        assert services is not None
        broadcast_id = await services.engine.submit(
            kind="notice", payload={"text": "Резервная копия"}, created_by=STAFF_ID,
            village_codes=("krg-osakarovka-molodezhny",),
        )  # fmt: skip
        copies = [tmp_path / f"backup-{n}.db" for n in range(3)]
        for copy in copies:  # while the outbox is being written
            await run_backup(settings.database_path, copy)
        await bot.broadcasts_finished(within=30)
    midway = []
    for copy in copies:
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = dict(
            conn.execute(
                "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY status",
                (broadcast_id,),
            ).fetchall()
        )
        assert sum(rows.values()) == 200  # the outbox is whole, as created in one transaction
        midway.append(0 < rows.get("sent", 0) < 200)
        people = conn.execute("SELECT COUNT(*) FROM people WHERE village_code IS NOT NULL")
        assert people.fetchone() == (200,)
        conn.close()
    assert midway[0]  # the first copy was taken while the broadcast was being recorded


def restore(backup: Path, db_path: Path) -> None:
    """The README's procedure, with the bot stopped."""
    shutil.copyfile(backup, db_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


async def test_the_restore_procedure_of_the_readme(tmp_path: Path) -> None:
    """Stop, copy the backup over DATABASE_PATH, delete -wal and -shm, start."""
    settings = make_settings(tmp_path)
    await seed(settings)
    backup = tmp_path / "backups" / "monday.db"
    bot = Harness(settings)
    await bot.start()
    ivan = bot.user(1102, "Иван", "ru")
    await ivan.send("/start v_krg-nura-nura")
    await run_backup(settings.database_path, backup)
    await ivan.send("/village")  # after the backup: moves to another village
    await ivan.tap("Карагандинская область")
    await ivan.tap("Осакаровский район")
    await ivan.tap("Молодежный")
    await ivan.tap("✅ Да, переехать")
    newcomer = bot.user(1103, "Dana", "en")
    await newcomer.send("/start v_krg-nura-nura")
    await bot.stop()

    restore(backup, settings.database_path)

    await bot.start()
    await ivan.send("/mydata")
    assert "Село: Нура" in ivan.last_text  # as it was at the backup
    services = bot.app.bot_data.services
    assert services is not None
    row = await services.db.fetch_one("SELECT COUNT(*) FROM people WHERE telegram_id = 1103")
    assert row is not None and row[0] == 0  # joined after the backup
    check = await services.db.fetch_one("PRAGMA integrity_check")
    assert check is not None and check[0] == "ok"
    await newcomer.send("/start v_krg-nura-nura")  # the restored bot works on
    assert "Your village: Nura" in newcomer.texts[-1]
    await bot.stop()


async def test_the_secret_is_kept_apart_and_a_restore_without_it_is_refused(
    tmp_path: Path,
) -> None:
    """The backup names the identity secret (``--with-secret`` copies it, 0600); a database
    restored without its secret does not start (everyone would vote again), with it, it does."""
    settings = make_settings(tmp_path)
    await seed(settings)
    bot = Harness(settings)
    await bot.start()
    ivan = bot.user(1102, "Иван", "ru")
    await ivan.send("/start v_krg-nura-nura")
    await bot.stop()
    backup = tmp_path / "backups" / "monday.db"
    env = bot_env("http://127.0.0.1:9", settings)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "backup", str(backup), "--with-secret", cwd=tmp_path,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    copied = secret_path(backup)
    assert f"Copied the identity secret to {copied}" in out.decode()
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600
    assert copied.read_bytes() == secret_path(settings.database_path).read_bytes()

    elsewhere = make_settings(tmp_path / "elsewhere")
    elsewhere.database_path.parent.mkdir()
    restore(backup, elsewhere.database_path)
    app = build_application(elsewhere, request=Harness(elsewhere).sim)
    await app.initialize()
    with pytest.raises(IdentityError, match="not the one this database's keys were made with"):
        assert app.post_init is not None
        await app.post_init(app)
    services = app.bot_data.services
    assert services is not None
    await services.db.close()
    await app.shutdown()

    secret_path(elsewhere.database_path).unlink()
    shutil.copyfile(copied, secret_path(elsewhere.database_path))
    restored = Harness(elsewhere)
    restored.sim = bot.sim  # the same Telegram: its update ids go on
    await restored.start()
    ivan = restored.user(1102, "Иван", "ru")
    await ivan.send("/mydata")
    assert "Село: Нура" in ivan.last_text
    await restored.stop()
