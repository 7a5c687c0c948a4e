"""The SQLite connections of a process, their pragmas, transactions and migrations.

One connection writes (every write, serialized, with group commit); a second, read-only one
serves the heavy reads (reports, audience counts, lists), so that they neither wait for the
writer nor hold it: WAL lets a reader see the last committed state while a write goes on.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

_LOGGER = logging.getLogger(__name__)
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 10_000  # how long SQLite waits for another process's lock, per try
LOCKED_TRIES = 3  # tries of BEGIN IMMEDIATE while another process holds the write lock

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")


class Statements:
    """The statements a grouped write runs, on the database's own thread.

    The methods are aiosqlite's, as coroutines, so that a grouped write reads as any other
    storage code; but each runs at once: a grouped write awaits nothing else, and so the whole
    transaction of a group (BEGIN, every write, COMMIT) is one round trip to the database
    thread. Statements between them would each be one, and every round trip waits for a turn
    of the event loop, long when it is busy with many updates.
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw

    async def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        """Run one statement."""
        return self._raw.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> sqlite3.Cursor:
        """Run one statement for each row of parameters."""
        return self._raw.executemany(sql, rows)

    async def execute_fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a query and return its rows."""
        return self._raw.execute(sql, params).fetchall()


# Writes many items in the open transaction; returns one result per item, in order. It may
# await only the methods of the Statements it is given (see there).
BatchWrite = Callable[[Statements, list[T]], Coroutine[Any, Any, list[R]]]
_Entry = tuple[BatchWrite[Any, Any], Any, "asyncio.Future[Any]"]


def utcnow() -> datetime:
    """Return the current time in UTC, the only zone the database stores."""
    return datetime.now(UTC)


def to_db_time(moment: datetime) -> str:
    """Encode an aware datetime as UTC ISO-8601 text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_db_time(text: str) -> datetime:
    """Decode UTC ISO-8601 text written by :func:`to_db_time`."""
    return datetime.fromisoformat(text).astimezone(UTC)


def _waits_out(error: sqlite3.OperationalError, attempt: int) -> bool:
    """Whether to try BEGIN IMMEDIATE again: another process held the lock past the timeout."""
    if "locked" not in str(error) and "busy" not in str(error):
        return False
    if attempt == LOCKED_TRIES:
        return False
    _LOGGER.warning("Database locked by another process; waiting (try %d)", attempt)
    return True


def _run_at_once(step: Coroutine[Any, Any, R]) -> R:
    """The result of a coroutine that never waits (a grouped write: see Statements)."""
    try:
        step.send(None)
    except StopIteration as done:
        result: R = done.value
        return result
    step.close()
    raise RuntimeError("a grouped write awaited something other than its statements")


def bundled_migrations() -> list[tuple[int, str, str]]:
    """Return ``(version, name, sql)`` of the packaged migrations, in order."""
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [version for version, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 0001, 0002, ... without gaps: {versions}")
    return found


async def _connect(target: Path | str, *, uri: bool = False) -> aiosqlite.Connection:
    """Open one connection with rows by name and the busy timeout."""
    pending = aiosqlite.connect(
        target, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, uri=uri
    )
    # aiosqlite's worker thread is not a daemon: one connection left open (a crashed test, a
    # task killed mid-query) would keep the process from ever exiting. What is committed is
    # durable on disk, so nothing is lost by not waiting for it.
    worker = getattr(pending, "_thread", None)
    if worker is not None:
        worker.daemon = True
    conn = await pending
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    return conn


async def _first(conn: aiosqlite.Connection, sql: str, params: Params) -> sqlite3.Row | None:
    # One round trip to the database thread (a cursor's execute, fetch and close would be
    # three): it reads every row the query gives, so callers ask for one.
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)


async def _all(conn: aiosqlite.Connection, sql: str, params: Params) -> list[sqlite3.Row]:
    return list(await conn.execute_fetchall(sql, params))


