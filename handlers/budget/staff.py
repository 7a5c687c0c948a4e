"""Staff's typed steps in a budget cycle: a refined cost, a rejection's reason, a paper
protocol, a report on a funded project. Small persistent dialogs, each entered by a button of
:mod:`handlers.budget.manage`; the scope is checked at the entry and again when it is stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.auth import authorize_village, requires
from bot.budget import service, texts
from bot.budget.rules import Rule
from bot.budget.service import MAX_NOTE, MAX_REASON, ProtocolProblem
from bot.context import QatysuApp, QatysuContext
from handlers.budget.common import (
    STAFF,
    cycle_of_tap,
    manages,
    project_of_tap,
    send,
    village_names,
)
from handlers.budget.manage import card_keyboard, card_text, screened
from handlers.widgets.dialogs import Dialog, DialogDraft, Drafts, Step, cancel_step, tap
from handlers.widgets.keyboards import button
from storage import budget as repo
from storage.budget import Cycle, Progress, Project
from storage.db import utcnow
from storage.models import Role

FEATURE = STAFF
END = ConversationHandler.END
SCREEN, PROTOCOL, UPDATE = "budget_screen", "budget_protocol", "budget_update"
COST, REASON = range(2)
VILLAGE, PRESENT, LINES = range(3)
NOTE = 0
MAX_PRESENT = 100_000
TEXT = filters.TEXT & ~filters.COMMAND


@dataclass(slots=True)
class ProjectDraft(DialogDraft):
    """A decision on a proposal, or a report on a funded project, being typed."""

    project: int | None = None
    progress: str | None = None  # a report's new status (storage.budget.Progress)


@dataclass(slots=True)
class ProtocolDraft(DialogDraft):
    """A paper protocol being entered."""

    cycle: int | None = None
    village: str | None = None
    present: int | None = None


SCREEN_DRAFTS = Drafts(SCREEN, ProjectDraft)
PROTOCOL_DRAFTS = Drafts(PROTOCOL, ProtocolDraft)
UPDATE_DRAFTS = Drafts(UPDATE, ProjectDraft)


async def _project(
    update: Update, context: QatysuContext, drafts: Drafts[ProjectDraft]
) -> Project | None:
    draft = await drafts.load(update, context)
    return await repo.project(context.services.db, draft.project or 0)


async def _covered(update: Update, context: QatysuContext, project: Project | None) -> bool:
    if project is None:
        return False
    cycle = await repo.get(context.services.db, project.cycle_id)
    return cycle is not None and await manages(update, context, cycle)


async def _begin(update: Update, context: QatysuContext, key: str) -> int | None:
    """Enter a dialog on a project of the staff's area; None when refused."""
    assert update.effective_user is not None
    project = await project_of_tap(update, context)
    if project is None or not await _covered(update, context, project):
        return None
    query = update.callback_query
    assert query is not None
    await query.answer()
    await SCREEN_DRAFTS.save(update, context, ProjectDraft(project=project.id))
    await send(update, context, context.tr.t(key, number=context.tr.number(project.number)))
    return project.id


# --- screening: a refined cost, a reason -------------------------------------------------------
@requires(Role.STAFF)
async def ask_cost(update: Update, context: QatysuContext) -> int:
    """Accept at another cost: ask for it."""
    return COST if await _begin(update, context, "budget.ask_final_cost") else END


@requires(Role.STAFF)
async def ask_reason(update: Update, context: QatysuContext) -> int:
    """Reject: ask for the reason, which is published."""
    return REASON if await _begin(update, context, "budget.ask_reason") else END


