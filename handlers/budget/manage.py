"""Staff and the budget cycles of their area: screening, paper protocols, results, progress.

Every handler is guarded by ``requires(Role.STAFF)``, and every action checks that the staff
member covers every village of the cycle (a button can be forged). What a phase does not allow
is refused by the service and the database, whatever the buttons say.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.auth import load_access, requires
from bot.budget import export, service, texts
from bot.budget.texts import clip, labelled, money
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from handlers.budget.common import (
    STAFF,
    answer,
    cycle_of_tap,
    manages,
    project_of_tap,
    send,
    village_names,
    where,
)
from handlers.budget.resident import send_results
from handlers.widgets.keyboards import button
from storage import budget as repo
from storage import territory
from storage.budget import Cycle, Progress, Project, Screened
from storage.db import utcnow
from storage.models import Role

FEATURE = STAFF
LISTED = 15


def _back(tr: Translator, cycle_id: int) -> list[InlineKeyboardButton]:
    return [button(tr.t("button.back"), FEATURE, "card", cycle_id)]


@requires(Role.STAFF)
async def list_area(update: Update, context: QatysuContext) -> None:
    """The cycles of the staff's area: those whose every village they cover."""
    assert update.effective_user is not None
    await answer(update)
    tr = context.tr
    access = await load_access(context, update.effective_user.id)
    villages = await territory.list_villages(context.services.db)
    mine = {v.code for v in villages if access.covers(Role.STAFF, v)}
    found = [
        c
        for c in await repo.in_villages(context.services.db, sorted(mine), LISTED)
        if set(c.village_codes) <= mine
    ]
    rows = [
        [button(labelled(f"{c.title} · {texts.phase_name(tr, c.phase)}"), FEATURE, "card", c.id)]
        for c in found
    ]
    text = tr.t("budget.staff_title" if found else "budget.staff_empty")
    await send(update, context, text, InlineKeyboardMarkup(rows) if rows else None)


async def _managed(update: Update, context: QatysuContext, index: int = 0) -> Cycle | None:
    cycle = await cycle_of_tap(update, context, index)
    if cycle is None or not await manages(update, context, cycle):
        return None
    return cycle


async def card_text(context: QatysuContext, cycle: Cycle) -> str:
    """The cycle as staff follow it: rules, phases, proposals by status, ballots."""
    tr = context.tr
    db = context.services.db
    projects = await repo.projects(db, cycle.id)
    by_status = {
        s: sum(1 for p in projects if p.status == s)
        for s in ("proposed", "accepted", "rejected", "merged")
    }
    lines = [
        *texts.header(tr, cycle, await where(context, cycle)),
        "",
        *texts.timeline(tr, cycle),
        "",
        tr.t("budget.card_proposals", **{k: tr.number(v) for k, v in by_status.items()}),
        tr.t(
            "budget.card_ballots",
            ballots=tr.number(await repo.ballot_count(db, cycle.id)),
            residents=tr.number(await service.registered(context.services, cycle)),
        ),
    ]
    return clip("\n".join(lines), 4000)


def card_keyboard(context: QatysuContext, cycle: Cycle) -> InlineKeyboardMarkup:
    """What the phase allows staff to do."""
    tr = context.tr
    now = utcnow()
    rows = []
    if cycle.accepts_screening(now):
        rows.append([button(tr.t("budget.screen_button"), FEATURE, "scr", cycle.id)])
    if cycle.accepts_ballots(now):
        rows.append([button(tr.t("budget.protocol_button"), FEATURE, "proto", cycle.id)])
    if cycle.results is not None:
        rows.append([button(tr.t("budget.results_button"), FEATURE, "res", cycle.id)])
        rows.append(
            [
                button(tr.t("budget.xlsx_button"), FEATURE, "xlsx", cycle.id),
                button(tr.t("budget.pdf_button"), FEATURE, "pdf", cycle.id),
            ]
        )
    if cycle.accepts_updates:
        rows.append([button(tr.t("budget.progress_button"), FEATURE, "impl", cycle.id)])
    rows.append([texts.button(tr.t("budget.page_button"), "page", cycle.id)])
    rows.append([button(tr.t("button.back"), FEATURE, "list")])
    return InlineKeyboardMarkup(rows)


@requires(Role.STAFF)
async def card(update: Update, context: QatysuContext) -> None:
    """Open one cycle of the staff's area."""
    cycle = await _managed(update, context)
    if cycle is None:
        return
    await answer(update)
    await send(update, context, await card_text(context, cycle), card_keyboard(context, cycle))


