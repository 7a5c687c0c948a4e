"""Onboarding: /start → language → region → district → (rural okrug →) village, deep links,
/village. The okrug step is skipped where a district has no okrugs or an okrug one village."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot import callbacks, invites, share, typed
from bot.callbacks import Feature
from bot.commands import refresh_person_commands
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator, button_label
from bot.territory import okrugs_of, scope_name
from handlers.hearings import resident as hearings
from handlers.menu import send_home, send_menu
from handlers.village import choose as choose_village
from handlers.widgets import keyboards
from handlers.widgets.dialogs import Dialog, cancel_step, message_of, tap
from handlers.widgets.keyboards import button
from storage import drafts, people, territory
from storage.models import Village

LANGUAGE, PLACE = range(2)
FEATURE = Feature.ONBOARDING
DIALOG = "onboarding"
DRAFT = "onboarding"  # where the picker is (for «артқа»), and the villages a typed name found
OFFERED = 5  # villages offered for one typed name, at most
TYPED_MAX = 60  # longer is no name nor answer: the buttons are asked for


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
            await send_home(update, context, context.tr.t("start.welcome_back", village=name))
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
    assert query is not None
    return await _language_chosen(update, context, callbacks.parse(query.data).arg(0))


async def _language_chosen(update: Update, context: QatysuContext, language: str) -> int:
    """Store the language (tapped or typed), then ask for the region in it."""
    assert update.effective_user is not None
    services = context.services
    await people.set_language(services.db, update.effective_user.id, language)
    context.tr = services.i18n.get(language)
    if update.callback_query is not None:
        await update.callback_query.answer(context.tr.t("language.set"))
    await refresh_person_commands(context, update.effective_user.id)
    return await ask_region(update, context)


async def typed_language(update: Update, context: QatysuContext) -> int:
    """A typed answer at the language step: a language's name (any language), help, or the
    name of a village (the language shown stays)."""
    text = message_of(update).text or ""
    if len(text) > TYPED_MAX:
        await use_buttons(update, context)
        return LANGUAGE
    language = typed.language(text)
    if language is not None:
        return await _language_chosen(update, context, language)
    if typed.is_word(text, typed.Word.HELP):
        await message_of(update).reply_text(context.tr.t("start.language_help"))
        return await ask_language(update, context)
    if typed.query_of(text) and await villages_named(context, text):
        await _keep_language(update, context)
        return await typed_place(update, context)
    await message_of(update).reply_text(context.tr.t("start.language_help"))
    return LANGUAGE


async def _keep_language(update: Update, context: QatysuContext) -> None:
    """Store the language shown, for someone who answered the language step otherwise."""
    assert update.effective_user is not None
    if context.person is None or context.person.language is None:
        await people.set_language(
            context.services.db, update.effective_user.id, context.tr.language
        )


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
    await _remember(update, context, "regions")
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
    parsed = callbacks.parse(query.data)
    return await show_districts(update, context, parsed.arg(0), parsed.int_arg(1))


async def show_districts(
    update: Update, context: QatysuContext, region_code: str, page: int = 0
) -> int:
    """One page of a region's districts (a tap, or «артқа» typed further down)."""
    tr = context.tr
    db = context.services.db
    region = await territory.get_region(db, region_code)
    if region is None:
        return await _stale(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    districts = await territory.list_districts(db, region.code)
    choices = keyboards.by_name(
        (d.names.get(tr.language), callbacks.build(FEATURE, "dis", d.code, 0)) for d in districts
    )
    markup = keyboards.paged(
        tr,
        choices,
        page,
        lambda p: callbacks.build(FEATURE, "reg", region.code, p),
        back=(tr.t("button.back"), callbacks.build(FEATURE, "regions", 0)),
    )
    await _remember(update, context, f"reg:{region.code}")
    await _show(update, tr.t("start.choose_district", region=region.names.get(tr.language)), markup)
    return PLACE


async def _stale(update: Update, context: QatysuContext) -> int:
    """A tap on a place that is gone (a typed «артқа» to one cannot reach here)."""
    if update.callback_query is not None:
        await update.callback_query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return PLACE
    return await ask_region(update, context)


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
    parsed = callbacks.parse(query.data)
    return await show_district(update, context, parsed.arg(0), parsed.int_arg(1))


async def show_district(
    update: Update, context: QatysuContext, district_code: str, page: int = 0
) -> int:
    """One page of a district's rural okrugs and villages."""
    tr = context.tr
    db = context.services.db
    district = await territory.get_district(db, district_code)
    if district is None:
        return await _stale(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    choices, okrugs = _places(tr, await territory.list_villages(db, district.code))
    name = district.names.get(tr.language)
    text = tr.t("start.choose_okrug" if okrugs else "start.choose_village", district=name)
    await _remember(update, context, f"dis:{district.code}")
    return await _ask_place(
        update, context, choices, text, page,
        lambda p: callbacks.build(FEATURE, "dis", district.code, p),
        back=(tr.t("button.back"), callbacks.build(FEATURE, "reg", district.region_code, 0)),
    )  # fmt: skip


async def pick_okrug(update: Update, context: QatysuContext) -> int:
    """List one page of the villages of the chosen rural okrug."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    return await show_okrug(update, context, parsed.arg(0), parsed.int_arg(1))


async def show_okrug(update: Update, context: QatysuContext, okrug_code: str, page: int = 0) -> int:
    """One page of the villages of a rural okrug."""
    tr = context.tr
    db = context.services.db
    okrug = await territory.get_okrug(db, okrug_code)
    if okrug is None:
        return await _stale(update, context)
    if update.callback_query is not None:
        await update.callback_query.answer()
    choices = keyboards.by_name(
        (v.names.get(tr.language), callbacks.build(FEATURE, "vil", v.code))
        for v in await territory.list_villages(db, okrug_code=okrug.code)
    )
    text = tr.t("start.choose_village", district=okrug.names.get(tr.language))
    await _remember(update, context, f"okr:{okrug.code}")
    return await _ask_place(
        update, context, choices, text, page,
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
    return await _village_chosen(update, context, village)


async def _village_chosen(update: Update, context: QatysuContext, village: Village) -> int:
    """Bind a village tapped or confirmed by typing (a move is asked first)."""
    await drafts.drop(context.services.db, _user(update), DRAFT)
    await choose_village(update, context, village)
    return ConversationHandler.END


# --- typed answers at the picker: a village's name at any step, «артқа», help, yes, numbers ----


def _user(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def _remember(update: Update, context: QatysuContext, at: str) -> None:
    """Note which list is shown (for a typed «артқа»); a new list forgets the villages found."""
    await drafts.save(context.services.db, _user(update), DRAFT, {"at": at})


async def villages_named(context: QatysuContext, text: str) -> list[Village]:
    """The villages whose kk, ru or en name best matches ``text``."""
    villages = await territory.list_villages(context.services.db)
    return typed.search(text, villages, lambda v: (v.names.kk, v.names.ru, v.names.en), OFFERED)


async def typed_place(update: Update, context: QatysuContext) -> int:
    """A typed answer at any step of the picker: «артқа», help, yes or no or a number for the
    villages found, else a village's name to look for."""
    message = message_of(update)
    tr = context.tr
    text = message.text or ""
    if len(text) > TYPED_MAX:
        await use_buttons(update, context)
        return PLACE
    word = typed.word(text)
    state = await drafts.load(context.services.db, _user(update), DRAFT)
    offered = [str(code) for code in state.get("offer", [])]
    if word is typed.Word.BACK:
        return await go_back(update, context, str(state.get("at", "")))
    if word is typed.Word.HELP:
        await message.reply_text(tr.t("start.place_help"))
        return PLACE
    chosen = _chosen(text, word, offered)
    if chosen is not None:
        village = await territory.get_village(context.services.db, chosen)
        if village is not None:
            return await _village_chosen(update, context, village)
    if word is typed.Word.NO and offered:
        return await ask_region(update, context)
    found = await villages_named(context, text) if typed.query_of(text) else []
    if not found:
        await message.reply_text(tr.t("start.place_not_found", text=text[:40]))
        return await ask_region(update, context)
    return await offer(update, context, found)


def _chosen(text: str, word: typed.Word | None, offered: list[str]) -> str | None:
    """The offered village a «yes» (one was offered) or a number picks."""
    if word is typed.Word.YES and len(offered) == 1:
        return offered[0]
    picked = typed.numbers(text, len(offered)) if offered else None
    return offered[picked[0] - 1] if picked and len(picked) == 1 else None


async def offer(update: Update, context: QatysuContext, villages: list[Village]) -> int:
    """Ask whether the village found is theirs (✅ / ✖), or which of those found."""
    tr = context.tr
    codes = [v.code for v in villages]
    state = await drafts.load(context.services.db, _user(update), DRAFT)
    await drafts.save(context.services.db, _user(update), DRAFT, {**state, "offer": codes})
    other = button(tr.t("start.not_listed"), FEATURE, "regions", 0)
    if len(villages) == 1:
        yes = button(tr.t("start.yes_mine"), FEATURE, "vil", villages[0].code)
        text = tr.t("start.is_it", place=_place_of(tr, villages[0]))
        rows = [[yes], [other]]
    else:
        rows = [
            [button(button_label(f"{n}. {_short_place(tr, v)}"), FEATURE, "vil", v.code)]
            for n, v in enumerate(villages, 1)
        ]
        rows.append([other])
        text = tr.t("start.which_one")
    await message_of(update).reply_text(text, reply_markup=InlineKeyboardMarkup(rows))
    return PLACE


def _short_place(tr: Translator, village: Village) -> str:
    """«Ақсу, Ұлан ауданы»: a village and its district, for a button."""
    lang = tr.language
    return f"{village.names.get(lang)}, {village.district_names.get(lang)}"


def _place_of(tr: Translator, village: Village) -> str:
    lang = tr.language
    return tr.t(
        "village.place",
        village=village.names.get(lang),
        district=village.district_names.get(lang),
        region=village.region_names.get(lang),
    )


async def go_back(update: Update, context: QatysuContext, at: str) -> int:
    """«артқа»: the list above the one shown (the languages above the regions)."""
    level, _, code = at.partition(":")
    db = context.services.db
    if level == "reg":
        return await ask_region(update, context)
    if level == "dis":
        district = await territory.get_district(db, code)
        if district is not None:
            return await show_districts(update, context, district.region_code)
    if level == "okr":
        okrug = await territory.get_okrug(db, code)
        if okrug is not None:
            return await show_district(update, context, okrug.district_code)
    if level == "regions":
        return await ask_language(update, context)
    return await ask_region(update, context)


async def change_village(update: Update, context: QatysuContext) -> int:
    """Start choosing another village (/village or the menu)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    return await ask_region(update, context)


async def use_buttons(update: Update, context: QatysuContext) -> None:
    """Remind someone who sent something else than text during onboarding to tap a button."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("start.use_buttons"))


def register(app: QatysuApp) -> None:
    """Register the onboarding conversation (persistent: it survives a restart)."""
    dialog = Dialog(
        DIALOG,
        entry_points=[
            CommandHandler("start", start),
            CommandHandler("village", change_village),
            tap(Feature.MENU, change_village, "village"),
        ],
        states={
            LANGUAGE: [
                tap(FEATURE, pick_language, "lang"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed_language),
            ],
            PLACE: [
                tap(FEATURE, page_regions, "regions"),
                tap(FEATURE, pick_region, "reg"),
                tap(FEATURE, pick_district, "dis"),
                tap(FEATURE, pick_okrug, "okr"),
                tap(FEATURE, pick_village, "vil"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed_place),
            ],
        },
        cancel=cancel_step(None),
        fallbacks=[MessageHandler(~filters.COMMAND, use_buttons)],
    )
    app.add_handler(dialog)
