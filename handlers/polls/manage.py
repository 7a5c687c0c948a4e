"""Staff and the polls of their area: live counts, protocols of paper votes, closing early.

Every handler is guarded by ``requires(Role.STAFF)``; every action re-checks the scope, since
a client can forge any tap: paper votes need the village in scope, closing early needs the
author or staff covering every village of the poll.

While a poll is open staff see its live counts, marked as such; nothing they tap draws or
keeps a results chart. The results are drawn once, at the close (:mod:`bot.polls.service`).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.auth import load_access, refuse, requires
from bot.callbacks import CallbackDataError, Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import button_label
from bot.polls import service as polls
from bot.polls import texts
from handlers import paper as notice_board
from handlers.polls import vote
from handlers.polls.vote import send_results
from handlers.widgets.dialogs import query_of
from handlers.widgets.keyboards import button
from storage import people, territory
from storage import polls as repo
from storage.models import Role
from storage.polls import Poll

FEATURE = Feature.POLL_STAFF
LISTED = 15


async def _names_of(context: QatysuContext, codes: tuple[str, ...]) -> dict[str, str]:
    """The villages' names in the reader's language, by code."""
    names = {}
    for code in codes:
        village = await territory.get_village(context.services.db, code)
        names[code] = village.names.get(context.tr.language) if village else code
    return names


async def _village_names(context: QatysuContext, codes: tuple[str, ...]) -> str:
    return ", ".join((await _names_of(context, codes)).values())


async def in_scope(update: Update, context: QatysuContext, poll: Poll) -> list[str]:
    """The poll's villages this staff member covers."""
    assert update.effective_user is not None
    access = await load_access(context, update.effective_user.id)
    covered = []
    for code in poll.village_codes:
        village = await territory.get_village(context.services.db, code)
        if village is not None and access.covers(Role.STAFF, village):
            covered.append(code)
    return covered


async def poll_of_tap(update: Update, context: QatysuContext) -> Poll | None:
    """The poll of the tapped button, when it touches the staff's area."""
    query = update.callback_query
    assert query is not None
    try:
        poll_id = callbacks.parse(query.data).int_arg(0)
    except CallbackDataError:
        poll_id = 0
    poll = await repo.get(context.services.db, poll_id)
    if poll is None:
        await refuse(update, context, "error.stale_button", f"no poll {poll_id}")
        return None
    if not await in_scope(update, context, poll):
        await refuse(update, context, "auth.out_of_scope", f"poll {poll_id} outside scope")
        return None
    return poll


async def show_polls(update: Update, context: QatysuContext) -> None:
    """/polls or the menu: a resident's polls; staff without a home village get their area's."""
    assert update.effective_user is not None and update.effective_chat is not None
    person = context.person
    access = await load_access(context, update.effective_user.id)
    if (person is not None and person.village_code is not None) or not access.has(Role.STAFF):
        await vote.list_polls(update, context)
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    text, markup = await area_list(update, context)
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


