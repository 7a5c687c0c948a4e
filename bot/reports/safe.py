"""Text in exported files stays text: no cell of a workbook or CSV file becomes a formula.

Poll questions and options, hearing topics and decisions, appeal texts: anyone can type them,
and a spreadsheet opens a cell starting with ``=``, ``+``, ``-`` or ``@`` as a formula (which
may fetch a URL or run a command). In a workbook the cell is typed as a string, so its text is
kept exactly; CSV has no types, so such a field gets a leading apostrophe, which spreadsheet
programs read as "this is text" (OWASP's advice on CSV injection).
"""

from __future__ import annotations

from typing import Any

# What spreadsheet programs take as the start of a formula (tab and CR too, after trimming).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_field(text: str) -> str:
    """``text`` for a CSV field: prefixed with ``'`` when a spreadsheet would run it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_text(cell: Any) -> Any:
    """Mark an openpyxl cell holding a string as a string cell, never a formula; return it."""
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl types "=..." as a formula ("f") when the value is set
    return cell
