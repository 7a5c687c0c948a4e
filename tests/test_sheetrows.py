"""The fast rows of a report sheet read back exactly as openpyxl's own cells do."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils.exceptions import IllegalCharacterError

from bot.reports import sheetrows
from bot.reports.sheetrows import ColumnStyle, FastRows, style_id

ROWS: list[list[Any]] = [
    [1, 2.5, "plain", datetime(2026, 11, 23, 9, 30), None],
    [12_345_678, 0.1 + 0.2, "=1+1 stays text", datetime(1999, 12, 31, 23, 59, 59), "x"],
    [-3, 1e-9, "  spaces kept  ", None, "a\r\nb & <c> \"d\" 'e'\tf"],
    [0, 100.0, "", None, "Қазақша, русский"],
    [7, 3.0, "extra", None, "cut", "beyond the headers"],
]
FORMATS = ["#,##0", "0.0", None, "dd.mm.yyyy hh:mm", None]


def _styles(sheet: Any) -> list[ColumnStyle]:
    moment = style_id(sheet, number_format="dd.mm.yyyy hh:mm")
    return [
        ColumnStyle(number=style_id(sheet, number_format="#,##0"), moment=moment),
        ColumnStyle(number=style_id(sheet, number_format="0.0"), moment=moment),
        ColumnStyle(moment=moment),
        ColumnStyle(moment=moment),
        ColumnStyle(moment=moment),
    ]


def _openpyxl(sheet: Any, row: list[Any]) -> list[Any]:
    cells = []
    for value, number_format in zip(row, FORMATS, strict=False):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        if isinstance(value, datetime):
            cell.number_format = "dd.mm.yyyy hh:mm"
        elif number_format and isinstance(value, int | float):
            cell.number_format = number_format
        cells.append(cell)
    return cells


def _read(path: Path) -> list[list[tuple[Any, str, str]]]:
    book = load_workbook(path)
    return [
        [(c.value, c.data_type, c.number_format) for c in row] for row in book.active.iter_rows()
    ]


@pytest.mark.parametrize("chunk", [1, 2, 500])
def test_fast_rows_read_back_as_openpyxl_writes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(sheetrows, "CHUNK_ROWS", chunk)
    rows = [*ROWS, [True, float("nan"), "after a fallback", None, None]]
    slow, fast = Workbook(write_only=True), Workbook(write_only=True)
    sheet = slow.create_sheet("s")
    sheet.append(["A", "B", "C", "D", "E"])
    for row in rows:
        sheet.append(_openpyxl(sheet, row))
    slow.save(tmp_path / "slow.xlsx")
    sheet = fast.create_sheet("s")
    written = FastRows(sheet)
    written.cells(["A", "B", "C", "D", "E"])
    written.plain(rows, _styles(sheet))
    fast.save(tmp_path / "fast.xlsx")
    assert _read(tmp_path / "fast.xlsx") == _read(tmp_path / "slow.xlsx")
    assert _read(tmp_path / "fast.xlsx")[3][4][0] == "a\r\nb & <c> \"d\" 'e'\tf"


def test_a_character_a_workbook_cannot_hold_is_refused_as_before(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    rows = FastRows(sheet)
    with pytest.raises(IllegalCharacterError):
        rows.plain([["bell \x07"]], [ColumnStyle()])
    rows.plain([["fine"]], [ColumnStyle()])  # nothing half-written: the sheet goes on
    book.save(tmp_path / "w.xlsx")
    assert _read(tmp_path / "w.xlsx") == [[("fine", "s", "General")]]
