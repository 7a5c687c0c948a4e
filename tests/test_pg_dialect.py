"""SQLite's statements and migrations as PostgreSQL's (no server needed: text in, text out)."""

from __future__ import annotations

import pytest

from storage.db import bundled_migrations
from storage.dialect import Untranslatable, translate
from storage.pg_schema import pg_migration, translate_statement

NONE: frozenset[str] = frozenset()


def test_placeholders_become_numbered_and_names_keep_their_order() -> None:
    done = translate("SELECT * FROM t WHERE a = ? AND b = '?' AND c = ?", NONE)
    assert done.statements == ("SELECT * FROM t WHERE a = $1 AND b = '?' AND c = $2",)
    named = translate("SELECT :b, :a, :b", NONE)
    assert (named.statements[0], named.names) == ("SELECT $1, $2, $1", ("b", "a"))


def test_sqlite_idioms_are_rewritten() -> None:
    done = translate(
        "INSERT OR IGNORE INTO outbox (a) SELECT x FROM y "
        "WHERE x IN (SELECT value FROM json_each(?)) AND z NOT IN (SELECT value FROM json_each(?)) "
        "AND p IS NOT ? AND q IS ? AND r IS NOT NULL",
        NONE,
    )
    assert done.statements == (
        "INSERT INTO outbox (a) SELECT x FROM y WHERE x = ANY($1) AND z <> ALL($2) "
        "AND p IS DISTINCT FROM $3 AND q IS NOT DISTINCT FROM $4 AND r IS NOT NULL "
        "ON CONFLICT DO NOTHING",
    )
    assert done.lists == {0, 1}
    aliased = translate("SELECT COUNT(*) FROM (SELECT 1 FROM t) WHERE true", NONE)
    assert aliased.statements == ("SELECT COUNT(*) FROM (SELECT 1 FROM t) AS _q0 WHERE true",)


def test_order_by_puts_nulls_where_sqlite_does_except_on_columns_never_null() -> None:
    done = translate(
        "SELECT a FROM t WHERE x IN (SELECT y FROM u ORDER BY y DESC LIMIT 1) "
        "ORDER BY t.due_on, COALESCE(b, ',') DESC, t.id, n NULLS LAST LIMIT ?",
        NONE,
        frozenset({"id"}),
    )
    assert done.statements == (
        "SELECT a FROM t WHERE x IN (SELECT y FROM u ORDER BY y DESC NULLS LAST LIMIT 1) "
        "ORDER BY t.due_on NULLS FIRST, COALESCE(b, ',') DESC NULLS LAST, t.id, n NULLS LAST "
        "LIMIT $1",
    )
    window = translate("SELECT rank() OVER (ORDER BY v ASC) FROM t ORDER BY 1 DESC", NONE)
    assert window.statements == (
        "SELECT rank() OVER (ORDER BY v ASC NULLS FIRST) FROM t ORDER BY 1 DESC NULLS LAST",
    )


def test_scalar_min_max_unary_plus_and_a_bare_upsert_are_rewritten() -> None:
    done = translate(
        "SELECT MAX(COALESCE(a, 0), (SELECT SUM(b) FROM t)), MAX(c), MIN(d, ?) FROM u "
        "WHERE +e = 1 AND f + g > 2",
        NONE,
    )
    assert done.statements == (
        "SELECT GREATEST(COALESCE(a, 0), (SELECT SUM(b) FROM t)), MAX(c), LEAST(d, $1) FROM u "
        "WHERE e = 1 AND f + g > 2",
    )
    upsert = translate(
        "INSERT INTO tallies (k, votes) VALUES (?, 1) "
        "ON CONFLICT DO UPDATE SET votes = votes + 1, seen = COALESCE(seen, excluded.seen)",
        NONE,
    )
    assert upsert.statements == (
        "INSERT INTO tallies (k, votes) VALUES ($1, 1) ON CONFLICT ON CONSTRAINT tallies_pkey "
        "DO UPDATE SET votes = tallies.votes + 1, seen = COALESCE(tallies.seen, excluded.seen)",
    )


def test_an_insert_into_an_identity_table_returns_its_id_and_moves_it_past_a_given_one() -> None:
    done = translate("INSERT INTO people (first_name) VALUES (?)", frozenset({"people"}))
    assert done.returns_id and done.statements[0].endswith(" RETURNING id")
    given = translate("INSERT INTO people (id, first_name) VALUES (?, ?)", frozenset({"people"}))
    assert len(given.statements) == 2 and "setval" in given.statements[1] and given.main == 0


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT json_extract(value, '$[0]') FROM json_each(?)",
        "INSERT OR REPLACE INTO t VALUES (1)",
        "PRAGMA user_version",
        "INSERT INTO t VALUES (1) ON CONFLICT (a) DO NOTHING ON CONFLICT (b) DO NOTHING",
    ],
)
def test_what_has_no_postgresql_form_fails_loudly(sql: str) -> None:
    with pytest.raises(Untranslatable, match=r"storage/pg_sql\.py"):
        translate(sql, NONE)


def test_every_bundled_migration_translates() -> None:
    for _, name, sql in bundled_migrations():
        assert pg_migration(name, sql), name


def test_a_migration_that_cannot_be_translated_names_its_hand_written_place() -> None:
    with pytest.raises(Untranslatable, match=r"storage/migrations_pg/0099_x\.sql"):
        pg_migration("0099_x.sql", "PRAGMA foreign_keys = OFF;")


def test_a_trigger_becomes_a_function_and_a_trigger() -> None:
    function, trigger = translate_statement(
        "CREATE TRIGGER kept BEFORE UPDATE ON protocols WHEN OLD.x IS NOT NEW.x BEGIN "
        "SELECT RAISE(ABORT, 'never changed'); END"
    )
    assert "RAISE EXCEPTION 'never changed';" in function
    assert "IF NOT COALESCE((OLD.x IS DISTINCT FROM NEW.x), false) THEN RETURN NEW;" in function
    assert trigger == (
        "CREATE TRIGGER kept BEFORE UPDATE ON protocols FOR EACH ROW EXECUTE FUNCTION kept_fn()"
    )


def test_rows_a_migration_copies_with_their_ids_move_the_identity_past_them() -> None:
    """SQLite's rebuild of a table (0016's grants): the next grant must not take a copied id."""
    copy = translate_statement("INSERT INTO grants_new (id, role) SELECT id, role FROM grants")
    assert copy == [
        "INSERT INTO grants_new (id, role) SELECT id, role FROM grants",
        "SELECT setval(pg_get_serial_sequence('grants_new', 'id'), "
        "(SELECT COALESCE(MAX(id), 0) + 1 FROM grants_new), false)",
    ]
    assert translate_statement("INSERT INTO t (a) SELECT a FROM u") == [
        "INSERT INTO t (a) SELECT a FROM u"
    ]
