"""The summary: periods in words, figures that reconcile, honest shares, a workbook that prints,
CSV that opens in Excel, phone-sized charts, "you said, we did", open data, the CLI."""

from __future__ import annotations

import asyncio
import csv
import itertools
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image

from bot.appeals.service import CATEGORIES
from bot.cli import main
from bot.i18n import I18n
from bot.reports import data as report_data
from bot.reports import sections, summary
from bot.reports.opendata import FIELDS
from bot.reports.period import Period, PeriodKind
from bot.reports.scope import parse_scope
from storage.db import Database, to_db_time
from storage.models import Names, Scope, ScopeKind
from storage.reports import PollLine
from tests.conftest import make_settings, use_database
from tests.report_helpers import (
    FOLLOW_UP,
    POLL_CLOSED,
    SECRET_NAMES,
    SECRET_PHONE,
    SECRET_TEXT,
    TELEGRAM_BASE,
    Window,
    expected,
    expected_appeals,
    local,
    seed_region,
)

pytestmark = pytest.mark.both_databases

ZONE = ZoneInfo("Asia/Almaty")
NO_NAMES = Names("", "", "")
W48 = Period.week(2026, 48)
NOVEMBER = Period.month(2026, 11)
Q4 = Period.quarter(2026, 4)
I18N = I18n("kk", ZONE)
KRG = [Scope(ScopeKind.REGION, "krg")]
LANGUAGE_COLUMNS = (
    ("Kazakh", "lang_kk"), ("Russian", "lang_ru"), ("English", "lang_en"),
    ("Language not chosen", "lang_none"),
)  # fmt: skip
SHEETS_EN = ["Cover", "Totals", "Trend", "You said, we did", "Overview",
             "Complaints and suggestions", "Polls", "Public hearings", "Participation"]  # fmt: skip


def sheet_rows(path: Path, title: str) -> list[list[object]]:
    book = load_workbook(path, read_only=True)
    rows = [list(row) for row in book[title].iter_rows(values_only=True)]
    book.close()
    width = len(rows[0])
    return [row + [None] * (width - len(row)) for row in rows]  # empty cells end a row early


