"""Staff and the polls of their area: live counts, paper votes, closing early.

Every handler is guarded by ``requires(Role.STAFF)``; every action re-checks the scope, since
a client can forge any tap: paper votes need the village in scope, closing early needs the
author or staff covering every village of the poll.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.auth import authorize_village, load_access, refuse, requires
from bot.callbacks import CallbackDataError, Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import button_label
from bot.polls import jobs as poll_jobs
from bot.polls import service as polls
from bot.polls import texts
from handlers import paper as notice_board
from handlers.polls.vote import send_results
from handlers.widgets.dialogs import Dialog, cancel_step, tap
from handlers.widgets.keyboards import button
from storage import drafts, territory
from storage import polls as repo
from storage.db import utcnow
from storage.models import Role
from storage.polls import Poll

FEATURE = Feature.POLL_STAFF
DIALOG = "poll_paper"
PAPER_VILLAGE, PAPER_COUNTS = range(2)
END = ConversationHandler.END
LISTED = 15
MAX_PAPER = 100_000


async def _village_names(context: QatysuContext, codes: tuple[str, ...]) -> str:
    names = []
    for code in codes:
        village = await territory.get_village(context.services.db, code)
        names.append(village.names.get(context.tr.language) if village else code)
    return ", ".join(names)


async def _in_scope(update: Update, context: QatysuContext, poll: Poll) -> list[str]:
    """The poll's villages this staff member covers."""
    assert update.effective_user is not None
    access = await load_access(context, update.effective_user.id)
    covered = []
    for code in poll.village_codes:
        village = await territory.get_village(context.services.db, code)
        if village is not None and access.covers(Role.STAFF, village):
            covered.append(code)
    return covered


async def _poll_of_tap(update: Update, context: QatysuContext) -> Poll | None:
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
    if not await _in_scope(update, context, poll):
        await refuse(update, context, "auth.out_of_scope", f"poll {poll_id} outside scope")
        return None
    return poll


@requires(Role.STAFF)
async def list_area(update: Update, context: QatysuContext) -> None:
    """List the polls of the staff's villages: open ones first."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    await query.answer()
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
    await query.edit_message_text(text, reply_markup=InlineKeyboardMarkup(rows) if rows else None)


async def card_text(context: QatysuContext, poll: Poll) -> str:
    """A poll as staff follow it: villages, status, counts so far."""
    tr = context.tr
    results = await polls.results(context.services, poll)
    if poll.status == "open":
        status = tr.t("poll.card_open", when=tr.datetime(poll.closes_at))
    else:
        status = tr.t("poll.card_closed", when=tr.datetime(poll.closed_at or poll.closes_at))
    lines = [
        poll.question,
        "",
        tr.t("poll.card_villages", villages=await _village_names(context, poll.village_codes)),
        status,
        tr.t(
            "poll.card_votes",
            voters=tr.number(results.voters),
            paper=tr.number(results.paper_votes),
        ),
        "",
        *texts.option_lines(tr, poll, results, 60),
    ]
    return texts.clip("\n".join(lines), 4000)


def card_keyboard(context: QatysuContext, poll: Poll) -> InlineKeyboardMarkup:
    """Paper votes and Close now while open; the way back."""
    tr = context.tr
    rows = []
    if poll.status == "open":
        rows.append([button(tr.t("poll.paper_button"), FEATURE, "paper", poll.id)])
        rows.append([button(tr.t("poll.close_button"), FEATURE, "close", poll.id)])
    else:
        rows.append([button(tr.t("poll.results_button"), FEATURE, "res", poll.id)])
    rows.append(notice_board.paper_buttons(tr, "p", poll.id))
    rows.append([button(tr.t("button.back"), FEATURE, "list")])
    return InlineKeyboardMarkup(rows)


@requires(Role.STAFF)
async def card(update: Update, context: QatysuContext) -> None:
    """Open one poll of the staff's area."""
    query = update.callback_query
    poll = await _poll_of_tap(update, context)
    if poll is None or query is None:
        return
    await query.answer()
    await query.edit_message_text(
        await card_text(context, poll), reply_markup=card_keyboard(context, poll)
    )


@requires(Role.STAFF)
async def staff_results(update: Update, context: QatysuContext) -> None:
    """Send a closed poll's results with the chart."""
    query = update.callback_query
    poll = await _poll_of_tap(update, context)
    if poll is None or query is None or update.effective_chat is None:
        return
    await query.answer()
    await send_results(context, update.effective_chat.id, poll)


async def _may_close(update: Update, context: QatysuContext, poll: Poll) -> bool:
    assert update.effective_user is not None
    if poll.created_by == update.effective_user.id:
        return True
    return len(await _in_scope(update, context, poll)) == len(poll.village_codes)


@requires(Role.STAFF)
async def ask_close(update: Update, context: QatysuContext) -> None:
    """Ask before closing a poll early."""
    query = update.callback_query
    poll = await _poll_of_tap(update, context)
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
    poll = await _poll_of_tap(update, context)
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
    assert context.job_queue is not None
    poll_jobs.unschedule(context.job_queue, poll.id)
    current = await repo.get(context.services.db, poll.id)
    assert current is not None
    await query.edit_message_text(
        await card_text(context, current), reply_markup=card_keyboard(context, current)
    )


