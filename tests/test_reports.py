"""The weekly summary: weeks in the zone, figures that reconcile, no personal data, the CLI."""

from __future__ import annotations

import csv
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.appeals.service import CATEGORIES
from bot.cli import main
from bot.i18n import I18n
from bot.reports import data as report_data
from bot.reports import sections, summary
from bot.reports.scope import parse_scope
from bot.reports.week import Week
from storage.db import Database, to_db_time
from storage.models import Scope, ScopeKind
from storage.reports import PollLine
from tests.report_helpers import (
    SECRET_NAMES,
    SECRET_PHONE,
    SECRET_TEXT,
    TELEGRAM_BASE,
    expected,
    expected_appeals,
    local,
    seed_region,
)

ZONE = ZoneInfo("Asia/Almaty")
W48 = Week(2026, 48)
I18N = I18n("kk", ZONE)
LANGUAGE_COLUMNS = (
    ("Kazakh", "lang_kk"), ("Russian", "lang_ru"), ("English", "lang_en"),
    ("Language not chosen", "lang_none"),
)  # fmt: skip


def sheet_rows(path: Path, title: str) -> list[list[object]]:
    book = load_workbook(path, read_only=True)
    rows = [list(row) for row in book[title].iter_rows(values_only=True)]
    book.close()
    width = len(rows[0])
    return [row + [None] * (width - len(row)) for row in rows]  # empty cells end a row early


def by_header(rows: list[list[object]]) -> list[dict[str, object]]:
    headers = [str(h) for h in rows[0]]
    return [dict(zip(headers, row, strict=True)) for row in rows[1:]]


def test_week_is_monday_midnight_to_monday_midnight_local_time() -> None:
    start, end = W48.bounds(ZONE)
    assert start == datetime(2026, 11, 22, 19, 0, tzinfo=UTC)  # Mon 23 Nov 00:00 in Almaty
    assert end == datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
    assert Week.containing(local(2026, 11, 29, 23, 30), ZONE) == W48  # Sunday 23:30
    assert Week.containing(local(2026, 11, 30, 0, 10), ZONE) == Week(2026, 49)  # Monday 00:10
    assert Week.parse("2026-W48") == Week.parse("2026w48") == W48
    assert str(W48) == "2026-W48" and W48.token == "2026W48"
    assert Week.of(date(2027, 1, 1)) == Week(2026, 53)
    assert W48.shifted(-48) == Week(2025, 52)
    for bad in ("2026-W54", "2025-W53", "48", "2026-48"):
        with pytest.raises(ValueError):
            Week.parse(bad)


def test_scope_reads_all_and_codes() -> None:
    assert parse_scope("all") == Scope(ScopeKind.ALL)
    assert parse_scope("region:krg") == Scope(ScopeKind.REGION, "krg")
    assert parse_scope("village:krg-osakarovka-molodezhny").kind is ScopeKind.VILLAGE
    for bad in ("planet:earth", "region:", "all:x"):
        with pytest.raises(ValueError):
            parse_scope(bad)


async def _complaint_at(db: Database, moment: datetime, seq: int) -> None:
    await db.execute_write(
        "INSERT INTO appeals (year, seq, kind, person_id, village_code, handler_village_code, "
        "category, text, text_key, language, due_on, created_at, updated_at) "
        "VALUES (2026, ?, 'complaint', 1, 'krg-osakarovka-osakarovka', "
        "'krg-osakarovka-osakarovka', 'roads', 'text', ?, 'ru', '2026-12-20', ?, ?)",
        (seq, f"k{seq}", to_db_time(moment), to_db_time(moment)),
    )


