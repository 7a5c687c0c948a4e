"""Onboarding: /start → language → region → district → (rural okrug →) village, deep links,
/village. The okrug step is skipped where a district has no okrugs or an okrug one village."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot import callbacks, invites, share
from bot.callbacks import Feature
from bot.commands import refresh_person_commands
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.territory import okrugs_of, scope_name
from handlers.hearings import resident as hearings
from handlers.menu import send_menu
from handlers.village import choose as choose_village
from handlers.widgets import keyboards
from handlers.widgets.dialogs import Dialog, cancel_step, tap
from storage import people, territory
from storage.models import Village

LANGUAGE, PLACE = range(2)
FEATURE = Feature.ONBOARDING


async def start(update: Update, context: QatysuContext) -> int:
    """Begin onboarding, or follow a deep link (`v_<village>` binds, `i_<token>` grants)."""
    payload = context.args[0] if context.args else ""
    if payload.startswith(invites.INVITE_PREFIX):
        await accept_invite(update, context, payload.removeprefix(invites.INVITE_PREFIX))
        return ConversationHandler.END
    if payload.startswith("v_"):
        return await follow_village_link(update, context, payload.removeprefix("v_"))
    if payload.startswith("h_") and payload[2:].isdigit() and len(payload) < 14:
        await hearings.show_hearing(update, context, int(payload[2:]))
        if context.person is None or not context.person.village_code:
            return await ask_language(update, context)
        return ConversationHandler.END
    person = context.person
    if person is not None and person.language and person.village_code:
        village = await territory.get_village(context.services.db, person.village_code)
        if village is not None:
            name = village.names.get(context.tr.language)
            await send_menu(update, context, context.tr.t("start.welcome_back", village=name))
            return ConversationHandler.END
    return await ask_language(update, context)


async def accept_invite(update: Update, context: QatysuContext, token: str) -> None:
    """Grant the role of a one-time invitation link."""
    assert update.effective_user is not None and update.effective_message is not None
    tr = context.tr
    invite = await invites.redeem(context.services.db, token, update.effective_user.id)
    if invite is None:
        await update.effective_message.reply_text(tr.t("invite.invalid"))
        return
    context._access = None  # the grant just changed
    await refresh_person_commands(context, update.effective_user.id)
    role = tr.t(f"role.{invite.role.value}")
    scope = await scope_name(context.services.db, tr, invite.scope)
    await send_menu(update, context, tr.t("invite.accepted", role=role, scope=scope))


async def ask_language(update: Update, context: QatysuContext) -> int:
    """Show the three languages, the one Telegram suggests first."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.tr.t("start.choose_language"),
        reply_markup=keyboards.languages(FEATURE, "lang", context.tr.language),
    )
    return LANGUAGE


async def follow_village_link(update: Update, context: QatysuContext, payload: str) -> int:
    """A village link, perhaps tagged with its channel (``-qr``, ``-wa``): note it, then bind."""
    assert update.effective_user is not None
    code, source = await share.resolve_village_link(context.services.db, payload)
    await share.note_source(context.services.db, update.effective_user.id, source)
    return await bind_from_link(update, context, code)


async def bind_from_link(update: Update, context: QatysuContext, code: str) -> int:
    """Bind the village of a notice-board QR code in one tap."""
    assert update.effective_user is not None and update.effective_message is not None
    db = context.services.db
    village = await territory.get_village(db, code)
    if village is None:
        await update.effective_message.reply_text(context.tr.t("start.unknown_village_link"))
        return await ask_region(update, context)
    user_id = update.effective_user.id
    if context.person is None or context.person.language is None:
        await people.set_language(db, user_id, context.tr.language)
    await choose_village(update, context, village)  # another village's link: asked first
    return ConversationHandler.END


async def pick_language(update: Update, context: QatysuContext) -> int:
    """Store the language, then ask for the region in it."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    language = callbacks.parse(query.data).arg(0)
    services = context.services
    await people.set_language(services.db, update.effective_user.id, language)
    context.tr = services.i18n.get(language)
    await query.answer(context.tr.t("language.set"))
    await refresh_person_commands(context, update.effective_user.id)
    return await ask_region(update, context)


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup) -> None:
    """Edit the tapped message, or send a new one after a command."""
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def ask_region(update: Update, context: QatysuContext, page: int = 0) -> int:
    """List the regions."""
    tr = context.tr
    regions = await territory.list_regions(context.services.db)
    if not regions:
        assert update.effective_message is not None
        await update.effective_message.reply_text(tr.t("start.no_territory"))
        return ConversationHandler.END
    choices = keyboards.by_name(
        (r.names.get(tr.language), callbacks.build(FEATURE, "reg", r.code, 0)) for r in regions
    )
    markup = keyboards.paged(tr, choices, page, lambda p: callbacks.build(FEATURE, "regions", p))
    await _show(update, tr.t("start.choose_region"), markup)
    return PLACE


async def page_regions(update: Update, context: QatysuContext) -> int:
    """Show a page of regions (also the back button of the district list)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    return await ask_region(update, context, callbacks.parse(query.data).int_arg(0))


