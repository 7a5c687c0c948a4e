"""How a budget cycle reads: money, phases, the announcement, the ballot, projects, results.

Money is shown in the unit of the budget ("4,2 / 5 млн ₸"), numbers through the reader's
Translator. The ballot's buttons carry the cycle and a bit set of ballot positions:
``v1:bdg:t:<cycle>:<choices>`` shows a selection (nothing stored), ``v1:bdg:c:<cycle>:<choices>``
casts it. The same buttons go to every resident of a language.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.i18n import BUTTON_WIDTH, Translator, button_label
from storage.budget import PHASES, BallotKind, Cycle, Phase, Progress, Project
from storage.models import Names

FEATURE = callbacks.Feature.BUDGET
MILLION, THOUSAND = 1_000_000, 1_000


def labelled(head: str, tail: str = "") -> str:
    """A button's label from data: ``head`` cut so that ``tail`` (a cost, a status) still fits."""
    return button_label(head, BUTTON_WIDTH - len(tail)) + tail


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _scaled(tenge: int, unit: int) -> Decimal:
    """Tenge in ``unit``, to three decimals (a thousand tenge in millions)."""
    return (Decimal(tenge) / unit).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP).normalize()


def _unit(tenge: int) -> tuple[int, str]:
    if tenge >= MILLION:
        return MILLION, "budget.money_mln"
    if tenge >= THOUSAND:
        return THOUSAND, "budget.money_thousand"
    return 1, "budget.money"


@functools.lru_cache(maxsize=4096)
def money(tr: Translator, tenge: int) -> str:
    """An amount as a reader says it: «5 млн ₸», «800 мың ₸», «950 ₸»."""
    unit, key = _unit(tenge)
    return tr.t(key, amount=tr.number(float(_scaled(tenge, unit))))


@functools.lru_cache(maxsize=4096)
def of_budget(tr: Translator, part: int, whole: int) -> str:
    """A part against the whole, in the whole's unit: «4,2 / 5 млн ₸»."""
    unit, key = _unit(whole)
    shown = f"{tr.number(float(_scaled(part, unit)))} / {tr.number(float(_scaled(whole, unit)))}"
    return tr.t(key, amount=shown)


@dataclass(frozen=True, slots=True)
class Item:
    """A project as a ballot or a list shows it (from a broadcast's payload or the database)."""

    number: int
    title: str
    price: int
    position: int | None = None

    @classmethod
    def of(cls, project: Project) -> Item:
        """The item of a stored project."""
        return cls(project.number, project.title, project.price, project.position)

    @property
    def bit(self) -> int:
        """The project's bit in a ballot's choices."""
        return 1 << self.position if self.position is not None else 0


def place(names: Names | None, tr: Translator, fallback: str) -> str:
    """The village's or okrug's name in the reader's language."""
    return names.get(tr.language) if names is not None else fallback


def phase_name(tr: Translator, phase: Phase) -> str:
    """«Proposals», «Voting», ..."""
    return tr.t(f"budget.phase.{phase.value}")


def rule_line(tr: Translator, cycle: Cycle) -> str:
    """How the winners are chosen, as published."""
    return tr.t(f"budget.rule.{cycle.rule}")


def ballot_line(tr: Translator, cycle: Cycle) -> str:
    """How a resident votes."""
    if cycle.ballot_kind is BallotKind.APPROVAL:
        return tr.nt("budget.ballot_approval", cycle.max_choices or 1)
    return tr.t("budget.ballot_budget", amount=money(tr, cycle.amount))


def electorate_line(tr: Translator, cycle: Cycle) -> str:
    """Who may propose and vote."""
    return tr.t(f"budget.electorate.{cycle.electorate.value}")


def timeline(tr: Translator, cycle: Cycle) -> list[str]:
    """The phases with their dates, the current one marked."""
    lines = []
    for phase in PHASES:
        mark = "▶️" if phase is cycle.phase else "·"
        lines.append(f"{mark} {phase_name(tr, phase)}: {tr.datetime(cycle.starts(phase))}")
    if cycle.phase is Phase.CANCELLED:
        lines.append(tr.t("budget.cancelled"))
    return lines


def header(tr: Translator, cycle: Cycle, where: str) -> list[str]:
    """The cycle's title, place, amount and rules."""
    return [
        tr.t("budget.header", title=cycle.title, place=where),
        tr.t("budget.amount", amount=money(tr, cycle.amount)),
        ballot_line(tr, cycle),
        rule_line(tr, cycle),
        electorate_line(tr, cycle),
    ]


def announcement(tr: Translator, cycle: Cycle, where: str) -> str:
    """The cycle as residents first hear of it."""
    lines = [tr.t("budget.announce_title"), "", *header(tr, cycle, where), ""]
    lines += timeline(tr, cycle)
    lines += ["", tr.t("budget.announce_how", until=tr.datetime(cycle.screening_at))]
    return "\n".join(lines)


def open_keyboard(tr: Translator, cycle_id: int) -> InlineKeyboardMarkup:
    """Propose a project, or see the proposals."""
    return InlineKeyboardMarkup(
        [
            [button(tr.t("budget.propose_button"), "prop", cycle_id)],
            [button(tr.t("budget.page_button"), "page", cycle_id)],
        ]
    )


