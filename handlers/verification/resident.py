"""A resident asks to be verified: their own phone by Telegram's contact button, then a street.

Opened by the button under /mydata or under a verified-only poll's refusal. Telegram's "share my
phone" button sends the person's own contact; a contact card of someone else (the attachment
menu can send any) is refused. The dialog survives a restart; /cancel leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.behalf import service as on_behalf
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.residents import verification as service
from bot.residents.verification import FEATURE, Contact, Shared
from handlers.widgets import keyboards
from handlers.widgets.dialogs import (
    Dialog,
    DialogDraft,
    Drafts,
    chat_id,
    message_of,
    tap,
    user_id,
)
from storage import territory
from storage.verifications import Requested

DIALOG = "verify"
PHONE, STREET = range(2)
END = ConversationHandler.END


@dataclass(slots=True)
class RequestDraft(DialogDraft):
    """The request waiting for its street."""

    request: int | None = None


DRAFTS = Drafts(DIALOG, RequestDraft)


def start_button(tr: Translator) -> InlineKeyboardMarkup:
    """The button that opens this dialog (under /mydata, under a poll's refusal)."""
    data = callbacks.build(FEATURE, "start")
    return InlineKeyboardMarkup([[InlineKeyboardButton(tr.t("verify.start"), callback_data=data)]])


def _phone_keyboard(tr: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(tr.t("verify.share_phone"), request_contact=True)],
         [KeyboardButton(tr.t("verify.cancel_button"))]],
        resize_keyboard=True, one_time_keyboard=True,
    )  # fmt: skip


def _menu_again(context: QatysuContext) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """The reply menu in place of the phone button (a resident here has a village)."""
    person = context.person
    if person is None or person.village_code is None:
        return ReplyKeyboardRemove()
    return keyboards.reply_menu(context.tr)


async def _village_name(context: QatysuContext) -> str:
    person = context.person
    if person is None or person.village_code is None:
        return "—"
    village = await territory.get_village(context.services.db, person.village_code)
    return village.names.get(context.tr.language) if village else person.village_code


async def start(update: Update, context: QatysuContext) -> int:
    """Ask for the phone with the "share my phone" keyboard button."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    tr = context.tr
    if context.person is None or context.person.village_code is None:
        await context.bot.send_message(chat_id(update), tr.t("poll.no_village"))
        return END
    return await ask_phone(update, context)


async def ask_phone(update: Update, context: QatysuContext) -> int:
    """Ask for the phone (again)."""
    tr = context.tr
    text = tr.t("verify.ask_phone", village=await _village_name(context))
    await context.bot.send_message(chat_id(update), text, reply_markup=_phone_keyboard(tr))
    return PHONE


async def take_contact(update: Update, context: QatysuContext) -> int:
    """A contact: the resident's own Kazakhstan number is stored, anything else refused."""
    message = message_of(update)
    assert message.contact is not None and context.person is not None  # filters.CONTACT
    tr = context.tr
    contact = message.contact
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part) or None
    outcome, request_id = await service.share(
        context.services, context.person, user_id(update),
        Contact(contact.user_id, contact.phone_number, name),
    )  # fmt: skip
    if outcome is Shared.NOT_OWN:
        await message.reply_text(tr.t("verify.not_own"), reply_markup=_phone_keyboard(tr))
        return PHONE
    if claimed := await on_behalf.claim(
        context.services, context.person, user_id(update), contact.user_id, contact.phone_number
    ):  # items the akimat filed for this phone before the resident joined
        await message.reply_text(tr.nt("behalf.claimed", claimed))
    village = await _village_name(context)
    if outcome is Requested.PENDING:
        await DRAFTS.save(update, context, RequestDraft(request=request_id))
        await message.reply_text(
            tr.t("verify.ask_street", village=village), reply_markup=_menu_again(context)
        )
        return STREET
    keys = {
        Shared.NOT_KZ: "verify.not_kz",
        Shared.NO_VILLAGE: "poll.no_village",
        Requested.TAKEN: "verify.taken",
        Requested.ALREADY: "verify.already",
        Requested.VERIFIED: "verify.verified_by_register",
    }
    await message.reply_text(
        tr.t(keys[outcome], village=village), reply_markup=_menu_again(context)
    )
    return END


async def not_a_contact(update: Update, context: QatysuContext) -> int:
    """Text instead of the contact: the Cancel button leaves, anything else asks again."""
    message = message_of(update)
    tr = context.tr
    if (message.text or "").strip() == tr.t("verify.cancel_button"):
        await message.reply_text(tr.t("cancel.done"), reply_markup=_menu_again(context))
        return END
    await message.reply_text(tr.t("verify.use_the_button"), reply_markup=_phone_keyboard(tr))
    return PHONE


async def ask_street(update: Update, context: QatysuContext) -> int:
    """Ask the street again (Continue)."""
    text = context.tr.t("verify.ask_street", village=await _village_name(context))
    await context.bot.send_message(chat_id(update), text)
    return STREET


async def take_street(update: Update, context: QatysuContext) -> int:
    """Keep the street; the request goes to the village's staff."""
    message = message_of(update)
    assert context.person is not None  # the session loads everyone who writes
    tr = context.tr
    street = (message.text or "").strip()
    if not 2 <= len(street) <= service.MAX_STREET:
        await message.reply_text(tr.t("verify.street_bad", limit=tr.number(service.MAX_STREET)))
        return STREET
    request_id = (await DRAFTS.load(update, context)).request or 0
    await DRAFTS.drop(update, context)
    if not await service.add_street(context.services, context.bot, context.person, request_id,
                                    street):  # fmt: skip
        await message.reply_text(tr.t("error.stale_button"))
        return END
    await message.reply_text(tr.t("verify.sent", village=await _village_name(context)))
    return END


async def cancel(update: Update, context: QatysuContext) -> int:
    """Leave the dialog (/cancel); the reply menu comes back under the input field."""
    await DRAFTS.drop(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.bot.send_message(
        chat_id(update), context.tr.t("cancel.done"), reply_markup=_menu_again(context)
    )
    return END


def register(app: QatysuApp) -> None:
    """Register the verification dialog (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    dialog = Dialog(
        DIALOG,
        entry_points=[tap(FEATURE, start, "start")],
        states={
            PHONE: [
                MessageHandler(filters.CONTACT, take_contact),
                MessageHandler(text, not_a_contact),
            ],
            STREET: [MessageHandler(text, take_street)],
        },
        prompts={PHONE: ask_phone, STREET: ask_street},
        draft=DIALOG,
        context_keys=("request",),  # the street is what the resident enters
        cancel=cancel,
    )
    app.add_handler(dialog)
