"""Exports: text typed by residents or staff never becomes a formula in the workbook or CSV."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from openpyxl import load_workbook

from bot.reports import summary
from bot.reports.safe import csv_field
from bot.reports.week import Week
from bot.simulator import Harness
from storage.db import to_db_time, utcnow
from storage.models import Scope, ScopeKind
from tests.appeal_helpers import file_complaint
from tests.conftest import STAFF_ID
from tests.poll_helpers import MOLODEZHNY, db_of, residents, services_of

QUESTION = '=HYPERLINK("http://x","y")'
OPTIONS = ("=1+1", "-2+3", "@SUM(1)", "Водопровод")
COMPLAINT = "+cmd|' /C calc'!A0"
TOPIC = "@SUM(1)"
FORMULAS = {QUESTION, *OPTIONS[:3], TOPIC, "=2+2"}


def test_csv_fields_that_a_spreadsheet_would_run_get_an_apostrophe() -> None:
    for text in ("=1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert csv_field(text) == "'" + text
    assert csv_field("Дорога до школы") == "Дорога до школы"
    assert csv_field("") == ""


async def _newpoll(bot: Harness) -> None:
    """Walk /newpoll with a question and options that look like formulas, and publish it."""
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/newpoll")
    await staff.send(QUESTION)
    await staff.send("\n".join(OPTIONS))
    await staff.tap("Один вариант")
    await staff.tap("Молодежный")
    await staff.tap("Готово ›")
    await staff.tap("Все жители сёл")
    closing = (utcnow() + timedelta(days=2)).astimezone(services_of(bot).settings.zone)
    await staff.send(closing.strftime("%d.%m.%Y 18:30"))
    await staff.tap("Да, могут")
    await staff.tap("Только после завершения")
    await staff.tap("📤 Опубликовать")
    await bot.broadcasts_finished()


async def test_formula_text_is_written_as_text_in_workbook_and_csv(
    bot: Harness, tmp_path: Path
) -> None:
    (resident,) = await residents(bot, MOLODEZHNY, [102])
    await _newpoll(bot)
    await file_complaint(resident, COMPLAINT)
    db = db_of(bot)
    row = await db.fetch_one("SELECT text FROM appeals")
    assert row is not None and row[0] == COMPLAINT
    async with db.transaction() as tx:  # a hearing this week whose topic staff typed
        await tx.execute(
            "INSERT INTO hearings (topic, starts_at, place, agenda, status, created_by, "
            "created_at, updated_at, decisions) VALUES (?, ?, 'Клуб', '1.', 'held', ?, ?, ?, ?)",
            (TOPIC, _db_now(), STAFF_ID, _db_now(), _db_now(), "=2+2"),
        )
        await tx.execute(
            "INSERT INTO hearing_villages (hearing_id, village_code) "
            "VALUES ((SELECT MAX(id) FROM hearings), ?)",
            (MOLODEZHNY,),
        )
    services = services_of(bot)
    week = Week.containing(utcnow(), services.settings.zone)
    files = await summary.build(
        db, services.i18n.get("ru"), [Scope(ScopeKind.ALL)], week, tmp_path / "w.xlsx"
    )
    book = load_workbook(files.workbook)
    texts: set[str] = set()
    for sheet in book.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
    assert {*FORMULAS, "Водопровод"} <= texts  # exactly as typed
    fields: set[str] = set()
    for path in files.csv_files:
        with path.open(encoding="utf-8-sig", newline="") as source:
            fields.update(field for row in csv.reader(source) for field in row)
    assert {"'" + text for text in FORMULAS} <= fields
    assert not [f for f in fields if f[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "Водопровод" in fields


def _db_now() -> str:
    return to_db_time(utcnow())
