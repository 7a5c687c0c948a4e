"""``qatysu migrate --from-sqlite FILE``: an existing SQLite database copied into PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from storage import people
from storage.db import Database
from tests.conftest import make_settings
from tests.report_helpers import seed_region


async def test_every_row_is_copied_and_new_rows_get_new_ids(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = Database(tmp_path / "old.db")
    await source.open()
    await seed_region(source)  # a month of a region: people, items, polls, hearings, outbox
    tables = [
        str(row[0])
        for row in await source.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    counts = {t: (await source.fetch_one(f'SELECT COUNT(*) FROM "{t}"'))[0] for t in tables}  # type: ignore[index]  # noqa: S608
    await source.close()
    monkeypatch.setenv("DATABASE_URL", pg_url)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "files" / "qatysu.db"))
    code = await asyncio.to_thread(main, ["migrate", "--from-sqlite", str(tmp_path / "old.db")])
    assert code == 0
    target = make_settings(tmp_path, database_url=pg_url).database()
    await target.open()
    try:
        copied = {t: (await target.fetch_one(f'SELECT COUNT(*) FROM "{t}"'))[0] for t in tables}  # type: ignore[index]  # noqa: S608
        assert copied == counts and counts["people"] > 0
        highest = (await target.fetch_one("SELECT MAX(id) FROM people"))[0]  # type: ignore[index]
        newcomer = await people.ensure_person(target, 777_000_001, "Жаңа")
        assert newcomer.id > highest  # the identity continues after the copied ids
        again = await asyncio.to_thread(
            main, ["migrate", "--from-sqlite", str(tmp_path / "old.db")]
        )
        assert again != 0  # never into a database that has data
    finally:
        await target.close()
