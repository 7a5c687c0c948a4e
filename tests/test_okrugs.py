"""The rural okrug: a level of the territory that staff, pickers and reports understand."""

from __future__ import annotations

from pathlib import Path

from bot.territory import import_territory, sample_file
from storage import roles as roles_repo
from storage import territory
from storage.db import Database, bundled_migrations
from storage.models import Role, Scope, ScopeKind

OKRUG = "krg-bukhar-dubovka-okrug"  # Dubovka and three sample villages (Bukhar-Zhyrau District)
OKRUG_VILLAGES = {"krg-bukhar-dubovka", "krg-bukhar-zhanaaul", "krg-bukhar-karaozek",
                  "krg-bukhar-koktobe"}  # fmt: skip
SHARED_SAMPLE = Path(__file__).parent / "data" / "villages.without-okrugs.csv"


async def test_migration_keeps_an_existing_database(tmp_path: Path) -> None:
    """A database made before okrugs keeps its villages, grants and invites, and takes okrugs."""
    path = tmp_path / "old.db"
    old = Database(path, migrations=[m for m in bundled_migrations() if m[0] < 16])
    await old.open()
    for sql in (
        "INSERT INTO regions VALUES ('krg', 'Қарағанды облысы', 'Карагандинская', 'Karaganda')",
        "INSERT INTO districts VALUES ('krg-bukhar', 'krg', 'Бұқар', 'Бухар', 'Bukhar')",
        "INSERT INTO villages (code, district_code, name_kk, name_ru, name_en) "
        "VALUES ('krg-bukhar-dubovka', 'krg-bukhar', 'Дубовка', 'Дубовка', 'Dubovka')",
    ):
        await old.execute_write(sql)
    await roles_repo.grant(old, 5001, Role.STAFF, Scope(ScopeKind.DISTRICT, "krg-bukhar"), "t")
    await old.execute_write(
        "INSERT INTO invites (token_hash, role, scope_kind, scope_code, created_at, expires_at) "
        "VALUES ('h', 'staff', 'village', 'krg-bukhar-dubovka', '2026-11-01T00:00:00+00:00', "
        "'2099-01-01T00:00:00+00:00')"
    )
    await old.close()
    db = Database(path)
    await db.open()
    try:
        assert [v.code for v in await territory.list_villages(db)] == ["krg-bukhar-dubovka"]
        assert [g.scope for g in await roles_repo.grants_of(db, 5001)] == [
            Scope(ScopeKind.DISTRICT, "krg-bukhar")
        ]
        assert [i.scope.code for i in await roles_repo.list_invites(db)] == ["krg-bukhar-dubovka"]
        village = await territory.get_village(db, "krg-bukhar-dubovka")
        assert village is not None and village.okrug_code is None
        await import_territory(db, SHARED_SAMPLE)  # a file without okrugs, as before
        await import_territory(db, sample_file())  # then one with them
        assert await roles_repo.grant(db, 5001, Role.STAFF, Scope(ScopeKind.OKRUG, OKRUG), "t")
        in_okrug = await territory.list_villages(db, okrug_code=OKRUG)
        assert {v.code for v in in_okrug} == OKRUG_VILLAGES
    finally:
        await db.close()
