"""SQLite's SQL, as storage/*.py writes it, rewritten for PostgreSQL (storage/pg.py).

The repositories keep one text per statement, SQLite's. On PostgreSQL each text is translated
once (and cached): placeholders ``?`` and ``:name`` become ``$n``; ``INSERT OR IGNORE`` becomes
``ON CONFLICT DO NOTHING``; ``x IN (SELECT value FROM json_each(?))`` becomes ``x = ANY($n)``
(the JSON array parameter goes in as a list, so PostgreSQL types it by ``x``); ``IS [NOT]``
between values becomes ``IS [NOT] DISTINCT FROM``; an INSERT into a table with an identity
``id`` returns it (``lastrowid``); ``ORDER BY`` keeps SQLite's place for NULL (first when
ascending, last when descending; PostgreSQL's default is the opposite) for every key that may be
NULL, and says nothing for a column NOT NULL in every table, so that its index still serves.
SQLite's functions the statements use and PostgreSQL lacks (``TOTAL``, ``SUM`` of a
condition, ``json_group_array``, ``strftime('...', 'now')``) exist in the database as
compatible functions (storage/pg_schema.py's prelude).

What has no such general form (``json_extract`` of a JSON parameter, two ``ON CONFLICT``
clauses) has a hand-written PostgreSQL form in storage/pg_sql.py, keyed by the SQLite text.
Anything else SQLite-only raises :class:`Untranslatable` the first time it runs, naming the
statement: a statement changed on SQLite without its PostgreSQL form fails loudly, never
silently differently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from storage import pg_sql


class Untranslatable(RuntimeError):
    """A statement (or migration) with no PostgreSQL form."""


@dataclass(frozen=True, slots=True)
class Translated:
    """PostgreSQL statements for one SQLite statement, and how to pass its parameters."""

    statements: tuple[str, ...]
    names: tuple[str, ...] | None  # the order of named parameters (None: positional)
    lists: frozenset[int]  # 0-based positions of JSON-array parameters passed as lists
    returns_id: bool  # an appended ``RETURNING id``: the cursor's lastrowid
    main: int = -1  # the statement whose rows and count are the result


_LITERAL = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")
_MASK = re.compile(r"\x00(\d+)\x00")
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_JSON_IN = re.compile(
    r"\b(NOT\s+)?IN\s*\(\s*SELECT\s+value\s+FROM\s+json_each\(\s*\$(\d+)\s*\)\s*\)", re.I
)
_IS_NOT = re.compile(r"\bIS\s+NOT\s+(?!NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.I)
_IS = re.compile(r"\bIS\s+(?!NOT\b|NULL\b|TRUE\b|FALSE\b|DISTINCT\b)", re.I)
_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s*(\([^)]*\))?", re.I)
_UNARY_PLUS = re.compile(
    r"((?:\b(?:AND|OR|WHERE|ON|NOT|WHEN|THEN|ELSE|SELECT|BY)|[(,=<>])\s*)\+(?=\s*[A-Za-z_])", re.I
)
_BARE_UPSERT = re.compile(r"\bON\s+CONFLICT\s+DO\s+UPDATE\b", re.I)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)
_SQLITE_ONLY = re.compile(
    r"\bjson_each\b|\bjson_extract\b|\bINSERT\s+OR\b|\bREPLACE\s+INTO\b|\bPRAGMA\b|"
    r"\bCOLLATE\s+NOCASE\b|\bGLOB\b|\bjulianday\b|\bdatetime\s*\(|\bdate\s*\(|\biif\s*\(|"
    r"\bifnull\s*\(|\bprintf\s*\(|\bgroup_concat\b|\browid\b|\blast_insert_rowid\b|"
    r"\bchanges\s*\(",
    re.I,
)


def mask(sql: str) -> tuple[str, list[str]]:
    """``sql`` with its quoted literals replaced by markers, and the literals."""
    literals: list[str] = []

    def keep(match: re.Match[str]) -> str:
        literals.append(match.group(0))
        return f"\x00{len(literals) - 1}\x00"

    return _LITERAL.sub(keep, sql), literals


def unmask(sql: str, literals: list[str]) -> str:
    """Put the literals :func:`mask` took out back."""
    return _MASK.sub(lambda match: literals[int(match.group(1))], sql)


def rewrite_expressions(code: str) -> str:
    """SQLite's null-safe comparison ``IS [NOT] x`` as PostgreSQL spells it (masked text)."""
    code = _IS_NOT.sub("IS DISTINCT FROM ", code)
    return _IS.sub("IS NOT DISTINCT FROM ", code)