def by_header(rows: list[list[object]]) -> list[dict[str, object]]:
    headers = [str(h) for h in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def window(period: Period) -> Window:
    return Window(*period.bounds(ZONE))


# --- periods --------------------------------------------------------------------------------------
def test_periods_read_as_the_command_line_writes_them() -> None:
    assert Period.parse("2026-W48") == Period.parse("2026w48") == W48
    assert (W48.first, W48.last) == (date(2026, 11, 23), date(2026, 11, 29))
    assert Period.parse("2026-11") == NOVEMBER and NOVEMBER.last == date(2026, 11, 30)
    assert Period.parse("2026-Q4") == Q4
    assert (Q4.first, Q4.last) == (date(2026, 10, 1), date(2026, 12, 31))
    assert Period.parse("2026") == Period.year(2026)
    days = Period.parse("2026-11-01..2026-11-30")
    assert (days.first, days.last, days.kind) == (NOVEMBER.first, NOVEMBER.last, PeriodKind.RANGE)
    for period in (W48, NOVEMBER, Q4, Period.year(2026), days):
        assert Period.parse(str(period)) == period == Period.parse(period.token)
        assert len(period.token) <= 17  # fits callback data beside a scope
    assert [str(p) for p in (W48, NOVEMBER, Q4, days)] == [
        "2026-W48", "2026-11", "2026-Q4", "2026-11-01..2026-11-30"
    ]  # fmt: skip
    for bad in ("2026-W54", "2025-W53", "2026-13", "2026-Q5", "48", "2026-11-31..2026-12-01",
                "2026-12-01..2026-11-01", "2020-01-01..2026-01-01"):  # fmt: skip
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_a_period_is_local_midnight_to_midnight_and_steps_back_by_its_kind() -> None:
    start, end = W48.bounds(ZONE)
    assert start == datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # Mon 23 Nov 00:00 in Almaty
    assert end == datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
    assert Period.containing(PeriodKind.WEEK, local(2026, 11, 29, 23, 30), ZONE) == W48
    assert Period.containing(PeriodKind.WEEK, local(2026, 11, 30, 0, 10), ZONE) == W48.shifted(1)
    assert Period.of(PeriodKind.WEEK, date(2027, 1, 1)) == Period.week(2026, 53)
    assert W48.shifted(-48) == Period.week(2025, 52)
    assert Period.month(2026, 1).shifted(-1) == Period.month(2025, 12)
    assert Q4.shifted(1) == Period.quarter(2027, 1)
    trend = Q4.trend()
    assert len(trend) == 8 and trend[0] == Period.quarter(2025, 1) and trend[-1] == Q4
    assert all(a.end_day == b.first for a, b in itertools.pairwise(trend))
    days = Period.parse("2026-11-10..2026-11-16")
    assert days.shifted(-1) == Period.parse("2026-11-03..2026-11-09")


def test_periods_are_named_in_words_in_each_language() -> None:
    labels = {language: [p.label(I18N.get(language)) for p in (W48, NOVEMBER, Q4)]
              for language in ("kk", "ru", "en")}  # fmt: skip
    assert labels["kk"] == ["48-апта, 23–29 қараша 2026", "2026 жылғы қараша",
                            "2026 жылғы 4-тоқсан"]  # fmt: skip
    assert labels["ru"] == ["48-я неделя, 23–29 ноября 2026", "Ноябрь 2026",
                            "4-й квартал 2026"]  # fmt: skip
    assert labels["en"] == ["Week 48, 23–29 November 2026", "November 2026", "Q4 2026"]
    assert Period.year(2026).label(I18N.get("ru")) == "2026 год"
    across = Period.parse("2026-11-30..2026-12-06")
    assert across.label(I18N.get("ru")) == "30 ноября – 6 декабря 2026"
    assert (
        Period.week(2026, 53).label(I18N.get("en")) == "Week 53, 28 December 2026 – 3 January 2027"
    )


# --- figures --------------------------------------------------------------------------------------
async def test_sunday_2330_local_is_in_that_week_and_monday_0010_in_the_next(
    db: Database,
) -> None:
    await seed_region(db)
    await db.execute_write("DELETE FROM appeals WHERE 1 = 1")
    for seq, moment in enumerate((local(2026, 11, 29, 23, 30), local(2026, 11, 30, 0, 10),
                                  local(2026, 11, 23, 0, 0)), 1):  # fmt: skip
        await _complaint_at(db, moment, seq)
    villages = [v for v in (await report_data.load(db, [], W48, ZONE)).names.values()]
    w48 = await report_data.load(db, villages, W48, ZONE)
    w49 = await report_data.load(db, villages, W48.shifted(1), ZONE)
    assert sum(f.complaints for f in w48.villages) == 2
    assert sum(f.complaints for f in w49.villages) == 1
    assert [h.topic for h in w48.hearings if h.starts_at >= local(2026, 11, 29, 0)] == ["Бюджет 1"]
    assert "Бюджет 2" in [h.topic for h in w49.hearings]  # Monday 00:10 hearing


async def _complaint_at(db: Database, moment: datetime, seq: int) -> None:
    await db.execute_write(
        "INSERT INTO appeals (year, seq, kind, person_id, village_code, handler_village_code, "
        "category, text, text_key, language, due_on, created_at, updated_at) "
        "VALUES (2026, ?, 'complaint', 1, 'krg-osakarovka-osakarovka', "
        "'krg-osakarovka-osakarovka', 'roads', 'text', ?, 'ru', '2026-12-20', ?, ?)",
        (seq, f"k{seq}", to_db_time(moment), to_db_time(moment)),
    )


OVERVIEW_COLUMNS = {
    "Registered in the bot": "registered", "Joined": "new", "Left": "departed",
    "Active": "active", "Active, %": "active_share", "Complaints": "complaints",
    "Suggestions": "suggestions", "Answered": "answered", "Answered on time, %": "on_time_share",
    "Median days to answer": "median_days", "Overdue at the period's end": "overdue",
    "Public hearings": "hearings", "Will come": "coming", "Attended": "attended",
    "Notices delivered": "delivered", "Poll votes": "poll_votes",
}  # fmt: skip


@pytest.mark.parametrize("period", [W48, NOVEMBER, Q4], ids=str)
async def test_every_figure_reconciles_with_the_raw_tables(
    db: Database, tmp_path: Path, period: Period
) -> None:
    seed = await seed_region(db)
    tr = I18N.get("en")
    files = await summary.build(db, tr, KRG, period, tmp_path / "w.xlsx")
    names = {v.names.en: v.code for v in (await report_data.load(db, [], W48, ZONE)).names.values()}
    want = expected(seed, window(period))
    assert sum(f["active"] for f in want.values()) > 3  # the seed exercises the sheet
    assert sum(f["answered"] for f in want.values()) > 3
    overview = by_header(sheet_rows(files.workbook, "Overview"))
    assert {names[str(row["Village"])] for row in overview[:-1]} == set(seed.villages)
    for row in overview[:-1]:
        code = names[str(row["Village"])]
        figures = want[code]
        for header, key in OVERVIEW_COLUMNS.items():
            assert row[header] == figures[key], (code, header)
        population = seed.population[code]
        assert row["Population"] == population
        reach = round(100 * figures["registered"] / population, 1) if population else None
        assert row["Reach, %"] == (reach if reach is None or reach <= 100 else None)
    total = overview[-1]
    assert total["Village"] == "Total"
    for header, key in OVERVIEW_COLUMNS.items():
        if not key.endswith(("share", "days")) and key not in ("hearings", "attended"):
            assert total[header] == sum(f[key] for f in want.values()), header
    registered = sum(f["registered"] for f in want.values())
    assert total["Active, %"] == round(100 * sum(f["active"] for f in want.values()) /
                                       registered, 1)  # fmt: skip
    hearings = [h for h in seed.hearings
                if h["starts_at"] in window(period) and h["status"] != "cancelled"]  # fmt: skip
    assert total["Public hearings"] == len(hearings)  # a hearing of two villages counts once
    assert total["Attended"] == sum(h["attendance"] or 0 for h in hearings)

    participation = by_header(sheet_rows(files.workbook, "Participation"))
    for row in participation[:-1]:
        figures = want[names[str(row["Village"])]]
        assert row["Registered in the bot"] == figures["registered"]
        for header, key in LANGUAGE_COLUMNS:
            assert row[header] == figures[key], (row["Village"], header)
        assert row["Active, %"] == figures["active_share"]

    appeals = by_header(sheet_rows(files.workbook, "Complaints and suggestions"))
    categories = {sections.plain(tr.t(f"appeal.category.{c}")): c for c in CATEGORIES}
    kinds = {"Complaint": "complaint", "Suggestion": "suggestion"}
    statuses = {sections.plain(tr.t(f"appeal.status.{s}")): s for s in sections.STATUSES}
    found: dict[tuple[str, str, str, str], int] = {}
    for row in appeals[:-1]:
        key = (names[str(row["Village"])], kinds[str(row["Type"])],
               categories[str(row["Category"])])  # fmt: skip
        for label, status in statuses.items():
            if row[label]:
                found[(*key, status)] = int(str(row[label]))
        assert row["Received"] == sum(int(str(row[label])) for label in statuses)
    assert found == dict(expected_appeals(seed, window(period)))
    assert appeals[-1]["Received"] == sum(found.values())

    hearing_rows = by_header(sheet_rows(files.workbook, "Public hearings"))
    in_period = sorted((h for h in seed.hearings if h["starts_at"] in window(period)),
                       key=lambda h: h["starts_at"])  # fmt: skip
    assert [row["Topic"] for row in hearing_rows] == [h["topic"] for h in in_period]
    headers = list(hearing_rows[0]) if hearing_rows else []
    if headers:  # "Will come" stands next to the attendance recorded
        assert headers.index("Attended") == headers.index("Will come") + 1
    for row, hearing in zip(hearing_rows, in_period, strict=True):
        assert row["Will come"] == sum(1 for r in seed.rsvps if r[0] == hearing["id"])
        assert row["Attended"] == hearing["attendance"]
        assert row["Decisions"] == hearing["decisions"]
        assert row["Date and time"] == hearing["starts_at"].astimezone(ZONE).replace(tzinfo=None)


async def test_totals_per_region_and_district_add_up_the_villages(
    db: Database, tmp_path: Path
) -> None:
    seed = await seed_region(db)
    files = await summary.build(db, I18N.get("en"), [Scope(ScopeKind.ALL)], NOVEMBER,
                                tmp_path / "w.xlsx")  # fmt: skip
    overview = by_header(sheet_rows(files.workbook, "Overview"))
    villages = {str(r["Village"]): r for r in overview[:-1]}
    rows = by_header(sheet_rows(files.workbook, "Totals"))
    assert [r["Level"] for r in rows[:2]] == ["Region", "District"]  # a region, then its districts
    assert rows[-1]["Level"] == "Total" and rows[-1]["Villages"] == len(villages)
    every = (await report_data.load(db, [], W48, ZONE)).names.values()
    attributes = {"Region": "region_names", "District": "district_names",
                  "Rural okrug": "okrug_names"}  # fmt: skip
    assert {r["Level"] for r in rows[:-1]} == set(attributes)
    for row in rows[:-1]:
        level = attributes[str(row["Level"])]
        inside = [v.names.en for v in every if (getattr(v, level) or NO_NAMES).en == row["Name"]]
        assert row["Villages"] == len(inside) > 0
        for header in ("Registered in the bot", "Active", "Complaints", "Answered", "Poll votes"):
            assert row[header] == sum(int(str(villages[n][header])) for n in inside), header
    regions = [r for r in rows if r["Level"] == "Region"]
    assert sum(int(str(r["Active"])) for r in regions) == rows[-1]["Active"]
    assert {"Karaganda Region", "Mangystau Region"} <= {str(r["Name"]) for r in regions}
    assert seed.villages  # the seed is in Karaganda; others are there with zeros


async def test_no_share_is_ever_above_100(db: Database, tmp_path: Path) -> None:
    seed = await seed_region(db)
    village = seed.villages[5]
    async with db.transaction() as tx:  # its only resident filed, then erased their data
        await tx.execute("UPDATE people SET village_code = 'krg-osakarovka-osakarovka' "
                         "WHERE village_code = ?", (village,))  # fmt: skip
        cursor = await tx.execute(
            "INSERT INTO people (first_name, language, village_code, created_at, deleted_at) "
            "VALUES (NULL, 'kk', ?, ?, ?)",
            (village, to_db_time(local(2026, 11, 1, 9)), to_db_time(local(2026, 11, 25, 9))),
        )
        filed = to_db_time(local(2026, 11, 24, 9))
        await tx.execute(
            "INSERT INTO appeals (year, seq, kind, person_id, village_code, handler_village_code, "
            "category, text, text_key, language, due_on, created_at, updated_at) "
            "VALUES (2026, 900, 'complaint', ?, ?, ?, 'roads', 'text', 'k900', 'ru', "
            "'2026-12-20', ?, ?)",
            (cursor.lastrowid, village, village, filed, filed),
        )
        await tx.execute("UPDATE villages SET population = 1 WHERE code = ?", (seed.villages[0],))
        await tx.execute("UPDATE poll_villages SET registered = 1 WHERE poll_id = 1")
    for period in (W48, NOVEMBER, Q4):
        files = await summary.build(db, I18N.get("en"), KRG, period, tmp_path / f"{period}.xlsx")
        book = load_workbook(files.workbook, read_only=True)
        checked = 0
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            for index, header in enumerate(rows[0]):
                if "%" not in str(header):
                    continue
                values = [r[index] for r in rows[1:] if index < len(r) and r[index] is not None]
                assert all(0 <= float(str(v)) <= 100 for v in values), (sheet.title, header)
                checked += len(values)
        assert checked > 20
        book.close()
    overview = by_header(sheet_rows(files.workbook, "Overview"))
    names = {v.code: v.names.en for v in (await report_data.load(db, [], W48, ZONE)).names.values()}
    (row,) = [r for r in overview if r["Village"] == names[village]]
    assert row["Registered in the bot"] == 0 and row["Active"] == 0 and row["Active, %"] is None


# --- polls, "you said, we did" --------------------------------------------------------------------
async def test_poll_turnout_is_labelled_three_ways_and_the_close_is_the_real_one(
    db: Database, tmp_path: Path
) -> None:
    seed = await seed_region(db)
    files = await summary.build(db, I18N.get("en"), KRG, W48, tmp_path / "p.xlsx")
    rows = by_header(sheet_rows(files.workbook, "Polls"))
    closed = [r for r in rows if r["Question"] == "Қай көшені жөндейміз?"]
    assert [r["Option"] for r in closed] == ["Абай", "Бейбітшілік", "Мектеп"]
    assert closed[0]["Closed (or closes)"] == POLL_CLOSED.astimezone(ZONE).replace(tzinfo=None)
    votes = [(p, person) for p, person, _ in seed.votes if p == 1]
    first = closed[0]
    assert first["Voted in the bot"] == len(votes)
    assert first["Turnout in the bot, %"] == round(
        100 * len(votes) / int(str(first["Registered in the bot"])), 1
    )
    assert [r["Paper votes"] for r in closed] == [6, 0, 3]
    assert first["Paper ballots"] == 9  # single choice: a paper vote is a ballot
    places = seed.villages[:2]
    population = [seed.population[code] for code in places]
    if None in population:
        assert first["Paper turnout, % of population"] is None
    else:
        whole = sum(p for p in population if p is not None)
        assert first["Population"] == whole
        assert first["Paper turnout, % of population"] == round(100 * 9 / whole, 1)
    opened = [r for r in rows if r["Question"] == "Не салу керек?"]
    assert opened[0]["Status"] == "Open"
    assert opened[0]["Paper ballots"] == 0


async def test_you_said_we_did_names_the_winner_the_follow_up_and_the_answers(
    db: Database, tmp_path: Path
) -> None:
    seed = await seed_region(db)
    files = await summary.build(db, I18N.get("en"), KRG, W48, tmp_path / "s.xlsx")
    rows = by_header(sheet_rows(files.workbook, "You said, we did"))
    names = {v.code: v.names.en for v in (await report_data.load(db, [], W48, ZONE)).names.values()}
    want = expected(seed, window(W48))
    polled = {names[code] for code in seed.villages[:2]}
    for row in rows[:-1]:
        code = next(c for c, n in names.items() if n == row["Village"])
        assert row["Answered"] == want[code]["answered"]
        assert row["Median days to answer"] == want[code]["median_days"]
        assert row["Answered on time, %"] == want[code]["on_time_share"]
        if row["Village"] in polled:
            text = str(row["Polls decided, and what was done"])
            assert text.startswith("«Қай көшені жөндейміз?» → ") and FOLLOW_UP in text
    assert polled <= {row["Village"] for row in rows}
    held = [h for h in seed.hearings if h["status"] == "held" and h["starts_at"] in window(W48)]
    hearing_texts = "\n".join(str(r["Hearings held, and their decisions"]) for r in rows)
    assert all(f"«{h['topic']}»: {h['decisions']}" in hearing_texts for h in held) and held
    assert rows[-1]["Answered"] == sum(f["answered"] for f in want.values())


# --- the workbook, the CSV, the charts ------------------------------------------------------------
async def test_the_workbook_prints_with_its_charts_embedded(db: Database, tmp_path: Path) -> None:
    await seed_region(db)
    files = await summary.build(db, I18N.get("en"), KRG, Q4, tmp_path / "w.xlsx")
    book = load_workbook(files.workbook)  # not read-only: pictures and print settings
    assert book.sheetnames == SHEETS_EN
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.orientation == "landscape" and int(setup.paperSize) == 9  # A4
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.print_title_rows == "$1:$1"
        if sheet.title != "Cover":
            assert sheet.freeze_panes == "A2", sheet.title
        widths = [sheet.column_dimensions[c].width for c in "ABC"]
        assert all(8 <= w <= 60 for w in widths) and len(set(widths)) > 1, sheet.title
    pictures = {sheet.title: len(sheet._images) for sheet in book.worksheets}
    assert pictures["Overview"] == 1 and pictures["Complaints and suggestions"] == 1
    assert pictures["Trend"] == 1 and pictures["Polls"] == 2
    embedded = book["Overview"]._images[0]
    assert Image.open(embedded.ref).size[0] >= 1080  # the full picture, shown smaller
    overview = book["Overview"]
    assert overview["A1"].font.bold and overview["A1"].alignment.wrap_text
    values = {cell.column_letter: cell for cell in overview[2]}
    assert values["E"].number_format == "0.0"  # Reach, %
    hearing = book["Public hearings"]["A2"]
    assert isinstance(hearing.value, datetime) and hearing.number_format == "dd.mm.yyyy hh:mm"
    cover = {row[0]: row[1] for row in book["Cover"].iter_rows(values_only=True)}
    assert cover["Area"] == "Karaganda Region" and cover["Period"] == "Q4 2026"
    assert cover["From (local time)"] == datetime(2026, 10, 1)
    assert isinstance(cover["Generated"], datetime)
    assert "erased" in str(cover["Registered in the bot"])  # each figure is defined
    assert "never above 100" in str(cover["Active, %"])
    assert book.properties.title == "Qatysu report, Q4 2026"
    big = [c for c in files.charts if "poll" not in c.name]
    assert {c.name for c in big} == {"w-participation.png", "w-categories.png", "w-trend.png"}
    for chart in files.charts:
        width, height = Image.open(chart).size
        assert width >= 1080 and height <= 2000, chart.name


async def test_csv_files_have_a_bom_and_split_on_semicolons(db: Database, tmp_path: Path) -> None:
    await seed_region(db)
    tr = I18N.get("ru")
    files = await summary.build(db, tr, KRG, W48, tmp_path / "w.xlsx")
    assert [p.name for p in files.csv_files] == [
        "w-cover.csv", "w-totals.csv", "w-trend.csv", "w-said.csv", "w-overview.csv",
        "w-appeals.csv", "w-polls.csv", "w-hearings.csv", "w-participation.csv",
    ]  # fmt: skip
    book = load_workbook(files.workbook, read_only=True)
    assert book.sheetnames[:5] == ["Титульный лист", "Итоги по территориям", "Динамика",
                                   "Вы сказали — мы сделали", "Обзор"]  # fmt: skip
    for path, sheet in zip(files.csv_files, book.worksheets, strict=True):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        with path.open(encoding="utf-8-sig", newline="") as source:
            rows = list(csv.reader(source, delimiter=";"))
        cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
        cells = [row + [""] * (len(cells[0]) - len(row)) for row in cells]
        assert len(rows) == len(cells)
        for written, cell_row in zip(rows, cells, strict=True):
            shown = [c.isoformat(sep=" ", timespec="minutes") if isinstance(c, datetime) else c
                     for c in cell_row]  # fmt: skip
            assert [_norm(v) for v in written] == [_norm(v) for v in shown]
    book.close()
    overview = files.csv_files[4].read_text(encoding="utf-8-sig").splitlines()
    assert overview[0].startswith("Село;Район;Население;Зарегистрированы в боте;Охват, %;")
    assert any(",0;" in line or ",5;" in line for line in overview[1:])  # decimal commas
    with zipfile.ZipFile(files.archive) as bundle:
        assert sorted(bundle.namelist()) == sorted(p.name for p in files.csv_files)


def _norm(value: object) -> object:
    """A number as a float (Excel reads 50.0 back as 50; CSV has a decimal comma), else text."""
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return str(value)


async def test_no_personal_data_in_any_sheet_csv_or_chart(db: Database, tmp_path: Path) -> None:
    seed = await seed_region(db)
    secrets = [*SECRET_NAMES, SECRET_PHONE, SECRET_TEXT]
    secrets += [str(TELEGRAM_BASE + i) for i in range(len(seed.people))]
    for language in ("kk", "ru", "en"):
        files = await summary.build(
            db, I18N.get(language), [Scope(ScopeKind.ALL)], NOVEMBER,
            tmp_path / language / "r.xlsx",
        )  # fmt: skip
        with zipfile.ZipFile(files.workbook) as archive:
            texts = [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]
        texts += [path.read_text(encoding="utf-8-sig") for path in files.csv_files]
        for text in texts:
            for secret in secrets:
                assert secret not in text
            assert "2026-W" not in text and "2026-11" not in text.replace("2026-11-", "")
        for chart in files.charts:
            assert all(secret.encode() not in chart.read_bytes() for secret in secrets)


def test_polls_sheet_shows_options_paper_votes_apart_and_turnout() -> None:
    closes = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    lines = [
        PollLine(7, "Қай көшені жөндейміз?", closes, "closed", ("v1",), 0, "Абай", 30, 10, 50, 200),
        PollLine(7, "Қай көшені жөндейміз?", closes, "closed", ("v1",), 1, "Бейбітшілік", 20, 0, 50,
                 200),
    ]  # fmt: skip
    data = report_data.ReportData(W48, *W48.bounds(ZONE), villages=[], appeals=[], overdue=[],
                                  hearings=[], polls=lines, names={})  # fmt: skip
    table = sections.polls(I18N.get("en"), data)
    rows = [dict(zip(table.headers, row, strict=True)) for row in table.rows]
    assert [r["Option"] for r in rows] == ["Абай", "Бейбітшілік"]
    assert [r["Votes in the bot"] for r in rows] == [30, 20]
    assert [r["Paper votes"] for r in rows] == [10, 0]
    assert [r["Votes in all"] for r in rows] == [40, 20]
    assert [r["Share, %"] for r in rows] == [66.7, 33.3]
    assert rows[0]["Turnout in the bot, %"] == 25.0
    assert rows[0]["Paper turnout, % of population"] is None  # v1's population is not known
    assert rows[0]["Closed (or closes)"] == datetime(2026, 11, 27, 18, 0)


# --- open data ------------------------------------------------------------------------------------
async def test_open_data_has_the_village_figures_and_no_personal_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = await _cli_database(tmp_path, monkeypatch)
    out = tmp_path / "open"
    code, printed, _ = await _in_thread(capsys, "report", "open-data", "--out", str(out),
                                        "--period", "2026-11", "--scope", "region:krg")  # fmt: skip
    assert code == 0 and "Open data 2026-11 (region:krg)" in printed
    assert sorted(p.name for p in out.iterdir()) == ["datapackage.json", "villages.csv",
                                                     "villages.json"]  # fmt: skip
    raw = (out / "villages.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (out / "villages.csv").open(encoding="utf-8-sig", newline="") as source:
        rows = list(csv.DictReader(source, delimiter=";"))
    records = json.loads((out / "villages.json").read_text(encoding="utf-8"))
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    fields = [f["name"] for f in package["resources"][0]["schema"]["fields"]]
    assert fields == [f.name for f in FIELDS] == list(rows[0]) == list(records[0])
    assert package["resources"][0]["dialect"]["delimiter"] == ";"
    database = make_settings(path.parent, database_path=path).database()
    await database.open()
    seed_people = await database.fetch_all("SELECT telegram_id, first_name FROM people")
    await database.close()
    want = expected(_SEEDS[path], window(NOVEMBER))
    by_code = {r["village_code"]: r for r in records}
    for code, figures in want.items():
        assert by_code[code]["registered"] == figures["registered"]
        assert by_code[code]["active"] == figures["active"]
        assert by_code[code]["complaints"] == figures["complaints"]
        assert by_code[code]["median_days_to_answer"] == figures["median_days"]
    assert by_code[_SEEDS[path].villages[0]]["polls_closed"] == 1
    everything = raw.decode("utf-8") + json.dumps(records, ensure_ascii=False) + json.dumps(package)
    for secret in [*SECRET_NAMES, SECRET_PHONE, SECRET_TEXT, "Қай көшені", "Бюджет"]:
        assert secret not in everything
    for row in seed_people:
        if row["telegram_id"] is not None:
            assert str(row["telegram_id"]) not in everything
    forbidden = ("name", "username", "telegram", "phone", "person", "id")
    assert not [f for f in fields if f.split("_")[-1] in forbidden or f in forbidden]


# --- the command line -----------------------------------------------------------------------------
_SEEDS: dict[Path, Any] = {}


async def _cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    settings = make_settings(tmp_path, database_path=path)  # PostgreSQL in its run
    database = settings.database()
    await database.open()
    _SEEDS[path] = await seed_region(database)
    await database.close()
    monkeypatch.chdir(tmp_path)
    use_database(monkeypatch, settings)
    return path


async def _in_thread(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI runs its own event loop: call it from a thread."""
    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def test_cli_writes_the_summary_of_any_period_and_the_weekly_one_still(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await _cli_database(tmp_path, monkeypatch)
    out = tmp_path / "out" / "krg-w48.xlsx"
    code, printed, _ = await _in_thread(
        capsys, "report", "weekly", "--week", "2026-W48", "--scope", "region:krg", "--out",
        str(out), "--language", "ru",
    )  # fmt: skip
    assert code == 0
    assert f"Weekly summary 2026-W48 (region:krg) written to {out}" in printed
    assert out.exists() and (tmp_path / "out" / "krg-w48-overview.csv").exists()
    assert (tmp_path / "out" / "krg-w48-participation.png").exists()
    assert load_workbook(out, read_only=True).sheetnames[4] == "Обзор"
    quarter = tmp_path / "q4.xlsx"
    code, printed, _ = await _in_thread(capsys, "report", "--period", "2026-Q4", "--scope",
                                        "region:krg", "--out", str(quarter), "--language", "en",
                                        "--csv-delimiter", ",")  # fmt: skip
    assert code == 0 and f"Summary 2026-Q4 (region:krg) written to {quarter}" in printed
    cover = sheet_rows(quarter, "Cover")
    assert cover[0] == ["Qatysu report", "Q4 2026"]
    with (tmp_path / "q4-overview.csv").open(encoding="utf-8-sig", newline="") as source:
        header = next(csv.reader(source))
    assert header[:3] == ["Village", "District", "Population"]
    code, _, error = await _in_thread(capsys, "report", "weekly", "--scope", "region:nowhere",
                                      "--out", str(out))  # fmt: skip
    assert code == 1 and "no region with code 'nowhere'" in error
    code, _, error = await _in_thread(capsys, "report", "weekly", "--week", "2026-W60", "--out",
                                      str(out))  # fmt: skip
    assert code == 1 and "2026 has no week 60" in error
    code, _, error = await _in_thread(capsys, "report", "--period", "2026-13", "--out", str(out))
    assert code == 1 and "2026 has no month 13" in error
    code, _, error = await _in_thread(capsys, "report", "--out", str(out))
    assert code == 1 and "--period" in error


async def test_poll_figures_reconcile_with_the_votes_of_the_scope(
    db: Database, tmp_path: Path
) -> None:
    await seed_region(db)
    await db.execute_write("DELETE FROM poll_votes WHERE 1 = 1")
    await db.execute_write("DELETE FROM poll_paper_votes WHERE 1 = 1")
    inside, other = "krg-osakarovka-osakarovka", "mng-beineu-beineu"  # outside region krg
    created, closes = local(2026, 11, 23, 10), local(2026, 11, 27, 18)
    voted = local(2026, 11, 25, 12)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO polls (id, question, max_choices, may_change, results_early, closes_at, "
            "status, created_by, created_at, closed_at) VALUES (900, 'Қай жолды жөндейміз?', 2, "
            "0, 0, ?, 'closed', 1, ?, ?)",
            (to_db_time(closes), to_db_time(created), to_db_time(closes)),
        )
        await tx.executemany(
            "INSERT INTO poll_options (poll_id, position, label) VALUES (900, ?, ?)",
            [(0, "Абай"), (1, "Бейбітшілік")],
        )
        await tx.executemany(
            "INSERT INTO poll_villages (poll_id, village_code, registered) VALUES (900, ?, ?)",
            [(inside, 40), (other, 25)],
        )
        voters = [(inside, 1), (inside, 1), (inside, 3), (other, 2), (other, 2)]  # bit sets
        for n, (village, choices) in enumerate(voters):
            cursor = await tx.execute(
                "INSERT INTO people (telegram_id, language, village_code, created_at) "
                "VALUES (?, 'kk', ?, ?)",
                (880_000 + n, village, to_db_time(created)),
            )
            await tx.execute(
                "INSERT INTO poll_votes (poll_id, person_id, village_code, choices, voted_at, "
                "verified) VALUES (900, ?, ?, ?, ?, ?)",
                (cursor.lastrowid, village, choices, to_db_time(voted), int(n == 2)),
            )
        for village, counts in ((inside, {1: 4, 0: 2}), (other, {0: 9})):  # meeting protocols
            cursor = await tx.execute(
                "INSERT INTO poll_protocols (poll_id, village_code, met_on, place, present, "
                "entered_by, entered_at) VALUES (900, ?, '2026-11-26', 'School', 20, 1, ?)",
                (village, to_db_time(closes)),
            )
            await tx.executemany(
                "INSERT INTO poll_protocol_votes (protocol_id, position, votes) VALUES (?, ?, ?)",
                [(cursor.lastrowid, position, count) for position, count in counts.items()],
            )
    files = await summary.build(db, I18N.get("en"), KRG, W48, tmp_path / "p.xlsx")
    rows = [r for r in by_header(sheet_rows(files.workbook, "Polls"))
            if r["Question"] == "Қай жолды жөндейміз?"]  # fmt: skip
    assert [r["Option"] for r in rows] == ["Абай", "Бейбітшілік"]
    # Only the region's village counts: 3 voters, Абай ticked 3 times, Бейбітшілік once + 4 paper.
    assert [r["Votes in the bot"] for r in rows] == [3, 1]
    # The third voter was a verified resident: their votes are counted apart.
    assert [r["Of them verified residents'"] for r in rows] == [1, 1]
    assert [r["Of them other residents'"] for r in rows] == [2, 0]
    assert [r["Paper votes"] for r in rows] == [2, 4]
    assert [r["Votes in all"] for r in rows] == [5, 5]
    assert rows[0]["Turnout in the bot, %"] == round(100 * 3 / 40, 1)
    assert rows[0]["Paper ballots"] == 4  # several choices: at least the largest option's
    overview = by_header(sheet_rows(files.workbook, "Overview"))
    names = {v.names.en: v.code for v in (await report_data.load(db, [], W48, ZONE)).names.values()}
    votes = {names[str(r["Village"])]: r["Poll votes"] for r in overview[:-1]}
    assert votes[inside] == 3 and sum(int(str(v)) for v in votes.values()) == 3


def test_scope_reads_all_and_codes() -> None:
    assert parse_scope("all") == Scope(ScopeKind.ALL)
    assert parse_scope("region:krg") == Scope(ScopeKind.REGION, "krg")
    assert parse_scope("village:krg-osakarovka-molodezhny").kind is ScopeKind.VILLAGE
    for bad in ("planet:earth", "region:", "all:x"):
        with pytest.raises(ValueError):
            parse_scope(bad)