@requires(Role.STAFF)
async def take_cost(update: Update, context: QatysuContext) -> int:
    """Accept the proposal at the typed cost (within the budget)."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    tr = context.tr
    project = await _project(update, context, SCREEN_DRAFTS)
    if not await _covered(update, context, project):
        return END
    assert project is not None
    cycle = await repo.get(context.services.db, project.cycle_id)
    cost = service.parse_tenge(message.text or "")
    if cost is None or cycle is None:
        await message.reply_text(tr.t("budget.cost_bad"))
        return COST
    if cost > cycle.amount:
        await message.reply_text(tr.t("budget.cost_over", amount=texts.money(tr, cycle.amount)))
        return COST
    result = await service.screen(
        context.services, project, status="accepted", by=update.effective_user.id, final_cost=cost
    )
    await SCREEN_DRAFTS.drop(update, context)
    await screened(update, context, project, result)
    return END


@requires(Role.STAFF)
async def take_reason(update: Update, context: QatysuContext) -> int:
    """Reject the proposal with the typed reason."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    text = (message.text or "").strip()
    if not text or len(text) > MAX_REASON:
        await message.reply_text(context.tr.t("budget.too_long", limit=MAX_REASON))
        return REASON
    project = await _project(update, context, SCREEN_DRAFTS)
    if not await _covered(update, context, project):
        return END
    assert project is not None
    result = await service.screen(
        context.services, project, status="rejected", by=update.effective_user.id, reason=text
    )
    await SCREEN_DRAFTS.drop(update, context)
    await screened(update, context, project, result)
    return END


# --- paper protocols --------------------------------------------------------------------------
async def _protocol_cycle(update: Update, context: QatysuContext) -> tuple[Cycle, str] | None:
    """The cycle and village of the protocol being entered (scope checked again)."""
    assert update.effective_user is not None
    draft = await PROTOCOL_DRAFTS.load(update, context)
    cycle = await repo.get(context.services.db, draft.cycle or 0)
    code = draft.village or ""
    if (
        cycle is None
        or code not in cycle.village_codes
        or not await manages(update, context, cycle)
    ):
        return None
    return cycle, code


@requires(Role.STAFF)
async def protocol_start(update: Update, context: QatysuContext) -> int:
    """A protocol: for which of the cycle's villages."""
    assert update.effective_user is not None
    cycle = await cycle_of_tap(update, context)
    if cycle is None or not await manages(update, context, cycle):
        return END
    query = update.callback_query
    assert query is not None
    tr = context.tr
    if not cycle.accepts_ballots(utcnow()):
        await query.answer(tr.t("budget.ballot_closed"), show_alert=True)
        return END
    await query.answer()
    await PROTOCOL_DRAFTS.save(update, context, ProtocolDraft(cycle=cycle.id))
    if len(cycle.village_codes) == 1:
        return await _ask_present(update, context, cycle, cycle.village_codes[0])
    names = await village_names(context, cycle.village_codes)
    rows = [[button(names[code], FEATURE, "pv", cycle.id, code)] for code in cycle.village_codes]
    await send(update, context, tr.t("budget.protocol_village"), InlineKeyboardMarkup(rows))
    return VILLAGE


@requires(Role.STAFF)
async def protocol_village(update: Update, context: QatysuContext) -> int:
    """The village is chosen: ask how many residents were present."""
    cycle = await cycle_of_tap(update, context)
    parsed = callbacks.parse(update.callback_query.data if update.callback_query else None)
    if cycle is None or not await manages(update, context, cycle):
        return END
    code = parsed.arg(1)
    if code not in cycle.village_codes:
        return VILLAGE
    assert update.callback_query is not None
    await update.callback_query.answer()
    await update.callback_query.edit_message_reply_markup(None)
    return await _ask_present(update, context, cycle, code)


async def _ask_present(update: Update, context: QatysuContext, cycle: Cycle, code: str) -> int:
    assert update.effective_user is not None
    village = await authorize_village(update, context, Role.STAFF, code)
    if village is None:
        return END
    await PROTOCOL_DRAFTS.keep(update, context, village=code)
    tr = context.tr
    population = (
        tr.t("budget.population", count=tr.number(village.population))
        if village.population is not None
        else ""
    )
    await send(
        update,
        context,
        tr.t(
            "budget.ask_present", village=village.names.get(tr.language), population=population
        ).strip(),
    )
    return PRESENT


