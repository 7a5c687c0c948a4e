"""The rows of a write-only openpyxl sheet, written a few hundred at a time as XML.

openpyxl makes a cell object per value, types it, and writes it element by element: about
11 µs a cell, two seconds for the 175,000 cells of a quarter's summary of a region (the
Complaints sheet alone is 9,700 rows). The values of a report are few kinds (whole numbers,
decimals, texts, local times), each column's style is known beforehand, so here the cells of
many rows are put in one string, parsed by lxml at once and handed to the sheet's stream: the
same XML openpyxl writes (inline strings, the same number formats and styles), read back the
same, in a fifth of the time.

It plugs into the protocol of openpyxl's write-only sheet (3.1, pinned): the sheet's rows are
a generator the sheet closes when the workbook is saved; :class:`FastRows` is that generator.
A value of another kind (a boolean, an openpyxl cell) goes through openpyxl's own writer.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import isfinite
from typing import Any
from xml.sax.saxutils import escape

CHUNK_ROWS = 500
MAX_TEXT = 32767  # characters a cell holds; openpyxl cuts a longer text


@dataclass(frozen=True, slots=True)
class ColumnStyle:
    """The style id a column's values get by kind (None: no style)."""

    number: int | None = None
    text: int | None = None
    moment: int | None = None


def style_id(sheet: Any, **style: Any) -> int:
    """The workbook's id of a cell style: ``number_format``, ``alignment``, ``font``..."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet)
    for name, value in style.items():
        setattr(cell, name, value)
    return int(cell.style_id)


class FastRows:
    """Writes a write-only sheet's rows: lists of openpyxl cells (headers, totals) one by one,
    plain values with :meth:`plain` many rows at a time."""

    def __init__(self, sheet: Any) -> None:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.utils import get_column_letter
        from openpyxl.utils.datetime import to_excel
        from openpyxl.xml.functions import fromstring

        self._sheet = sheet
        self._parse = fromstring
        self._illegal = ILLEGAL_CHARACTERS_RE.search
        self._to_excel = to_excel
        self._letter = get_column_letter
        self._row = 0
        sheet._get_writer()  # openpyxl's write-only protocol, see the module
        stream = self._stream()
        next(stream)
        sheet._rows = stream  # the sheet closes it when the book is saved
        self._send = stream.send

    def _stream(self) -> Generator[None, tuple[str, Any], None]:
        writer = self._sheet._writer
        xf = writer.xf.send(True)
        with xf.element("sheetData"):
            try:
                while True:
                    kind, payload = yield
                    if kind == "cells":
                        writer.write_row(xf, payload, self._row)
                    else:
                        for element in self._parse(payload):
                            xf.write(element)
            except GeneratorExit:
                pass
        writer.xf.send(None)

    def cells(self, row: Sequence[Any]) -> None:
        """One row of values or openpyxl cells, written by openpyxl."""
        cells = self._sheet._values_to_row(row, self._row + 1)  # raises before it is written
        self._row += 1
        self._send(("cells", cells))

    def plain(self, rows: Sequence[Sequence[Any]], styles: Sequence[ColumnStyle]) -> None:
        """Rows of numbers, texts, local times and Nones, each column styled by ``styles``."""
        columns = [_Column(self._letter(n), style) for n, style in enumerate(styles, start=1)]
        for begin in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[begin : begin + CHUNK_ROWS]
            try:
                xml = self._xml(chunk, columns)
            except _NotPlain:
                for row in chunk:
                    self.cells(self._openpyxl_row(row, styles))
                continue
            self._row += len(chunk)
            self._send(("xml", xml))

    def _xml(self, chunk: Sequence[Sequence[Any]], columns: Sequence[_Column]) -> str:
        """The rows' XML as openpyxl writes it; :class:`_NotPlain` for a value it cannot take."""
        epoch = self._sheet.parent.epoch
        parts = ["<d>"]
        for number, row in enumerate(chunk, start=self._row + 1):
            parts.append(f'<row r="{number}">')
            # zip: a row longer than its headers is cut, as openpyxl's rows were
            for column, value in zip(columns, row, strict=False):
                kind = type(value)
                if value is None:
                    continue
                if kind is int or (kind is float and isfinite(value)):
                    parts.append(f'<c r="{column.letter}{number}"{column.number} t="n"><v>')
                    parts.append(f"{value:.16g}</v></c>")
                elif kind is str and len(value) <= MAX_TEXT:
                    parts.append(_text(f"{column.letter}{number}", value, column.text))
                elif kind is datetime and value.tzinfo is None:
                    serial = self._to_excel(value, epoch)
                    parts.append(f'<c r="{column.letter}{number}"{column.moment} t="n"><v>')
                    parts.append(f"{serial:.16g}</v></c>")
                else:
                    raise _NotPlain
            parts.append("</row>")
        parts.append("</d>")
        xml = "".join(parts)
        if self._illegal(xml):  # only a text can hold one: openpyxl refuses it, and so here
            raise _NotPlain
        return xml

    def _openpyxl_row(self, row: Sequence[Any], styles: Sequence[ColumnStyle]) -> list[Any]:
        """A row with a value of another kind: openpyxl's cells, styled alike."""
        from openpyxl.cell import WriteOnlyCell

        found: list[Any] = []
        for value, style in zip(row, styles, strict=False):
            cell = WriteOnlyCell(self._sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            chosen = _style_index(value, style)
            if chosen is not None:
                cell._style = self._sheet.parent._cell_styles[chosen]
            found.append(cell)
        return found


def _style_index(value: Any, style: ColumnStyle) -> int | None:
    if isinstance(value, str):
        return style.text
    if isinstance(value, datetime):
        return style.moment
    return style.number if isinstance(value, int | float) else None


def _s(style: int | None) -> str:
    """A cell's style attribute; none for the default style, as openpyxl leaves it out."""
    return f' s="{style}"' if style else ""


class _NotPlain(Exception):
    """A value the fast path does not write as openpyxl would."""


@dataclass(frozen=True, slots=True)
class _Column:
    """A column's letter and its style attributes by kind of value."""

    letter: str
    number: str
    text: str
    moment: str

    def __init__(self, letter: str, style: ColumnStyle) -> None:
        object.__setattr__(self, "letter", letter)
        object.__setattr__(self, "number", _s(style.number))
        object.__setattr__(self, "text", _s(style.text))
        object.__setattr__(self, "moment", _s(style.moment))


def _text(where: str, text: str, style: str) -> str:
    if not text:
        return f'<c r="{where}"{style} t="inlineStr"/>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    # A carriage return as a reference: a parser would read a raw one as a line feed.
    escaped = escape(text).replace("\r", "&#13;")
    return f'<c r="{where}"{style} t="inlineStr"><is><t{space}>{escaped}</t></is></c>'
