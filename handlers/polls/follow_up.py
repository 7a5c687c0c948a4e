"""Staff record what the akimat did after a poll closed: "you said, we did" in the reports.

A closed poll's card (``handlers.polls.manage``) has "📝 What was done"; the text typed next is
stored through :func:`bot.polls.service.record_follow_up` (a later one replaces it). The tap and
the text are checked on the server: the poll must touch the staff member's area and be closed.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.auth import requires
from bot.context import QatysuApp, QatysuContext
from bot.polls import service as polls
from handlers.polls import manage
from handlers.widgets.dialogs import Dialog, cancel_step, tap
from storage import drafts
from storage import polls as repo
from storage.models import Role

DIALOG = "poll_follow_up"
TEXT = 0
END = ConversationHandler.END


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Ask what was done after the tapped (closed) poll of the staff member's area."""
    query = update.callback_query
    poll = await manage.poll_of_tap(update, context)
    if poll is None or query is None or update.effective_user is None:
        return END
    tr = context.tr
    if poll.status != "closed":
        await query.answer(tr.t("poll.follow_up_open"), show_alert=True)
        return END
    await query.answer()
    await drafts.save(context.services.db, update.effective_user.id, DIALOG, {"poll": poll.id})
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, tr.t("poll.follow_up_ask", question=poll.question)
    )
    return TEXT


@requires(Role.STAFF)
async def text(update: Update, context: QatysuContext) -> int:
    """Store what was done (the scope checked again) and show the poll's card."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    tr = context.tr
    db = context.services.db
    draft = await drafts.load(db, update.effective_user.id, DIALOG)
    poll = await repo.get(db, int(draft.get("poll", 0)))
    if poll is None or not await manage.in_scope(update, context, poll):
        await drafts.drop(db, update.effective_user.id, DIALOG)
        await message.reply_text(tr.t("error.stale_button"))
        return END
    typed = message.text or ""
    problem = polls.follow_up_problem(typed)
    if problem is not None:
        key, values = problem
        await message.reply_text(tr.t(key, **({"question": poll.question} | values)))
        return TEXT
    stored = await polls.record_follow_up(
        context.services, poll.id, typed, update.effective_user.id
    )
    await drafts.drop(db, update.effective_user.id, DIALOG)
    await message.reply_text(tr.t("poll.follow_up_saved" if stored else "poll.follow_up_open"))
    await message.reply_text(
        await manage.card_text(context, poll), reply_markup=manage.card_keyboard(context, poll)
    )
    return END


cancel = cancel_step(DIALOG)


def register(app: QatysuApp) -> None:
    """Register the follow-up dialog."""
    app.add_handler(
        Dialog(
            DIALOG,
            entry_points=[tap(manage.FEATURE, start, "done")],
            states={TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, text)]},
            draft=DIALOG,
            context_keys=("poll",),  # which poll: chosen by its button
            cancel=cancel,
        )
    )
