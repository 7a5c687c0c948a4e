"""The directory of other bodies per district: CSV import, the command line, admins' edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.auth import Access
from bot.bodies import service as bodies
from bot.cli import main
from bot.territory import sample_file
from storage import bodies as repo
from storage.db import Database
from tests.conftest import make_settings, use_database

HEADER = (
    "district_code,code,name_kk,name_ru,name_en,phone,address_kk,address_ru,address_en,"
    "handles_kk,handles_ru,handles_en,sample\n"
)
POWER = (
    "krg-osakarovka,power,Электр желілері,Электросети,Power grid,+7 (72149) 4-00-01,"
    "Абай к. 1,ул. Абая 1,1 Abai St,Жарық,Свет,Power,0\n"
)


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)
    use_database(monkeypatch, make_settings(tmp_path, database_path=path))
    monkeypatch.delenv("BOT_USERNAME", raising=False)
    assert main(["villages", "import", str(sample_file())]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str, name: str = "bodies.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_sample_directory_imports_and_again_changes_nothing(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    sample = str(bodies.sample_file())
    assert run(capsys, "bodies", "import", sample)[:2] == (
        0, f"Bodies from {sample}: 6 added, 0 changed, 0 unchanged\n",
    )  # fmt: skip
    assert run(capsys, "bodies", "import", sample)[:2] == (
        0, f"Bodies from {sample}: 0 added, 0 changed, 6 unchanged\n",
    )  # fmt: skip
    code, out, _ = run(capsys, "bodies", "list", "--district", "krg-bukhar")
    assert code == 0
    assert out.splitlines()[0] == (
        "krg-bukhar  power  Электросетевая компания (пример) / "
        "Электр желілері компаниясы (үлгі)  +7 (72154) 2-00-01  (sample)"
    )
    assert len(out.splitlines()) == 3


def test_a_changed_line_changes_its_body_and_nothing_else(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "bodies", "import", write(tmp_path, HEADER + POWER))
    changed = POWER.replace("4-00-01", "4-11-11")
    code, out, _ = run(capsys, "bodies", "import", write(tmp_path, HEADER + changed, "b.csv"))
    assert (code, out.split(": ")[1]) == (0, "0 added, 1 changed, 0 unchanged\n")
    code, out, _ = run(capsys, "bodies", "list")
    assert "+7 (72149) 4-11-11" in out and out.count("\n") == 1


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = (
        HEADER + POWER
        + "krg-nowhere,water,Су,Вода,Water,+7 700 000 00 00,а,б,c,су,вода,water,0\n"
        + "krg-osakarovka,Roads!,Жол,Дороги,,call us,а,б,,жол,дороги,,maybe\n"
        + "krg-osakarovka,gas,,Газ,Gas,104,а,б,c,газ,газ,gas,\n"
        + POWER
    )  # fmt: skip
    code, _, err = run(capsys, "bodies", "import", write(tmp_path, bad))
    assert code == 1
    lines = err.splitlines()
    assert lines[0].endswith("bodies.csv: nothing imported:")
    assert lines[1:] == [
        "  line 3: district 'krg-nowhere' not found (see `villages list`)",
        "  line 4: code 'Roads!' must be 1-40 of a-z 0-9 _ - (lower case)",
        "  line 4: phone 'call us' is not a phone number (digits, + ( ) - and spaces)",
        "  line 4: sample 'maybe' must be 1 or 0 (yes or no)",
        "  line 5: name_kk is empty",
        "  line 6: duplicate code 'power' in krg-osakarovka (first on line 2)",
    ]
    assert run(capsys, "bodies", "list")[1] == ""


def test_a_file_without_a_required_column_says_which(
    cli_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "bodies", "import", write(tmp_path, "district_code;code;name_kk\n"))
    assert code == 1
    assert "line 1: missing columns: name_ru, phone, address_ru, handles_kk, handles_ru" in err


def test_the_command_line_adds_edits_and_removes_a_body(
    cli_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    cells = ["name_kk=Су арнасы", "name_ru=Водоканал", "phone=+7 (72149) 4-00-02",
             "address_ru=ул. Мира, 5", "handles_kk=Ауыз су",
             "handles_ru=Питьевая вода"]  # fmt: skip
    code, out, _ = run(capsys, "bodies", "add", "krg-osakarovka", "water", *cells)
    assert (code, out) == (0, "Stored body water of krg-osakarovka: Водоканал\n")
    code, out, _ = run(capsys, "bodies", "edit", "krg-osakarovka", "water", "phone=109")
    assert (code, out) == (0, "Changed body water of krg-osakarovka: Водоканал\n")
    code, _, err = run(capsys, "bodies", "edit", "krg-osakarovka", "water", "code=x")
    assert code == 1 and "cannot change: code" in err
    code, _, err = run(capsys, "bodies", "edit", "krg-osakarovka", "gas", "phone=109")
    assert code == 1 and "no body 'gas' in 'krg-osakarovka'" in err
    assert "109" in run(capsys, "bodies", "list")[1]
    code, out, _ = run(capsys, "bodies", "remove", "krg-osakarovka", "water")
    assert code == 0 and out.startswith("Removed body water of krg-osakarovka")
    assert run(capsys, "bodies", "list")[1] == ""


async def test_only_admins_edit_the_directory(db: Database) -> None:
    from bot.territory import import_territory

    await import_territory(db, sample_file())
    await bodies.import_file(db, bodies.sample_file())
    body = await repo.find(db, "krg-osakarovka", "power")
    assert body is not None
    staff = Access(telegram_id=5001, grants=(), is_admin=False)
    admin = Access(telegram_id=9001, grants=(), is_admin=True)
    with pytest.raises(bodies.NotAllowed):
        await bodies.edit(db, body, {"phone": "109"}, actor=staff)
    with pytest.raises(bodies.NotAllowed):
        await bodies.remove(db, body, actor=staff)
    with pytest.raises(bodies.NotAllowed):
        await bodies.add(db, body.entry(), actor=staff)
    unchanged = await repo.get(db, body.id)
    assert unchanged is not None and unchanged.phone == body.phone and not unchanged.removed
    edited = await bodies.edit(db, body, {"phone": "109"}, actor=admin)
    assert edited.phone == "109"
    assert await bodies.remove(db, edited, actor=admin)
    assert [b.code for b in await repo.of_district(db, "krg-osakarovka")] == ["roads", "water"]
