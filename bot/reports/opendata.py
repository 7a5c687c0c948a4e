"""Open data for the akimat's website: one row of counts per village, as CSV and JSON, described
by a Frictionless Data Package (``datapackage.json``, the short schema file).

Only aggregates and the territory's own codes and names go out: no resident's name, username,
Telegram id, phone or text, and no poll question or hearing topic (staff write those for
residents, not for publication). The figures are the report's, defined the same way
(:mod:`bot.reports.data`); names come in all three languages, so the files need no translation.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from bot.reports.data import ReportData, VillageFigures
from bot.reports.files import CSV_DELIMITER, csv_value
from bot.reports.sections import by_poll

CSV_NAME, JSON_NAME, SCHEMA_NAME = "villages.csv", "villages.json", "datapackage.json"
Value = str | int | float | None


@dataclass(frozen=True, slots=True)
class Field:
    """One column: its name, Table Schema type, what it means, and how to read it."""

    name: str
    type: str  # string, integer, number, date
    description: str
    value: Callable[[Row], Value]


class Row(NamedTuple):
    """What a field reads: the report, one village's figures, its polls closed in the period."""

    data: ReportData
    figures: VillageFigures
    polls_closed: int


def _polls_closed(data: ReportData) -> Counter[str]:
    closed: Counter[str] = Counter()
    for lines in by_poll(data.polls).values():
        if lines[0].status == "closed" and data.start <= lines[0].closes_at < data.end:
            closed.update(lines[0].village_codes)
    return closed


FIELDS: tuple[Field, ...] = (
    Field("period", "string", "The period: 2026-W48, 2026-11, 2026-Q4, 2026 or a range of days",
          lambda r: str(r.data.period)),
    Field("period_start", "date", "Its first day (local time, Asia/Almaty unless stated)",
          lambda r: r.data.period.first.isoformat()),
    Field("period_end", "date", "Its last day", lambda r: r.data.period.last.isoformat()),
    Field("region_code", "string", "Region code (KATO)", lambda r: r.figures.village.region_code),
    Field("region_kk", "string", "Region, Kazakh", lambda r: r.figures.village.region_names.kk),
    Field("region_ru", "string", "Region, Russian", lambda r: r.figures.village.region_names.ru),
    Field("region_en", "string", "Region, English", lambda r: r.figures.village.region_names.en),
    Field("district_code", "string", "District code (KATO)",
          lambda r: r.figures.village.district_code),
    Field("district_kk", "string", "District, Kazakh",
          lambda r: r.figures.village.district_names.kk),
    Field("district_ru", "string", "District, Russian",
          lambda r: r.figures.village.district_names.ru),
    Field("district_en", "string", "District, English",
          lambda r: r.figures.village.district_names.en),
    Field("village_code", "string", "Village code (KATO)", lambda r: r.figures.village.code),
    Field("village_kk", "string", "Village, Kazakh", lambda r: r.figures.village.names.kk),
    Field("village_ru", "string", "Village, Russian", lambda r: r.figures.village.names.ru),
    Field("village_en", "string", "Village, English", lambda r: r.figures.village.names.en),
    Field("population", "integer", "Population from the household register, when given",
          lambda r: r.figures.village.population),
    Field("registered", "integer",
          "Residents registered in the bot at the period's end (not erased by then)",
          lambda r: r.figures.registered),
    Field("reach_pct", "number", "Registered residents per 100 of the population",
          lambda r: r.figures.reach_share),
    Field("joined", "integer", "Residents who joined during the period", lambda r: r.figures.new),
    Field("left", "integer", "Residents who erased their data or blocked the bot in the period",
          lambda r: r.figures.departed),
    Field("active", "integer",
          "Registered residents who filed an appeal, answered 'I will come' or voted in the bot "
          "during the period", lambda r: r.figures.active),
    Field("active_pct", "number", "Active residents per 100 registered",
          lambda r: r.figures.active_share),
    Field("complaints", "integer", "Complaints received in the period",
          lambda r: r.figures.complaints),
    Field("suggestions", "integer", "Suggestions received in the period",
          lambda r: r.figures.suggestions),
    Field("answered", "integer",
          "Complaints and suggestions first answered (or resolved, or rejected) in the period",
          lambda r: r.figures.answered),
    Field("answered_on_time_pct", "number",
          "Of those, per 100: answered by their due date (15 working days unless extended)",
          lambda r: r.figures.on_time_share),
    Field("median_days_to_answer", "number", "Median days from receipt to the first answer",
          lambda r: r.figures.median_days),
    Field("overdue_at_end", "integer",
          "Complaints and suggestions past due and unanswered at the period's end",
          lambda r: r.figures.overdue),
    Field("hearings", "integer", "Public hearings of the village in the period (not cancelled)",
          lambda r: r.figures.hearings),
    Field("hearings_will_come", "integer",
          "Its residents who answered 'I will come' to those hearings", lambda r: r.figures.coming),
    Field("hearings_attended", "integer",
          "Attendance staff recorded at those hearings (a hearing of several villages counts "
          "in each)", lambda r: r.figures.attended),
    Field("notices_delivered", "integer", "Akimat notices delivered to its residents",
          lambda r: r.figures.delivered),
    Field("poll_votes_bot", "integer", "Votes cast in the bot in the period",
          lambda r: r.figures.poll_votes),
    Field("polls_closed", "integer", "Polls of the village that closed in the period",
          lambda r: r.polls_closed),
)  # fmt: skip