# --- paper votes: a small persistent dialog ---------------------------------------------------
@requires(Role.STAFF)
async def paper_start(update: Update, context: QatysuContext) -> int:
    """Ask for which of the poll's villages (in scope) the paper votes are."""
    query = update.callback_query
    poll = await _poll_of_tap(update, context)
    if poll is None or query is None or update.effective_user is None:
        return END
    tr = context.tr
    if poll.status != "open":
        await query.answer(tr.t("poll.paper_closed"), show_alert=True)
        return END
    await query.answer()
    await drafts.save(context.services.db, update.effective_user.id, DIALOG, {"poll": poll.id})
    covered = await _in_scope(update, context, poll)
    if len(covered) == 1:
        return await _ask_counts(update, context, poll, covered[0])
    rows = []
    for code in covered:
        village = await territory.get_village(context.services.db, code)
        label = button_label(village.names.get(tr.language)) if village else code
        rows.append([button(label, FEATURE, "pv", poll.id, code)])
    rows.append([button(tr.t("poll.cancel"), FEATURE, "pcancel")])
    await query.edit_message_text(
        tr.t("poll.paper_which_village"), reply_markup=InlineKeyboardMarkup(rows)
    )
    return PAPER_VILLAGE


async def _ask_counts(update: Update, context: QatysuContext, poll: Poll, code: str) -> int:
    assert update.effective_user is not None and update.effective_chat is not None
    tr = context.tr
    village = await authorize_village(update, context, Role.STAFF, code)
    if village is None:
        return END
    await drafts.save(
        context.services.db, update.effective_user.id, DIALOG, {"poll": poll.id, "village": code}
    )
    options = "\n".join(f"{n}. {option}" for n, option in enumerate(poll.options, 1))
    await context.bot.send_message(
        update.effective_chat.id,
        tr.t("poll.paper_ask", village=village.names.get(tr.language), options=options),
    )
    return PAPER_COUNTS


@requires(Role.STAFF)
async def paper_village(update: Update, context: QatysuContext) -> int:
    """The village is chosen (re-checked): ask for the numbers."""
    query = update.callback_query
    poll = await _poll_of_tap(update, context)
    if poll is None or query is None:
        return END
    code = callbacks.parse(query.data).arg(1)
    if code not in poll.village_codes:
        await refuse(update, context, "auth.out_of_scope", f"village {code!r} not in poll")
        return END
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _ask_counts(update, context, poll, code)


def parse_counts(text: str, options: int) -> list[int] | None:
    """One whole number per option, in order (lines, spaces or commas between them)."""
    parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    if len(parts) != options or not all(p.isdigit() and int(p) <= MAX_PAPER for p in parts):
        return None
    return [int(part) for part in parts]


@requires(Role.STAFF)
async def paper_counts(update: Update, context: QatysuContext) -> int:
    """Store the paper votes of the village (scope checked again) and show the poll."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    tr = context.tr
    db = context.services.db
    draft = await drafts.load(db, update.effective_user.id, DIALOG)
    poll = await repo.get(db, int(draft.get("poll", 0)))
    code = str(draft.get("village", ""))
    if poll is None or code not in poll.village_codes:
        await message.reply_text(tr.t("error.stale_button"))
        return END
    if await authorize_village(update, context, Role.STAFF, code) is None:
        return END
    counts = parse_counts(message.text or "", len(poll.options))
    if counts is None:
        await message.reply_text(tr.nt("poll.paper_bad", len(poll.options)))
        return PAPER_COUNTS
    stored = await repo.set_paper_votes(
        db, poll.id, code, counts, update.effective_user.id, utcnow()
    )
    await drafts.drop(db, update.effective_user.id, DIALOG)
    if not stored:
        await message.reply_text(tr.t("poll.paper_closed"))
        return END
    village = await territory.get_village(db, code)
    await message.reply_text(
        tr.t(
            "poll.paper_saved",
            village=village.names.get(tr.language) if village else code,
            votes=" · ".join(tr.number(count) for count in counts),
        )
    )
    current = await repo.get(db, poll.id)
    assert current is not None
    await message.reply_text(
        await card_text(context, current), reply_markup=card_keyboard(context, current)
    )
    return END


paper_cancel = cancel_step(DIALOG)


def register(app: QatysuApp) -> None:
    """Register the paper votes dialog and the staff's poll buttons."""
    dialog = Dialog(
        "poll_paper",
        entry_points=[tap(FEATURE, paper_start, "paper")],
        states={
            PAPER_VILLAGE: [tap(FEATURE, paper_village, "pv")],
            PAPER_COUNTS: [MessageHandler(filters.TEXT & ~filters.COMMAND, paper_counts)],
        },
        draft=DIALOG,
        context_keys=("poll", "village"),  # which poll and village: chosen by buttons
        cancel=paper_cancel,
        fallbacks=[tap(FEATURE, paper_cancel, "pcancel")],
    )
    app.add_handler(dialog)
    actions = {
        "list": list_area,
        "card": card,
        "res": staff_results,
        "close": ask_close,
        "closeok": close_now,
    }
    for action, callback in actions.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=callbacks.matches(FEATURE, action)))
