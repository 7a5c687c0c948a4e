"""The command line: territory, roles, invites, backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.territory import sample_file
from storage.db import bundled_migrations
from tests.conftest import make_settings, use_database

OKRUG = "krg-bukhar-dubovka-okrug"  # four villages


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)
    use_database(monkeypatch, make_settings(tmp_path, database_path=path))
    monkeypatch.setenv("ADMIN_IDS", "9001")
    monkeypatch.delenv("BOT_USERNAME", raising=False)
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_villages_import_and_list(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "villages", "import", str(sample_file()))
    assert code == 0
    assert out.strip().endswith(
        "Imported 3 regions, 16 districts, 13 rural okrugs, 28 villages from " + str(sample_file())
    )
    code, out, _ = run(capsys, "villages", "list")
    assert code == 0
    assert "krg  Karaganda Region / Қарағанды облысы" in out
    assert "  krg-osakarovka  Osakarovka District" in out
    assert "    krg-osakarovka-molodezhny  Molodezhny / Молодежный" in out
    bukhar = out.split("  krg-bukhar  ")[1].split("\n  krg-")[0].splitlines()[1:]
    assert bukhar == [  # the okrug with its villages, then the village of no okrug
        f"    {OKRUG}  Dubovka Rural Okrug (sample) / Дубовка ауылдық округі (үлгі)",
        "      krg-bukhar-dubovka  Dubovka / Дубовка",
        "      krg-bukhar-karaozek  Karaozek (sample) / Қараөзек (үлгі)",
        "      krg-bukhar-koktobe  Koktobe (sample) / Көктөбе (үлгі)",
        "      krg-bukhar-zhanaaul  Zhanaaul (sample) / Жаңаауыл (үлгі)",
        "    krg-bukhar-botakara  Botakara / Ботақара",
    ]


def test_a_file_without_okrugs_imports_as_before(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = Path(__file__).parent / "data" / "villages.without-okrugs.csv"
    code, out, _ = run(capsys, "villages", "import", str(shared))
    assert (code, out.strip()) == (
        0,
        f"Imported 3 regions, 16 districts, 25 villages from {shared}",
    )


def test_bad_territory_file_exits_with_the_reason(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\nx,y\n", encoding="utf-8")
    code, _, err = run(capsys, "villages", "import", str(bad))
    assert code == 1
    assert err.startswith("qatysu: line 1: missing column(s): district_code")


def test_roles_grant_list_revoke(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "villages", "import", str(sample_file()))
    code, out, _ = run(capsys, "roles", "grant", "5001", "staff", "--district", "krg-osakarovka")
    assert (code, out.strip()) == (0, "Granted staff to 5001")
    code, out, _ = run(capsys, "roles", "grant", "5001", "staff", "--district", "krg-osakarovka")
    assert out.strip() == "Already granted staff to 5001"
    _, out, _ = run(capsys, "roles", "list")
    assert "5001  staff  district krg-osakarovka  (by cli)" in out
    assert "9001  admin  all  (ADMIN_IDS)" in out
    code, out, _ = run(capsys, "roles", "revoke", "5001", "staff")
    assert (code, out.strip()) == (0, "Revoked 1 grant(s) of staff from 5001")
    _, out, _ = run(capsys, "roles", "list")
    assert "5001" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["5001", "staff"], "staff needs one of --district, --okrug, --region, --village"),
        (["5001", "staff", "--okrug", "nowhere"], "no okrug with code 'nowhere'"),
        (["5001", "coordinator", "--okrug", OKRUG], "coordinator needs one of --all, --region"),
        (
            ["5001", "coordinator", "--village", "krg-nura-nura"],
            "coordinator needs one of --all, --region",
        ),
        (["5001", "staff", "--village", "nowhere"], "no village with code 'nowhere'"),
    ],
)
def test_grant_checks_role_and_scope(
    cli_db: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    run(capsys, "villages", "import", str(sample_file()))
    code, _, err = run(capsys, "roles", "grant", *args)
    assert code == 1
    assert message in err


@pytest.mark.sqlite_only  # reads the SQLite file
def test_invite_prints_a_one_time_deep_link(
    cli_db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run(capsys, "villages", "import", str(sample_file()))
    monkeypatch.setenv("BOT_USERNAME", "qatysu_bot")
    code, out, _ = run(capsys, "invite", "staff", "--village", "krg-nura-nura")
    assert code == 0
    link = out.strip()
    assert link.startswith("https://t.me/qatysu_bot?start=i_")
    payload = link.split("start=")[1]
    assert len(payload) <= 64 and payload.replace("_", "").replace("-", "").isalnum()
    with sqlite3.connect(cli_db) as conn:
        assert conn.execute("SELECT role, scope_code, used_by FROM invites").fetchall() == [
            ("staff", "krg-nura-nura", None)
        ]


def test_grant_and_invite_at_okrug_scope(cli_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "villages", "import", str(sample_file()))
    code, out, _ = run(capsys, "roles", "grant", "5004", "staff", "--okrug", OKRUG)
    assert (code, out.strip()) == (0, "Granted staff to 5004")
    _, out, _ = run(capsys, "roles", "list")
    assert f"5004  staff  okrug {OKRUG}  (by cli)" in out
    code, out, _ = run(capsys, "invite", "staff", "--okrug", OKRUG)
    assert code == 0 and "start i_" in out
    _, out, _ = run(capsys, "invite", "list")
    assert out.splitlines()[1].startswith(f"1  staff  okrug {OKRUG}  ")
    code, out, _ = run(capsys, "roles", "revoke", "5004", "staff", "--okrug", OKRUG)
    assert (code, out.strip()) == (0, "Revoked 1 grant(s) of staff from 5004")


@pytest.mark.sqlite_only  # reads the SQLite file
def test_backup_writes_a_consistent_copy(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "villages", "import", str(sample_file()))
    target = tmp_path / "backups" / "copy.db"
    code, _, _ = run(capsys, "backup", str(target))
    assert code == 0
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT COUNT(*) FROM villages").fetchone() == (28,)


@pytest.mark.sqlite_only  # reads the SQLite file
def test_migrate_reports_the_schema_version(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "migrate")
    assert code == 0
    assert out.strip() == f"Database {cli_db} is at schema version {len(bundled_migrations())}"