def records(data: ReportData) -> list[dict[str, Value]]:
    """One record per village, by code."""
    ordered = sorted(data.villages, key=lambda f: f.village.code)
    closed = _polls_closed(data)
    rows = [Row(data, f, closed[f.village.code]) for f in ordered]
    return [{field.name: field.value(row) for field in FIELDS} for row in rows]


def write_open_data(
    data: ReportData, folder: Path, csv_delimiter: str = CSV_DELIMITER
) -> list[Path]:
    """Write ``villages.csv``, ``villages.json`` and ``datapackage.json`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = records(data)
    table = folder / CSV_NAME
    point = _point(csv_delimiter)
    with table.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=csv_delimiter)
        writer.writerow([field.name for field in FIELDS])
        for row in rows:
            writer.writerow([csv_value(row[field.name], point) for field in FIELDS])
    listing = folder / JSON_NAME
    listing.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    schema = folder / SCHEMA_NAME
    schema.write_text(json.dumps(package(data, csv_delimiter), ensure_ascii=False, indent=2)
                      + "\n", encoding="utf-8")  # fmt: skip
    return [table, listing, schema]


def _point(delimiter: str) -> str:
    """The decimal mark that goes with a delimiter (as in the report's CSV files)."""
    return "," if delimiter == ";" else "."


def package(data: ReportData, csv_delimiter: str = CSV_DELIMITER) -> dict[str, object]:
    """The Data Package describing both files (https://specs.frictionlessdata.io)."""
    fields: list[dict[str, str]] = [
        {"name": f.name, "type": f.type, "description": f.description} for f in FIELDS
    ]
    point = _point(csv_delimiter)
    in_csv = [f | {"decimalChar": point} if f["type"] == "number" else f for f in fields]
    keys = {"primaryKey": ["period", "village_code"], "missingValues": [""]}
    return {
        "name": f"qatysu-villages-{data.period.slug.lower()}",
        "title": f"Qatysu: participation per village, {data.period}",
        "description": "Counts only: no personal data. Shares are percentage points (0-100) "
        "with one decimal; empty where the whole is zero or unknown.",
        "resources": [
            {
                "name": "villages",
                "path": CSV_NAME,
                "format": "csv",
                "encoding": "utf-8-sig",
                "dialect": {"delimiter": csv_delimiter},
                "schema": {"fields": in_csv, **keys},
            },
            {
                "name": "villages-json",
                "path": JSON_NAME,
                "format": "json",
                "schema": {"fields": fields, **keys},
            },
        ],
    }