async def test_sunday_2330_local_is_in_that_week_and_monday_0010_in_the_next(
    db: Database,
) -> None:
    await seed_region(db)
    await db.execute_write("DELETE FROM appeals WHERE 1 = 1")
    await _complaint_at(db, local(2026, 11, 29, 23, 30), 1)
    await _complaint_at(db, local(2026, 11, 30, 0, 10), 2)
    await _complaint_at(db, local(2026, 11, 23, 0, 0), 3)  # the very first minute of W48
    villages = [v for v in (await report_data.load(db, [], W48, ZONE)).names.values()]
    w48 = await report_data.load(db, villages, W48, ZONE)
    w49 = await report_data.load(db, villages, Week(2026, 49), ZONE)
    assert sum(f.complaints for f in w48.villages) == 2
    assert sum(f.complaints for f in w49.villages) == 1
    assert [h.topic for h in w48.hearings if h.starts_at >= local(2026, 11, 29, 0)] == ["Бюджет 1"]
    assert "Бюджет 2" in [h.topic for h in w49.hearings]  # Monday 00:10 hearing


async def test_every_figure_of_the_workbook_reconciles_with_the_raw_tables(
    db: Database, tmp_path: Path
) -> None:
    seed = await seed_region(db)
    tr = I18N.get("en")
    files = await summary.build(db, tr, [Scope(ScopeKind.REGION, "krg")], W48, tmp_path / "w.xlsx")
    names = {v.names.en: v.code for v in (await report_data.load(db, [], W48, ZONE)).names.values()}
    want = expected(seed)
    overview = by_header(sheet_rows(files.workbook, "Overview"))
    assert [row["Village"] for row in overview[:-1]] != []
    assert {names[str(row["Village"])] for row in overview[:-1]} == set(seed.villages)
    columns = {"Residents": "registered", "Joined": "new", "Left": "departed",
               "Active": "active", "Active, %": "active_share", "Complaints": "complaints",
               "Suggestions": "suggestions", "Overdue at week end": "overdue",
               "Public hearings": "hearings", "Will come": "coming",
               "Notices delivered": "delivered"}  # fmt: skip
    for row in overview[:-1]:
        figures = want[names[str(row["Village"])]]
        for header, key in columns.items():
            assert row[header] == figures[key], (row["Village"], header)
        assert row["Poll votes"] == 0
    total = overview[-1]
    assert total["Village"] == "Total"
    for header, key in columns.items():
        if key != "active_share":
            assert total[header] == sum(f[key] for f in want.values()), header
    registered = sum(f["registered"] for f in want.values())
    assert total["Active, %"] == round(
        100 * sum(f["active"] for f in want.values()) / registered, 1
    )
    assert sum(f["complaints"] for f in want.values()) > 3  # the seed exercises the sheet

    participation = by_header(sheet_rows(files.workbook, "Participation"))
    for row in participation[:-1]:
        figures = want[names[str(row["Village"])]]
        assert row["Residents"] == figures["registered"]
        for header, key in LANGUAGE_COLUMNS:
            assert row[header] == figures[key], (row["Village"], header)
        assert row["Active, %"] == figures["active_share"]

    appeals = by_header(sheet_rows(files.workbook, "Complaints and suggestions"))
    categories = {sections.plain(tr.t(f"appeal.category.{c}")): c for c in CATEGORIES}
    kinds = {"Complaint": "complaint", "Suggestion": "suggestion"}
    statuses = {sections.plain(tr.t(f"appeal.status.{s}")): s for s in sections.STATUSES}
    found: dict[tuple[str, str, str, str], int] = {}
    overdue: dict[str, int] = {}
    for row in appeals[:-1]:
        key = (
            names[str(row["Village"])],
            kinds[str(row["Type"])],
            categories[str(row["Category"])],
        )
        for label, status in statuses.items():
            if row[label]:
                found[(*key, status)] = int(str(row[label]))
        assert row["Received"] == sum(int(str(row[label])) for label in statuses)
        received = int(str(row["Received"]))
        resolved = int(str(row["Resolved"]))
        assert row["Resolved, %"] == (round(100 * resolved / received, 1) if received else None)
        overdue[key[0]] = overdue.get(key[0], 0) + int(str(row["Overdue at week end"]))
    assert found == dict(expected_appeals(seed))
    overdue = {code: count for code, count in overdue.items() if count}
    assert overdue == {code: f["overdue"] for code, f in want.items() if f["overdue"]}
    assert appeals[-1]["Received"] == sum(found.values())

    hearings = by_header(sheet_rows(files.workbook, "Public hearings"))
    in_week = sorted((h for h in seed.hearings
                      if W48.bounds(ZONE)[0] <= h["starts_at"] < W48.bounds(ZONE)[1]),
                     key=lambda h: h["starts_at"])  # fmt: skip
    assert len(in_week) == 3
    assert [row["Topic"] for row in hearings] == [h["topic"] for h in in_week]
    for row, hearing in zip(hearings, in_week, strict=True):
        assert row["Will come"] == sum(1 for r in seed.rsvps if r[0] == hearing["id"])
        assert row["Questions"] == sum(
            1 for a in seed.appeals if a.get("hearing_id") == hearing["id"]
        )
        assert row["Attended"] == hearing["attendance"]
        assert row["Decisions"] == hearing["decisions"]
        assert row["Date and time"] == hearing["starts_at"].astimezone(ZONE).replace(tzinfo=None)

    polls = sheet_rows(files.workbook, "Polls")
    assert polls[0][:3] == ["Question", "Closes", "Status"] and len(polls) == 1