async def area_list(
    update: Update, context: QatysuContext
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The polls of the staff's villages (scope from their roles), open ones first."""
    assert update.effective_user is not None
    tr = context.tr
    access = await load_access(context, update.effective_user.id)
    villages = await territory.list_villages(context.services.db)
    codes = [v.code for v in villages if access.covers(Role.STAFF, v)]
    found = await repo.in_villages(context.services.db, codes, LISTED)
    rows = [
        [
            button(
                button_label(("🟢 " if p.status == "open" else "⚪ ") + p.question),
                FEATURE,
                "card",
                p.id,
            )
        ]
        for p in found
    ]
    text = tr.t("poll.staff_title" if found else "poll.staff_empty")
    return text, InlineKeyboardMarkup(rows) if rows else None


@requires(Role.STAFF)
async def list_area(update: Update, context: QatysuContext) -> None:
    """List the polls of the staff's villages in place (their button)."""
    query = query_of(update)
    await query.answer()
    text, markup = await area_list(update, context)
    await query.edit_message_text(text, reply_markup=markup)


async def _staff_names(context: QatysuContext, telegram_ids: set[int]) -> dict[int, str]:
    """Staff who entered protocols, by name when they wrote to the bot."""
    names = {}
    for telegram_id in telegram_ids:
        person = await people.get_by_telegram_id(context.services.db, telegram_id)
        names[telegram_id] = (person.first_name if person else None) or str(telegram_id)
    return names


async def card_text(context: QatysuContext, poll: Poll) -> str:
    """A poll as staff follow it: villages, status, counts so far (marked live while open),
    verified residents' votes apart, and every protocol of paper votes."""
    tr = context.tr
    results = await polls.results(context.services, poll)
    lines = []
    if poll.status == "open":
        lines += [tr.t("poll.live_marker"), ""]
        status = tr.t("poll.card_open", when=tr.datetime(poll.closes_at))
    else:
        status = tr.t("poll.card_closed", when=tr.datetime(poll.closed_at or poll.closes_at))
    lines += [
        poll.question,
        "",
        tr.t("poll.card_villages", villages=await _village_names(context, poll.village_codes)),
        status,
        tr.t("poll.electorate_verified" if poll.verified_only else "poll.electorate_residents"),
        tr.t(
            "poll.card_votes",
            voters=tr.number(results.voters),
            paper=tr.number(results.paper_votes),
        ),
        tr.t("poll.card_verified", verified=tr.number(results.verified_voters)),
        "",
        *texts.option_lines(tr, poll, results, 60),
    ]
    protocols = await polls.protocols(context.services, poll.id)
    if protocols:
        names = await _staff_names(context, {p.entered_by for p in protocols})
        villages = await _names_of(context, poll.village_codes)
        lines += ["", tr.t("protocol.list_header")]
        lines += [
            texts.protocol_entry(tr, p, villages.get(p.village_code, p.village_code),
                                 names[p.entered_by])
            for p in protocols
        ]  # fmt: skip
    done = await repo.follow_up(context.services.db, poll.id)
    if done is not None:
        lines += ["", tr.t("poll.follow_up_line", text=done.text, when=tr.date(done.at))]
    return texts.clip("\n".join(lines), 4000)


def card_keyboard(context: QatysuContext, poll: Poll) -> InlineKeyboardMarkup:
    """Paper votes and Close now while open; results and what was done once closed; back."""
    tr = context.tr
    rows = []
    if poll.status == "open":
        rows.append([button(tr.t("poll.paper_button"), FEATURE, "paper", poll.id)])
        rows.append([button(tr.t("poll.close_button"), FEATURE, "close", poll.id)])
        rows.append([button(tr.t("correction.button"), Feature.CORRECTION, "go", "poll", poll.id)])
    else:
        rows.append([button(tr.t("poll.results_button"), FEATURE, "res", poll.id)])
        rows.append([button(tr.t("poll.follow_up_button"), FEATURE, "done", poll.id)])
    rows.append(notice_board.paper_buttons(tr, "p", poll.id))
    rows.append([button(tr.t("button.back"), FEATURE, "list")])
    return InlineKeyboardMarkup(rows)


@requires(Role.STAFF)
async def card(update: Update, context: QatysuContext) -> None:
    """Open one poll of the staff's area."""
    query = update.callback_query
    poll = await poll_of_tap(update, context)
    if poll is None or query is None:
        return
    await query.answer()
    await query.edit_message_text(
        await card_text(context, poll), reply_markup=card_keyboard(context, poll)
    )


@requires(Role.STAFF)
async def staff_results(update: Update, context: QatysuContext) -> None:
    """Send a closed poll's results as published; an open poll's live view, marked as such.

    Before the close nothing is drawn or kept for the results (a forged tap included).
    """
    query = update.callback_query
    poll = await poll_of_tap(update, context)
    if poll is None or query is None or update.effective_chat is None:
        return
    if poll.status == "open":
        await query.answer(context.tr.t("poll.results_at_close"), show_alert=True)
        await context.bot.send_message(
            update.effective_chat.id,
            await card_text(context, poll),
            reply_markup=card_keyboard(context, poll),
        )
        return
    await query.answer()
    await send_results(context, update.effective_chat.id, poll)


async def _may_close(update: Update, context: QatysuContext, poll: Poll) -> bool:
    assert update.effective_user is not None
    if poll.created_by == update.effective_user.id:
        return True
    return len(await in_scope(update, context, poll)) == len(poll.village_codes)


@requires(Role.STAFF)
async def ask_close(update: Update, context: QatysuContext) -> None:
    """Ask before closing a poll early."""
    query = update.callback_query
    poll = await poll_of_tap(update, context)
    if poll is None or query is None:
        return
    tr = context.tr
    if not await _may_close(update, context, poll):
        await refuse(update, context, "poll.close_not_allowed", f"close poll {poll.id}")
        return
    await query.answer()
    markup = InlineKeyboardMarkup(
        [
            [button(tr.t("poll.close_yes"), FEATURE, "closeok", poll.id)],
            [button(tr.t("poll.close_no"), FEATURE, "card", poll.id)],
        ]
    )
    await query.edit_message_text(
        f"{poll.question}\n\n{tr.t('poll.close_confirm')}", reply_markup=markup
    )


@requires(Role.STAFF)
async def close_now(update: Update, context: QatysuContext) -> None:
    """Close the poll now and publish its results."""
    query = update.callback_query
    poll = await poll_of_tap(update, context)
    if poll is None or query is None or update.effective_user is None:
        return
    tr = context.tr
    if not await _may_close(update, context, poll):
        await refuse(update, context, "poll.close_not_allowed", f"close poll {poll.id}")
        return

    async def acknowledge(closed: Poll | None) -> None:
        """Answer before the results are drawn and queued (seconds for a large poll)."""
        await query.answer(tr.t("poll.closed_now" if closed else "poll.already_closed"))

    await polls.close(
        context.services, poll.id, by=update.effective_user.id, acknowledge=acknowledge
    )
    current = await repo.get(context.services.db, poll.id)
    assert current is not None
    await query.edit_message_text(
        await card_text(context, current), reply_markup=card_keyboard(context, current)
    )


def register(app: QatysuApp) -> None:
    """Register the staff's poll buttons (paper votes: :mod:`handlers.polls.protocols`)."""
    actions = {
        "list": list_area,
        "card": card,
        "res": staff_results,
        "close": ask_close,
        "closeok": close_now,
    }
    for action, callback in actions.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=callbacks.matches(FEATURE, action)))
    app.add_handler(CommandHandler("polls", show_polls))
    app.add_handler(
        CallbackQueryHandler(show_polls, pattern=callbacks.matches(Feature.MENU, "polls"))
    )
