"""The report as files: an Excel workbook that prints, the same tables as CSV (also in one zip),
and the charts (also embedded in the workbook, each in its sheet).

The workbook is written by openpyxl in write-only mode, row by row, so memory stays bounded
however many villages a region has. Each sheet prints landscape on A4, fitted to the page's
width, its header row repeated on every page and frozen on screen; columns are as wide as their
contents (within bounds), counts have thousands separated, shares and days one decimal, dates
the local way. Everything here is blocking CPU work, run in the bot's worker process
(:func:`bot.reports.summary.write_summary`). openpyxl (with lxml and numpy behind it) and
matplotlib are imported there, when a workbook is written: the serving process never loads them.

CSV files are UTF-8 with a byte-order mark, separated by ``;`` with decimal commas by default:
Excel set to Russian or Kazakh (whose lists are separated by ``;``, the comma being the decimal
mark) opens them in columns at a double click, numbers as numbers.
"""

from __future__ import annotations

import csv
import zipfile
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.i18n import Translator
from bot.reports import charts, safe
from bot.reports.data import ReportData
from bot.reports.sections import Cell, Table, tables
from bot.reports.sheetrows import ColumnStyle, FastRows, style_id

_FORBIDDEN_IN_SHEET_TITLES = str.maketrans({c: " " for c in "[]:*?/\\"})
CSV_DELIMITER = ";"
DATE_FORMAT = "dd.mm.yyyy hh:mm"
COUNT_FORMAT = "#,##0"
DECIMAL_FORMAT = "0.0"
MIN_WIDTH, MAX_WIDTH, TEXT_WIDTH = 8, 40, 60  # characters
CHART_WIDTH_PX = 640  # as a chart shows in the sheet (the picture keeps its full resolution)
HEADER_FILL = "DDE6F0"
SAMPLE_ROWS = 500
A4 = 9  # paperSize in the spreadsheet's own numbering


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


def _shown(value: Cell) -> int:
    """About how many characters a value takes in its cell."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(DATE_FORMAT)
    if isinstance(value, str):
        return max((len(line) for line in value.split("\n")), default=0)
    if isinstance(value, int):
        return len(f"{value:,}")
    return len(f"{value:.1f}")


def _sample(table: Table) -> list[list[Cell]]:
    """The rows that say how wide a column must be: the first few hundred (villages and
    categories are alike further down) and the totals, which hold the largest numbers."""
    return table.rows[:SAMPLE_ROWS] + table.rows[max(SAMPLE_ROWS, len(table.rows) - 5) :]


def widths(table: Table) -> list[float]:
    """Each column as wide as its widest value (long texts wrap instead), within bounds."""
    rows = _sample(table)
    found = []
    for index, header in enumerate(table.headers):
        widest = max((_shown(row[index]) for row in rows if index < len(row)), default=0)
        longest_word = max((len(word) for word in header.split()), default=0)
        wide = TEXT_WIDTH if index in table.text_columns else MAX_WIDTH
        # Headers wrap onto a few lines: a column need not be as wide as its whole header.
        wanted = max(widest, longest_word, min(len(header), 16)) + 2
        found.append(float(max(MIN_WIDTH, min(wide, wanted))))
    return found


def write_workbook(
    sheets: Sequence[Table], path: Path, title: str, pictures: Mapping[str, Sequence[Path]]
) -> Path:
    """Write one sheet per table, set up to print, with each sheet's ``pictures`` under it."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    book.properties.title = title
    book.properties.creator = "Qatysu"
    styles = _Styles()
    for table in sheets:
        sheet = book.create_sheet(table.title.translate(_FORBIDDEN_IN_SHEET_TITLES)[:31])
        _set_up(sheet, table)
        rows = FastRows(sheet)
        rows.cells([styles.header(sheet, header) for header in table.headers])
        plain = len(table.rows) - table.totals
        rows.plain(table.rows[:plain], styles.columns(sheet, table, _count_columns(table)))
        for row in table.rows[plain:]:
            rows.cells([styles.total(sheet, value) for value in row])
        _add_pictures(sheet, pictures.get(table.key, ()), len(table.rows) + 3)
    book.save(path)
    return path


