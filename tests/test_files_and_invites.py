"""Files the process makes are its user's alone; invites are stored as hashes, listed, revoked."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import invites
from bot.cli import main
from bot.simulator import Harness
from bot.territory import sample_file
from storage import roles as roles_repo
from storage.db import Database, bundled_migrations
from storage.models import Role, Scope, ScopeKind
from tests.proof_helpers import ROOT

NURA = "krg-nura-nura"


@pytest.fixture(autouse=True)
def _umask_restored() -> Iterator[None]:
    """``main`` sets the process's umask; give the rest of the test run its own back."""
    before = os.umask(0o022)
    os.umask(before)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` as its own process, as an operator runs it (umask 022 around)."""
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_USERNAME", "WEBHOOK_URL")}
    env.update(DATABASE_PATH=str(tmp_path / "data" / "q.db"), PYTHONPATH=str(ROOT),
               BOT_USERNAME="qatysu_bot")  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=120, preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip


def test_database_wal_backup_and_report_files_are_0600(tmp_path: Path) -> None:
    database = tmp_path / "data" / "q.db"
    assert cli(tmp_path, "villages", "import", str(sample_file())).returncode == 0
    assert mode(database) == 0o600
    assert mode(database.parent) == 0o700
    with sqlite3.connect(database) as conn:  # another opener: SQLite gives WAL the db's mode
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE probe (x)")
        assert mode(Path(f"{database}-wal")) == 0o600
        assert mode(Path(f"{database}-shm")) == 0o600
        conn.execute("DROP TABLE probe")
    backup = tmp_path / "backups" / "copy.db"
    done = cli(tmp_path, "backup", str(backup))
    assert done.returncode == 0, done.stderr
    assert mode(backup) == 0o600
    out = tmp_path / "reports" / "w.xlsx"
    done = cli(tmp_path, "report", "weekly", "--week", "2026-W48", "--out", str(out))
    assert done.returncode == 0, done.stderr
    written = [p for p in out.parent.iterdir()]
    assert len(written) >= 6  # the workbook, five CSV files, the charts
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


def test_a_database_made_before_is_made_private_at_the_next_command(tmp_path: Path) -> None:
    assert cli(tmp_path, "migrate").returncode == 0
    database = tmp_path / "data" / "q.db"
    database.chmod(0o644)
    assert cli(tmp_path, "migrate").returncode == 0
    assert mode(database) == 0o600


def test_invites_are_stored_as_hashes_listed_and_revoked(tmp_path: Path) -> None:
    assert cli(tmp_path, "villages", "import", str(sample_file())).returncode == 0
    made = cli(tmp_path, "invite", "staff", "--village", NURA)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().split("start=i_")[1]
    assert "Invite 1: one use, valid until " in made.stderr
    cli(tmp_path, "invite", "coordinator", "--region", "krg")
    database = tmp_path / "data" / "q.db"
    with sqlite3.connect(database) as conn:
        rows = conn.execute("SELECT id, token_hash FROM invites ORDER BY id").fetchall()
        assert rows[0] == (1, hashlib.sha256(token.encode()).hexdigest())
        assert "token" not in [row[1] for row in conn.execute("PRAGMA table_info(invites)")]
    for path in database.parent.iterdir():  # the database and its WAL, as bytes
        assert token.encode() not in path.read_bytes()
    listed = cli(tmp_path, "invite", "list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0] == "id  role  scope  created  expires  used"
    assert lines[1].startswith(f"1  staff  village {NURA}  ") and lines[1].endswith("  open")
    assert lines[2].startswith("2  coordinator  region krg  ")
    revoked = cli(tmp_path, "invite", "revoke", "1")
    assert (revoked.returncode, revoked.stdout.strip()) == (
        0, "Revoked invite 1: its link no longer works"
    )  # fmt: skip
    assert " revoked at " in cli(tmp_path, "invite", "list").stdout.splitlines()[1]
    again = cli(tmp_path, "invite", "revoke", "1")
    assert again.returncode == 1
    assert again.stderr.strip() == "qatysu: no unused invite 1 to revoke: see `invite list`"
    assert cli(tmp_path, "invite", "revoke").returncode == 1
    assert cli(tmp_path, "invite", "revoke", "99").returncode == 1


async def test_a_revoked_invite_link_no_longer_grants_the_role(bot: Harness) -> None:
    services = bot.app.bot_data.services
    assert services is not None
    scope = Scope(ScopeKind.VILLAGE, NURA)
    kept = await invites.create(services.db, bot.settings, Role.STAFF, scope)
    dropped = await invites.create(services.db, bot.settings, Role.STAFF, scope)
    assert await invites.revoke(services.db, dropped.id)
    person = bot.user(6003, "Dana", "en")
    await person.send(f"/start i_{dropped.token}")
    assert person.last_text.startswith("This invitation link has been used or has expired")
    assert await roles_repo.grants_of(services.db, 6003) == []
    await person.send(f"/start i_{kept.token}")
    assert [g.scope.code for g in await roles_repo.grants_of(services.db, 6003)] == [NURA]
    assert not await invites.revoke(services.db, kept.id)  # used: nothing to revoke
    states = [invites.state(i, kept.expires_at) for i in await invites.all_invites(services.db)]
    assert states == ["used", "revoked"]


async def test_clear_tokens_of_old_invites_are_dropped_by_the_migration(tmp_path: Path) -> None:
    before = [m for m in bundled_migrations() if m[0] <= 8]
    path = tmp_path / "old.db"
    old = Database(path, migrations=before)
    await old.open()
    for token, used_by in (("CLEARtokenUNUSED", None), ("CLEARtokenUSED", 42)):
        await old.execute_write(
            "INSERT INTO invites (token, role, scope_kind, scope_code, created_at, expires_at, "
            "used_by) VALUES (?, 'staff', 'village', ?, '2026-11-01T00:00:00+00:00', "
            "'2099-01-01T00:00:00+00:00', ?)",
            (token, NURA, used_by),
        )
    await old.close()
    db = Database(path)
    await db.open()
    try:
        listed = await invites.all_invites(db)
        assert [(i.id, i.used_by, i.revoked_at is not None) for i in listed] == [
            (1, None, True), (2, 42, False)
        ]  # fmt: skip
        assert await roles_repo.redeem_invite(db, "CLEARtokenUNUSED", 7) is None
    finally:
        await db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("VACUUM")
    assert b"CLEARtoken" not in path.read_bytes()


def test_main_sets_the_private_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "m.db"))
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    os.umask(0o022)
    assert main(["migrate"]) == 0
    assert os.umask(0o022) == 0o077
    assert mode(tmp_path / "m.db") == 0o600
