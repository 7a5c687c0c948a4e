"""Residents and polls: vote by buttons, /polls of their village, results of closed ones.

Every tap is checked when it arrives, not when the poll was sent: the poll must be open and
the resident must live in one of its villages now (a resident who moved, a forwarded message
or forged data get a polite refusal). The vote itself is written by ``storage.polls.cast``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.auth import load_access
from bot.broadcast.engine import Outgoing, file_input, preview_of
from bot.callbacks import CallbackDataError, Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import button_label
from bot.logs import who
from bot.polls import service as polls
from bot.polls import texts
from bot.polls.render import render_results
from handlers.verification.resident import start_button
from handlers.widgets.keyboards import button
from storage import polls as repo
from storage import territory
from storage import verifications as verifications_repo
from storage.db import utcnow
from storage.models import Role
from storage.polls import Cast, CastResult, Poll
from storage.verifications import Status

_LOGGER = logging.getLogger(__name__)
FEATURE = texts.FEATURE
STAFF_FEATURE = Feature.POLL_STAFF  # handlers.polls.manage
LIST_OPEN, LIST_CLOSED = 10, 5


def _poll_and_choices(data: object) -> tuple[int, int] | None:
    try:
        parsed = callbacks.parse(data)
        return parsed.int_arg(0), parsed.int_arg(1)
    except CallbackDataError:
        return None


async def _elsewhere(context: QatysuContext, poll: Poll) -> str:
    """Why this resident may not vote here, in their language."""
    tr = context.tr
    if context.person is None or context.person.village_code is None:
        return tr.t("poll.no_village")
    names = []
    for code in poll.village_codes:
        village = await territory.get_village(context.services.db, code)
        names.append(village.names.get(tr.language) if village else code)
    return tr.t("poll.elsewhere", villages=", ".join(names))


def _not_bound(context: QatysuContext, poll: Poll, result: CastResult) -> str:
    """Why a resident bound to the village after the poll opened may not vote in it."""
    tr = context.tr
    if result is CastResult.MOVED:
        return tr.t("poll.moved_after_opening", date=tr.date(poll.created_at))
    return tr.t("poll.joined_after_opening", date=tr.date(poll.created_at))


async def _refusal(context: QatysuContext, cast: Cast, choices: int) -> str:
    tr = context.tr
    poll = cast.poll
    if cast.result is CastResult.CLOSED:
        return tr.t("poll.closed")
    if cast.result is CastResult.FINAL and poll is not None:
        shown = poll.read_in(tr.language)
        return tr.t("poll.final_refused", choice=texts.choice_names(shown, cast.choices))
    if cast.result is CastResult.ELSEWHERE and poll is not None:
        return await _elsewhere(context, poll)
    if cast.result is CastResult.UNVERIFIED:
        return tr.t("poll.verified_only_refused")
    if cast.result in (CastResult.MOVED, CastResult.LATE) and poll is not None:
        return _not_bound(context, poll, cast.result)
    if poll is not None and choices == 0:
        return tr.t("poll.choose_one")
    if poll is not None and choices.bit_count() > poll.max_choices:
        return tr.nt("poll.too_many", poll.max_choices)
    return tr.t("error.stale_button")


async def refusal(context: QatysuContext, cast: Cast, choices: int) -> str:
    """Why a vote was not counted, in the resident's language (also for a typed vote)."""
    return await _refusal(context, cast, choices)