async def pick_region(update: Update, context: QatysuContext) -> int:
    """List one page of the districts of the chosen region."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    db = context.services.db
    parsed = callbacks.parse(query.data)
    region = await territory.get_region(db, parsed.arg(0))
    if region is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return PLACE
    await query.answer()
    districts = await territory.list_districts(db, region.code)
    choices = keyboards.by_name(
        (d.names.get(tr.language), callbacks.build(FEATURE, "dis", d.code, 0)) for d in districts
    )
    markup = keyboards.paged(
        tr,
        choices,
        parsed.int_arg(1),
        lambda p: callbacks.build(FEATURE, "reg", region.code, p),
        back=(tr.t("button.back"), callbacks.build(FEATURE, "regions", 0)),
    )
    await _show(update, tr.t("start.choose_district", region=region.names.get(tr.language)), markup)
    return PLACE


def _places(tr: Translator, villages: list[Village]) -> tuple[list[keyboards.Choice], bool]:
    """A district's choices: each rural okrug of several villages as one button (its villages
    come on the next step), every other village as itself; and whether there is such an okrug."""
    okrugs = okrugs_of(villages)
    choices = [
        (group[0].okrug_names.get(tr.language), callbacks.build(FEATURE, "okr", code, 0))
        for code, group in okrugs.items()
        if group[0].okrug_names is not None
    ]
    choices += [
        (v.names.get(tr.language), callbacks.build(FEATURE, "vil", v.code))
        for v in villages
        if v.okrug_code not in okrugs
    ]
    return keyboards.by_name(choices), bool(okrugs)


async def _ask_place(
    update: Update,
    context: QatysuContext,
    choices: list[keyboards.Choice],
    text: str,
    page: int,
    page_data: Callable[[int], str],
    back: keyboards.Choice,
) -> int:
    """One page of villages (or okrugs), with the page number when there are several."""
    tr = context.tr
    pages = keyboards.page_count(len(choices))
    markup = keyboards.paged(tr, choices, page, page_data, back=back)
    if pages > 1:
        text += f" ({tr.t('start.page', page=min(page, pages - 1) + 1, pages=pages)})"
    await _show(update, text, markup)
    return PLACE


async def pick_district(update: Update, context: QatysuContext) -> int:
    """List one page of the rural okrugs and villages of the chosen district."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    db = context.services.db
    parsed = callbacks.parse(query.data)
    district = await territory.get_district(db, parsed.arg(0))
    if district is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return PLACE
    await query.answer()
    choices, okrugs = _places(tr, await territory.list_villages(db, district.code))
    name = district.names.get(tr.language)
    text = tr.t("start.choose_okrug" if okrugs else "start.choose_village", district=name)
    return await _ask_place(
        update, context, choices, text, parsed.int_arg(1),
        lambda p: callbacks.build(FEATURE, "dis", district.code, p),
        back=(tr.t("button.back"), callbacks.build(FEATURE, "reg", district.region_code, 0)),
    )  # fmt: skip


async def pick_okrug(update: Update, context: QatysuContext) -> int:
    """List one page of the villages of the chosen rural okrug."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    db = context.services.db
    parsed = callbacks.parse(query.data)
    okrug = await territory.get_okrug(db, parsed.arg(0))
    if okrug is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return PLACE
    await query.answer()
    choices = keyboards.by_name(
        (v.names.get(tr.language), callbacks.build(FEATURE, "vil", v.code))
        for v in await territory.list_villages(db, okrug_code=okrug.code)
    )
    text = tr.t("start.choose_village", district=okrug.names.get(tr.language))
    return await _ask_place(
        update, context, choices, text, parsed.int_arg(1),
        lambda p: callbacks.build(FEATURE, "okr", okrug.code, p),
        back=(tr.t("button.back"), callbacks.build(FEATURE, "dis", okrug.district_code, 0)),
    )  # fmt: skip


async def pick_village(update: Update, context: QatysuContext) -> int:
    """Bind the chosen village and show the main menu."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    db = context.services.db
    village = await territory.get_village(db, callbacks.parse(query.data).arg(0))
    if village is None:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return PLACE
    await query.answer()
    await choose_village(update, context, village)  # a move is asked first
    return ConversationHandler.END


async def change_village(update: Update, context: QatysuContext) -> int:
    """Start choosing another village (/village or the menu)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    return await ask_region(update, context)


async def use_buttons(update: Update, context: QatysuContext) -> None:
    """Remind someone who typed during onboarding to tap a button."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("start.use_buttons"))


def register(app: QatysuApp) -> None:
    """Register the onboarding conversation (persistent: it survives a restart)."""
    dialog = Dialog(
        "onboarding",
        entry_points=[
            CommandHandler("start", start),
            CommandHandler("village", change_village),
            tap(Feature.MENU, change_village, "village"),
        ],
        states={
            LANGUAGE: [tap(FEATURE, pick_language, "lang")],
            PLACE: [
                tap(FEATURE, page_regions, "regions"),
                tap(FEATURE, pick_region, "reg"),
                tap(FEATURE, pick_district, "dis"),
                tap(FEATURE, pick_okrug, "okr"),
                tap(FEATURE, pick_village, "vil"),
            ],
        },
        cancel=cancel_step(None),
        fallbacks=[MessageHandler(~filters.COMMAND, use_buttons)],
    )
    app.add_handler(dialog)
