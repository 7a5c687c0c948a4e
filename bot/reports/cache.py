"""Weekly summaries built once: per scope, week, language and data version, one build at a time.

A summary's files are kept next to the database (``summaries/``) under their key and the data
version they were built at (``storage.reports.data_version``: a counter that triggers raise at
every change of what a report reads). A tap on /summary, the digest's workbook button and the
scheduled delivery ask for the files of a key: while the version is unchanged they get the
files already built; otherwise the first asker starts one build, and everyone asking for the
same key meanwhile waits for that build instead of starting another. The version is read
before the build, so files are never older than the version they are kept under: a change
during a build makes the next request build again, never serve stale figures.

Telegram's file ids of files sent once are remembered (by path, so by version): the same
files go to the next asker without another upload.

Files are written into a ``.partial`` folder and renamed when whole, so a crash mid-build
leaves nothing that passes for a summary; older versions of a key, and keys untouched for
:data:`KEEP`, are deleted when a new version is published.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import shutil
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.i18n import Translator
from bot.reports import summary
from bot.reports.files import ReportFiles
from bot.reports.week import Week
from storage import reports as repo
from storage.db import Database
from storage.models import Scope

_LOGGER = logging.getLogger(__name__)
KEEP = timedelta(days=35)  # /summary offers the last four weeks
MANIFEST = "manifest.json"


def folder_of(database: Path) -> Path:
    """Where built summaries are kept: next to the database."""
    return database.parent / "summaries"


@dataclass(frozen=True, slots=True)
class SummaryKey:
    """What a summary is built for: the villages of its scopes, a week, a language; ``label``
    names its files (``qatysu-2026-W48-<label>.xlsx``)."""

    scopes: tuple[Scope, ...]
    week: Week
    language: str
    label: str

    @classmethod
    def of(cls, scopes: list[Scope] | tuple[Scope, ...], week: Week, language: str,
           label: str) -> SummaryKey:  # fmt: skip
        """The key of these scopes in a fixed order (the same villages, the same key)."""
        ordered = tuple(sorted(set(scopes), key=lambda scope: (scope.kind.value, scope.code)))
        return cls(ordered, week, language, label)

    @property
    def slug(self) -> str:
        """A folder name for the key: readable start, digest of the whole."""
        parts = [f"{s.kind.value}:{s.code}" for s in self.scopes]
        text = "|".join([*parts, str(self.week), self.language, self.label])
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        return f"{self.week}-{self.language}-{digest}"


@dataclass(slots=True)
class SummaryCache:
    """The summaries of one database, and the builds under way."""

    folder: Path
    builds: int = 0  # builds started (each key and version once)
    file_ids: dict[str, str] = field(default_factory=dict)  # path -> Telegram's file id
    waiting: set[tuple[int, SummaryKey]] = field(default_factory=set)  # chats being served
    _pending: dict[SummaryKey, asyncio.Task[ReportFiles]] = field(default_factory=dict)

    def building(self, key: SummaryKey) -> bool:
        """Whether a build (or a look-up) of ``key`` is under way."""
        return key in self._pending

    async def ready(self, db: Database, key: SummaryKey) -> bool:
        """Whether the files of ``key`` at the current data version are built."""
        if self.building(key):
            return False
        return self._read(key, await repo.data_version(db)) is not None

    async def files(self, db: Database, key: SummaryKey, tr: Translator) -> ReportFiles:
        """The files of ``key`` at the current data version: kept ones, or built once."""
        task = self._pending.get(key)
        if task is None:
            task = asyncio.ensure_future(self._get(db, key, tr))
            self._pending[key] = task
            task.add_done_callback(functools.partial(self._done, key))
        return await asyncio.shield(task)

    def _done(self, key: SummaryKey, task: asyncio.Task[ReportFiles]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        if not task.cancelled() and task.exception() is not None:
            _LOGGER.warning("Summary %s not built: %s", key.slug, task.exception())

    async def _get(self, db: Database, key: SummaryKey, tr: Translator) -> ReportFiles:
        version = await repo.data_version(db)
        kept = self._read(key, version)
        if kept is not None:
            return kept
        self.builds += 1
        final = self.folder / key.slug / f"v{version}"
        partial = final.with_name(f"v{version}.partial-{uuid.uuid4().hex[:8]}")
        workbook = partial / summary.file_name(key.week, key.label)
        _LOGGER.info("Building summary %s at data version %d", key.slug, version)
        built = await summary.build(db, tr, key.scopes, key.week, workbook)
        await asyncio.to_thread(_publish, built, partial, final, self.folder)
        found = self._read(key, version)
        if found is None:  # pragma: no cover - published a moment ago
            raise RuntimeError(f"summary {key.slug} vanished after it was built")
        return found

    def _read(self, key: SummaryKey, version: int) -> ReportFiles | None:
        """The kept files of ``key`` at ``version``, when they were published whole."""
        folder = self.folder / key.slug / f"v{version}"
        try:
            names = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return ReportFiles(
            workbook=folder / names["workbook"],
            csv_files=[folder / name for name in names["csv_files"]],
            charts=[folder / name for name in names["charts"]],
            archive=folder / names["archive"],
        )


def _publish(built: ReportFiles, partial: Path, final: Path, root: Path) -> None:
    """Write the manifest, rename the finished folder into place, delete what is outdated."""
    manifest = {
        "workbook": built.workbook.name,
        "csv_files": [path.name for path in built.csv_files],
        "charts": [path.name for path in built.charts],
        "archive": built.archive.name,
    }
    (partial / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    if final.exists():  # built meanwhile by another process on the same database
        shutil.rmtree(partial, ignore_errors=True)
    else:
        partial.rename(final)
    for other in final.parent.iterdir():  # older versions, partial leftovers of a crash
        if other != final:
            shutil.rmtree(other, ignore_errors=True)
    cutoff = time.time() - KEEP.total_seconds()
    for key_folder in root.iterdir():
        if key_folder != final.parent and key_folder.stat().st_mtime < cutoff:
            shutil.rmtree(key_folder, ignore_errors=True)


_CACHES: dict[Path, SummaryCache] = {}


def cache_of(db: Database) -> SummaryCache:
    """The summary cache of a database file (one per file in the process, like its worker)."""
    folder = folder_of(db.path).absolute()
    if folder not in _CACHES:
        _CACHES[folder] = SummaryCache(folder)
    return _CACHES[folder]
