"""Importing the territory from CSV: all of a file is checked before any of it is written."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from importlib import resources
from pathlib import Path

from bot.i18n import Translator
from storage import territory
from storage.db import Database
from storage.models import Names, Scope, ScopeKind
from storage.territory import ImportCounts, TerritoryRow

COLUMNS = (
    "code", "district_code", "region_code",
    "region_kk", "region_ru", "region_en",
    "district_kk", "district_ru", "district_en",
    "village_kk", "village_ru", "village_en",
)  # fmt: skip
# A code must fit a deep link (`v_<code>`, 64 characters) and callback data.
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_NAME = 120
# Optional: a file without it imports as before, and an empty cell means "not known".
POPULATION = "population"
MAX_POPULATION = 10_000_000


class TerritoryFileError(ValueError):
    """A territory file that cannot be imported; the message names the line and the reason."""


def sample_file() -> Path:
    """Return the packaged sample territory of the three pilot regions."""
    return Path(str(resources.files("bot") / "resources" / "villages.sample.csv"))


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise TerritoryFileError(f"line {line}: the file is not UTF-8 text") from None


def _check_row(line: int, record: dict[str, str], seen: dict[str, int]) -> TerritoryRow:
    values = {column: (record.get(column) or "").strip() for column in COLUMNS}
    for column in COLUMNS:
        if not values[column]:
            raise TerritoryFileError(f"line {line}: {column} is empty")
        if column.endswith("code") and not _CODE.match(values[column]):
            raise TerritoryFileError(
                f"line {line}: {column} {values[column]!r} must be 1-40 of A-Z a-z 0-9 _ -"
            )
        if len(values[column]) > MAX_NAME:
            raise TerritoryFileError(f"line {line}: {column} is longer than {MAX_NAME}")
    code = values["code"]
    if code in seen:
        raise TerritoryFileError(
            f"line {line}: duplicate code {code!r} (first on line {seen[code]})"
        )
    seen[code] = line

    population = _population(line, (record.get(POPULATION) or "").strip())

    def names(prefix: str) -> Names:
        return Names(values[f"{prefix}_kk"], values[f"{prefix}_ru"], values[f"{prefix}_en"])

    return TerritoryRow(
        code=code,
        district_code=values["district_code"],
        region_code=values["region_code"],
        region=names("region"),
        district=names("district"),
        village=names("village"),
        population=population,
    )


def _population(line: int, value: str) -> int | None:
    """The optional population cell: empty, or a whole number of people."""
    if not value:
        return None
    if not value.isdigit() or int(value) > MAX_POPULATION:
        raise TerritoryFileError(
            f"line {line}: {POPULATION} {value!r} must be a whole number of people"
        )
    return int(value)


def _check_parents(rows: list[TerritoryRow], lines: dict[str, int]) -> None:
    """A district belongs to one region, with one set of names, everywhere in the file."""
    districts: dict[str, TerritoryRow] = {}
    regions: dict[str, TerritoryRow] = {}
    for row in rows:
        first = districts.setdefault(row.district_code, row)
        if (first.region_code, first.district) != (row.region_code, row.district):
            raise TerritoryFileError(
                f"line {lines[row.code]}: district {row.district_code!r} differs from line "
                f"{lines[first.code]}"
            )
        first = regions.setdefault(row.region_code, row)
        if first.region != row.region:
            raise TerritoryFileError(
                f"line {lines[row.code]}: region {row.region_code!r} differs from line "
                f"{lines[first.code]}"
            )


def parse_territory(raw: bytes) -> list[TerritoryRow]:
    """Check a whole CSV file and return its rows; raise :class:`TerritoryFileError`."""
    reader = csv.DictReader(io.StringIO(_decode(raw), newline=""))
    header = reader.fieldnames or []
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise TerritoryFileError(f"line 1: missing column(s): {', '.join(missing)}")
    seen: dict[str, int] = {}
    rows = []
    try:
        for record in reader:
            if None in record:
                raise TerritoryFileError(f"line {reader.line_num}: more values than columns")
            rows.append(_check_row(reader.line_num, record, seen))
    except csv.Error as error:
        raise TerritoryFileError(f"line {reader.line_num}: {error}") from None
    if not rows:
        raise TerritoryFileError("line 2: the file has no villages")
    _check_parents(rows, seen)
    return rows


async def import_territory(db: Database, path: Path) -> ImportCounts:
    """Import a territory file: everything or, on the first error, nothing."""
    try:
        raw = await asyncio.to_thread(path.read_bytes)
    except OSError as error:
        raise TerritoryFileError(f"cannot read {path}: {error.strerror}") from None
    return await territory.upsert_territory(db, parse_territory(raw))


async def scope_name(db: Database, tr: Translator, scope: Scope) -> str:
    """Name a part of the territory in the reader's language."""
    named: object = None
    if scope.kind is ScopeKind.REGION:
        named = await territory.get_region(db, scope.code)
    elif scope.kind is ScopeKind.DISTRICT:
        named = await territory.get_district(db, scope.code)
    elif scope.kind is ScopeKind.VILLAGE:
        named = await territory.get_village(db, scope.code)
    names = getattr(named, "names", None)
    if isinstance(names, Names):
        return names.get(tr.language)
    return tr.t("scope.all") if scope.kind is ScopeKind.ALL else scope.code
