"""The report as files: an Excel workbook, the same tables as CSV (also in one zip), and charts.

The workbook is written by openpyxl in write-only mode, row by row, so memory stays bounded
however many villages a region has. Everything here is blocking CPU work, run in the bot's
worker process (:func:`bot.reports.summary.write_summary`). openpyxl (with lxml and numpy behind
it) and matplotlib are imported there, when a workbook is written: the serving process never
loads them.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.i18n import Translator
from bot.reports import charts, safe
from bot.reports.data import ReportData
from bot.reports.sections import Cell, Table, tables

_FORBIDDEN_IN_SHEET_TITLES = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """What :func:`write_report` wrote."""

    workbook: Path
    csv_files: list[Path]
    charts: list[Path]
    archive: Path  # the CSV files in one zip, as they are sent

    @property
    def all(self) -> list[Path]:
        """Every file, the workbook first."""
        return [self.workbook, *self.csv_files, *self.charts, self.archive]


def write_workbook(sheets: Sequence[Table], path: Path, title: str) -> Path:
    """Write one sheet per table, a bold frozen header row, percentages with one decimal."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    book = Workbook(write_only=True)
    book.properties.title = title
    book.properties.creator = "Qatysu"
    for table in sheets:
        sheet = book.create_sheet(table.title.translate(_FORBIDDEN_IN_SHEET_TITLES)[:31])
        sheet.freeze_panes = "A2"
        for index, header in enumerate(table.headers, start=1):
            width = max(10, min(40, len(header) + 2))
            sheet.column_dimensions[get_column_letter(index)].width = width
        header_row = []
        for header in table.headers:
            cell = safe.as_text(WriteOnlyCell(sheet, value=header))
            cell.font = bold
            header_row.append(cell)
        sheet.append(header_row)
        for row in table.rows:
            sheet.append([_cell(WriteOnlyCell, sheet, table, i, v) for i, v in enumerate(row)])
    book.save(path)
    return path


def _cell(
    cell_type: Callable[..., Any], sheet: object, table: Table, index: int, value: Cell
) -> object:
    """A plain value, or a cell of ``cell_type`` (openpyxl's) carrying its format or type."""
    if isinstance(value, str):  # written as text, even when it starts with "="
        return safe.as_text(cell_type(sheet, value=value))
    if isinstance(value, datetime):
        cell = cell_type(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if index in table.percent_columns and value is not None:
        cell = cell_type(sheet, value=value)
        cell.number_format = "0.0"
        return cell
    return value


def write_csv(table: Table, path: Path) -> Path:
    """Write one table as CSV (UTF-8 with a byte-order mark, so Excel reads Cyrillic)."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([safe.csv_field(header) for header in table.headers])
        for row in table.rows:
            writer.writerow([_csv_value(value) for value in row])
    return path


def _csv_value(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, str):
        return safe.csv_field(value)
    return value


def write_report(
    tr: Translator, data: ReportData, workbook: Path, poll_charts: Path | None = None
) -> ReportFiles:
    """Write the workbook at ``workbook``, and the CSV files and charts next to it.

    Poll charts are taken from (or added to) the result charts in ``poll_charts``, if given.
    """
    workbook.parent.mkdir(parents=True, exist_ok=True)
    stem = Path(f"{workbook.with_suffix('')}")
    sheets = tables(tr, data)
    write_workbook(sheets, workbook, tr.t("report.title", week=data.week.label(tr)))
    csv_files = [write_csv(t, Path(f"{stem}-{t.key}.csv")) for t in sheets]
    archive = zip_files(csv_files, workbook.with_suffix(".csv.zip"))
    pictures = charts.draw_all(tr, data, stem, poll_charts)
    return ReportFiles(workbook=workbook, csv_files=csv_files, charts=pictures, archive=archive)


def zip_files(files: Sequence[Path], path: Path) -> Path:
    """Write ``files`` into one zip at ``path``, by their names."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for file in files:
            bundle.write(file, file.name)
    return path