async def test_csv_files_hold_the_same_tables_as_the_workbook(db: Database, tmp_path: Path) -> None:
    await seed_region(db)
    tr = I18N.get("ru")
    files = await summary.build(db, tr, [Scope(ScopeKind.REGION, "krg")], W48, tmp_path / "w.xlsx")
    assert [p.name for p in files.csv_files] == [
        "w-overview.csv", "w-appeals.csv", "w-polls.csv", "w-hearings.csv", "w-participation.csv",
        "w-okrugs.csv",
    ]  # fmt: skip
    book = load_workbook(files.workbook, read_only=True)
    assert book.sheetnames == ["Обзор", "Жалобы и предложения", "Опросы", "Публичные слушания",
                               "Участие", "Сельские округа"]  # fmt: skip
    for path, sheet in zip(files.csv_files, book.worksheets, strict=True):
        with path.open(encoding="utf-8-sig", newline="") as source:
            rows = list(csv.reader(source))
        cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
        cells = [row + [""] * (len(cells[0]) - len(row)) for row in cells]
        assert len(rows) == len(cells)
        for written, cell_row in zip(rows, cells, strict=True):
            shown = [c.isoformat(sep=" ", timespec="minutes") if isinstance(c, datetime) else c
                     for c in cell_row]  # fmt: skip
            assert [_norm(v) for v in written] == [_norm(v) for v in shown]
    book.close()
    assert {p.name for p in files.charts} == {"w-participation.png", "w-categories.png"}
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in files.charts)


def _norm(value: object) -> object:
    """A number as a float (Excel reads 50.0 back as 50), anything else as text."""
    try:
        return float(str(value))
    except ValueError:
        return str(value)