# --- screening ---------------------------------------------------------------------------------
@requires(Role.STAFF)
async def screening(update: Update, context: QatysuContext) -> None:
    """The proposals waiting for a decision."""
    cycle = await _managed(update, context)
    if cycle is None:
        return
    await answer(update)
    tr = context.tr
    waiting = [
        p for p in await repo.projects(context.services.db, cycle.id) if p.status == "proposed"
    ]
    rows = [
        [button(labelled(f"{p.number}. {p.title}", f" · {money(tr, p.cost)}"), FEATURE, "sp", p.id)]
        for p in waiting[:LISTED]
    ]
    rows.append(_back(tr, cycle.id))
    text = tr.t(
        "budget.screen_title" if waiting else "budget.screen_empty",
        when=tr.datetime(cycle.voting_at),
    )
    lines = [f"{p.number}. {p.title} — {money(tr, p.cost)}" for p in waiting[:LISTED]]
    await send(update, context, clip("\n".join([text, *lines]), 4000), InlineKeyboardMarkup(rows))


async def _screenable(update: Update, context: QatysuContext, index: int = 0) -> Project | None:
    """The tapped proposal, when the staff member covers its cycle."""
    project = await project_of_tap(update, context, index)
    if project is None:
        return None
    cycle = await repo.get(context.services.db, project.cycle_id)
    if cycle is None or not await manages(update, context, cycle):
        return None
    return project


@requires(Role.STAFF)
async def screen_card(update: Update, context: QatysuContext) -> None:
    """One proposal with Accept, Accept at another cost, Merge, Reject."""
    project = await _screenable(update, context)
    if project is None:
        return
    await answer(update)
    tr = context.tr
    db = context.services.db
    numbers = {p.id: p.number for p in await repo.projects(db, project.cycle_id)}
    villages = await village_names(context, (project.village_code,) if project.village_code else ())
    text = texts.project_card(tr, project, numbers, villages.get(project.village_code or ""))
    rows = [
        [button(tr.t("budget.accept", cost=money(tr, project.cost)), FEATURE, "acc", project.id)],
        [button(tr.t("budget.accept_other"), FEATURE, "accc", project.id)],
        [button(tr.t("budget.merge"), FEATURE, "mgl", project.id)],
        [button(tr.t("budget.reject"), FEATURE, "rej", project.id)],
        [button(tr.t("button.back"), FEATURE, "scr", project.cycle_id)],
    ]
    assert update.effective_chat is not None
    if project.photo:
        await context.bot.send_photo(update.effective_chat.id, project.photo)
    await send(update, context, text, InlineKeyboardMarkup(rows))


async def screened(
    update: Update, context: QatysuContext, project: Project, result: Screened
) -> None:
    """Say what became of a decision and show what is left to screen."""
    tr = context.tr
    query = update.callback_query
    if result is not Screened.DONE:
        text = tr.t(f"budget.screen_refused.{result.value}")
        if query is not None:
            await query.answer(text, show_alert=True)
        else:
            await send(update, context, text)
        return
    await answer(update)
    await send(
        update,
        context,
        tr.t("budget.screen_done", number=tr.number(project.number)),
        InlineKeyboardMarkup(
            [[button(tr.t("budget.screen_button"), FEATURE, "scr", project.cycle_id)]]
        ),
    )


@requires(Role.STAFF)
async def accept(update: Update, context: QatysuContext) -> None:
    """Accept a proposal at its proposed cost."""
    project = await _screenable(update, context)
    if project is None or update.effective_user is None:
        return
    result = await service.screen(
        context.services,
        project,
        status="accepted",
        by=update.effective_user.id,
        final_cost=project.cost,
    )
    await screened(update, context, project, result)


@requires(Role.STAFF)
async def merge_targets(update: Update, context: QatysuContext) -> None:
    """The projects a proposal can be merged into."""
    project = await _screenable(update, context)
    if project is None:
        return
    await answer(update)
    tr = context.tr
    others = [
        p
        for p in await repo.projects(context.services.db, project.cycle_id)
        if p.id != project.id and p.status in ("proposed", "accepted")
    ]
    rows = [
        [button(labelled(f"{p.number}. {p.title}"), FEATURE, "mg", project.id, p.id)]
        for p in others[:LISTED]
    ]
    rows.append([button(tr.t("button.back"), FEATURE, "sp", project.id)])
    await send(
        update,
        context,
        tr.t("budget.merge_into", number=tr.number(project.number)),
        InlineKeyboardMarkup(rows),
    )


@requires(Role.STAFF)
async def merge(update: Update, context: QatysuContext) -> None:
    """Merge a proposal into another (a duplicate)."""
    project = await _screenable(update, context)
    if project is None or update.effective_user is None:
        return
    target = callbacks.parse(update.callback_query.data if update.callback_query else None)
    result = await service.screen(
        context.services,
        project,
        status="merged",
        by=update.effective_user.id,
        into=target.int_arg(1),
    )
    await screened(update, context, project, result)


# --- results, exports, progress ---------------------------------------------------------------
@requires(Role.STAFF)
async def results(update: Update, context: QatysuContext) -> None:
    """Send the results with the chart."""
    cycle = await _managed(update, context)
    if cycle is not None:
        await send_results(update, context, cycle)