def button(label: str, action: str, *args: str | int) -> InlineKeyboardButton:
    """A residents' budget button."""
    return InlineKeyboardButton(label, callback_data=callbacks.build(FEATURE, action, *args))


def chosen(items: Sequence[Item], choices: int) -> list[Item]:
    """The items of a bit set, in ballot order."""
    return [item for item in items if item.bit & choices]


def total(items: Sequence[Item], choices: int) -> int:
    """The tenge of a selection."""
    return sum(item.price for item in chosen(items, choices))


def running(tr: Translator, cycle: Cycle, items: Sequence[Item], choices: int) -> str:
    """«Chosen: 4,2 / 5 млн ₸» (within the budget), «Chosen: 2 of 3 projects» (approval)."""
    if cycle.ballot_kind is BallotKind.APPROVAL:
        limit = cycle.max_choices or 1
        return tr.t(
            "budget.chosen_count", count=tr.number(choices.bit_count()), limit=tr.number(limit)
        )
    return tr.t("budget.chosen_money", total=of_budget(tr, total(items, choices), cycle.amount))


def ballot_text(
    tr: Translator, cycle: Cycle, where: str, items: Sequence[Item], choices: int, standing: int
) -> str:
    """The ballot: the projects with their costs, how to vote, the running total."""
    lines = [tr.t("budget.ballot_title"), "", tr.t("budget.header", title=cycle.title, place=where),
             ballot_line(tr, cycle), ""]  # fmt: skip
    lines += [f"{item.number}. {item.title} — {money(tr, item.price)}" for item in items]
    lines += [
        "",
        tr.t("budget.ballot_how"),
        tr.t("budget.closes", when=tr.datetime(cycle.results_at)),
    ]
    if standing:
        names = ", ".join(str(item.number) for item in chosen(items, standing))
        lines += ["", tr.t("budget.your_ballot", projects=names)]
    lines += ["", running(tr, cycle, items, choices)]
    return clip("\n".join(lines), 4000)


def ballot_keyboard(
    tr: Translator, cycle: Cycle, items: Sequence[Item], choices: int
) -> InlineKeyboardMarkup:
    """One button per project (tick, untick) and the Vote button with the running total."""
    rows = []
    for item in items:
        mark = "☑️ " if item.bit & choices else "⬜ "
        label = labelled(f"{mark}{item.number}. {item.title}", f" · {money(tr, item.price)}")
        rows.append([button(label, "t", cycle.id, choices ^ item.bit)])
    label = tr.t("budget.vote_button")
    rows.append([button(label, "c", cycle.id, choices)])
    return InlineKeyboardMarkup(rows)


def status_line(tr: Translator, project: Project, numbers: dict[int, int]) -> str:
    """Where a proposal stands, as residents read it."""
    if project.status == "accepted":
        return tr.t("budget.status.accepted", cost=money(tr, project.price))
    if project.status == "rejected":
        return tr.t("budget.status.rejected", reason=project.reason or "")
    if project.status == "merged":
        into = numbers.get(project.merged_into or 0, 0)
        return tr.t("budget.status.merged", number=tr.number(into))
    return tr.t("budget.status.proposed")


def proposal_line(tr: Translator, project: Project, numbers: dict[int, int]) -> str:
    """«3. Street lights — 1,2 млн ₸ — ✅ accepted»."""
    head = f"{project.number}. {clip(project.title, 80)} — {money(tr, project.cost)}"
    return f"{head}\n    {status_line(tr, project, numbers)}"


def progress_name(tr: Translator, progress: Progress) -> str:
    """«🚧 Started», ..."""
    return tr.t(f"budget.progress.{progress.value}")


def project_card(
    tr: Translator, project: Project, numbers: dict[int, int], village: str | None
) -> str:
    """A project in full: what, where, cost, status; its progress once funded."""
    lines = [f"{project.number}. {project.title}", "", project.description, ""]
    lines.append(tr.t("budget.cost", cost=money(tr, project.cost)))
    if village:
        lines.append(tr.t("budget.from_village", village=village))
    lines.append(status_line(tr, project, numbers))
    if project.funded is not None and project.progress is not None:
        lines.append(tr.t("budget.funded_progress", progress=progress_name(tr, project.progress)))
        if project.progress is Progress.CANCELLED and project.progress_reason:
            lines.append(tr.t("budget.cancel_reason", reason=project.progress_reason))
    return clip("\n".join(lines), 4000)


def funded_lines(tr: Translator, projects: Sequence[Project], votes: dict[str, int]) -> list[str]:
    """The funded projects in order, each with cost, votes and progress."""
    lines = []
    for project in sorted((p for p in projects if p.funded), key=lambda p: p.funded or 0):
        progress = f" · {progress_name(tr, project.progress)}" if project.progress else ""
        count = tr.nt("budget.votes", votes.get(str(project.id), 0))
        lines.append(
            f"✅ {project.number}. {clip(project.title, 60)} — "
            f"{money(tr, project.price)}, {count}{progress}"
        )
    return lines


def when(tr: Translator, moment: datetime) -> str:
    """A moment in the reader's zone and language."""
    return tr.datetime(moment)