async def test_no_personal_data_in_any_sheet_csv_or_chart(db: Database, tmp_path: Path) -> None:
    seed = await seed_region(db)
    secrets = [*SECRET_NAMES, SECRET_PHONE, SECRET_TEXT]
    secrets += [str(TELEGRAM_BASE + i) for i in range(len(seed.people))]
    for language in ("kk", "ru", "en"):
        files = await summary.build(
            db, I18N.get(language), [Scope(ScopeKind.ALL)], W48, tmp_path / language / "r.xlsx"
        )
        with zipfile.ZipFile(files.workbook) as archive:
            texts = [archive.read(name).decode("utf-8") for name in archive.namelist()]
        texts += [path.read_text(encoding="utf-8-sig") for path in files.csv_files]
        for text in texts:
            for secret in secrets:
                assert secret not in text
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
    assert rows[0]["Turnout, %"] == 25.0
    assert rows[0]["Closes"] == datetime(2026, 11, 27, 18, 0)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def test_cli_writes_the_workbook_csv_and_charts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cli.db"
    database = Database(path)
    await database.open()
    await seed_region(database)
    await database.close()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(path))
    out = tmp_path / "out" / "krg-w48.xlsx"
    code, printed, _ = await _in_thread(
        capsys, "report", "weekly", "--week", "2026-W48", "--scope", "region:krg", "--out",
        str(out), "--language", "ru",
    )  # fmt: skip
    assert code == 0
    assert f"Weekly summary 2026-W48 (region:krg) written to {out}" in printed
    assert out.exists() and (tmp_path / "out" / "krg-w48-overview.csv").exists()
    assert (tmp_path / "out" / "krg-w48-participation.png").exists()
    assert load_workbook(out, read_only=True).sheetnames[0] == "Обзор"
    code, _, error = await _in_thread(capsys, "report", "weekly", "--scope", "region:nowhere",
                                      "--out", str(out))  # fmt: skip
    assert code == 1 and "no region with code 'nowhere'" in error
    code, _, error = await _in_thread(capsys, "report", "weekly", "--week", "2026-W60", "--out",
                                      str(out))  # fmt: skip
    assert code == 1 and "2026 has no week 60" in error


async def _in_thread(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI runs its own event loop: call it from a thread."""
    import asyncio

    code = await asyncio.to_thread(main, list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def test_poll_figures_reconcile_with_the_votes_of_the_scope(
    db: Database, tmp_path: Path
) -> None:
    seed = await seed_region(db)
    inside, other = seed.villages[0], "mng-beineu-beineu"  # the second is outside region krg
    created, closes = local(2026, 11, 23, 10), local(2026, 11, 27, 18)
    voted = local(2026, 11, 25, 12)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO polls (id, question, max_choices, may_change, results_early, closes_at, "
            "status, created_by, created_at, closed_at) VALUES (900, 'Қай көшені жөндейміз?', 2, "
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
        for village, position, count in ((inside, 1, 4), (other, 0, 9)):  # meeting protocols
            cursor = await tx.execute(
                "INSERT INTO poll_protocols (poll_id, village_code, met_on, place, present, "
                "entered_by, entered_at) VALUES (900, ?, '2026-11-26', 'School', 20, 1, ?)",
                (village, to_db_time(closes)),
            )
            await tx.execute(
                "INSERT INTO poll_protocol_votes (protocol_id, position, votes) VALUES (?, ?, ?)",
                (cursor.lastrowid, position, count),
            )
    files = await summary.build(
        db, I18N.get("en"), [Scope(ScopeKind.REGION, "krg")], W48, tmp_path / "p.xlsx"
    )
    rows = by_header(sheet_rows(files.workbook, "Polls"))
    assert [r["Option"] for r in rows] == ["Абай", "Бейбітшілік"]
    # Only the region's village counts: 3 voters, Абай ticked 3 times, Бейбітшілік once + 4 paper.
    assert [r["Votes in the bot"] for r in rows] == [3, 1]
    # The third voter was a verified resident: their votes are counted apart.
    assert [r["Of them verified residents'"] for r in rows] == [1, 1]
    assert [r["Of them other residents'"] for r in rows] == [2, 0]
    assert [r["Paper votes"] for r in rows] == [0, 4]
    assert [r["Votes in all"] for r in rows] == [3, 5]
    assert rows[0]["Turnout, %"] == round(100 * 3 / 40, 1)
    overview = by_header(sheet_rows(files.workbook, "Overview"))
    names = {v.names.en: v.code for v in (await report_data.load(db, [], W48, ZONE)).names.values()}
    votes = {names[str(r["Village"])]: r["Poll votes"] for r in overview[:-1]}
    assert votes[inside] == 3 and sum(int(str(v)) for v in votes.values()) == 3