def _set_up(sheet: Any, table: Table) -> None:
    """Column widths, the frozen header, and printing: A4 landscape, fitted to the width."""
    from openpyxl.utils import get_column_letter

    for index, width in enumerate(widths(table), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2" if table.key != "cover" else None
    sheet.print_title_rows = "1:1"
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = True
    margins = sheet.page_margins
    margins.left = margins.right = 0.4
    margins.top = margins.bottom = 0.6
    sheet.oddFooter.center.text = "&A — &P / &N"  # the sheet's name, page of pages


def _count_columns(table: Table) -> set[int]:
    """Columns of whole numbers where some value needs a thousands separator."""
    found = set()
    for row in _sample(table):
        for index, value in enumerate(row):
            if isinstance(value, int) and abs(value) >= 1000:
                found.add(index)
    return found


class _Styles:
    """The few cell styles of the workbook, made once (openpyxl shares equal styles)."""

    def __init__(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        self._cell: Callable[..., Any] = WriteOnlyCell
        self._bold = Font(bold=True)
        self._fill = PatternFill("solid", fgColor=HEADER_FILL)
        self._wrap = Alignment(wrap_text=True, vertical="top")

    def header(self, sheet: Any, text: str) -> Any:
        """A header cell: bold, shaded, wrapped."""
        cell = safe.as_text(self._cell(sheet, value=text))
        cell.font, cell.fill, cell.alignment = self._bold, self._fill, self._wrap
        return cell

    def columns(self, sheet: Any, table: Table, counts: set[int]) -> list[ColumnStyle]:
        """For each column, the style of its numbers, texts and times: shares and days with
        one decimal, large counts separated, long texts wrapped, times as dates."""
        moment = style_id(sheet, number_format=DATE_FORMAT)
        decimal = ColumnStyle(number=style_id(sheet, number_format=DECIMAL_FORMAT), moment=moment)
        count = ColumnStyle(number=style_id(sheet, number_format=COUNT_FORMAT), moment=moment)
        wrapped = ColumnStyle(text=style_id(sheet, alignment=self._wrap), moment=moment)
        plain = ColumnStyle(moment=moment)
        found: list[ColumnStyle] = []
        for index in range(len(table.headers)):
            if index in table.percent_columns or index in table.decimal_columns:
                found.append(decimal)
            elif index in counts:
                found.append(count)
            elif index in table.text_columns:
                found.append(wrapped)
            else:
                found.append(plain)
        return found

    def total(self, sheet: Any, value: Cell) -> Any:
        """A cell of a total row: bold, shares with one decimal, counts separated."""
        if value is None:
            return None
        cell = self._cell(sheet, value=value)
        if isinstance(value, str):
            safe.as_text(cell)
        elif isinstance(value, float):
            cell.number_format = DECIMAL_FORMAT
        elif isinstance(value, int):
            cell.number_format = COUNT_FORMAT
        cell.font = self._bold
        return cell


def _add_pictures(sheet: Any, paths: Sequence[Path], row: int) -> None:
    """Embed the charts under the table, one below the other, shown at a readable size."""
    from openpyxl.drawing.image import Image

    for path in paths:
        picture = Image(str(path))
        scale = CHART_WIDTH_PX / picture.width
        picture.width, picture.height = CHART_WIDTH_PX, round(picture.height * scale)
        sheet.add_image(picture, f"A{row}")
        row += round(picture.height / 20) + 2  # rows are 20 pixels high


def write_csv(table: Table, path: Path, delimiter: str = CSV_DELIMITER) -> Path:
    """Write one table as CSV: UTF-8 with a byte-order mark, so Excel reads Cyrillic.

    Separated by ``;``, decimals take a comma, as a spreadsheet set to Russian or Kazakh reads
    them (a point there would make 55.0 a date or a text); separated by ``,``, a point.
    """
    point = "," if delimiter == ";" else "."
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow([safe.csv_field(header) for header in table.headers])
        for row in table.rows:
            writer.writerow([csv_value(value, point) for value in row])
    return path


def csv_value(value: Cell, point: str = ".") -> str | int:
    """A cell as a CSV field: text guarded against formulas, decimals with ``point``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, str):
        return safe.csv_field(value)
    if isinstance(value, float):
        return str(value).replace(".", point)
    return value


def write_report(
    tr: Translator, data: ReportData, workbook: Path, poll_charts: Path | None = None, *,
    csv_delimiter: str = CSV_DELIMITER,
) -> ReportFiles:  # fmt: skip
    """Write the workbook at ``workbook``, and the CSV files and charts next to it.

    Poll charts are taken from (or added to) the result charts in ``poll_charts``, if given.
    """
    workbook.parent.mkdir(parents=True, exist_ok=True)
    stem = Path(f"{workbook.with_suffix('')}")
    sheets = tables(tr, data)
    drawn = charts.draw_all(tr, data, stem, poll_charts)
    placed: dict[str, list[Path]] = defaultdict(list)
    for chart in drawn:
        placed[chart.sheet].append(chart.path)
    title = tr.t("report.title_period", period=data.period.label(tr))
    write_workbook(sheets, workbook, title, placed)
    csv_files = [write_csv(t, Path(f"{stem}-{t.key}.csv"), csv_delimiter) for t in sheets]
    archive = zip_files(csv_files, workbook.with_suffix(".csv.zip"))
    pictures = [chart.path for chart in drawn]
    return ReportFiles(workbook=workbook, csv_files=csv_files, charts=pictures, archive=archive)


def zip_files(files: Sequence[Path], path: Path) -> Path:
    """Write ``files`` into one zip at ``path``, by their names."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for file in files:
            bundle.write(file, file.name)
    return path
