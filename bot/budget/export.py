"""The cycle for the community assembly's agenda: an Excel workbook and a printable PDF.

Both list every project with its costs, screening, votes (in the bot and on paper) and whether
the rule funded it, under the cycle's amount, rule and counts. Nobody's name or Telegram id is
in them. The files are written in the worker process (openpyxl and fpdf2 load there only); the
PDF uses the notice-board layout (:mod:`bot.paper.layout`), a page in Kazakh and one in Russian.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot import workers
from bot.budget import texts
from bot.i18n import Translator
from bot.paper.layout import Block, Sheet, write_pdf
from bot.paper.service import PAPER_LANGUAGES
from bot.reports import safe
from storage.budget import PHASES, Cycle, Project

Cell = str | int | None


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet of the workbook."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def folder_of(database: Path) -> Path:
    """Where the assembly's files are written: next to the database."""
    return database.parent / "budget"


def _votes(cycle: Cycle, project: Project) -> tuple[int, int]:
    results = cycle.results or {}
    key = str(project.id)
    return int(results.get("votes", {}).get(key, 0)), int(results.get("paper", {}).get(key, 0))


def _status(tr: Translator, project: Project, numbers: dict[int, int]) -> str:
    return texts.status_line(tr, project, numbers)


def project_rows(
    tr: Translator, cycle: Cycle, projects: Sequence[Project], villages: dict[str, str]
) -> tuple[tuple[Cell, ...], ...]:
    """One row per project: number, title, village, costs, screening, votes, funded."""
    numbers = {p.id: p.number for p in projects}
    rows = []
    for p in projects:
        bot, paper = _votes(cycle, p)
        funded = tr.t("budget.export.yes") if p.funded else tr.t("budget.export.no")
        rows.append(
            (
                p.number,
                p.title,
                villages.get(p.village_code or "", ""),
                p.cost,
                p.final_cost,
                _status(tr, p, numbers),
                bot,
                paper,
                bot + paper,
                funded if cycle.results is not None else None,
            )
        )
    return tuple(rows)


def summary_rows(tr: Translator, cycle: Cycle, where: str) -> tuple[tuple[Cell, ...], ...]:
    """The cycle: place, amount, rules, dates, counts and what was spent."""
    results = cycle.results or {}
    rows: list[tuple[Cell, ...]] = [
        (tr.t("budget.export.cycle"), cycle.title),
        (tr.t("budget.export.place"), where),
        (tr.t("budget.export.amount"), cycle.amount),
        (tr.t("budget.export.rule"), texts.rule_line(tr, cycle)),
        (tr.t("budget.export.ballot"), texts.ballot_line(tr, cycle)),
        (tr.t("budget.export.electorate"), texts.electorate_line(tr, cycle)),
        *((texts.phase_name(tr, phase), tr.datetime(cycle.starts(phase))) for phase in PHASES),
    ]
    if cycle.results is not None:
        rows += [
            (tr.t("budget.export.voters"), int(results.get("voters", 0))),
            (tr.t("budget.export.paper"), int(results.get("paper_ballots", 0))),
            (tr.t("budget.export.registered"), int(results.get("registered", 0))),
            (tr.t("budget.export.spent"), int(results.get("spent", 0))),
            (tr.t("budget.export.left"), int(results.get("left", 0))),
        ]
    return tuple(rows)


def tables(
    tr: Translator, cycle: Cycle, where: str, projects: Sequence[Project], villages: dict[str, str]
) -> list[Table]:
    """The workbook's two sheets."""
    headers = tuple(
        tr.t(f"budget.export.col.{name}")
        for name in (
            "number",
            "project",
            "village",
            "cost",
            "final_cost",
            "status",
            "votes",
            "paper",
            "total",
            "funded",
        )
    )
    return [
        Table(tr.t("budget.export.projects"), headers, project_rows(tr, cycle, projects, villages)),
        Table(tr.t("budget.export.summary"), ("", ""), summary_rows(tr, cycle, where)),
    ]


def write_workbook(path: str, title: str, sheets: Sequence[Table]) -> str:
    """Write ``sheets`` at ``path`` (in the worker); every text cell is a string cell."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    book.properties.title = title
    book.properties.creator = "Qatysu"
    for table in sheets:
        sheet = book.create_sheet(table.title[:31])
        sheet.append(list(table.headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            safe.as_text(cell)
        for row in table.rows:
            sheet.append(list(row))
            for cell in sheet[sheet.max_row]:
                safe.as_text(cell)
        sheet.column_dimensions["B"].width = 40
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return str(target)


def pdf_sheet(tr: Translator, cycle: Cycle, where: str, projects: Sequence[Project]) -> Sheet:
    """One page: the cycle's rules and counts, then its projects with votes and funding."""
    results = cycle.results or {}
    rows: list[tuple[str, ...]] = [
        (
            tr.t("budget.export.col.project"),
            tr.t("budget.export.col.final_cost"),
            tr.t("budget.export.col.total"),
            tr.t("budget.export.col.funded"),
        ),
    ]
    for p in (p for p in projects if p.position is not None):
        bot, paper = _votes(cycle, p)
        funded = "✓" if p.funded else ""
        rows.append((f"{p.number}. {p.title}", texts.money(tr, p.price), str(bot + paper), funded))
    blocks = [
        Block(tr.t("budget.export.place"), where),
        Block(tr.t("budget.export.amount"), texts.money(tr, cycle.amount)),
        Block(tr.t("budget.export.rule"), texts.rule_line(tr, cycle)),
    ]
    if cycle.results is not None:
        blocks.append(
            Block(
                tr.t("budget.export.counts"),
                tr.t(
                    "budget.ballots_count",
                    bot=tr.number(int(results.get("voters", 0))),
                    paper=tr.number(int(results.get("paper_ballots", 0))),
                ),
            )
        )
        blocks.append(
            Block(
                tr.t("budget.export.spent"),
                texts.of_budget(tr, int(results.get("spent", 0)), cycle.amount),
            )
        )
    return Sheet(
        title=tr.t("budget.export.pdf_title"),
        subtitle=cycle.title,
        blocks=tuple(blocks),
        table=tuple(rows),
        widths=(0.55, 0.17, 0.14, 0.14),
        footer=tr.t("budget.export.pdf_footer"),
    )


async def workbook(
    folder: Path,
    tr: Translator,
    cycle: Cycle,
    where: str,
    projects: Sequence[Project],
    villages: dict[str, str],
) -> Path:
    """The workbook for the assembly, in ``tr``'s language."""
    path = folder / f"budget-{cycle.id}-{tr.language}.xlsx"
    sheets = tables(tr, cycle, where, projects, villages)
    return Path(await workers.run(write_workbook, str(path), cycle.title, sheets))


async def pdf(
    folder: Path,
    translators: Sequence[Translator],
    cycle: Cycle,
    wheres: Sequence[str],
    projects: Sequence[Project],
) -> Path:
    """The printable PDF: a page in each of the paper's languages (Kazakh, Russian)."""
    sheets = [
        pdf_sheet(tr, cycle, where, projects) for tr, where in zip(translators, wheres, strict=True)
    ]
    path = folder / f"budget-{cycle.id}.pdf"
    return Path(await workers.run(write_pdf, str(path), sheets))


__all__ = ["PAPER_LANGUAGES", "pdf", "workbook"]
