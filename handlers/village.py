"""Choosing a village: the first choice binds at once, a move is shown and confirmed first.

Resident buttons: ``v1:vil:mv:<code>`` moves, ``stay`` keeps the village, ``ask:<code>`` asks the
staff of the new village to confirm a move that came too soon. Staff buttons: ``ok:<id>`` and
``no:<id>`` decide a request, scope-checked on every tap (a client can forge callback data).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.auth import authorize_village, refuse, requires
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.residents import village as service
from handlers.appeals import intake
from handlers.menu import send_home
from handlers.widgets import asked
from storage import people, territory
from storage.models import Role, Village
from storage.people import Binding

FEATURE = service.FEATURE


def village_label(tr: Translator, village: Village) -> str:
    """«Village (District, Region)» in the reader's language."""
    lang = tr.language
    return tr.t(
        "start.village_set",
        village=village.names.get(lang),
        district=village.district_names.get(lang),
        region=village.region_names.get(lang),
    )


def _place(tr: Translator, village: Village) -> str:
    lang = tr.language
    return tr.t(
        "village.place",
        village=village.names.get(lang),
        district=village.district_names.get(lang),
        region=village.region_names.get(lang),
    )


async def choose(update: Update, context: QatysuContext, village: Village) -> None:
    """Bind a first village at once; for a move, show both villages and ask first."""
    assert update.effective_user is not None and update.effective_chat is not None
    tr = context.tr
    person = context.person
    if person is None:
        return
    current = None
    if service.is_move(person, village) and person.village_code is not None:
        current = await territory.get_village(context.services.db, person.village_code)
    if current is None:
        await bind(update, context, village)
        return
    text = tr.t("village.move_confirm", old=_place(tr, current), new=_place(tr, village))
    await asked.ask(context, update.effective_user.id, "move", village=village.code)
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(
            text, reply_markup=service.move_buttons(tr, village, current)
        )
    else:
        await context.bot.send_message(
            update.effective_chat.id, text, reply_markup=service.move_buttons(tr, village, current)
        )


async def bind(update: Update, context: QatysuContext, village: Village) -> None:
    """Store the choice (✅ tapped, or «иә» typed to the move) and tell the person what it did."""
    assert context.person is not None
    tr = context.tr
    outcome = await service.choose(context.services, context.person, village)
    if outcome.binding is Binding.TOO_SOON:
        assert outcome.next_move is not None
        text = tr.t(
            "village.too_soon",
            days=tr.nt("village.days", context.services.settings.village_change_days),
            date=tr.date(outcome.next_move),
            village=village.names.get(tr.language),
        )
        markup = service.ask_staff_buttons(tr, village)
        if update.callback_query is not None:
            await update.callback_query.edit_message_text(text, reply_markup=markup)
        else:
            assert update.effective_chat is not None
            await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
        return
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(village_label(tr, village))
        await send_home(update, context, resident=True)
    else:
        await send_home(update, context, village_label(tr, village), resident=True)
    assert update.effective_user is not None
    if await intake.has_kept(context, update.effective_user.id):  # written before joining
        await intake.ask_kept(update, context)


async def confirm_move(update: Update, context: QatysuContext) -> None:
    """✅: move now (or hear that it is too soon)."""
    query = update.callback_query
    assert query is not None
    village = await territory.get_village(context.services.db, callbacks.parse(query.data).arg(0))
    if village is None or context.person is None:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return
    await query.answer()
    await bind(update, context, village)


async def stay(update: Update, context: QatysuContext) -> None:
    """✖: keep the village."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    await query.answer()
    person = context.person
    current = None
    if person is not None and person.village_code is not None:
        current = await territory.get_village(context.services.db, person.village_code)
    if current is None:
        await query.edit_message_text(tr.t("cancel.done"))
        return
    await query.edit_message_text(tr.t("village.stays", village=current.names.get(tr.language)))


async def ask_staff(update: Update, context: QatysuContext) -> None:
    """Ask the staff of the new village to confirm a move that came too soon."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    village = await territory.get_village(context.services.db, callbacks.parse(query.data).arg(0))
    person = context.person
    if village is None or person is None or person.village_code in (None, village.code):
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    await query.answer()
    move = await service.ask_staff(context.services, context.bot, person, village)
    name = village.names.get(tr.language)
    key = "village.asked" if move is not None else "village.no_staff"
    await query.edit_message_text(tr.t(key, village=name))


@requires(Role.STAFF)
async def decide(update: Update, context: QatysuContext) -> None:
    """Staff approve or refuse a move into a village of theirs."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = context.tr
    parsed = callbacks.parse(query.data)
    move = await people.get_move(context.services.db, parsed.int_arg(0))
    if move is None:
        await refuse(update, context, "error.stale_button", "no such move request")
        return
    village = await authorize_village(update, context, Role.STAFF, move.to_village)
    if village is None:
        return
    decided = await service.decide(
        context.services, context.bot, move, update.effective_user.id, parsed.action == "ok"
    )
    if decided is None:
        await query.answer(tr.t("village.move_decided_before"), show_alert=True)
        await query.edit_message_reply_markup(None)
        return
    await query.answer()
    key = "village.move_done_ok" if decided.status == "approved" else "village.move_done_no"
    await query.edit_message_text(tr.t(key, village=village.names.get(tr.language)))


def register(app: QatysuApp) -> None:
    """Register the buttons of moves (residents) and of move requests (staff)."""
    app.add_handler(CallbackQueryHandler(confirm_move, pattern=callbacks.matches(FEATURE, "mv")))
    app.add_handler(CallbackQueryHandler(stay, pattern=callbacks.matches(FEATURE, "stay")))
    app.add_handler(CallbackQueryHandler(ask_staff, pattern=callbacks.matches(FEATURE, "ask")))
    app.add_handler(CallbackQueryHandler(decide, pattern=callbacks.matches(FEATURE, "ok", "no")))
