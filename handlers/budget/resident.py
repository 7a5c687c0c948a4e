"""Residents and the budget: /budget, a cycle's page, its proposals, a project, the results.

A cycle's page says where it stands (the phases with their dates) and offers what the phase
allows: propose, the proposals and their screening, the ballot, the results, the funded
projects' progress. Anyone may read the cycles of their own village; staff reach theirs from
the "Manage budgets" button.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.auth import load_access, refuse
from bot.broadcast.engine import file_input, preview_of
from bot.budget import render, service, texts
from bot.budget.texts import button, clip, labelled
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from handlers.budget.ballot import ballot_of
from handlers.budget.common import (
    STAFF,
    answer,
    cycle_of_tap,
    int_arg,
    project_of_tap,
    send,
    village_names,
    where,
)
from handlers.widgets.keyboards import button as staff_button
from storage import budget as repo
from storage.budget import Cycle, Phase, Project
from storage.db import utcnow
from storage.models import Role

FEATURE = texts.FEATURE
LISTED = 5  # cycles on /budget
PER_PAGE = 8  # proposals per page of the list
UPDATES_SHOWN = 5


async def list_cycles(update: Update, context: QatysuContext) -> None:
    """Show the budget cycles of the resident's village; staff also get their own."""
    assert update.effective_user is not None
    await answer(update)
    tr = context.tr
    person = context.person
    rows: list[list[InlineKeyboardButton]] = []
    if person is None or person.village_code is None:
        text = tr.t("budget.no_village")
    else:
        cycles = await repo.of_village(context.services.db, person.village_code, LISTED)
        for cycle in cycles:
            label = labelled(f"{cycle.title} · {texts.phase_name(tr, cycle.phase)}")
            rows.append([button(label, "page", cycle.id)])
        text = tr.t("budget.list_title" if cycles else "budget.list_empty")
    access = await load_access(context, update.effective_user.id)
    if access.has(Role.STAFF):
        rows.append([staff_button(tr.t("budget.manage"), STAFF, "list")])
    await send(update, context, text, InlineKeyboardMarkup(rows) if rows else None)


async def readable(update: Update, context: QatysuContext, cycle: Cycle) -> bool:
    """Whether the person may read the cycle: of their village, or staff; refused if not."""
    person = context.person
    if person is not None and person.village_code in cycle.village_codes:
        return True
    assert update.effective_user is not None
    if (await load_access(context, update.effective_user.id)).has(Role.STAFF):
        return True
    query = update.callback_query
    if query is not None:
        text = context.tr.t("budget.elsewhere", place=await where(context, cycle))
        await query.answer(text, show_alert=True)
    return False


def _counts(tr: Translator, projects: list[Project]) -> str:
    accepted = sum(1 for p in projects if p.status == "accepted")
    return tr.t(
        "budget.page_counts",
        proposals=tr.nt("budget.proposals", len(projects)),
        accepted=tr.number(accepted),
    )


async def page_text(context: QatysuContext, cycle: Cycle, projects: list[Project]) -> str:
    """The cycle's page: rules, phases, and what the phase shows."""
    tr = context.tr
    lines = [*texts.header(tr, cycle, await where(context, cycle)), "", *texts.timeline(tr, cycle)]
    lines += ["", _counts(tr, projects)]
    if cycle.phase in (Phase.RESULTS, Phase.IMPLEMENTATION) and cycle.results is not None:
        results = cycle.results
        total = {
            str(p.id): int(results.get("votes", {}).get(str(p.id), 0))
            + int(results.get("paper", {}).get(str(p.id), 0))
            for p in projects
        }
        funded = texts.funded_lines(tr, projects, total)
        spent = texts.of_budget(tr, int(results.get("spent", 0)), cycle.amount)
        lines += [
            "",
            tr.t("budget.spent", spent=spent, count=tr.nt("budget.projects", len(funded))),
        ]
        lines += funded or [tr.t("budget.none_funded")]
    return clip("\n".join(lines), 4000)


def page_keyboard(
    context: QatysuContext, cycle: Cycle, projects: list[Project]
) -> InlineKeyboardMarkup:
    """What the phase allows: propose, the proposals, the ballot, results, progress."""
    tr = context.tr
    rows = []
    now = utcnow()
    if cycle.accepts_proposals(now):
        rows.append([button(tr.t("budget.propose_button"), "prop", cycle.id)])
    if cycle.accepts_ballots(now):
        rows.append([button(tr.t("budget.ballot_button"), "ballot", cycle.id)])
    if cycle.phase in (Phase.RESULTS, Phase.IMPLEMENTATION):
        rows.append([button(tr.t("budget.results_button"), "res", cycle.id)])
        for project in sorted((p for p in projects if p.funded), key=lambda p: p.funded or 0):
            label = labelled(f"🏗 {project.number}. {project.title}")
            rows.append([button(label, "proj", project.id)])
    if projects:
        rows.append([button(tr.t("budget.proposals_button"), "list", cycle.id, 0)])
    return InlineKeyboardMarkup(rows)


async def show_page(update: Update, context: QatysuContext) -> None:
    """Open a cycle's page."""
    cycle = await cycle_of_tap(update, context)
    if cycle is None or not await readable(update, context, cycle):
        return
    await answer(update)
    projects = await repo.projects(context.services.db, cycle.id)
    await send(
        update,
        context,
        await page_text(context, cycle, projects),
        page_keyboard(context, cycle, projects),
    )


