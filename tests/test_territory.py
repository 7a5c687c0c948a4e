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
    assert (counts.regions, counts.okrugs, counts.villages) == (3, 13, 28)
    village = await territory.get_village(db, "vko-ulan-kaisenov")
    assert village is not None
    assert village.names.ru == "Касыма Кайсенова"
    assert village.district_names.kk == "Ұлан ауданы"
    assert village.region_names.en == "East Kazakhstan Region"


async def test_import_is_idempotent_and_updates_names(db: Database, tmp_path: Path) -> None:
    await import_territory(db, sample_file())
    await import_territory(db, sample_file())
    assert await count_villages(db) == 28
    renamed = sample_file().read_text(encoding="utf-8").replace(",Dubovka,", ",Dubovka Village,")
    await import_territory(db, write(tmp_path, renamed))
    village = await territory.get_village(db, "krg-bukhar-dubovka")
    assert village is not None and village.names.en == "Dubovka Village"
    assert await count_villages(db) == 28


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


OKRUG_HEADER = HEADER.replace("\n", ",okrug_code,okrug_kk,okrug_ru,okrug_en\n")
OKRUG = ",o-{o},Округ {o},Округ {o},Okrug {o}\n"


def okrug_row(n: int, okrug: int | None) -> str:
    """A village row with the okrug columns: in okrug ``okrug``, or in none (empty cells)."""
    tail = OKRUG.format(o=okrug) if okrug is not None else ",,,,\n"
    return ROW.format(n=n).replace("\n", tail)


async def test_the_shared_sample_without_okrug_columns_imports_unchanged(db: Database) -> None:
    """The territory file of `../shared/data` (copied into tests/data) has no okrug columns."""
    counts = await import_territory(
        db, Path(__file__).parent / "data" / "villages.without-okrugs.csv"
    )
    assert (counts.regions, counts.districts, counts.okrugs, counts.villages) == (3, 16, 0, 25)
    assert await territory.list_okrugs(db) == []
    village = await territory.get_village(db, "krg-bukhar-dubovka")
    assert village is not None and village.okrug_code is None and village.okrug_names is None


async def test_okrug_columns_place_villages_in_rural_okrugs(db: Database, tmp_path: Path) -> None:
    text = OKRUG_HEADER + okrug_row(1, 1) + okrug_row(2, 1) + okrug_row(3, None)
    counts = await import_territory(db, write(tmp_path, text))
    assert (counts.okrugs, counts.villages) == (1, 3)
    okrug = await territory.get_okrug(db, "o-1")
    assert okrug is not None and (okrug.district_code, okrug.region_code) == ("d-1", "r-1")
    assert okrug.names.get("ru") == "Округ 1"
    in_okrug = await territory.list_villages(db, okrug_code="o-1")
    assert [v.code for v in in_okrug] == ["v-1", "v-2"]
    assert in_okrug[0].okrug_names is not None and in_okrug[0].okrug_names.en == "Okrug 1"
    loose = await territory.get_village(db, "v-3")  # a village of district significance
    assert loose is not None and loose.okrug_code is None


async def test_okrugs_survive_a_file_without_the_columns_and_follow_one_with_them(
    db: Database, tmp_path: Path
) -> None:
    await import_territory(db, write(tmp_path, OKRUG_HEADER + okrug_row(1, 1) + okrug_row(2, 1)))
    await import_territory(db, write(tmp_path, HEADER + ROW.format(n=1) + ROW.format(n=2)))
    village = await territory.get_village(db, "v-1")
    assert village is not None and village.okrug_code == "o-1"  # no columns: left as it was
    await import_territory(db, write(tmp_path, OKRUG_HEADER + okrug_row(1, 2) + okrug_row(2, None)))
    first, second = await territory.get_village(db, "v-1"), await territory.get_village(db, "v-2")
    assert first is not None and first.okrug_code == "o-2"  # moved to another okrug
    assert second is not None and second.okrug_code is None  # empty cells: in no okrug


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER.replace("\n", ",okrug_code,okrug_kk\n") + ROW.format(n=1).replace("\n", ",,\n"),
         "line 1: missing column(s): okrug_ru, okrug_en"),
        (OKRUG_HEADER + okrug_row(1, 1) + okrug_row(2, 1).replace(",Округ 1,", ",,", 1),
         "line 3: okrug_kk is empty"),
        (OKRUG_HEADER + okrug_row(1, None) + okrug_row(2, None).replace(",,,,", ",,О,О,O"),
         "line 3: okrug_code is empty"),
        (OKRUG_HEADER + okrug_row(1, 1).replace(",o-1,", ",o 1,"),
         "line 2: okrug_code 'o 1' must be 1-40 of"),
        (OKRUG_HEADER + okrug_row(1, 1) + okrug_row(2, 1).replace(",Okrug 1", ",Okrug One"),
         "line 3: okrug 'o-1' differs from line 2"),
        (OKRUG_HEADER + okrug_row(1, 1) + okrug_row(2, 1).replace("v-2,d-1,", "v-2,d-2,")
         .replace("Аудан,Район,District", "Аудан 2,Район 2,District 2"),
         "line 3: okrug 'o-1' differs from line 2"),  # one okrug, two districts
    ],
)  # fmt: skip
async def test_bad_okrug_row_is_rejected_with_its_line(
    db: Database, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(TerritoryFileError) as error:
        await import_territory(db, write(tmp_path, text))
    assert message in str(error.value)
    assert await count_villages(db) == 0
    assert await territory.list_okrugs(db) == []
