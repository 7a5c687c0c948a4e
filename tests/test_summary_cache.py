"""Weekly summaries built once per scope, week, language and data version.

/summary, the digest's workbook button and the scheduled delivery share the built files; a
second tap while a summary is built gets "still preparing" and no second build; a change to
what a report reads (and only that) makes the next request build again.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from bot import callbacks
from bot.context import Services
from bot.reports import delivery
from bot.reports.cache import cache_of, folder_of
from bot.reports.week import Week
from bot.simulator import Harness, SimUser
from storage import reports as reports_repo
from storage import roles
from storage.db import Database, utcnow
from storage.models import Role, Scope, ScopeKind
from tests.appeal_helpers import file_complaint, resident, staff_member
from tests.conftest import COORDINATOR_ID, STAFF_ID

ROOT = Path(__file__).resolve().parent.parent
PREPARING = "⏳ Preparing the summary…"
STILL = "⏳ Still preparing: the files will come here in a moment."


def services(bot: Harness) -> Services:
    found = bot.app.bot_data.services
    assert found is not None
    return found


def last_week(bot: Harness) -> Week:
    return Week.containing(utcnow(), services(bot).settings.zone).shifted(-1)


def summary_data(bot: Harness, region: str = "krg") -> str:
    return callbacks.build("rep", "sum", last_week(bot).token, "region", region)


async def tap(bot: Harness, person: SimUser, data: str) -> dict[str, object]:
    """Tap a button whose handler runs in the background; return the answer to the tap."""
    answered = {c.params["callback_query_id"] for c in bot.sim.calls_to("answerCallbackQuery")}
    await person.tap_data(data)
    await bot.wait_until(
        lambda: len(bot.sim.calls_to("answerCallbackQuery")) > len(answered), within=10
    )
    new = [c for c in bot.sim.calls_to("answerCallbackQuery")
           if c.params["callback_query_id"] not in answered]  # fmt: skip
    return dict(new[0].params)


def documents_to(bot: Harness, chat_id: int) -> list[object]:
    return [c for c in bot.sim.calls_to("sendDocument") if c.params["chat_id"] == chat_id and c.ok]


async def until_ready(bot: Harness, person: SimUser, count: int = 1) -> None:
    """Wait until ``count`` summaries were announced as ready in the person's chat."""
    await bot.wait_until(
        lambda: sum(text.startswith("✅ Weekly summary") for text in person.texts) >= count,
        within=60,
    )


async def test_a_double_tap_builds_once_and_sends_once(bot: Harness) -> None:
    await resident(bot, 1101, "Dana", "en")
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    data = summary_data(bot)
    first = await tap(bot, coordinator, data)
    second = await tap(bot, coordinator, data)
    assert (first.get("text"), second.get("text")) == (PREPARING, STILL)
    await until_ready(bot, coordinator)
    cache = cache_of(services(bot).db)
    assert cache.builds == 1
    assert len(documents_to(bot, COORDINATOR_ID)) == 2  # the workbook and the CSV zip, once
    # One message said "preparing", and was edited to say the files are there.
    notes = [t for t in coordinator.texts if "Preparing the weekly summary" in t or "✅" in t]
    week = last_week(bot)
    label = week.label(services(bot).i18n.get("en"))
    assert notes == [f"✅ Weekly summary {label}: Karaganda Region. The files are below."]
    assert not cache.waiting and not cache.building(delivery.scope_key(
        services(bot).i18n.get("en"), Scope(ScopeKind.REGION, "krg"), week))  # fmt: skip


async def test_repeated_taps_reuse_the_files_until_the_data_changes(bot: Harness) -> None:
    await resident(bot, 1101, "Dana", "en")
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    data = summary_data(bot)
    await tap(bot, coordinator, data)
    await until_ready(bot, coordinator)
    uploaded = documents_to(bot, COORDINATOR_ID)
    assert all(call.files for call in uploaded)  # type: ignore[attr-defined]

    answer = await tap(bot, coordinator, data)
    assert answer.get("text") == "📤 Sending the summary…"
    await bot.wait_until(lambda: len(documents_to(bot, COORDINATOR_ID)) == 4, within=10)
    cache = cache_of(services(bot).db)
    assert cache.builds == 1
    again = documents_to(bot, COORDINATOR_ID)[2:]
    assert all(not call.files for call in again)  # type: ignore[attr-defined]  # by file id
    assert [call.params["document"] for call in again] == [
        bot.sim.chat_messages(COORDINATOR_ID)[i]["document"]["file_id"] for i in (-4, -3)
    ]  # the ids Telegram gave the first upload

    # A complaint in the region changes what the summary says: built again.
    dana = await resident(bot, 1102, "Erzhan", "en")
    await file_complaint(dana, "The street lamp on Abay street is broken again")
    answer = await tap(bot, coordinator, data)
    assert answer.get("text") == PREPARING
    await until_ready(bot, coordinator, 2)
    assert cache.builds == 2
    assert documents_to(bot, COORDINATOR_ID)[-2].files  # type: ignore[attr-defined]


async def test_the_scheduled_summary_reuses_the_tapped_one(bot: Harness) -> None:
    await resident(bot, 1101, "Dana", "en")
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    await tap(bot, coordinator, summary_data(bot))
    await until_ready(bot, coordinator)
    result = await delivery.send_summaries(services(bot), bot.app.bot, utcnow())
    assert result.sent == 1
    assert cache_of(services(bot).db).builds == 1
    documents = documents_to(bot, COORDINATOR_ID)
    assert len(documents) == 4 and not documents[-1].files  # type: ignore[attr-defined]