async def show_proposals(update: Update, context: QatysuContext) -> None:
    """List the cycle's proposals with their screening, a page at a time."""
    cycle = await cycle_of_tap(update, context)
    if cycle is None or not await readable(update, context, cycle):
        return
    await answer(update)
    tr = context.tr
    projects = await repo.projects(context.services.db, cycle.id)
    pages = max(1, -(-len(projects) // PER_PAGE))
    page = min(max(int_arg(update, 1) or 0, 0), pages - 1)
    shown = projects[page * PER_PAGE : (page + 1) * PER_PAGE]
    numbers = {p.id: p.number for p in projects}
    lines = [tr.t("budget.proposals_title", title=cycle.title), ""]
    lines += [texts.proposal_line(tr, p, numbers) for p in shown] or [tr.t("budget.no_proposals")]
    rows = [[button(labelled(f"{p.number}. {p.title}"), "proj", p.id)] for p in shown]
    arrows = []
    if page > 0:
        arrows.append(button(tr.t("button.prev_page"), "list", cycle.id, page - 1))
    if page < pages - 1:
        arrows.append(button(tr.t("button.next_page"), "list", cycle.id, page + 1))
    if arrows:
        rows.append(arrows)
    rows.append([button(tr.t("button.back"), "page", cycle.id)])
    await send(update, context, clip("\n".join(lines), 4000), InlineKeyboardMarkup(rows))


async def show_project(update: Update, context: QatysuContext) -> None:
    """One project in full, its photo and place, and its latest progress."""
    project = await project_of_tap(update, context)
    if project is None:
        return
    cycle = await repo.get(context.services.db, project.cycle_id)
    if cycle is None or not await readable(update, context, cycle):
        return
    await answer(update)
    assert update.effective_chat is not None
    tr = context.tr
    db = context.services.db
    numbers = {p.id: p.number for p in await repo.projects(db, cycle.id)}
    villages = await village_names(context, (project.village_code,) if project.village_code else ())
    lines = [texts.project_card(tr, project, numbers, villages.get(project.village_code or ""))]
    updates = await repo.updates_of(db, project.id, UPDATES_SHOWN)
    if updates:
        lines += ["", tr.t("budget.updates_title")]
        for item in updates:
            note = f" — {clip(item.note, 200)}" if item.note else ""
            lines.append(
                f"{tr.date(item.posted_at)}: {texts.progress_name(tr, item.progress)}{note}"
            )
    chat_id = update.effective_chat.id
    back = InlineKeyboardMarkup([[button(tr.t("button.back"), "page", cycle.id)]])
    photo = next((u.photo for u in updates if u.photo), None) or project.photo
    if photo:
        await context.bot.send_photo(chat_id, photo)
    if project.latitude is not None and project.longitude is not None:
        await context.bot.send_location(chat_id, project.latitude, project.longitude)
    await context.bot.send_message(chat_id, clip("\n".join(lines), 4000), reply_markup=back)


async def show_ballot(update: Update, context: QatysuContext) -> None:
    """Send the ballot, with the resident's standing choice ticked."""
    cycle = await cycle_of_tap(update, context)
    if cycle is None or not await readable(update, context, cycle):
        return
    tr = context.tr
    if not cycle.accepts_ballots(utcnow()):
        await refuse(update, context, "budget.ballot_closed", f"ballot of cycle {cycle.id}")
        return
    await answer(update)
    assert context.person is not None
    standing = await repo.ballot_of(
        context.services.db, cycle.id, service.voter_key(context.services, context.person)
    )
    items, place = await ballot_of(context, cycle)
    await send(
        update,
        context,
        texts.ballot_text(tr, cycle, place, items, standing, standing),
        texts.ballot_keyboard(tr, cycle, items, standing),
    )


async def show_results(update: Update, context: QatysuContext) -> None:
    """Send the results with the chart, in the reader's language."""
    cycle = await cycle_of_tap(update, context)
    if cycle is None or not await readable(update, context, cycle):
        return
    await send_results(update, context, cycle)


async def send_results(update: Update, context: QatysuContext, cycle: Cycle) -> None:
    """The results as residents got them at the close."""
    query = update.callback_query
    if cycle.results is None:
        if query is not None:
            await query.answer(context.tr.t("budget.results_later"), show_alert=True)
        return
    await answer(update)
    assert update.effective_chat is not None
    payload = await service.results_payload(context.services, cycle)
    shown = await render.render_results(preview_of(service.RESULTS_KIND, payload), context.tr)
    chat_id = update.effective_chat.id
    if shown.photo:
        await context.bot.send_photo(
            chat_id, await file_input(shown.photo), caption=shown.text, reply_markup=shown.markup
        )
    else:
        await context.bot.send_message(chat_id, shown.text, reply_markup=shown.markup)


def register(app: QatysuApp) -> None:
    """Register /budget and the residents' budget buttons."""
    app.add_handler(CommandHandler("budget", list_cycles))
    app.add_handler(CallbackQueryHandler(list_cycles, pattern=callbacks.matches("menu", "budget")))
    actions = {
        "page": show_page,
        "list": show_proposals,
        "proj": show_project,
        "ballot": show_ballot,
        "res": show_results,
    }
    for action, callback in actions.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=callbacks.matches(FEATURE, action)))
