"""Importing the territory: all or nothing, with the line and the reason of the first error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.territory import TerritoryFileError, import_territory, sample_file
from storage import territory
from storage.db import Database

HEADER = (
    "code,district_code,region_code,region_kk,region_ru,region_en,"
    "district_kk,district_ru,district_en,village_kk,village_ru,village_en\n"
)
ROW = "v-{n},d-1,r-1,Облыс,Область,Region,Аудан,Район,District,Ауыл {n},Село {n},Village {n}\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "villages.csv"
    path.write_bytes(text.encode(encoding))
    return path


async def count_villages(db: Database) -> int:
    return len(await territory.list_villages(db))


async def test_sample_territory_imports_three_regions(db: Database) -> None:
    counts = await import_territory(db, sample_file())
    assert (counts.regions, counts.villages) == (3, 25)
    village = await territory.get_village(db, "vko-ulan-kaisenov")
    assert village is not None
    assert village.names.ru == "Касыма Кайсенова"
    assert village.district_names.kk == "Ұлан ауданы"
    assert village.region_names.en == "East Kazakhstan Region"


async def test_import_is_idempotent_and_updates_names(db: Database, tmp_path: Path) -> None:
    await import_territory(db, sample_file())
    await import_territory(db, sample_file())
    assert await count_villages(db) == 25
    renamed = sample_file().read_text(encoding="utf-8").replace(",Dubovka\n", ",Dubovka Village\n")
    await import_territory(db, write(tmp_path, renamed))
    village = await territory.get_village(db, "krg-bukhar-dubovka")
    assert village is not None and village.names.en == "Dubovka Village"
    assert await count_villages(db) == 25


@pytest.mark.parametrize(
    ("text", "encoding", "message"),
    [
        (HEADER.replace(",village_en", ""), "utf-8", "line 1: missing column(s): village_en"),
        (HEADER + ROW.format(n=1) + ROW.format(n=2).replace("Село 2", ""), "utf-8",
         "line 3: village_ru is empty"),
        (HEADER + ROW.format(n=1) + ROW.format(n=2) + ROW.format(n=1), "utf-8",
         "line 4: duplicate code 'v-1' (first on line 2)"),
        (HEADER + ROW.format(n=1) + ROW.format(n=2), "cp1251",
         "line 2: the file is not UTF-8 text"),
        (HEADER + ROW.format(n=1).replace("v-1,", "v 1,"), "utf-8", "line 2: code 'v 1' must be"),
        (HEADER + ROW.format(n=1) + ROW.format(n=2).replace(",r-1,", ",r-2,"), "utf-8",
         "line 3: district 'd-1' differs from line 2"),
        (HEADER, "utf-8", "the file has no villages"),
    ],
)  # fmt: skip
async def test_bad_file_is_rejected_with_line_and_nothing_written(
    db: Database, tmp_path: Path, text: str, encoding: str, message: str
) -> None:
    with pytest.raises(TerritoryFileError) as error:
        await import_territory(db, write(tmp_path, text, encoding))
    assert message in str(error.value)
    assert await count_villages(db) == 0
    assert await territory.list_regions(db) == []


async def test_population_is_optional_and_read_when_given(db: Database, tmp_path: Path) -> None:
    """A `population` column fills in each village's figure; an empty cell stays unknown."""
    text = HEADER.replace("\n", ",population\n") + "".join(
        ROW.format(n=n).replace("\n", f",{figure}\n") for n, figure in ((1, "412"), (2, ""))
    )
    await import_territory(db, write(tmp_path, text))
    first, second = await territory.get_village(db, "v-1"), await territory.get_village(db, "v-2")
    assert first is not None and first.population == 412
    assert second is not None and second.population is None
    await import_territory(db, sample_file())  # a file without the column imports as before
    sampled = await territory.get_village(db, "vko-ulan-kaisenov")
    assert sampled is not None and sampled.population is None


@pytest.mark.parametrize("figure", ["-3", "many", "4.5", "99999999"])
async def test_bad_population_is_rejected_with_its_line(
    db: Database, tmp_path: Path, figure: str
) -> None:
    text = HEADER.replace("\n", ",population\n") + ROW.format(n=1).replace("\n", f",{figure}\n")
    with pytest.raises(TerritoryFileError) as error:
        await import_territory(db, write(tmp_path, text))
    assert f"line 2: population {figure!r} must be a whole number" in str(error.value)
    assert await count_villages(db) == 0
