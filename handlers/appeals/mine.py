"""/my: a resident's own items with their status, history and answers; "Was it solved?"."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.appeals import service as appeals
from bot.appeals import texts
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from handlers.widgets import keyboards
from storage import appeals as repo

FEATURE = Feature.MINE


async def show_list(
    update: Update, context: QatysuContext, page: int = 0, *, edit: bool = False
) -> None:
    """List the resident's items, newest first, a page at a time."""
    assert update.effective_message is not None
    tr = context.tr
    person = context.person
    db = context.services.db
    total = await repo.count_of_person(db, person.id) if person is not None else 0
    if person is None or total == 0:
        await update.effective_message.reply_text(tr.t("my.none"))
        return
    # Fetch only the page shown; labels stay in order, the pager sees every item's slot.
    pages = keyboards.page_count(total)
    page = min(max(page, 0), pages - 1)
    shown = await repo.of_person(db, person.id, keyboards.PAGE_SIZE, page * keyboards.PAGE_SIZE)
    today = appeals.local_today(context.services)
    choices: list[keyboards.Choice] = [("", "")] * total
    for index, appeal in enumerate(shown, start=page * keyboards.PAGE_SIZE):
        choices[index] = (
            texts.own_label(tr, appeal, today),
            callbacks.build(FEATURE, "open", appeal.id),
        )
    markup = keyboards.paged(tr, choices, page, lambda p: callbacks.build(FEATURE, "list", p))
    text = tr.nt("my.title", total)
    if edit and update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def my_command(update: Update, context: QatysuContext) -> None:
    """Show the resident's items (/my or the menu)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await show_list(update, context)


async def page(update: Update, context: QatysuContext) -> None:
    """Show another page of the list."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await show_list(update, context, callbacks.parse(query.data).int_arg(0), edit=True)


async def open_item(update: Update, context: QatysuContext) -> None:
    """Show one of the resident's own items with its history and answers."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    db = context.services.db
    appeal = await repo.get(db, callbacks.parse(query.data).int_arg(0))
    if appeal is None or context.person is None or appeal.person_id != context.person.id:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    await query.answer()
    events = await repo.history(db, appeal.id)
    targets = await texts.target_names(db, tr, events)
    text = texts.resident_card(tr, appeal, events, targets, appeals.local_today(context.services))
    back = InlineKeyboardButton(
        tr.t("button.back"), callback_data=callbacks.build(FEATURE, "list", 0)
    )
    await query.edit_message_text(text, reply_markup=InlineKeyboardMarkup([[back]]))


async def solved(update: Update, context: QatysuContext) -> None:
    """Take the answer to "Was it really solved?" (once; "no" reopens the item)."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    parsed = callbacks.parse(query.data)
    yes = parsed.arg(1) == "y"
    changed = None
    if context.person is not None:
        changed = await appeals.settle(
            context.services, context.bot, parsed.int_arg(0), context.person, yes
        )
    if changed is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    await query.answer()
    key = "my.thanks_solved" if yes else "my.reopened"
    await query.edit_message_text(tr.t(key, number=texts.number(changed)))


def register(app: QatysuApp) -> None:
    """Register /my, its buttons and the "Was it solved?" answers."""
    app.add_handler(CommandHandler("my", my_command))
    app.add_handler(CallbackQueryHandler(my_command, pattern=callbacks.matches(Feature.MENU, "my")))
    app.add_handler(CallbackQueryHandler(page, pattern=callbacks.matches(FEATURE, "list")))
    app.add_handler(CallbackQueryHandler(open_item, pattern=callbacks.matches(FEATURE, "open")))
    app.add_handler(CallbackQueryHandler(solved, pattern=callbacks.matches(FEATURE, "solved")))
