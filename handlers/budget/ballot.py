"""Residents vote within the budget: tick projects, watch the total, cast, change until the close.

A tick (``v1:bdg:t:<cycle>:<choices>``) only redraws the ballot with the running total and is
refused when the selection would not fit; Vote (``v1:bdg:c:<cycle>:<choices>``) stores it through
:func:`bot.budget.service.cast`, which checks everything again in the transaction that writes:
the phase and its dates, the voter's village and electorate, the budget or K. A forwarded
ballot, a resident who moved and forged data get a polite refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.budget import service, texts
from bot.budget.texts import Item
from bot.context import QatysuApp, QatysuContext
from handlers.budget.common import tapped, where
from handlers.verification.resident import start_button
from storage import budget as repo
from storage import verifications as verifications_repo
from storage.budget import BallotKind, CastResult, Cycle, Phase
from storage.db import utcnow
from storage.verifications import Status

_LOGGER = logging.getLogger(__name__)
FEATURE = texts.FEATURE
# A ballot's projects, prices and place never change once voting opened: kept per cycle.
# Keyed by the database too: tests run many bots in one process.
_BALLOTS: dict[tuple[str, int, str], tuple[list[Item], dict[str, str]]] = {}


async def ballot_of(context: QatysuContext, cycle: Cycle) -> tuple[list[Item], str]:
    """The ballot's projects and the cycle's place in the reader's language."""
    key = (str(context.services.db.path), cycle.id, cycle.opened_at.isoformat())
    cached = _BALLOTS.get(key) if cycle.phase is Phase.VOTING else None
    if cached is None:
        projects = await repo.projects(context.services.db, cycle.id)
        items = sorted(
            (Item.of(p) for p in projects if p.position is not None), key=lambda i: i.position or 0
        )
        names = await service.place_names(context.services, cycle)
        shown = {
            lang: texts.place(names, context.services.i18n.get(lang), cycle.scope_code)
            for lang in ("kk", "ru", "en")
        }
        cached = (items, shown)
        if cycle.phase is Phase.VOTING:
            _BALLOTS[key] = cached
    items, shown = cached
    return items, shown.get(context.tr.language) or await where(context, cycle)


def _cycle_and_choices(update: Update) -> tuple[int, int] | None:
    parsed = tapped(update)
    try:
        return (parsed.int_arg(0), parsed.int_arg(1)) if parsed is not None else None
    except callbacks.CallbackDataError:
        return None


async def refusal_text(context: QatysuContext, cycle: Cycle, result: CastResult) -> str:
    """Why a ballot (or a tick) was refused, in the resident's language."""
    tr = context.tr
    if result is CastResult.CLOSED:
        return tr.t("budget.ballot_closed")
    if result in (CastResult.ELSEWHERE, CastResult.UNVERIFIED):
        return await not_eligible(context, cycle)
    if result is CastResult.MOVED:
        return tr.t("budget.moved")
    if result is CastResult.EMPTY:
        return tr.t("budget.choose_one")
    return tr.t("error.stale_button")


async def not_eligible(context: QatysuContext, cycle: Cycle) -> str:
    """Why this person may not take part in the cycle."""
    tr = context.tr
    why = await service.refusal(context.services, cycle, context.person)
    if why is service.Refusal.NO_VILLAGE:
        return tr.t("budget.no_village")
    if why is service.Refusal.UNVERIFIED:
        return tr.t("budget.unverified")
    return tr.t("budget.elsewhere", place=await where(context, cycle))


