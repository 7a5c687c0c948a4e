"""Drawing paper sheets into a PDF, in the worker process only (fpdf2 and segno load here).

The serving process hands over :class:`Sheet` records of texts already translated; nothing here
knows a language, a database or the bot.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

PAGE_WIDTH = 210.0  # A4, millimetres
MARGIN = 15.0
QR_SIZE = 55.0
FONT = "DejaVu"


@dataclass(frozen=True, slots=True)
class Block:
    """A heading with its text, e.g. "Agenda" and the agenda."""

    heading: str
    text: str


@dataclass(frozen=True, slots=True)
class Sheet:
    """One A4 page: a title, text blocks, optionally a QR code, a table and boxes to tick."""

    title: str
    subtitle: str = ""
    blocks: tuple[Block, ...] = ()
    qr: str | None = None  # the payload: the bot's deep link for the village
    qr_caption: str = ""
    boxes: tuple[str, ...] = ()  # ballot options, each with an empty square
    table: tuple[tuple[str, ...], ...] = ()  # the first row is the header
    footer: str = ""
    widths: tuple[float, ...] = field(default=())  # table column shares, summing to 1


def _font_folder() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _new_document() -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    folder = _font_folder()
    pdf.add_font(FONT, "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(folder / "DejaVuSans-Bold.ttf"))
    return pdf


def _qr_png(payload: str) -> io.BytesIO:
    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=10, border=2)
    buffer.seek(0)
    return buffer


def _write_sheet(pdf: FPDF, sheet: Sheet) -> None:
    width = PAGE_WIDTH - 2 * MARGIN
    pdf.add_page()
    pdf.set_font(FONT, "B", 22)
    pdf.multi_cell(width, 10, sheet.title, align="C", new_x="LMARGIN", new_y="NEXT")
    if sheet.subtitle:
        pdf.set_font(FONT, "B", 16)
        pdf.multi_cell(width, 8, sheet.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for block in sheet.blocks:
        pdf.set_font(FONT, "B", 13)
        pdf.multi_cell(width, 7, block.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 13)
        pdf.multi_cell(width, 7, block.text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    for option in sheet.boxes:
        pdf.set_font(FONT, "", 14)
        y = pdf.get_y()
        pdf.rect(MARGIN, y + 1, 7, 7)
        pdf.set_x(MARGIN + 11)
        pdf.multi_cell(width - 11, 9, option, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    if sheet.table:
        _write_table(pdf, sheet, width)
    if sheet.qr:
        pdf.ln(4)
        if pdf.get_y() + QR_SIZE + 20 > 297 - MARGIN:
            pdf.add_page()
        x = (PAGE_WIDTH - QR_SIZE) / 2
        pdf.image(_qr_png(sheet.qr), x=x, y=pdf.get_y(), w=QR_SIZE, h=QR_SIZE)
        pdf.set_y(pdf.get_y() + QR_SIZE + 2)
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(width, 6, sheet.qr_caption, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(width, 6, sheet.qr, align="C", new_x="LMARGIN", new_y="NEXT")
    if sheet.footer:
        pdf.ln(6)
        pdf.set_font(FONT, "", 11)
        pdf.multi_cell(width, 7, sheet.footer, new_x="LMARGIN", new_y="NEXT")


def _write_table(pdf: FPDF, sheet: Sheet, width: float) -> None:
    shares = sheet.widths or tuple(1 / len(sheet.table[0]) for _ in sheet.table[0])
    with pdf.table(
        col_widths=tuple(share * width for share in shares),
        line_height=9,
        first_row_as_headings=True,
    ) as table:
        for index, row in enumerate(sheet.table):
            pdf.set_font(FONT, "B" if index == 0 else "", 12)
            cells = table.row()
            for value in row:
                cells.cell(value)


def write_pdf(path: str, sheets: Sequence[Sheet]) -> str:
    """Write ``sheets`` as pages of one PDF at ``path`` and return the path."""
    pdf = _new_document()
    for sheet in sheets:
        _write_sheet(pdf, sheet)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))
    return str(target)
