"""/mydata and /deletedata: a resident sees and erases what Qatysu keeps about them."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, privacy
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from handlers.verification import resident as verification
from handlers.widgets import asked

FEATURE = Feature.PRIVACY


async def show_my_data(update: Update, context: QatysuContext) -> None:
    """Show everything stored about this person (/mydata or the menu)."""
    assert update.effective_user is not None and update.effective_message is not None
    if update.callback_query is not None:
        await update.callback_query.answer()
    report = await privacy.personal_data(context, update.effective_user.id)
    markup = verification.start_button(context.tr) if report.may_ask else None
    await update.effective_message.reply_text(
        privacy.render(context.tr, report), reply_markup=markup
    )


async def ask_delete(update: Update, context: QatysuContext) -> None:
    """Ask for confirmation before erasing (/deletedata)."""
    assert update.effective_message is not None
    tr = context.tr
    buttons = [
        [
            InlineKeyboardButton(
                tr.t("deletedata.yes"), callback_data=callbacks.build(FEATURE, "del", "yes")
            )
        ],
        [
            InlineKeyboardButton(
                tr.t("deletedata.no"), callback_data=callbacks.build(FEATURE, "del", "no")
            )
        ],
    ]
    assert update.effective_user is not None
    await asked.ask(context, update.effective_user.id, "delete")  # «иә» or «жоқ» answer too
    await update.effective_message.reply_text(
        tr.t("deletedata.confirm_exact"), reply_markup=InlineKeyboardMarkup(buttons)
    )


async def confirm_delete(update: Update, context: QatysuContext) -> None:
    """Erase the person's data on "yes"; keep it on "no"."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    await query.answer()
    await asked.forget(context, update.effective_user.id)
    if callbacks.parse(query.data).arg(0) != "yes":
        await query.edit_message_text(context.tr.t("deletedata.kept"))
        return
    text = await privacy.delete_personal_data(context, update.effective_user.id)
    await query.edit_message_text(text)


async def typed_answer(update: Update, context: QatysuContext, yes: bool) -> None:
    """«иә» or «жоқ» typed to "Delete your data?"."""
    assert update.effective_user is not None and update.effective_message is not None
    await asked.forget(context, update.effective_user.id)
    if not yes:
        await update.effective_message.reply_text(context.tr.t("deletedata.kept"))
        return
    text = await privacy.delete_personal_data(context, update.effective_user.id)
    await update.effective_message.reply_text(text)


def register(app: QatysuApp) -> None:
    """Register /mydata, /deletedata and the confirmation buttons."""
    app.add_handler(CommandHandler("mydata", show_my_data))
    app.add_handler(
        CallbackQueryHandler(show_my_data, pattern=callbacks.matches(Feature.MENU, "mydata"))
    )
    app.add_handler(CommandHandler("deletedata", ask_delete))
    app.add_handler(CallbackQueryHandler(confirm_delete, pattern=callbacks.matches(FEATURE, "del")))
