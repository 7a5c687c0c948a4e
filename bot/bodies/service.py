"""The directory of other bodies: its CSV file checked whole before anything is written, and
the admins' edits (add, edit, remove), each checked on the server side.

The file has a header line; its columns (any order, ``;`` or ``,`` between them):
``district_code, code, name_kk, name_ru, phone, address_ru, handles_kk, handles_ru`` are
required; ``name_en, address_kk, address_en, handles_en`` (an empty one is the Russian text)
and ``sample`` (1/yes: sample data) are optional. A body is keyed by district and code, so that
importing the same file again changes nothing and a changed line changes its body.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from storage import bodies as repo
from storage import territory
from storage.bodies import Body, BodyEntry
from storage.db import Database, utcnow
from storage.models import Names

if TYPE_CHECKING:
    from bot.auth import Access

REQUIRED = ("district_code", "code", "name_kk", "name_ru", "phone", "address_ru",
            "handles_kk", "handles_ru")  # fmt: skip
OPTIONAL = ("name_en", "address_kk", "address_en", "handles_en", "sample")
FALLBACK = {"name_en": "name_ru", "address_kk": "address_ru", "address_en": "address_ru",
            "handles_en": "handles_ru"}  # fmt: skip
LIMITS = {"name": 120, "address": 200, "handles": 300}
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# Digits with the usual marks: +7 (72156) 2-11-33, a short number like 109, or several, with ','.
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-,+]{1,38}[0-9]$")
_YES = {"1", "yes", "true", "иә", "да"}
_NO = {"", "0", "no", "false", "жоқ", "нет"}
MAX_ERRORS = 20  # listed; the count says how many more


class BodiesFileError(ValueError):
    """A directory file that cannot be imported: every line's reason, nothing written."""

    def __init__(self, problems: list[str]) -> None:
        shown = problems[:MAX_ERRORS]
        more = len(problems) - len(shown)
        tail = f"\n  … and {more} more" if more else ""
        super().__init__("nothing imported:\n  " + "\n  ".join(shown) + tail)
        self.problems = problems


class NotAllowed(PermissionError):
    """An edit of the directory by someone who is not an admin."""


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did."""

    added: int
    changed: int
    unchanged: int


def sample_file() -> Path:
    """The packaged sample directory for the demo's districts (sample data, marked so)."""
    return Path(str(resources.files("bot") / "resources" / "bodies.sample.csv"))


def _flag(value: str) -> bool | None:
    lowered = value.casefold()
    return True if lowered in _YES else False if lowered in _NO else None


def check_cells(cells: Mapping[str, str]) -> tuple[list[str], BodyEntry | None]:
    """The problems of one body's cells (empty when none), and the entry when there are none.

    The district is checked apart (it needs the database).
    """
    values = {key: (cells.get(key) or "").strip() for key in (*REQUIRED, *OPTIONAL)}
    problems = [f"{column} is empty" for column in REQUIRED if not values[column]]
    for column, source in FALLBACK.items():
        values[column] = values[column] or values[source]
    code = values["code"]
    if code and not _CODE.match(code):
        problems.append(f"code {code!r} must be 1-40 of a-z 0-9 _ - (lower case)")
    phone = values["phone"]
    if phone and not _PHONE.match(phone):
        problems.append(f"phone {phone!r} is not a phone number (digits, + ( ) - and spaces)")
    for field, limit in LIMITS.items():
        problems += [f"{field}_{lang} is longer than {limit}" for lang in ("kk", "ru", "en")
                     if len(values[f"{field}_{lang}"]) > limit]  # fmt: skip
    sample = _flag(values["sample"])
    if sample is None:
        problems.append(f"sample {values['sample']!r} must be 1 or 0 (yes or no)")
    if problems:
        return problems, None

    def names(field: str) -> Names:
        return Names(values[f"{field}_kk"], values[f"{field}_ru"], values[f"{field}_en"])

    entry = BodyEntry(values["district_code"], code, names("name"), phone, names("address"),
                      names("handles"), bool(sample))  # fmt: skip
    return [], entry