async def _export_parts(
    context: QatysuContext, cycle: Cycle
) -> tuple[list[Project], dict[str, str]]:
    projects = await repo.projects(context.services.db, cycle.id)
    return projects, await village_names(context, cycle.village_codes)


async def _send_export(
    update: Update,
    context: QatysuContext,
    build: Callable[[Cycle], Awaitable[Path]],
    caption_key: str,
) -> None:
    """Build a file of the cycle (after saying it is being prepared) and send it."""
    cycle = await _managed(update, context)
    if cycle is None or update.callback_query is None or update.effective_chat is None:
        return
    await update.callback_query.answer(context.tr.t("paper.preparing"))
    chat_id = update.effective_chat.id
    await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)
    path = await build(cycle)
    with path.open("rb") as document:
        await context.bot.send_document(
            chat_id, document, filename=path.name, caption=context.tr.t(caption_key)
        )


@requires(Role.STAFF)
async def workbook(update: Update, context: QatysuContext) -> None:
    """Send the workbook for the community assembly."""

    async def build(cycle: Cycle) -> Path:
        projects, villages = await _export_parts(context, cycle)
        folder = export.folder_of(context.services.settings.database_path)
        return await export.workbook(
            folder, context.tr, cycle, await where(context, cycle), projects, villages
        )

    await _send_export(update, context, build, "budget.xlsx_caption")


@requires(Role.STAFF)
async def printable(update: Update, context: QatysuContext) -> None:
    """Send the printable PDF, in Kazakh and Russian."""

    async def build(cycle: Cycle) -> Path:
        i18n = context.services.i18n
        translators = [i18n.get(language) for language in export.PAPER_LANGUAGES]
        names = await service.place_names(context.services, cycle)
        wheres = [texts.place(names, tr, cycle.scope_code) for tr in translators]
        projects = await repo.projects(context.services.db, cycle.id)
        folder = export.folder_of(context.services.settings.database_path)
        return await export.pdf(folder, translators, cycle, wheres, projects)

    await _send_export(update, context, build, "budget.pdf_caption")


@requires(Role.STAFF)
async def progress_list(update: Update, context: QatysuContext) -> None:
    """The funded projects with their progress, to report on."""
    cycle = await _managed(update, context)
    if cycle is None:
        return
    await answer(update)
    tr = context.tr
    funded = sorted(
        (p for p in await repo.projects(context.services.db, cycle.id) if p.funded),
        key=lambda p: p.funded or 0,
    )
    rows = []
    for p in funded:
        shown = texts.progress_name(tr, p.progress) if p.progress else ""
        rows.append(
            [
                button(
                    labelled(f"{p.number}. {p.title}", f" · {shown.split()[0]}" if shown else ""),
                    FEATURE,
                    "ip",
                    p.id,
                )
            ]
        )
    rows.append(_back(tr, cycle.id))
    text = tr.t("budget.progress_title" if funded else "budget.none_funded")
    await send(update, context, text, InlineKeyboardMarkup(rows))


@requires(Role.STAFF)
async def progress_card(update: Update, context: QatysuContext) -> None:
    """A funded project: its status, and what can be reported next."""
    project = await _screenable(update, context)
    if project is None:
        return
    await answer(update)
    tr = context.tr
    cycle = await repo.get(context.services.db, project.cycle_id)
    assert cycle is not None
    numbers = {project.id: project.number}
    rows = []
    if cycle.accepts_updates and project.progress is not None:
        for progress in (Progress.STARTED, Progress.DONE, Progress.CANCELLED):
            if repo.may_follow(project.progress, progress) and progress is not project.progress:
                rows.append(
                    [
                        button(
                            tr.t(f"budget.set.{progress.value}"),
                            FEATURE,
                            "up",
                            project.id,
                            progress.value,
                        )
                    ]
                )
        if repo.may_follow(project.progress, project.progress):
            rows.append([button(tr.t("budget.set.note"), FEATURE, "up", project.id, "note")])
    rows.append([button(tr.t("button.back"), FEATURE, "impl", project.cycle_id)])
    await send(
        update, context, texts.project_card(tr, project, numbers, None), InlineKeyboardMarkup(rows)
    )


def register(app: QatysuApp) -> None:
    """Register the staff's budget buttons (the typed steps are in handlers.budget.staff)."""
    actions = {
        "list": list_area,
        "card": card,
        "scr": screening,
        "sp": screen_card,
        "acc": accept,
        "mgl": merge_targets,
        "mg": merge,
        "res": results,
        "xlsx": workbook,
        "pdf": printable,
        "impl": progress_list,
        "ip": progress_card,
    }
    for action, callback in actions.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=callbacks.matches(FEATURE, action)))
