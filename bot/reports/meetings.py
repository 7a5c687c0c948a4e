"""Meetings of local self-government in the reports: a sheet by kind, and the digest's lines.

By kind of meeting: how many were planned in the period, held, cancelled, postponed; how many
attended; the decisions recorded (an assembly's items, another meeting's written outcome) and
the assembly items adopted; the questions asked in advance and how many were answered on time,
by the end of the meeting's day (their due date), in the reader's zone. Counts only: no names,
no residents' texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from bot.i18n import Translator
from storage.hearings import KINDS
from storage.meetings import MeetingLine

Cell = str | int | float | datetime | None  # as a sheet's (bot.reports.sections.Cell)


@dataclass(slots=True)
class KindFigures:
    """The figures of one kind of meeting (or of all of them)."""

    meetings: int = 0
    held: int = 0
    cancelled: int = 0
    postponed: int = 0
    attendance: int = 0
    decisions: int = 0
    adopted: int = 0
    questions: int = 0
    on_time: int = 0

    def add(self, tr: Translator, line: MeetingLine) -> None:
        """Count one meeting in."""
        self.meetings += 1
        self.held += line.status == "held"
        self.cancelled += line.status == "cancelled"
        self.postponed += line.postponements > 0
        self.attendance += (line.attendance or 0) if line.status == "held" else 0
        self.decisions += line.items_decided
        self.adopted += line.items_adopted
        self.questions += len(line.questions)
        self.on_time += answered_on_time(tr, line)


def answered_on_time(tr: Translator, line: MeetingLine) -> int:
    """Questions of a meeting answered by the end of their due day (the meeting's), locally."""
    return sum(
        1
        for due, answered in line.questions
        if answered is not None and answered.astimezone(tr.zone).date() <= due
    )


def by_kind(tr: Translator, lines: Sequence[MeetingLine]) -> dict[str, KindFigures]:
    """The figures of each kind of meeting that took place (or was planned), in kind order."""
    found = {kind: KindFigures() for kind in KINDS}
    for line in lines:
        found[line.kind].add(tr, line)
    return {kind: figures for kind, figures in found.items() if figures.meetings}


COLUMNS = (
    "kind_of_meeting", "meetings", "held", "cancelled", "postponed", "attendance", "decisions",
    "items_adopted", "questions", "answered_on_time", "on_time_share",
)  # fmt: skip


def table(tr: Translator, lines: Sequence[MeetingLine]) -> tuple[list[str], list[list[Cell]]]:
    """The Meetings sheet's headers and rows: one row per kind, and a total."""
    rows: list[list[Cell]] = []
    total = KindFigures()
    for kind, f in by_kind(tr, lines).items():
        rows.append(_row(tr.t(f"meeting.kind.{kind}"), f))
        for field in fields(KindFigures):
            setattr(total, field.name, getattr(total, field.name) + getattr(f, field.name))
    rows.append(_row(tr.t("report.total"), total))
    return [tr.t(f"report.col.{name}") for name in COLUMNS], rows


def _row(label: str, f: KindFigures) -> list[Cell]:
    on_time = round(100 * f.on_time / f.questions, 1) if f.questions else None
    return [label, f.meetings, f.held, f.cancelled, f.postponed, f.attendance, f.decisions,
            f.adopted, f.questions, f.on_time, on_time]  # fmt: skip


def digest_lines(tr: Translator, lines: Sequence[MeetingLine]) -> list[str]:
    """A village's meetings of the week in the digest: by kind, attendance, decisions,
    questions answered on time."""
    found = by_kind(tr, lines)
    if not found:
        return []
    kinds = ", ".join(
        f"{tr.t(f'meeting.kind.{kind}')} {tr.number(f.meetings)}" for kind, f in found.items()
    )
    total = KindFigures()
    for line in lines:
        total.add(tr, line)
    result = [
        tr.t(
            "report.digest.meetings", kinds=kinds, attendance=tr.number(total.attendance),
            decisions=tr.number(total.decisions),
        )
    ]  # fmt: skip
    if total.questions:
        result.append(
            tr.t(
                "report.digest.meeting_questions", questions=tr.number(total.questions),
                on_time=tr.number(total.on_time),
            )
        )  # fmt: skip
    return result