def _rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the lines of ``text`` (``;`` or ``,`` between cells)."""
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    return header, [dict(row) for row in reader]


async def parse(db: Database, text: str) -> list[BodyEntry]:
    """Every body of the file; :class:`BodiesFileError` lists every bad line (nothing is kept)."""
    header, rows = _rows(text)
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise BodiesFileError([f"line 1: missing columns: {', '.join(missing)}"])
    if not rows:
        raise BodiesFileError(["the file has no bodies under its header"])
    districts = {d.code for d in await territory.list_districts(db)}
    problems: list[str] = []
    entries: list[BodyEntry] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in enumerate(rows, start=2):
        found, entry = check_cells(row)
        district = (row.get("district_code") or "").strip()
        if district and district not in districts:
            found.insert(0, f"district {district!r} not found (see `villages list`)")
        if entry is not None and (entry.district_code, entry.code) in seen:
            first = seen[(entry.district_code, entry.code)]
            found.append(f"duplicate code {entry.code!r} in {district} (first on line {first})")
        problems += [f"line {line}: {problem}" for problem in found]
        if entry is not None and not found:
            seen[(entry.district_code, entry.code)] = line
            entries.append(entry)
    if problems:
        raise BodiesFileError(problems)
    return entries


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise BodiesFileError([f"line {line}: the file is not UTF-8 text"]) from None


async def import_file(db: Database, path: Path, now: datetime | None = None) -> Imported:
    """Import the directory file at ``path``: all of it, or nothing when a line is wrong."""
    try:
        raw = await asyncio.to_thread(path.read_bytes)
    except OSError as error:
        raise BodiesFileError([f"cannot read {path}: {error.strerror or error}"]) from None
    return await import_text(db, _decode(raw), now)


async def import_text(db: Database, text: str, now: datetime | None = None) -> Imported:
    """Import a directory file's text (see :func:`import_file`)."""
    entries = await parse(db, text)
    added, changed = await repo.upsert(db, entries, now or utcnow())
    return Imported(added, changed, len(entries) - added - changed)


# --- admins' edits: the command line is the server's own operator (``actor`` None); a Telegram
# --- user must be an admin (ADMIN_IDS or the admin role), checked here whatever the caller did.


def _check_admin(actor: Access | None) -> None:
    """Allow the command line and admins; raise :class:`NotAllowed` otherwise."""
    if actor is not None and not actor.is_admin:
        raise NotAllowed(f"{actor.telegram_id} is not an admin")


async def add(db: Database, entry: BodyEntry, *, actor: Access | None = None) -> Body:
    """Add (or bring back) a body; ValueError with the reasons when its cells are wrong."""
    _check_admin(actor)
    return await _store(db, entry)


async def add_cells(db: Database, cells: Mapping[str, str], *, actor: Access | None = None) -> Body:
    """Add (or bring back) a body given as the CSV's cells; ValueError with the reasons."""
    unknown = set(cells) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise ValueError(f"unknown columns: {', '.join(sorted(unknown))}")
    problems, entry = check_cells(cells)
    if entry is None:
        raise ValueError("; ".join(problems))
    return await add(db, entry, actor=actor)


async def edit(
    db: Database, body: Body, changes: Mapping[str, str], *, actor: Access | None = None
) -> Body:
    """Change some cells of a body (the CSV's column names); ValueError when they are wrong."""
    _check_admin(actor)
    wrong = (set(changes) - set(REQUIRED) - set(OPTIONAL)) | (
        {"district_code", "code"} & set(changes)
    )
    if wrong:
        raise ValueError(f"cannot change: {', '.join(sorted(wrong))} (see the CSV's columns)")
    cells = {**cells_of(body), **changes}
    return await _store(db, body.entry(), cells)


async def _store(db: Database, entry: BodyEntry, cells: Mapping[str, str] | None = None) -> Body:
    problems, checked = check_cells(cells if cells is not None else cells_of(entry))
    if await territory.get_district(db, entry.district_code) is None:
        problems.insert(0, f"district {entry.district_code!r} not found (see `villages list`)")
    if checked is None or problems:
        raise ValueError("; ".join(problems))
    await repo.upsert(db, [checked], utcnow())
    stored = await repo.find(db, checked.district_code, checked.code)
    assert stored is not None
    return stored


def cells_of(body: Body | BodyEntry) -> dict[str, str]:
    """A body as the CSV's cells."""
    cells = {"district_code": body.district_code, "code": body.code, "phone": body.phone,
             "sample": "1" if body.sample else "0"}  # fmt: skip
    for field, names in (("name", body.names), ("address", body.addresses),
                         ("handles", body.handles)):  # fmt: skip
        cells.update({f"{field}_{lang}": names.get(lang) for lang in ("kk", "ru", "en")})
    return cells


async def remove(db: Database, body: Body, *, actor: Access | None = None) -> bool:
    """Take a body out of the directory (items handed to it still name it)."""
    _check_admin(actor)
    return await repo.remove(db, body.id, utcnow())


async def of_district(db: Database, district_code: str) -> list[Body]:
    """The bodies staff may pick for an item of ``district_code``."""
    return await repo.of_district(db, district_code)


async def listed(db: Database, district_code: str | None = None) -> list[Body]:
    """The directory (of one district)."""
    return await repo.listed(db, district_code)


async def find(db: Database, district_code: str, code: str) -> Body | None:
    """The body of a district with ``code`` (removed ones too)."""
    return await repo.find(db, district_code, code)