@requires(Role.STAFF)
async def take_present(update: Update, context: QatysuContext) -> int:
    """Keep the number present, ask for the votes (greedy) or the papers (Equal Shares)."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    tr = context.tr
    text = (message.text or "").strip()
    if not text.isdigit() or int(text) > MAX_PRESENT:
        await message.reply_text(tr.t("budget.present_bad"))
        return PRESENT
    found = await _protocol_cycle(update, context)
    if found is None:
        return END
    cycle, code = found
    village = await authorize_village(update, context, Role.STAFF, code)
    if village is None:
        return END
    present = int(text)
    if village.population is not None and present > village.population:
        problem = f"budget.protocol_problem.{ProtocolProblem.POPULATION.value}"
        shown = {"present": tr.number(present), "population": tr.number(village.population)}
        await message.reply_text(tr.t(problem, **shown))
        return PRESENT
    await PROTOCOL_DRAFTS.keep(update, context, present=present)
    projects = sorted(
        (p for p in await repo.projects(context.services.db, cycle.id) if p.position is not None),
        key=lambda p: p.position or 0,
    )
    listing = "\n".join(f"{p.number}. {p.title}" for p in projects)
    key = "budget.ask_counts" if Rule(cycle.rule) is Rule.GREEDY else "budget.ask_papers"
    await message.reply_text(texts.clip(tr.t(key, projects=listing), 4000))
    return LINES


def parse_counts(text: str, size: int) -> list[int] | None:
    """One whole number per project, in ballot order."""
    parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    if len(parts) != size or not all(p.isdigit() and int(p) <= MAX_PRESENT for p in parts):
        return None
    return [int(part) for part in parts]


def parse_papers(text: str, numbers: set[int]) -> list[list[int]] | None:
    """One line per paper ballot: the numbers of the projects it chose (none twice)."""
    papers = []
    for line in text.strip().splitlines():
        parts = [part for part in re.split(r"[\s,;]+", line.strip()) if part]
        if not parts:
            continue
        if not all(p.isdigit() and int(p) in numbers for p in parts):
            return None
        chosen = [int(p) for p in parts]
        if len(set(chosen)) != len(chosen):
            return None
        papers.append(chosen)
    return papers


@requires(Role.STAFF)
async def take_lines(update: Update, context: QatysuContext) -> int:
    """Store the protocol (bounded by those present and the village's population)."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    tr = context.tr
    found = await _protocol_cycle(update, context)
    if found is None:
        return END
    cycle, code = found
    db = context.services.db
    present = (await PROTOCOL_DRAFTS.load(update, context)).present or 0
    projects = [p for p in await repo.projects(db, cycle.id) if p.position is not None]
    greedy = Rule(cycle.rule) is Rule.GREEDY
    counts = parse_counts(message.text or "", len(projects)) if greedy else None
    papers = None if greedy else parse_papers(message.text or "", {p.number for p in projects})
    if counts is None and papers is None:
        key = "budget.counts_bad" if greedy else "budget.papers_bad"
        await message.reply_text(tr.nt(key, len(projects)))
        return LINES
    village = await authorize_village(update, context, Role.STAFF, code)
    if village is None:
        return END
    problem = await service.record_protocol(
        context.services, cycle, village, present, counts, papers, by=update.effective_user.id
    )
    if problem is ProtocolProblem.CLOSED:
        await PROTOCOL_DRAFTS.drop(update, context)
        await message.reply_text(tr.t("budget.ballot_closed"))
        return END
    if problem is not None:
        await message.reply_text(
            tr.t(
                f"budget.protocol_problem.{problem.value}",
                present=tr.number(present),
                population=tr.number(village.population or 0),
            )
        )
        return PRESENT if problem is ProtocolProblem.POPULATION else LINES
    await PROTOCOL_DRAFTS.drop(update, context)
    await message.reply_text(
        tr.t(
            "budget.protocol_saved",
            village=village.names.get(tr.language),
            present=tr.number(present),
        )
    )
    current = await repo.get(db, cycle.id)
    assert current is not None
    await message.reply_text(
        await card_text(context, current), reply_markup=card_keyboard(context, current)
    )
    return END


# --- reports on funded projects ------------------------------------------------------------------
@requires(Role.STAFF)
async def update_start(update: Update, context: QatysuContext) -> int:
    """A report: its new status (or a note), then its text or photo."""
    assert update.effective_user is not None
    project = await project_of_tap(update, context)
    if project is None or not await _covered(update, context, project):
        return END
    parsed = callbacks.parse(update.callback_query.data if update.callback_query else None)
    progress = parsed.arg(1)
    wanted = project.progress if progress == "note" else _progress(progress)
    tr = context.tr
    cycle = await repo.get(context.services.db, project.cycle_id)
    query = update.callback_query
    assert query is not None and cycle is not None
    if (
        wanted is None
        or project.progress is None
        or not cycle.accepts_updates
        or (not repo.may_follow(project.progress, wanted))
    ):
        await query.answer(tr.t("budget.update_refused"), show_alert=True)
        return END
    await query.answer()
    await UPDATE_DRAFTS.save(update, context, ProjectDraft(project.id, wanted.value))
    if wanted is Progress.CANCELLED:
        await send(update, context, tr.t("budget.ask_cancel_reason"))
    else:
        skip = InlineKeyboardMarkup([[button(tr.t("budget.skip"), FEATURE, "uskip")]])
        await send(update, context, tr.t("budget.ask_note"), skip if progress != "note" else None)
    return NOTE


def _progress(value: str) -> Progress | None:
    try:
        return Progress(value)
    except ValueError:
        return None


async def _post(update: Update, context: QatysuContext, note: str | None, photo: str | None) -> int:
    assert update.effective_user is not None
    tr = context.tr
    db = context.services.db
    draft = await UPDATE_DRAFTS.load(update, context)
    project = await repo.project(db, draft.project or 0)
    progress = _progress(draft.progress or "")
    if project is None or progress is None or not await _covered(update, context, project):
        return END
    if progress is Progress.CANCELLED and not note:
        await send(update, context, tr.t("budget.ask_cancel_reason"))
        return NOTE
    if progress is project.progress and not note and not photo:
        await send(update, context, tr.t("budget.ask_note"))
        return NOTE
    posted = await service.post_update(
        context.services, project, progress, note, photo, update.effective_user.id
    )
    await UPDATE_DRAFTS.drop(update, context)
    await send(update, context, tr.t("budget.update_sent" if posted else "budget.update_refused"))
    return END


@requires(Role.STAFF)
async def take_note(update: Update, context: QatysuContext) -> int:
    """A typed note (or the reason of a cancellation)."""
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    if len(text) > MAX_NOTE:
        await message.reply_text(context.tr.t("budget.too_long", limit=MAX_NOTE))
        return NOTE
    return await _post(update, context, text or None, None)


@requires(Role.STAFF)
async def take_photo(update: Update, context: QatysuContext) -> int:
    """A photo, its caption as the note."""
    message = update.effective_message
    assert message is not None and message.photo
    caption = (message.caption or "").strip()[:MAX_NOTE] or None
    return await _post(update, context, caption, message.photo[-1].file_id)


@requires(Role.STAFF)
async def skip_note(update: Update, context: QatysuContext) -> int:
    """The status alone."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _post(update, context, None, None)


async def use_step(update: Update, context: QatysuContext) -> None:
    """Something this step does not take."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("budget.use_step"))


def register(app: QatysuApp) -> None:
    """Register the staff's typed budget dialogs (persistent: they survive a restart)."""
    stray = [cast(Step, MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, use_step))]
    app.add_handler(
        Dialog(
            SCREEN,
            entry_points=[tap(FEATURE, ask_cost, "accc"), tap(FEATURE, ask_reason, "rej")],
            states={
                COST: [MessageHandler(TEXT, take_cost)],
                REASON: [MessageHandler(TEXT, take_reason)],
            },
            draft=SCREEN,
            context_keys=("project",),
            cancel=cancel_step(SCREEN),
            fallbacks=stray,
        )
    )
    app.add_handler(
        Dialog(
            PROTOCOL,
            entry_points=[tap(FEATURE, protocol_start, "proto")],
            states={
                VILLAGE: [tap(FEATURE, protocol_village, "pv")],
                PRESENT: [MessageHandler(TEXT, take_present)],
                LINES: [MessageHandler(TEXT, take_lines)],
            },
            draft=PROTOCOL,
            context_keys=("cycle", "village"),
            cancel=cancel_step(PROTOCOL),
            fallbacks=stray,
        )
    )
    app.add_handler(
        Dialog(
            UPDATE,
            entry_points=[tap(FEATURE, update_start, "up")],
            states={
                NOTE: [
                    MessageHandler(TEXT, take_note),
                    MessageHandler(filters.PHOTO, take_photo),
                    tap(FEATURE, skip_note, "uskip"),
                ]
            },
            draft=UPDATE,
            context_keys=("project", "progress"),
            cancel=cancel_step(UPDATE),
            fallbacks=stray,
        )
    )