async def vote(update: Update, context: QatysuContext) -> None:
    """Record a tap on an option (or on Vote) and show the resident their choice."""
    query = update.callback_query
    assert query is not None and context.person is not None
    tr = context.tr
    parsed = _poll_and_choices(query.data)
    if parsed is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    poll_id, choices = parsed
    cast = await polls.vote(context.services, context.person, poll_id, choices)
    if not cast.counted or cast.poll is None:
        _LOGGER.info(
            "Vote refused (%s): poll %s, %s", cast.result, poll_id, who(query.from_user.id)
        )
        await query.answer(await _refusal(context, cast, choices), show_alert=True)
        if cast.result is CastResult.UNVERIFIED:
            await _how_to_get_verified(update, context)
        return
    poll = cast.poll
    answer = {CastResult.RECORDED: "poll.counted", CastResult.CHANGED: "poll.changed"}
    markup = texts.keyboard(tr, poll, cast.choices) if poll.may_change else None

    async def show() -> None:
        with contextlib.suppress(BadRequest):  # "not modified": a double tap shows the same
            await query.edit_message_text(
                texts.with_vote(tr, poll, cast.choices, cast.results), reply_markup=markup
            )

    # The answer and the message's new text are sent at once, not one round trip after the
    # other: the resident sees both sooner, and the chat's slot is free sooner (bench/serve.py).
    outcomes = await asyncio.gather(
        query.answer(tr.t(answer.get(cast.result, "poll.same"))), show(), return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


async def _verified(context: QatysuContext) -> bool:
    """Whether the resident is verified in the village they live in (as a vote checks it)."""
    person = context.person
    assert person is not None
    found = await verifications_repo.latest_of(context.services.db, person.id)
    return (
        found is not None and found.status is Status.VERIFIED
        and found.village_code == person.village_code
    )  # fmt: skip


async def _how_to_get_verified(update: Update, context: QatysuContext) -> None:
    """After a verified-only poll's refusal: how to get verified, with the button to start."""
    assert update.effective_chat is not None and context.person is not None
    tr = context.tr
    found = await verifications_repo.latest_of(context.services.db, context.person.id)
    if found is not None and found.status is Status.PENDING:
        await context.bot.send_message(update.effective_chat.id, tr.t("verify.poll_pending"))
        return
    await context.bot.send_message(
        update.effective_chat.id, tr.t("verify.poll_how"), reply_markup=start_button(tr)
    )


def _eligibility(context: QatysuContext, poll: Poll) -> CastResult | None:
    """Why this resident may not vote in ``poll`` (as the vote itself will be checked)."""
    person = context.person
    assert person is not None
    return repo.eligibility(
        poll, person.village_code, person.village_set_at, person.village_moved_at
    )


async def toggle(update: Update, context: QatysuContext) -> None:
    """Tick or untick an option of a multiple-choice poll (nothing is stored until Vote)."""
    query = update.callback_query
    assert query is not None and context.person is not None
    tr = context.tr
    parsed = _poll_and_choices(query.data)
    poll = await repo.get(context.services.db, parsed[0]) if parsed else None
    if parsed is None or poll is None or parsed[1] >= 1 << len(poll.options):
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    selected = parsed[1]
    if not poll.accepts_votes(utcnow()):
        await query.answer(tr.t("poll.closed"), show_alert=True)
    elif (refused := _eligibility(context, poll)) is not None:
        await query.answer(
            await _refusal(context, Cast(refused, poll, 0), selected), show_alert=True
        )
    elif poll.verified_only and not await _verified(context):
        await query.answer(tr.t("poll.verified_only_refused"), show_alert=True)
        await _how_to_get_verified(update, context)
    elif selected.bit_count() > poll.max_choices:
        await query.answer(tr.nt("poll.too_many", poll.max_choices), show_alert=True)
    else:
        await query.answer()
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(texts.keyboard(tr, poll, selected))


async def list_polls(update: Update, context: QatysuContext) -> None:
    """Show the open polls of the resident's village (their vote marked) and closed ones."""
    assert update.effective_chat is not None and update.effective_user is not None
    if update.callback_query is not None:
        await update.callback_query.answer()
    tr = context.tr
    db = context.services.db
    person = context.person
    access = await load_access(context, update.effective_user.id)
    rows: list[list[InlineKeyboardButton]] = []
    if person is None or person.village_code is None:
        text = tr.t("poll.no_village")
    else:
        village = await territory.get_village(db, person.village_code)
        name = village.names.get(tr.language) if village else person.village_code
        open_polls = await repo.of_village(db, person.village_code, "open", LIST_OPEN)
        closed = await repo.of_village(db, person.village_code, "closed", LIST_CLOSED)
        mine = await repo.votes_of(db, person.id, [p.id for p in open_polls])
        for poll in open_polls:
            mark = "✅ " if poll.id in mine else "🗳 "
            label = button_label(mark + poll.read_in(tr.language).question)
            rows.append([button(label, FEATURE, "open", poll.id)])
        for poll in closed:
            question = poll.read_in(tr.language).question
            rows.append([button(button_label("📊 " + question), FEATURE, "res", poll.id)])
        text = tr.t("poll.list_title" if rows else "poll.list_empty", village=name)
    if access.has(Role.STAFF):
        rows.append([button(tr.t("poll.manage"), STAFF_FEATURE, "list")])
    await context.bot.send_message(
        update.effective_chat.id, text, reply_markup=InlineKeyboardMarkup(rows) if rows else None
    )


async def _readable(update: Update, context: QatysuContext) -> Poll | None:
    """The poll of the tapped button, when it is one of the resident's village."""
    query = update.callback_query
    assert query is not None
    try:
        poll_id = callbacks.parse(query.data).int_arg(0)
    except CallbackDataError:
        poll_id = 0
    poll = await repo.get(context.services.db, poll_id)
    if poll is None:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return None
    person = context.person
    if person is None or person.village_code not in poll.village_codes:
        await query.answer(await _elsewhere(context, poll), show_alert=True)
        return None
    return poll


async def open_poll(update: Update, context: QatysuContext) -> None:
    """Show one open poll: to vote, or with the resident's vote marked."""
    query = update.callback_query
    poll = await _readable(update, context)
    if poll is None or query is None or update.effective_chat is None:
        return
    if poll.status != "open":
        await show_results(update, context)
        return
    await query.answer()
    assert context.person is not None
    tr = context.tr
    choices = await repo.vote_of(context.services.db, poll.id, context.person.id)
    if choices:
        early = await polls.results(context.services, poll) if poll.results_early else None
        text = texts.with_vote(tr, poll, choices, early)
        markup = texts.keyboard(tr, poll, choices) if poll.may_change else None
    else:
        text, markup = texts.announcement(tr, poll), texts.keyboard(tr, poll)
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def send_results(context: QatysuContext, chat_id: int, poll: Poll) -> None:
    """Send a closed poll's results as published at the close, in this person's language."""
    payload = await polls.published_results(context.services, poll)
    if payload is None:  # still open: nothing is drawn before the close
        await context.bot.send_message(chat_id, context.tr.t("poll.results_after"))
        return
    shown: Outgoing = await render_results(preview_of(polls.RESULTS_KIND, payload), context.tr)
    if shown.photo:
        await context.bot.send_photo(chat_id, await file_input(shown.photo), caption=shown.text)
    else:
        await context.bot.send_message(chat_id, shown.text)


async def show_results(update: Update, context: QatysuContext) -> None:
    """Show a closed poll's results (an open one's are published at the close)."""
    query = update.callback_query
    poll = await _readable(update, context)
    if poll is None or query is None or update.effective_chat is None:
        return
    if poll.status == "open":
        await query.answer(context.tr.t("poll.results_after"), show_alert=True)
        return
    await query.answer()
    await send_results(context, update.effective_chat.id, poll)


def register_buttons(app: QatysuApp) -> None:
    """Register the vote buttons: no dialog takes them, and a tap is the hottest path."""
    app.add_handler(CallbackQueryHandler(vote, pattern=callbacks.matches(FEATURE, "v")))
    app.add_handler(CallbackQueryHandler(toggle, pattern=callbacks.matches(FEATURE, "t")))


def register(app: QatysuApp) -> None:
    """Register the buttons of /polls (the command: :func:`handlers.polls.manage.show_polls`)."""
    app.add_handler(CallbackQueryHandler(open_poll, pattern=callbacks.matches(FEATURE, "open")))
    app.add_handler(CallbackQueryHandler(show_results, pattern=callbacks.matches(FEATURE, "res")))