async def test_two_coordinators_of_one_region_share_one_build(bot: Harness) -> None:
    await resident(bot, 1101, "Dana", "en")
    await roles.grant(services(bot).db, 5030, Role.COORDINATOR, Scope(ScopeKind.REGION, "krg"),
                      "test")  # fmt: skip
    first = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    second = await staff_member(bot, 5030, "Saule", "en")
    data = summary_data(bot)
    answers = await asyncio.gather(tap(bot, first, data), tap(bot, second, data))
    assert [a.get("text") for a in answers] == [PREPARING, PREPARING]
    await until_ready(bot, first)
    await until_ready(bot, second)
    assert cache_of(services(bot).db).builds == 1
    assert len(documents_to(bot, COORDINATOR_ID)) == len(documents_to(bot, 5030)) == 2


async def test_the_digest_workbook_is_built_once_per_area(bot: Harness) -> None:
    await resident(bot, 1101, "Dana", "en")
    await roles.grant(services(bot).db, 5040, Role.STAFF, Scope(ScopeKind.DISTRICT,
                      "krg-osakarovka"), "test")  # fmt: skip
    staff = await staff_member(bot, STAFF_ID, "Erlan", "en")
    colleague = await staff_member(bot, 5040, "Aidos", "en")
    data = callbacks.build("rep", "area", last_week(bot).token)
    first = await tap(bot, staff, data)
    second = await tap(bot, staff, data)
    assert (first.get("text"), second.get("text")) == (PREPARING, STILL)
    await until_ready(bot, staff)
    await tap(bot, colleague, data)  # the same villages: the same workbook
    await bot.wait_until(lambda: len(documents_to(bot, 5040)) == 1, within=30)
    assert cache_of(services(bot).db).builds == 1
    assert len(documents_to(bot, STAFF_ID)) == 1  # the workbook alone, once
    ivan = await resident(bot, 1102, "Ivan", "en")
    refused = await tap(bot, ivan, data)
    assert refused.get("text") == "Sorry, this is only for akimat staff."
    forged = await tap(bot, staff, callbacks.build("rep", "area", last_week(bot).shifted(3).token))
    assert forged.get("text") == "This button is out of date. Send /start."
    assert cache_of(services(bot).db).builds == 1


async def test_a_summary_half_written_by_a_crash_is_not_served(bot: Harness) -> None:
    await resident(bot, 1101, "Dana", "en")
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    db = services(bot).db
    key = delivery.scope_key(services(bot).i18n.get("en"), Scope(ScopeKind.REGION, "krg"),
                             last_week(bot))  # fmt: skip
    version = await reports_repo.data_version(db)
    leftover = folder_of(db.path) / key.slug / f"v{version}.partial-dead"
    leftover.mkdir(parents=True)
    (leftover / "qatysu.xlsx").write_bytes(b"half")
    assert not await cache_of(db).ready(db, key)
    await tap(bot, coordinator, summary_data(bot))
    await until_ready(bot, coordinator)
    assert not leftover.exists()
    assert [p.name for p in (folder_of(db.path) / key.slug).iterdir()] == [f"v{version}"]


async def version_after(db: Database, statement: str, params: tuple[object, ...] = ()) -> int:
    before = await reports_repo.data_version(db)
    await db.execute_write(statement, params)
    return await reports_repo.data_version(db) - before


async def test_the_data_version_moves_with_what_reports_read_only(bot: Harness) -> None:
    dana = await resident(bot, 1101, "Dana", "en")
    db = services(bot).db
    before = await reports_repo.data_version(db)
    await dana.send("/menu")  # a contact that changes nothing a report reads
    await dana.send("/complaint")  # a dialog's step and draft
    assert await reports_repo.data_version(db) == before
    await dana.send("/cancel")
    for column, value, raised in (("first_name", "D", 0), ("telegram_language", "ru", 0),
                                  ("village_code", "krg-osakarovka-molodezhny", 1),
                                  ("language", "ru", 1)):  # fmt: skip
        change = "UPDATE people SET " + column + " = ? WHERE telegram_id = 1101"  # noqa: S608
        assert await version_after(db, change, (value,)) == raised, column
    await file_complaint(dana, "Nobody has cleaned the bus stop for a month")
    assert await reports_repo.data_version(db) > before + 2


def test_every_table_a_report_reads_raises_the_data_version(tmp_path: Path) -> None:
    import sqlite3

    source = (ROOT / "storage" / "reports.py").read_text(encoding="utf-8")
    read = set(re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)", source))
    # Not figures: a CTE, JSON arrays, the deliveries' own bookkeeping, the version itself.
    read -= {"json_each", "keeps", "report_deliveries", "report_topics", "data_version"}
    assert {"people", "appeals", "poll_votes", "outbox", "hearing_rows"} <= read
    database = tmp_path / "q.db"
    asyncio.run(_migrated(database))
    conn = sqlite3.connect(database)
    views = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}
    tables = {table for table in read if table not in views}
    tables |= {"hearings", "hearing_villages", "villages", "districts", "regions"}
    triggers = conn.execute("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    raising: dict[str, set[str]] = {}
    for table, sql in triggers:
        if "data_version" in sql:
            event = re.search(r"AFTER (INSERT|UPDATE|DELETE)", sql)
            assert event is not None
            raising.setdefault(table, set()).add(event.group(1))
    # The outbox is written and deleted between changes of its broadcast's row.
    expected = {t: {"INSERT", "UPDATE", "DELETE"} for t in tables} | {"outbox": {"UPDATE"}}
    assert {t: raising.get(t, set()) for t in tables} == expected
    assert "broadcasts" in tables and raising["broadcasts"] == {"INSERT", "UPDATE", "DELETE"}


async def _migrated(path: Path) -> None:
    db = Database(path)
    await db.open()
    await db.close()