class Database:
    """One writing aiosqlite connection, opened once, and a read-only one beside it.

    SQLite allows one writer at a time. Coroutines share this connection, so a transaction of
    one coroutine must not swallow the statements of another: every write goes through
    :meth:`transaction` (or :meth:`execute_write`), which holds an asyncio lock.

    :meth:`read_one` and :meth:`read_all` run on the read-only connection, its own thread:
    each statement sees what was committed when it started (the caller's own committed writes
    included), never a transaction in progress, and does not queue behind the writer's work.
    """

    def __init__(
        self, path: Path | str, *, migrations: Iterable[tuple[int, str, str]] | None = None
    ) -> None:
        self.path = Path(path)
        self._migrations = list(migrations) if migrations is not None else None
        self._conn: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._open_lock = asyncio.Lock()
        self._write_lock = asyncio.Lock()
        self._waiting: list[_Entry] = []
        self._committer: asyncio.Task[None] | None = None

    @property
    def is_open(self) -> bool:
        """Whether the connection is open."""
        return self._conn is not None

    def twin(self) -> Database:
        """Another Database on the same data, not opened (a second process, a reopening)."""
        return Database(self.path, migrations=self._migrations)

    @property
    def server(self) -> tuple[str, str | None] | None:
        """A database server's URL and schema (storage/pg.py); None for SQLite's file."""
        return None

    async def open(self) -> None:
        """Open the connection and apply pending migrations; safe to call more than once."""
        async with self._open_lock:
            if self._conn is not None:
                return
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = await _connect(self.path)
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            self._conn = conn
            await self._migrate()
            if str(self.path) != ":memory:":  # a second in-memory connection is another database
                # Opened after the writer switched to WAL and migrated: a read-only connection
                # can neither create the WAL files nor change the schema.
                reader = await _connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
                await reader.execute("PRAGMA query_only = ON")
                self._reader = reader

    async def close(self) -> None:
        """Close both connections (the reader first: the writer's close checkpoints the WAL)."""
        async with self._open_lock:
            if self._reader is not None:
                await self._reader.close()
                self._reader = None
            if self._conn is not None:
                await self._conn.close()
                self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def schema_version(self) -> int:
        """Return ``PRAGMA user_version``: the number of applied migrations."""
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        migrations = self._migrations if self._migrations is not None else bundled_migrations()
        current = await self.schema_version()
        for version, name, sql in migrations:
            if version <= current:
                continue
            _LOGGER.info("Applying migration %s", name)
            script = f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version:d};\nCOMMIT;"
            try:
                await self.conn.executescript(script)
            except sqlite3.Error as error:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise RuntimeError(f"migration {name} failed: {error}") from error

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Run a query on the writing connection and return its first row."""
        return await _first(self.conn, sql, params)

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a query on the writing connection and return all rows."""
        return await _all(self.conn, sql, params)

    @property
    def reader(self) -> aiosqlite.Connection:
        """The read-only connection (the writing one for an in-memory database)."""
        return self._reader if self._reader is not None else self.conn

    async def read_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Run a query on the read-only connection (committed data) and return its first row."""
        return await _first(self.reader, sql, params)

    async def read_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a query on the read-only connection (committed data) and return all rows."""
        return await _all(self.reader, sql, params)

    async def execute_write(self, sql: str, params: Params = ()) -> int:
        """Run one writing statement in its own transaction; return the rows changed."""
        async with self.transaction() as tx:
            cursor = await tx.execute(sql, params)
            return cursor.rowcount

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Hold the write lock inside ``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on error)."""
        async with self._write_lock:
            await self._begin()
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

    async def _begin(self) -> None:
        """``BEGIN IMMEDIATE``, waiting out another process's lock (a backup, a script)."""
        for attempt in range(1, LOCKED_TRIES + 1):
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if not _waits_out(error, attempt):
                    raise

    async def grouped(self, write: BatchWrite[T, R], item: T) -> R:
        """Write ``item`` in one transaction with what other coroutines hand in meanwhile.

        Group commit: while one transaction runs, the items arriving are queued, and the next
        transaction writes all of them, each kind with one call of its ``write``. Returns
        ``item``'s result once its transaction is committed.
        """
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((write, item, future))
        if self._committer is None or self._committer.done():
            self._committer = asyncio.create_task(self._commit_groups(), name="group-commit")
        return await future

    async def _commit_groups(self) -> None:
        batch: list[_Entry] = []
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                async with self._write_lock:
                    if not await self._commit(batch) and len(batch) > 1:
                        _LOGGER.warning(
                            "A group of %d writes failed; writing each alone", len(batch)
                        )
                        for entry in batch:  # one bad item must not fail the others
                            await self._commit([entry])
        except BaseException as error:  # cancelled: nobody may wait for ever
            for _, _, future in batch + self._waiting:
                if not future.done():
                    future.set_exception(RuntimeError("the database was closed"))
            self._waiting = []
            raise error
        finally:
            self._committer = None

    async def _commit(self, batch: list[_Entry]) -> bool:
        """Write one group in one transaction and settle its futures; False if it failed.

        A failed group of one item gets the error; a bigger one is left for a retry.
        """
        kinds: dict[BatchWrite[Any, Any], list[_Entry]] = {}
        for entry in batch:
            kinds.setdefault(entry[0], []).append(entry)

        def write_group(raw: sqlite3.Connection) -> list[tuple[asyncio.Future[Any], Any]]:
            """The whole transaction, run on the database's thread."""
            statements = Statements(raw)
            written: list[tuple[asyncio.Future[Any], Any]] = []
            for attempt in range(1, LOCKED_TRIES + 1):
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as error:
                    if not _waits_out(error, attempt):
                        raise
            try:
                for write, entries in kinds.items():
                    results = _run_at_once(write(statements, [item for _, item, _ in entries]))
                    written += zip((future for _, _, future in entries), results, strict=True)
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")
            return written

        try:
            results = await self._on_thread(write_group)
        except Exception as error:
            if len(batch) == 1 and not batch[0][2].done():
                batch[0][2].set_exception(error)
            return False
        for future, result in results:
            if not future.done():
                future.set_result(result)
        return True

    async def _on_thread(self, work: Callable[[sqlite3.Connection], R]) -> R:
        """Run ``work`` with the connection on the database's thread, in one round trip.

        aiosqlite runs every call there through ``_execute``, but offers no public way to run
        several statements in one trip: this uses it (tests/test_group_commit.py covers it).
        """
        conn = self.conn
        result: R = await conn._execute(work, conn._conn)  # type: ignore[no-untyped-call]
        return result

    async def backup(self, target: Path) -> None:
        """Write a consistent copy of the database to ``target`` with SQLite's backup API."""
        target.parent.mkdir(parents=True, exist_ok=True)
        async with aiosqlite.connect(target) as dest:
            await self.conn.backup(dest)


def is_postgres(url: str | None) -> bool:
    """Whether a DATABASE_URL names a PostgreSQL server."""
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))
