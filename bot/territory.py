"""Importing the territory from CSV: all of a file is checked before any of it is written."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from bot.i18n import Translator
from storage import territory
from storage.db import Database
from storage.models import Names, Scope, ScopeKind, Village
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
# Optional too, all four or none: the rural okrug of each village (empty cells: in none, as a
# village of district significance or a town). A file without them leaves okrugs as they were.
OKRUG_COLUMNS = ("okrug_code", "okrug_kk", "okrug_ru", "okrug_en")


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


def _check_cell(line: int, column: str, value: str) -> None:
    if not value:
        raise TerritoryFileError(f"line {line}: {column} is empty")
    if column.endswith("code") and not _CODE.match(value):
        raise TerritoryFileError(f"line {line}: {column} {value!r} must be 1-40 of A-Z a-z 0-9 _ -")
    if len(value) > MAX_NAME:
        raise TerritoryFileError(f"line {line}: {column} is longer than {MAX_NAME}")


def _check_row(line: int, record: dict[str, str], seen: dict[str, int]) -> TerritoryRow:
    values = {column: (record.get(column) or "").strip() for column in COLUMNS}
    for column in COLUMNS:
        _check_cell(line, column, values[column])
    code = values["code"]
    if code in seen:
        raise TerritoryFileError(
            f"line {line}: duplicate code {code!r} (first on line {seen[code]})"
        )
    seen[code] = line

    population = _population(line, (record.get(POPULATION) or "").strip())
    okrug = {column: (record.get(column) or "").strip() for column in OKRUG_COLUMNS}
    if any(okrug.values()):
        for column in OKRUG_COLUMNS:
            _check_cell(line, column, okrug[column])
    values.update(okrug)

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
        okrug_code=okrug["okrug_code"] or None,
        okrug=names("okrug") if okrug["okrug_code"] else None,
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
    """A district belongs to one region, and an okrug to one district, with one set of names,
    everywhere in the file."""
    districts: dict[str, TerritoryRow] = {}
    regions: dict[str, TerritoryRow] = {}
    okrugs: dict[str, TerritoryRow] = {}
    for row in rows:
        if row.okrug_code is not None:
            first = okrugs.setdefault(row.okrug_code, row)
            if (first.district_code, first.okrug) != (row.district_code, row.okrug):
                raise TerritoryFileError(
                    f"line {lines[row.code]}: okrug {row.okrug_code!r} differs from line "
                    f"{lines[first.code]}"
                )
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


@dataclass(frozen=True, slots=True)
class TerritoryFile:
    """A checked territory file: its rows, and whether it has the okrug columns."""

    rows: list[TerritoryRow]
    okrugs: bool


def parse_territory(raw: bytes) -> list[TerritoryRow]:
    """Check a whole CSV file and return its rows; raise :class:`TerritoryFileError`."""
    return read_territory(raw).rows


def read_territory(raw: bytes) -> TerritoryFile:
    """Check a whole CSV file; raise :class:`TerritoryFileError` on its first error."""
    reader = csv.DictReader(io.StringIO(_decode(raw), newline=""))
    header = reader.fieldnames or []
    okrugs = any(column in header for column in OKRUG_COLUMNS)
    required = COLUMNS + OKRUG_COLUMNS if okrugs else COLUMNS
    missing = [column for column in required if column not in header]
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
    return TerritoryFile(rows, okrugs)


async def import_territory(db: Database, path: Path) -> ImportCounts:
    """Import a territory file: everything or, on the first error, nothing."""
    try:
        raw = await asyncio.to_thread(path.read_bytes)
    except OSError as error:
        raise TerritoryFileError(f"cannot read {path}: {error.strerror}") from None
    checked = read_territory(raw)
    return await territory.upsert_territory(db, checked.rows, okrugs=checked.okrugs)


def okrugs_of(villages: Iterable[Village]) -> dict[str, list[Village]]:
    """The villages of each rural okrug that has several among ``villages``, in their order:
    what a picker offers as a whole okrug (a village alone in its okrug is offered as itself)."""
    found: dict[str, list[Village]] = defaultdict(list)
    for village in villages:
        if village.okrug_code is not None and village.okrug_names is not None:
            found[village.okrug_code].append(village)
    return {code: group for code, group in found.items() if len(group) > 1}


async def scope_name(db: Database, tr: Translator, scope: Scope) -> str:
    """Name a part of the territory in the reader's language."""
    named: object = None
    if scope.kind is ScopeKind.REGION:
        named = await territory.get_region(db, scope.code)
    elif scope.kind is ScopeKind.DISTRICT:
        named = await territory.get_district(db, scope.code)
    elif scope.kind is ScopeKind.OKRUG:
        named = await territory.get_okrug(db, scope.code)
    elif scope.kind is ScopeKind.VILLAGE:
        named = await territory.get_village(db, scope.code)
    names = getattr(named, "names", None)
    if isinstance(names, Names):
        return names.get(tr.language)
    return tr.t("scope.all") if scope.kind is ScopeKind.ALL else scope.code
