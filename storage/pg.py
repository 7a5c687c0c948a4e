"""PostgreSQL behind the same :class:`storage.db.Database` (``DATABASE_URL=postgresql://…``).

A thin layer over asyncpg, not an ORM: the repositories' SQLite statements run as they are,
translated once each (storage/dialect.py), on objects that offer the part of aiosqlite's
connection and cursor the repositories use (``execute``, ``executemany``,
``execute_fetchall``; a cursor's ``fetchone``, ``fetchall``, ``rowcount``, ``lastrowid``).
As on SQLite, one connection writes (every write serialized by the Database's lock, group
commit included) and a second one reads. PostgreSQL's errors come out as sqlite3's classes
(a constraint as ``sqlite3.IntegrityError``), so callers catch one family on both databases.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sqlite3
from collections.abc import Awaitable, Callable, Generator, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite
import asyncpg

from storage import dialect
from storage.db import Database, Params, Statements, _Entry, bundled_migrations
from storage.db import is_postgres as is_postgres  # here first: still importable from here
from storage.pg_schema import PRELUDE, pg_migration

_LOGGER = logging.getLogger(__name__)
R = TypeVar("R")
MIGRATION_LOCK = 0x51A7_0001  # advisory lock: one process migrates at a time
STATEMENT_CACHE = 1024  # prepared statements kept per connection (the repositories have ~600)


def database_for(path: Path, url: str | None) -> Database:
    """The database settings name: PostgreSQL when ``url`` is one, else SQLite at ``path``."""
    if url is not None and is_postgres(url):
        return PgDatabase(url, path=path)
    return Database(path)


class Rows(list[Any]):
    """Rows that a caller may also await (aiosqlite's cursors are awaited, sqlite3's not)."""

    def __await__(self) -> Generator[Any, None, Rows]:
        return self
        yield  # a generator: awaiting gives the list itself


class PgCursor:
    """What an executed statement left: its rows, the rows it changed, an inserted id."""

    __slots__ = ("_rows", "lastrowid", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self) -> Any:
        """The first row, or None."""
        return self._rows[0] if self._rows else None

    def fetchall(self) -> Rows:
        """Every row (awaitable, as aiosqlite's)."""
        return Rows(self._rows)

    async def close(self) -> None:
        """Nothing to release: the rows were read at once."""


@lru_cache(maxsize=4096)
def _arity(statement: str) -> int:
    """How many parameters a translated statement takes (its highest ``$n``)."""
    return max((int(n) for n in re.findall(r"\$(\d+)", dialect.mask(statement)[0])), default=0)


@lru_cache(maxsize=4096)
def _returns_rows(statement: str) -> bool:
    code = dialect.mask(statement)[0].lstrip().upper()
    returning = re.search(r"\bRETURNING\b", code) is not None
    return code.startswith(("SELECT", "WITH", "VALUES")) or returning


def _number(text: str) -> int | float:
    """numeric as SQLite gives it: SUM of integers an int, anything else a float."""
    return int(text) if text.lstrip("-").isdigit() else float(text)


def _sqlite_error(error: Exception, sql: str) -> sqlite3.Error:
    """PostgreSQL's error as the sqlite3 class callers catch (the statement named)."""
    message = f"{error} (in: {' '.join(sql.split())[:300]})"
    if isinstance(error, asyncpg.ReadOnlySQLTransactionError):  # SQLite's words, for callers
        message = f"attempt to write a readonly database: {message}"
    if isinstance(error, asyncpg.IntegrityConstraintViolationError | asyncpg.RaiseError):
        return sqlite3.IntegrityError(message)
    if isinstance(error, asyncpg.PostgresError | asyncpg.InterfaceError | OSError):
        return sqlite3.OperationalError(message)
    return sqlite3.DatabaseError(message)


class PgConnection:
    """One asyncpg connection with the part of aiosqlite's interface the repositories use.

    asyncpg runs one operation at a time per connection (aiosqlite queues them on its thread):
    a lock does the queueing here.
    """

    def __init__(
        self,
        raw: asyncpg.Connection,
        identity_tables: frozenset[str],
        never_null: frozenset[str] = frozenset(),
    ) -> None:
        self.raw = raw
        self._identity = identity_tables
        self._never_null = never_null
        self._lock = asyncio.Lock()
        self._translated: dict[str, dialect.Translated] = {}

    def _translate(self, sql: str) -> dialect.Translated:
        found = self._translated.get(sql)
        if found is None:
            found = dialect.translate(sql, self._identity, self._never_null)
            self._translated[sql] = found
        return found

    @staticmethod
    def _args(done: dialect.Translated, params: Params) -> list[Any]:
        if isinstance(params, dict):
            values = [params[name] for name in done.names or ()]
        else:
            values = list(params)
        for position in done.lists:
            if isinstance(values[position], str):
                values[position] = json.loads(values[position])
        return values

    async def _locked(self, sql: str, work: Callable[[], Awaitable[R]]) -> R:
        async with self._lock:
            try:
                return await work()
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
                raise _sqlite_error(error, sql) from error

    async def execute(self, sql: str, params: Params = ()) -> PgCursor:
        """Run one statement (its translation: one or more PostgreSQL statements)."""
        done = self._translate(sql)
        args = self._args(done, params)

        async def run() -> PgCursor:
            results: list[tuple[list[Any], int]] = []
            for statement in done.statements:
                used = args[: _arity(statement)]
                if _returns_rows(statement):
                    found = list(await self.raw.fetch(statement, *used))
                    results.append((found, len(found)))
                else:
                    status = await self.raw.execute(statement, *used)
                    tail = status.rsplit(" ", 1)[-1]
                    results.append(([], int(tail) if tail.isdigit() else -1))
            rows, count = results[done.main]
            if done.returns_id:
                return PgCursor([], count, int(rows[0][0]) if rows else None)
            return PgCursor(rows, count, None)

        return await self._locked(sql, run)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> PgCursor:
        """Run one statement for each row of parameters (rowcount is not known: -1)."""
        done = self._translate(sql)
        main = done.statements[done.main]
        others = [s for s in done.statements if s is not main]
        if any(_arity(other) for other in others):  # each row its statements, in order
            for params in rows:
                await self.execute(sql, params)
            return PgCursor([], -1, None)
        statement = main.removesuffix(" RETURNING id") if done.returns_id else main
        arguments = [self._args(done, params) for params in rows]

        async def run() -> PgCursor:
            if arguments:
                await self.raw.executemany(statement, arguments)
                for other in others:  # after all the rows: what follows takes no parameters
                    await self.raw.execute(other)
            return PgCursor([], -1, None)

        return await self._locked(sql, run)

    async def execute_fetchall(self, sql: str, params: Params = ()) -> Rows:
        """Run a statement and return its rows."""
        return (await self.execute(sql, params)).fetchall()

    async def close(self) -> None:
        """Close the connection (at once if a statement hangs)."""
        try:
            await asyncio.wait_for(self.raw.close(), timeout=5)
        except (TimeoutError, OSError, asyncpg.InterfaceError):
            self.raw.terminate()


async def connect(
    url: str, schema: str | None = None, *, read_only: bool = False
) -> asyncpg.Connection:
    """One connection, in ``schema`` when given, with SQLite's way of passing values."""
    settings = {"search_path": schema} if schema else {}
    if read_only:  # the reader, as SQLite's (mode=ro): a write there is a mistake, refused
        settings["default_transaction_read_only"] = "on"
    raw: asyncpg.Connection = await asyncpg.connect(
        url, server_settings=settings, statement_cache_size=STATEMENT_CACHE
    )
    # SQLite takes any value in any column: a number for text goes in as its digits.
    await raw.set_type_codec("text", schema="pg_catalog", encoder=str, decoder=str, format="text")
    await raw.set_type_codec(
        "numeric", schema="pg_catalog", encoder=str, decoder=_number, format="text"
    )
    return raw


class PgDatabase(Database):
    """The Database on PostgreSQL: a writing and a reading connection, migrations translated."""

    def __init__(
        self,
        url: str,
        *,
        path: Path | None = None,
        schema: str | None = None,
        migrations: Iterable[tuple[int, str, str]] | None = None,
    ) -> None:
        # ``path``: where the files kept beside the database go (charts, papers, the secret).
        super().__init__(path or Path("./data/qatysu.db"), migrations=migrations)
        self.url = url
        self.schema = schema
        self._pg: PgConnection | None = None
        self._pg_reader: PgConnection | None = None

    @property
    def is_open(self) -> bool:
        """Whether the connections are open."""
        return self._pg is not None

    def twin(self) -> Database:
        """Another PgDatabase on the same schema, not opened."""
        return PgDatabase(self.url, path=self.path, schema=self.schema, migrations=self._migrations)

    @property
    def server(self) -> tuple[str, str | None] | None:
        """The URL and schema, for a process that opens its own connections (a summary)."""
        return (self.url, self.schema)

    async def open(self) -> None:
        """Connect, migrate (one process at a time) and open the reader; safe to repeat."""
        async with self._open_lock:
            if self._pg is not None:
                return
            raw = await connect(self.url)
            try:
                if self.schema:
                    await raw.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                    await raw.execute(f'SET search_path TO "{self.schema}"')
                await self._migrate_on(raw)
                identity = await self._identity_tables(raw)
                never_null = await self._never_null_columns(raw)
            except BaseException:
                await raw.close()
                raise
            self._pg = PgConnection(raw, identity, never_null)
            reader = await connect(self.url, self.schema, read_only=True)
            self._pg_reader = PgConnection(reader, identity, never_null)

    async def close(self) -> None:
        """Close both connections."""
        async with self._open_lock:
            for conn in (self._pg_reader, self._pg):
                if conn is not None:
                    await conn.close()
            self._pg = self._pg_reader = None

    @property
    def pg(self) -> PgConnection:
        """The writing connection."""
        if self._pg is None:
            raise RuntimeError("database is not open")
        return self._pg

    @property
    def conn(self) -> aiosqlite.Connection:
        """The writing connection, with the interface of aiosqlite's the repositories use."""
        return cast(aiosqlite.Connection, self.pg)

    @property
    def reader(self) -> aiosqlite.Connection:
        """The reading connection (committed data)."""
        if self._pg_reader is None:
            raise RuntimeError("database is not open")
        return cast(aiosqlite.Connection, self._pg_reader)

    async def schema_version(self) -> int:
        """The number of applied migrations."""
        row = await self.fetch_one("SELECT version FROM qatysu_schema")
        return int(row[0]) if row else 0

    @staticmethod
    async def _identity_tables(raw: asyncpg.Connection) -> frozenset[str]:
        rows = await raw.fetch(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
            "AND is_identity = 'YES' AND table_schema = current_schema()"
        )
        return frozenset(str(row[0]) for row in rows)

    @staticmethod
    async def _never_null_columns(raw: asyncpg.Connection) -> frozenset[str]:
        """Names of the columns NOT NULL in every table or view with one so named: an ORDER BY
        on one needs no place for NULLs (storage/dialect.py)."""
        rows = await raw.fetch(
            "SELECT lower(column_name) FROM information_schema.columns "
            "WHERE table_schema = current_schema() GROUP BY 1 HAVING bool_and(is_nullable = 'NO')"
        )
        return frozenset(str(row[0]) for row in rows)

    async def _migrate_on(self, raw: asyncpg.Connection) -> None:
        migrations = self._migrations if self._migrations is not None else bundled_migrations()
        async with raw.transaction():
            await raw.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            await raw.execute(PRELUDE)
            await raw.execute("CREATE TABLE IF NOT EXISTS qatysu_schema (version INTEGER)")
            await raw.execute(
                "CREATE TABLE IF NOT EXISTS qatysu_views "
                "(n SERIAL, name TEXT PRIMARY KEY, sql TEXT)"
            )
            current = await raw.fetchval("SELECT version FROM qatysu_schema")
            if current is None:
                await raw.execute("INSERT INTO qatysu_schema VALUES (0)")
                current = 0
        for version, name, sql in migrations:
            if version <= current:
                continue
            _LOGGER.info("Applying migration %s on PostgreSQL", name)
            statements = pg_migration(name, sql)
            try:
                async with raw.transaction():
                    await raw.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
                    if await raw.fetchval("SELECT version FROM qatysu_schema") >= version:
                        continue  # another process applied it meanwhile
                    views = await raw.fetch("SELECT name FROM qatysu_views ORDER BY n DESC")
                    for view in views:  # made again below, from what the migration leaves
                        await raw.execute(f'DROP VIEW IF EXISTS "{view[0]}"')
                    for statement in statements:
                        await raw.execute(statement)
                    for view in await raw.fetch("SELECT name, sql FROM qatysu_views ORDER BY n"):
                        await raw.execute(f'DROP VIEW IF EXISTS "{view[0]}"')
                        await raw.execute(view[1])
                    await raw.execute("UPDATE qatysu_schema SET version = $1", version)
            except asyncpg.PostgresError as error:
                raise RuntimeError(f"migration {name} failed on PostgreSQL: {error}") from error

    async def _begin(self) -> None:
        await self.pg.execute("BEGIN")

    async def _commit(self, batch: list[_Entry]) -> bool:
        """Write one group in one transaction (see Database._commit); False if it failed."""
        kinds: dict[Any, list[_Entry]] = {}
        for entry in batch:
            kinds.setdefault(entry[0], []).append(entry)
        statements = cast(Statements, self.pg)
        written: list[tuple[asyncio.Future[Any], Any]] = []
        try:
            await self.pg.execute("BEGIN")
            try:
                for write, entries in kinds.items():
                    results = await write(statements, [item for _, item, _ in entries])
                    written += zip((future for _, _, future in entries), results, strict=True)
            except BaseException:
                await self.pg.execute("ROLLBACK")
                raise
            await self.pg.execute("COMMIT")
        except Exception as error:
            if len(batch) == 1 and not batch[0][2].done():
                batch[0][2].set_exception(error)
            return False
        for future, result in written:
            if not future.done():
                future.set_result(result)
        return True

    async def backup(self, target: Path) -> None:
        """Not on PostgreSQL: pg_dump does it (README: Backups)."""
        raise RuntimeError(
            "the database is PostgreSQL: back it up with pg_dump "
            f"(pg_dump --format=custom --file={target} DATABASE_URL)"
        )


class Leadership:
    """The advisory lock that makes one ``qatysu run`` of several on one database the active one.

    PostgreSQL holds a session's advisory lock until the session ends: a process that dies
    (SIGKILL, a lost machine) lets go of it as soon as the server sees its connection close,
    and a waiting process takes it. The key is the schema's, so that databases (and tests'
    schemas) on one server have leaders of their own.
    """

    def __init__(self, url: str, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        self._raw: asyncpg.Connection | None = None

    async def try_take(self) -> bool:
        """Take the lock if nobody holds it; False while another process does (or no server)."""
        try:
            if self._raw is None or self._raw.is_closed():
                self._raw = await connect(self.url, self.schema)
            taken = await self._raw.fetchval(
                "SELECT pg_try_advisory_lock(hashtext('qatysu-active:' || current_schema()))"
            )
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            _LOGGER.warning("Waiting for the database to take the lead: %s", error)
            await self.release()
            return False
        return bool(taken)

    async def still_held(self, within: float) -> bool:
        """Whether the lock's connection still answers (so the lock is still ours)."""
        if self._raw is None or self._raw.is_closed():
            return False
        try:
            await asyncio.wait_for(self._raw.fetchval("SELECT 1"), within)
        except (TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            return False
        return True

    async def release(self) -> None:
        """Let go of the lock (closing its connection does)."""
        raw, self._raw = self._raw, None
        if raw is not None:
            raw.terminate()


async def _sqlite_tables(source: Database) -> list[str]:
    """SQLite's tables, each after the tables it refers to (foreign keys)."""
    names = [
        str(row[0])
        for row in await source.fetch_all(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    refers = {
        name: {
            str(row["table"])
            for row in await source.fetch_all(f"PRAGMA foreign_key_list('{name}')")
            if str(row["table"]) != name
        }
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and refers[n] <= set(ordered)]
        if not ready:
            raise RuntimeError(f"foreign keys in a cycle among {set(names) - set(ordered)}")
        ordered += ready
    return ordered


async def copy_from_sqlite(source: Database, target: PgDatabase) -> dict[str, int]:
    """Copy every row of a SQLite database into an empty PostgreSQL one; rows per table.

    Both must be at the same schema version (open them both first: each migrates itself).
    One transaction: a failure leaves the target as it was. Triggers are off meanwhile (the
    rows are copied as they are: a protocol's vote would otherwise be counted again).
    """
    if await source.schema_version() != await target.schema_version():
        raise RuntimeError("the SQLite and PostgreSQL databases are at different versions")
    if (await target.fetch_one("SELECT COUNT(*) FROM people"))[0]:  # type: ignore[index]
        raise RuntimeError("the PostgreSQL database is not empty: copy into a new one")
    tables = await _sqlite_tables(source)
    # A connection of its own, without the text codecs (COPY sends values in binary).
    settings = {"search_path": target.schema} if target.schema else {}
    raw = await asyncpg.connect(target.url, server_settings=settings)
    try:
        return await _copy(source, raw, tables)
    finally:
        await raw.close()


async def _copy(source: Database, raw: asyncpg.Connection, tables: list[str]) -> dict[str, int]:
    copied: dict[str, int] = {}
    async with raw.transaction():
        for table in tables:
            await raw.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER USER')
        for table in reversed(tables):
            await raw.execute(f'DELETE FROM "{table}"')  # noqa: S608 - rows a migration put
        for table in tables:
            rows = await source.fetch_all(f'SELECT * FROM "{table}"')  # noqa: S608 - a table
            if rows:
                columns = list(rows[0].keys())
                await raw.copy_records_to_table(
                    table, records=[tuple(row) for row in rows], columns=columns
                )
            copied[table] = len(rows)
        for table in tables:
            await raw.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER USER')
        for table in await PgDatabase._identity_tables(raw):
            bump = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT "
            await raw.execute(bump + f'MAX(id) FROM "{table}"), 1))')
    return copied