def _placeholders(code: str) -> tuple[str, tuple[str, ...] | None]:
    """``?`` and ``:name`` as ``$n`` (in masked text)."""
    names: list[str] = []

    def named(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    code = _NAMED.sub(named, code)
    if names:
        if "?" in code:
            raise Untranslatable("a statement mixes ? and :name placeholders")
        return code, tuple(names)
    count = 0

    def positional(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return re.sub(r"\?", positional, code), None


_SUBQUERY = re.compile(r"\b(?:FROM|JOIN)\s*\(\s*(?:SELECT|WITH|VALUES)\b", re.I)
_NOT_ALIAS = re.compile(
    r"\s*(?:$|[),;]|(?:WHERE|GROUP|ORDER|LIMIT|JOIN|LEFT|INNER|CROSS|ON|UNION|HAVING|EXCEPT|"
    r"INTERSECT|RETURNING|WINDOW)\b)",
    re.I,
)


def _alias_subqueries(code: str) -> str:
    """PostgreSQL (before 16) wants a name for a subquery in FROM; SQLite does not."""
    out: list[str] = []
    done = 0
    for count, match in enumerate(_SUBQUERY.finditer(code)):
        start = code.index("(", match.start())
        depth, end = 0, start
        for end in range(start, len(code)):
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            if depth == 0:
                break
        if _NOT_ALIAS.match(code, end + 1):
            out.append(code[done : end + 1] + f" AS _q{count}")
            done = end + 1
    return "".join(out) + code[done:]


_MIN_MAX = re.compile(r"\b(MIN|MAX)\s*\(", re.I)


def _scalar_min_max(code: str) -> str:
    """SQLite's ``MAX(a, b)`` and ``MIN(a, b)`` (of several values) as GREATEST and LEAST."""
    out: list[str] = []
    done = 0
    for match in _MIN_MAX.finditer(code):
        depth, start = 0, match.end() - 1
        for end in range(start, len(code)):
            char = code[end]
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                break
            if char == "," and depth == 1:  # a second argument: the scalar function
                name = "GREATEST" if match.group(1).upper() == "MAX" else "LEAST"
                out.append(code[done : match.start()] + name + "(")
                done = match.end()
                break
    return "".join(out) + code[done:]


_UPSERT_SET = re.compile(r"\bDO\s+UPDATE\s+SET\b", re.I)
_COLUMN = re.compile(r"(?<![.\w$])([A-Za-z_]\w*)\b(?!\s*[.(])")
_KEYWORDS = frozenset(
    {"and", "or", "not", "null", "is", "case", "when", "then", "else", "end", "in", "true"}
    | {"false", "distinct", "from", "between", "like", "as", "excluded", "cast"}
)


def _qualify_upsert(code: str, table: str) -> str:
    """Columns read in an upsert's SET named with their table: SQLite takes a bare ``n`` in
    ``SET n = n + 1`` for the stored row, PostgreSQL finds it ambiguous (``excluded.n``)."""
    found = _UPSERT_SET.search(code)
    if found is None:
        return code
    end = re.compile(r"\b(?:WHERE|RETURNING)\b|$", re.I).search(code, found.end())
    stop = end.start() if end is not None else len(code)

    def qualify(match: re.Match[str]) -> str:
        name = match.group(1)
        return name if name.lower() in _KEYWORDS else f"{table}.{name}"

    parts, depth, start = [], 0, found.end()
    for at in range(found.end(), stop + 1):  # ``column = expression``, split at top-level commas
        char = code[at] if at < stop else ","
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            target, equals, value = code[start:at].partition("=")
            parts.append(target + equals + _COLUMN.sub(qualify, value))
            start = at + 1
    return code[: found.end()] + ",".join(parts) + code[stop:]


_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.I)
_ORDER_END = re.compile(r"\b(?:LIMIT|OFFSET|ROWS|RANGE|GROUPS|FOR)\b|;", re.I)
_DIRECTION = re.compile(r"\s+(ASC|DESC)\s*$", re.I)
_PLAIN_COLUMN = re.compile(r"^(?:\w+\.)?(\w+)$")


def _null_order(code: str, never_null: frozenset[str]) -> str:
    """Every ORDER BY key that may be NULL with SQLite's NULLS FIRST (ASC) or LAST (DESC)."""
    out: list[str] = []
    done = 0
    for match in _ORDER_BY.finditer(code):
        start, depth, at = match.end(), 0, match.end()
        keys: list[tuple[int, int]] = []
        while at <= len(code):
            char = code[at] if at < len(code) else ";"
            depth += {"(": 1, ")": -1}.get(char, 0)
            ended = at == len(code) or depth < 0
            ended = ended or (depth == 0 and _ORDER_END.match(code, at) is not None)
            if ended or (char == "," and depth == 0):
                keys.append((start, at))
                start = at + 1
            if ended:
                break
            at += 1
        for begin, end in keys:
            key = code[begin:end].rstrip()
            if not key.strip() or re.search(r"\bNULLS\s+(?:FIRST|LAST)\b", key, re.I):
                continue
            direction = _DIRECTION.search(key)
            bare = key[: direction.start()] if direction else key
            column = _PLAIN_COLUMN.match(bare.strip())
            if column and column.group(1).lower() in never_null:
                continue  # NOT NULL wherever it is: nothing to place, and its index serves
            last = direction is not None and direction.group(1).upper() == "DESC"
            out.append(code[done : begin + len(key)] + (" NULLS LAST" if last else " NULLS FIRST"))
            done = begin + len(key)
    return "".join(out) + code[done:]


def _top_level_returning(code: str) -> int:
    """Where a statement's own RETURNING clause starts, or -1."""
    for match in _RETURNING.finditer(code):
        if code.count("(", 0, match.start()) == code.count(")", 0, match.start()):
            return match.start()
    return -1


def translate(
    sql: str, identity_tables: frozenset[str], never_null: frozenset[str] = frozenset()
) -> Translated:
    """The PostgreSQL form of one SQLite statement (see the module's docstring).

    ``never_null``: the names of the columns NOT NULL in every table that has one so named.
    """
    override = pg_sql.OVERRIDES.get(" ".join(sql.split()))
    code, literals = mask(sql)
    code, names = _placeholders(code)
    if override is not None:
        return Translated(override.statements, names, override.lists, returns_id=False)
    lists: set[int] = set()

    def any_of(match: re.Match[str]) -> str:
        lists.add(int(match.group(2)) - 1)
        return f"<> ALL(${match.group(2)})" if match.group(1) else f"= ANY(${match.group(2)})"

    code = _JSON_IN.sub(any_of, code)
    code = _UNARY_PLUS.sub(r"\1", code)  # SQLite's ``+x`` (no index for x): PostgreSQL's x
    code = _alias_subqueries(_scalar_min_max(rewrite_expressions(code)))
    code = _null_order(code, never_null)
    ignore = _OR_IGNORE.match(code) is not None
    if ignore:
        code = _OR_IGNORE.sub("INSERT INTO", code, count=1)
    leftover = _SQLITE_ONLY.search(code) or (
        re.search(r"\bON\s+CONFLICT\b.*\bON\s+CONFLICT\b", code, re.I | re.S)
    )
    if leftover:
        raise Untranslatable(
            f"no PostgreSQL form for {leftover.group(0)!r} in: {' '.join(sql.split())}\n"
            "Add one to storage/pg_sql.py."
        )
    if into := _INSERT_INTO.match(code):  # SQLite's bare upsert: the primary key's conflict
        upsert = f"ON CONFLICT ON CONSTRAINT {into.group(1)}_pkey DO UPDATE"
        code = _qualify_upsert(_BARE_UPSERT.sub(upsert, code), into.group(1))
    at = _top_level_returning(code)
    head, tail = (code[:at].rstrip(), " " + code[at:]) if at >= 0 else (code.rstrip(), "")
    head = head.rstrip(";")
    if ignore:
        head += " ON CONFLICT DO NOTHING"
    insert = _INSERT_INTO.match(code)
    table = insert.group(1).lower() if insert is not None else ""
    returns_id = not tail and table in identity_tables
    if returns_id:
        tail = " RETURNING id"
    statements = [unmask(head + tail, literals)]
    if (
        insert is not None
        and table in identity_tables
        and re.search(r"\bid\b", insert.group(2) or "", re.I)
    ):  # an id given: the identity's next one must pass it, as SQLite's rowid does
        bump = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT "
        statements.append(bump + f"MAX(id) FROM {table}), 1))")
    return Translated(tuple(statements), names, frozenset(lists), returns_id, main=0)