async def refuse_ineligible(update: Update, context: QatysuContext, cycle: Cycle) -> None:
    """Answer the tap with why this person may not take part; if only their verification is
    missing, say how to get verified, with the button that starts it."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    await query.answer(await not_eligible(context, cycle), show_alert=True)
    if (
        await service.refusal(context.services, cycle, context.person)
        is not service.Refusal.UNVERIFIED
    ):
        return
    assert context.person is not None
    tr = context.tr
    found = await verifications_repo.latest_of(context.services.db, context.person.id)
    chat_id = update.effective_chat.id
    if found is not None and found.status is Status.PENDING:
        await context.bot.send_message(chat_id, tr.t("verify.poll_pending"))
    else:
        await context.bot.send_message(chat_id, tr.t("budget.verify_how"),
                                       reply_markup=start_button(tr))  # fmt: skip


def over_text(context: QatysuContext, cycle: Cycle, items: list[Item], choices: int) -> str:
    """The selection does not fit: the budget, or K projects."""
    tr = context.tr
    if cycle.ballot_kind is BallotKind.APPROVAL:
        return tr.nt("budget.too_many", cycle.max_choices or 1)
    spent = texts.of_budget(tr, texts.total(items, choices), cycle.amount)
    return tr.t("budget.over_budget", total=spent)


def _fits(cycle: Cycle, items: list[Item], choices: int) -> bool:
    if cycle.ballot_kind is BallotKind.APPROVAL:
        return choices.bit_count() <= (cycle.max_choices or 1)
    return texts.total(items, choices) <= cycle.amount


async def show(
    update: Update, context: QatysuContext, cycle: Cycle, choices: int, standing: int
) -> None:
    """Redraw the ballot message with this selection."""
    query = update.callback_query
    assert query is not None
    items, place = await ballot_of(context, cycle)
    tr = context.tr
    text = texts.ballot_text(tr, cycle, place, items, choices, standing)
    with contextlib.suppress(BadRequest):  # "not modified": the same selection again
        await query.edit_message_text(
            text, reply_markup=texts.ballot_keyboard(tr, cycle, items, choices)
        )


async def toggle(update: Update, context: QatysuContext) -> None:
    """Tick or untick a project (nothing is stored until Vote); refuse what would not fit."""
    query = update.callback_query
    assert query is not None and context.person is not None
    parsed = _cycle_and_choices(update)
    cycle = await repo.get(context.services.db, parsed[0]) if parsed else None
    if parsed is None or cycle is None:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return
    items, _ = await ballot_of(context, cycle)
    choices = parsed[1]
    if choices & ~sum(item.bit for item in items):
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
    elif not cycle.accepts_ballots(utcnow()):
        await query.answer(context.tr.t("budget.ballot_closed"), show_alert=True)
    elif await service.refusal(context.services, cycle, context.person) is not None:
        await refuse_ineligible(update, context, cycle)
    elif not _fits(cycle, items, choices):
        await query.answer(over_text(context, cycle, items, choices), show_alert=True)
    else:
        await query.answer()
        standing = await repo.ballot_of(
            context.services.db, cycle.id, service.voter_key(context.services, context.person)
        )
        await show(update, context, cycle, choices, standing)


async def vote(update: Update, context: QatysuContext) -> None:
    """Cast (or change) the ballot and show it as it stands."""
    query = update.callback_query
    assert query is not None and context.person is not None
    tr = context.tr
    parsed = _cycle_and_choices(update)
    if parsed is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    cycle_id, choices = parsed
    cast = await service.cast(context.services, context.person, cycle_id, choices)
    cycle = cast.cycle
    if cycle is not None and cast.result is CastResult.UNVERIFIED:
        _LOGGER.info("Ballot refused (%s): cycle %s", cast.result, cycle_id)
        await refuse_ineligible(update, context, cycle)
        return
    if cycle is None or not cast.counted:
        _LOGGER.info("Ballot refused (%s): cycle %s", cast.result, cycle_id)
        if cycle is not None and cast.result is CastResult.OVER:
            items, _ = await ballot_of(context, cycle)
            text = over_text(context, cycle, items, choices)
        else:
            text = (
                await refusal_text(context, cycle, cast.result)
                if cycle
                else tr.t("error.stale_button")
            )
        await query.answer(text, show_alert=True)
        return
    answers = {CastResult.RECORDED: "budget.counted", CastResult.CHANGED: "budget.changed"}
    # The answer and the ballot's new text go at once, as a poll vote's do (bench/serve.py).
    outcomes = await asyncio.gather(
        query.answer(tr.t(answers.get(cast.result, "budget.same"))),
        show(update, context, cycle, cast.choices, cast.choices),
        return_exceptions=True,
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


def register_buttons(app: QatysuApp) -> None:
    """Register the ballot's buttons: no dialog takes them, and a tap is the hottest path."""
    app.add_handler(CallbackQueryHandler(vote, pattern=callbacks.matches(FEATURE, "c")))
    app.add_handler(CallbackQueryHandler(toggle, pattern=callbacks.matches(FEATURE, "t")))
