"""For a resident: staff enter what a resident without Telegram brought by phone, in person, at a
meeting or on paper (/behalf, the menu's «For a resident»).

A persistent dialog, a Back and a Cancel button at every step, a preview before anything is
stored. A complaint or suggestion: village (of the staff's area) → the resident's name → phone
(optional) → channel → category → the words → preview. A hearing: which (of the area) → its
village → by count or by name → how many, or the names → channel → preview; before the
hearing they are "I will come", after its start attendance. The village is checked against the
staff's scope on the tap and again by :mod:`bot.behalf.service` when it is stored. The inbox's
🗑 on such an item erases the resident's name, phone and words.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.appeals import notices
from bot.appeals import service as appeals
from bot.appeals import texts as appeal_texts
from bot.appeals.service import CATEGORIES
from bot.auth import Access, load_access, refuse, requires
from bot.behalf import service, texts
from bot.behalf.service import Refused
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import button_label
from handlers.appeals.inbox import authorize_appeal
from handlers.widgets import keyboards, village_picker
from handlers.widgets.dialogs import (
    Callback,
    Dialog,
    DialogDraft,
    Drafts,
    cancel_step,
    chat_id,
    message_of,
    query_of,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from storage import hearings as hearings_repo
from storage import territory
from storage.behalf import CHANNELS
from storage.db import utcnow
from storage.hearings import Hearing
from storage.models import Role, Village

FEATURE = Feature.BEHALF
DIALOG = "behalf"
HEARING = "hearing"  # the kind of entry besides complaint and suggestion
(KIND, VILLAGE, NAME, PHONE, CHANNEL, CATEGORY, TEXT, CONFIRM, PICK_HEARING, HEARING_VILLAGE,
 HOW, COUNT, NAMES) = range(13)  # fmt: skip
END = ConversationHandler.END
RECENT = timedelta(days=14)  # hearings this old still take attendance
Done = tuple[str, InlineKeyboardMarkup | None]


@dataclass(slots=True)
class BehalfDraft(DialogDraft):
    """What staff entered so far (saved at every step)."""

    kind: str | None = None  # complaint, suggestion or hearing
    village: str | None = None
    name: str | None = None
    phone: str | None = None  # E.164; "" when skipped
    channel: str | None = None
    category: str | None = None
    text: str | None = None
    hearing: int | None = None
    people: int | None = None
    names: list[str] | None = None


DRAFTS = Drafts(DIALOG, BehalfDraft)


def _nav(context: QatysuContext, back: int | None) -> list[InlineKeyboardButton]:
    tr = context.tr
    row = [button(tr.t("behalf.btn.back"), FEATURE, "back", back)] if back is not None else []
    return [*row, button(tr.t("behalf.btn.cancel"), FEATURE, "cancel")]


async def _ask(
    update: Update,
    context: QatysuContext,
    text: str,
    rows: list[list[InlineKeyboardButton]],
    back: int | None,
) -> None:
    """Send a step's question with its buttons, Back and Cancel."""
    markup = InlineKeyboardMarkup([*rows, _nav(context, back)])
    await context.bot.send_message(chat_id(update), text, reply_markup=markup)


async def _tapped(update: Update) -> None:
    """Answer a tap and take the buttons off the message it came from."""
    query = query_of(update)
    await query.answer()
    await query.edit_message_reply_markup(None)


async def _stale(update: Update, context: QatysuContext, state: int) -> int:
    await query_of(update).answer(context.tr.t("error.stale_button"), show_alert=True)
    return state


# --- entry ----------------------------------------------------------------------------------


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Begin an entry for a resident without Telegram (/behalf or the menu)."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await DRAFTS.save(update, context, BehalfDraft())
    return await ask_kind(update, context)


async def ask_kind(update: Update, context: QatysuContext) -> int:
    """Ask what the resident brought: a complaint, a suggestion, a hearing."""
    tr = context.tr
    rows = [
        [button(tr.t(f"behalf.kind.{kind}"), FEATURE, "kind", kind)]
        for kind in (*service.KINDS, HEARING)
    ]
    await _ask(update, context, tr.t("behalf.ask_kind"), rows, None)
    return KIND


@requires(Role.STAFF)
async def take_kind(update: Update, context: QatysuContext) -> int:
    """Keep the kind; a hearing asks which, an item the village."""
    kind = callbacks.parse(query_of(update).data).arg(0)
    if kind not in (*service.KINDS, HEARING):
        return await _stale(update, context, KIND)
    await _tapped(update)
    await DRAFTS.save(update, context, BehalfDraft(kind=kind))
    return await (ask_hearing if kind == HEARING else ask_village)(update, context)


# --- a complaint or a suggestion --------------------------------------------------------------


async def ask_village(update: Update, context: QatysuContext, page: int = 0) -> int:
    """Ask which village of the staff's area the resident lives in."""
    tr = context.tr
    villages = await village_picker.in_scope(update, context)
    choices = [
        (button_label(v.names.get(tr.language)), callbacks.build(FEATURE, "v", v.code))
        for v in villages
    ]
    markup = keyboards.paged(tr, choices, page, lambda p: callbacks.build(FEATURE, "vp", p))
    rows = [list(row) for row in markup.inline_keyboard]
    await _ask(update, context, tr.t("behalf.ask_village"), rows, KIND)
    return VILLAGE


@requires(Role.STAFF)
async def village_page(update: Update, context: QatysuContext) -> int:
    """Another page of villages."""
    page = callbacks.parse(query_of(update).data).int_arg(0)
    await _tapped(update)
    return await ask_village(update, context, page)


async def _in_scope(update: Update, context: QatysuContext, code: str) -> Village | None:
    """The village when it is in the staff's area (a forged tap is refused)."""
    access = await load_access(context, user_id(update))
    try:
        return await service.village_for(context.services, access, code)
    except Refused as refused:
        await refuse(update, context, refused.key, f"behalf outside scope: {code!r}")
        return None


@requires(Role.STAFF)
async def take_village(update: Update, context: QatysuContext) -> int:
    """Keep the village (checked against the staff's area); ask the resident's name."""
    code = callbacks.parse(query_of(update).data).arg(0)
    if await _in_scope(update, context, code) is None:
        return VILLAGE
    await _tapped(update)
    await DRAFTS.keep(update, context, village=code)
    return await ask_name(update, context)


async def ask_name(update: Update, context: QatysuContext) -> int:
    """Ask the resident's name."""
    await _ask(update, context, context.tr.t("behalf.ask_name"), [], VILLAGE)
    return NAME


async def take_name(update: Update, context: QatysuContext) -> int:
    """Keep the name; ask the phone."""
    message = message_of(update)
    text = (message.text or "").strip()
    if (problem := service.name_problem(text)) is not None:
        await message.reply_text(context.tr.t(problem, most=service.NAME_MAX))
        return NAME
    await DRAFTS.keep(update, context, name=text)
    return await ask_phone(update, context)


async def ask_phone(update: Update, context: QatysuContext) -> int:
    """Ask the resident's phone, which may be skipped."""
    tr = context.tr
    rows = [[button(tr.t("behalf.btn.no_phone"), FEATURE, "nophone")]]
    await _ask(update, context, tr.t("behalf.ask_phone"), rows, NAME)
    return PHONE


async def take_phone(update: Update, context: QatysuContext) -> int:
    """Keep the phone as E.164 (a Kazakhstan number); ask the channel."""
    message = message_of(update)
    e164 = service.phone_of(message.text or "")
    if e164 is None:
        await message.reply_text(context.tr.t("behalf.phone_bad"))
        return PHONE
    return await _phone_taken(update, context, e164)


async def no_phone(update: Update, context: QatysuContext) -> int:
    """No phone: answers are passed on in person."""
    await _tapped(update)
    return await _phone_taken(update, context, "")


async def _phone_taken(update: Update, context: QatysuContext, phone: str) -> int:
    await DRAFTS.keep(update, context, phone=phone)
    return await ask_channel(update, context)


async def ask_channel(update: Update, context: QatysuContext) -> int:
    """Ask how the resident reached the akimat."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    rows = [[button(texts.channel(tr, code), FEATURE, "ch", code)] for code in CHANNELS]
    back = HOW if draft.kind == HEARING else PHONE
    await _ask(update, context, tr.t("behalf.ask_channel"), rows, back)
    return CHANNEL


async def take_channel(update: Update, context: QatysuContext) -> int:
    """Keep the channel; an item asks the category, a hearing entry goes to the preview."""
    draft = await _take_choice(update, context, CHANNELS, "channel")
    if draft is None:
        return await _stale(update, context, CHANNEL)
    return await (confirm if draft.kind == HEARING else ask_category)(update, context)


async def _take_choice(
    update: Update, context: QatysuContext, allowed: Collection[str], field: str
) -> BehalfDraft | None:
    """Keep a tapped choice in the draft's ``field``; None when the button names none of
    ``allowed`` (stale or forged)."""
    code = callbacks.parse(query_of(update).data).arg(0)
    if code not in allowed:
        return None
    await _tapped(update)
    return await DRAFTS.keep(update, context, **{field: code})


async def ask_category(update: Update, context: QatysuContext) -> int:
    """Ask the category, two a row."""
    tr = context.tr
    buttons = [button(appeal_texts.category(tr, c), FEATURE, "cat", c) for c in CATEGORIES]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await _ask(update, context, tr.t("behalf.ask_category"), rows, CHANNEL)
    return CATEGORY


async def take_category(update: Update, context: QatysuContext) -> int:
    """Keep the category; ask the words."""
    if await _take_choice(update, context, CATEGORIES, "category") is None:
        return await _stale(update, context, CATEGORY)
    return await ask_text(update, context)


async def ask_text(update: Update, context: QatysuContext) -> int:
    """Ask what the resident said, in their words."""
    await _ask(update, context, context.tr.t("behalf.ask_text"), [], CATEGORY)
    return TEXT


async def take_text(update: Update, context: QatysuContext) -> int:
    """Keep the words; show the preview."""
    message = message_of(update)
    text = (message.text or "").strip()
    if (problem := appeals.words_problem(text)) is not None:
        await message.reply_text(context.tr.t(problem))
        return TEXT
    await DRAFTS.keep(update, context, text=text)
    return await confirm(update, context)


# --- a hearing --------------------------------------------------------------------------------


async def _hearings(update: Update, context: QatysuContext) -> list[Hearing]:
    codes = [v.code for v in await village_picker.in_scope(update, context)]
    found = await hearings_repo.recent_in(context.services.db, codes, utcnow() - RECENT)
    return [h for h in found if service.hearing_kinds_open(h)]


async def ask_hearing(update: Update, context: QatysuContext) -> int:
    """Ask which hearing of the staff's area (of the last two weeks, or to come)."""
    tr = context.tr
    found = await _hearings(update, context)
    rows = [
        [button(button_label(f"{tr.short_datetime(h.starts_at)} · {h.topic}"), FEATURE, "h", h.id)]
        for h in found
    ]
    key = "behalf.ask_hearing" if found else "behalf.no_hearings"
    await _ask(update, context, tr.t(key), rows, KIND)
    return PICK_HEARING


@requires(Role.STAFF)
async def take_hearing(update: Update, context: QatysuContext) -> int:
    """Keep the hearing (one of the staff's area); ask its village."""
    hearing_id = callbacks.parse(query_of(update).data).int_arg(0)
    if not any(h.id == hearing_id for h in await _hearings(update, context)):
        await refuse(update, context, "auth.out_of_scope", f"behalf hearing {hearing_id}")
        return PICK_HEARING
    await _tapped(update)
    await DRAFTS.keep(update, context, hearing=hearing_id)
    return await ask_hearing_village(update, context)


async def ask_hearing_village(update: Update, context: QatysuContext) -> int:
    """Ask which of the hearing's villages (in the staff's area) the residents are of."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    hearing = await hearings_repo.get(context.services.db, draft.hearing or 0)
    codes = hearing.village_codes if hearing else ()
    rows = [
        [button(button_label(v.names.get(tr.language)), FEATURE, "hv", v.code)]
        for v in await village_picker.in_scope(update, context)
        if v.code in codes
    ]
    await _ask(update, context, tr.t("behalf.ask_village"), rows, PICK_HEARING)
    return HEARING_VILLAGE


@requires(Role.STAFF)
async def take_hearing_village(update: Update, context: QatysuContext) -> int:
    """Keep the village (in the area and the hearing's); ask by count or by name."""
    code = callbacks.parse(query_of(update).data).arg(0)
    draft = await DRAFTS.load(update, context)
    hearing = await hearings_repo.get(context.services.db, draft.hearing or 0)
    if hearing is None or code not in hearing.village_codes:
        await refuse(update, context, "auth.out_of_scope", f"behalf hearing village {code!r}")
        return HEARING_VILLAGE
    if await _in_scope(update, context, code) is None:
        return HEARING_VILLAGE
    await _tapped(update)
    draft.village = code
    await DRAFTS.save(update, context, draft)
    return await ask_how(update, context)


async def _hearing_kind(context: QatysuContext, draft: BehalfDraft) -> str | None:
    hearing = await hearings_repo.get(context.services.db, draft.hearing or 0)
    kinds = service.hearing_kinds_open(hearing) if hearing else ()
    return kinds[0] if kinds else None


async def ask_how(update: Update, context: QatysuContext) -> int:
    """By count («12 people came») or by name."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    kind = await _hearing_kind(context, draft) or "attended"
    rows = [
        [button(tr.t("behalf.btn.by_count"), FEATURE, "how", "n")],
        [button(tr.t("behalf.btn.by_name"), FEATURE, "how", "names")],
    ]
    await _ask(update, context, tr.t(f"behalf.ask_how.{kind}"), rows, HEARING_VILLAGE)
    return HOW


async def take_how(update: Update, context: QatysuContext) -> int:
    """Ask the count or the names."""
    how = callbacks.parse(query_of(update).data).arg(0)
    await _tapped(update)
    draft = await DRAFTS.load(update, context)
    draft.people, draft.names = None, None
    await DRAFTS.save(update, context, draft)
    return await (ask_count if how == "n" else ask_names)(update, context)


async def ask_count(update: Update, context: QatysuContext) -> int:
    """Ask how many people."""
    await _ask(update, context, context.tr.t("behalf.ask_count"), [], HOW)
    return COUNT


async def take_count(update: Update, context: QatysuContext) -> int:
    """Keep the count; ask the channel."""
    message = message_of(update)
    people = service.count_of(message.text or "")
    if people is None:
        await message.reply_text(context.tr.t("behalf.count_bad", most=service.MAX_COUNT))
        return COUNT
    await DRAFTS.keep(update, context, people=people)
    return await ask_channel(update, context)


async def ask_names(update: Update, context: QatysuContext) -> int:
    """Ask the names, one a line."""
    await _ask(update, context, context.tr.t("behalf.ask_names"), [], HOW)
    return NAMES


async def take_names(update: Update, context: QatysuContext) -> int:
    """Keep the names; ask the channel."""
    message = message_of(update)
    names = service.names_of(message.text or "")
    if names is None:
        await message.reply_text(context.tr.t("behalf.names_bad", most=service.MAX_NAMES))
        return NAMES
    await DRAFTS.keep(update, context, names=names)
    return await ask_channel(update, context)


# --- preview and save -------------------------------------------------------------------------


async def _hearing_preview(
    context: QatysuContext, draft: BehalfDraft, village: Village
) -> str | None:
    hearing = await hearings_repo.get(context.services.db, draft.hearing or 0)
    kind = await _hearing_kind(context, draft)
    if hearing is None or kind is None or draft.channel is None:
        return None
    if draft.people is None and not draft.names:
        return None
    return texts.hearing_preview(
        context.tr, topic=hearing.topic, kind=kind, people=draft.people,
        names=tuple(draft.names or ()), channel_code=draft.channel, village=village,
    )  # fmt: skip


async def _preview(context: QatysuContext, draft: BehalfDraft) -> str | None:
    village = await territory.get_village(context.services.db, draft.village or "")
    if village is None:
        return None
    if draft.kind == HEARING:
        return await _hearing_preview(context, draft, village)
    if draft.kind is None or draft.name is None or draft.category is None or not draft.text:
        return None
    if draft.channel is None:
        return None
    return texts.item_preview(
        context.tr, kind=draft.kind, category=draft.category, text=draft.text, name=draft.name,
        phone=draft.phone or None, channel_code=draft.channel, village=village,
    )  # fmt: skip


async def confirm(update: Update, context: QatysuContext) -> int:
    """Show what will be stored, with Save, Back and Cancel."""
    draft = await DRAFTS.load(update, context)
    text = await _preview(context, draft)
    if text is None:
        await context.bot.send_message(chat_id(update), context.tr.t("error.stale_button"))
        await DRAFTS.drop(update, context)
        return END
    rows = [[button(context.tr.t("behalf.btn.save"), FEATURE, "save")]]
    await _ask(update, context, text, rows, CHANNEL if draft.kind == HEARING else TEXT)
    return CONFIRM


@requires(Role.STAFF)
async def save(update: Update, context: QatysuContext) -> int:
    """Store the entry through the service (scope and every rule checked again there)."""
    draft = await DRAFTS.load(update, context)
    access = await load_access(context, user_id(update))
    try:
        if draft.kind == HEARING:
            done = await _save_hearing(context, draft, access)
        else:
            done = await _save_item(context, draft, access)
    except Refused as refused:
        await refuse(update, context, refused.key, f"behalf save refused: {refused.key}")
        return CONFIRM
    await _tapped(update)
    await DRAFTS.drop(update, context)
    await context.bot.send_message(chat_id(update), done[0], reply_markup=done[1])
    return END


async def _save_item(context: QatysuContext, draft: BehalfDraft, access: Access) -> Done:
    tr = context.tr
    entry = service.ItemEntry(
        village_code=draft.village or "", kind=draft.kind or "", category=draft.category or "",
        text=draft.text or "", name=draft.name or "", phone=draft.phone or None,
        channel=draft.channel or "", language=tr.language,
    )  # fmt: skip
    appeal = await service.file_item(context.services, access, entry)
    text = tr.t("behalf.filed", title=appeal_texts.title(tr, appeal), name=entry.name)
    return text, notices.open_button(tr, appeal)


async def _save_hearing(context: QatysuContext, draft: BehalfDraft, access: Access) -> Done:
    kind = await _hearing_kind(context, draft)
    figures = await service.record_hearing(
        context.services, access, draft.hearing or 0, draft.village or "", kind or "",
        draft.channel or "", draft.people, tuple(draft.names or ()),
    )  # fmt: skip
    tr = context.tr
    text = tr.t(
        "behalf.recorded", coming=tr.number(figures.coming), attended=tr.number(figures.attended)
    )
    return text, None


# --- Back, the offer to staff without a village, erasing ---------------------------------------

PROMPTS: dict[int, Callback] = {
    KIND: ask_kind,
    VILLAGE: ask_village,
    NAME: ask_name,
    PHONE: ask_phone,
    CHANNEL: ask_channel,
    CATEGORY: ask_category,
    TEXT: ask_text,
    CONFIRM: confirm,
    PICK_HEARING: ask_hearing,
    HEARING_VILLAGE: ask_hearing_village,
    HOW: ask_how,
    COUNT: ask_count,
    NAMES: ask_names,
}


async def back(update: Update, context: QatysuContext) -> object:
    """⬅ Back: the step named on the button, what was entered kept."""
    query = query_of(update)
    try:
        state = callbacks.parse(query.data).int_arg(0)
    except callbacks.CallbackDataError:
        state = -1
    if state not in PROMPTS:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return None
    await _tapped(update)
    return await PROMPTS[state](update, context)


async def offer(update: Update, context: QatysuContext) -> bool:
    """To staff with no village of their own who typed /complaint: items come from residents
    (the inbox), or are filed for a resident who brought one by phone, in person or on paper.
    False for anyone else (a resident is asked to choose a village)."""
    access = await load_access(context, user_id(update))
    if not access.has(Role.STAFF):
        return False
    tr = context.tr
    markup = InlineKeyboardMarkup(
        [
            [button(tr.t("menu.behalf"), Feature.MENU, "behalf")],
            *notices.inbox_button(tr).inline_keyboard,
        ]
    )
    text = f"{tr.t('complaint.staff_no_village')}\n\n{tr.t('behalf.offer')}"
    await context.bot.send_message(chat_id(update), text, reply_markup=markup)
    return True


@requires(Role.STAFF)
async def erase(update: Update, context: QatysuContext) -> None:
    """🗑 on an item filed for a resident: erase the name, phone and words (staff of the area)."""
    query = query_of(update)
    appeal = await authorize_appeal(update, context, callbacks.parse(query.data).int_arg(0))
    if appeal is None:
        return
    access = await load_access(context, user_id(update))
    try:
        erased = await service.erase(context.services, access, appeal)
    except Refused as refused:
        await refuse(update, context, refused.key, f"behalf erase {appeal.id}")
        return
    await query.answer(context.tr.t("behalf.erased" if erased else "error.stale_button"))
    await query.edit_message_reply_markup(None)


@requires(Role.STAFF)
async def erase_hearing_names(update: Update, context: QatysuContext) -> None:
    """🗑 on a hearing's card: erase the names entered for it (the counts stay)."""
    query = query_of(update)
    access = await load_access(context, user_id(update))
    try:
        hearing_id = callbacks.parse(query.data).int_arg(0)
        erased = await service.erase_hearing_names(context.services, access, hearing_id)
    except (Refused, callbacks.CallbackDataError) as refused:
        key = refused.key if isinstance(refused, Refused) else "error.stale_button"
        await refuse(update, context, key, "behalf erase hearing names")
        return
    await query.answer(context.tr.nt("behalf.names_erased", erased))
    await query.edit_message_reply_markup(None)


cancel = cancel_step(DIALOG)


def register(app: QatysuApp) -> None:
    """Register the dialog (persistent: it survives a restart) and the erase button."""
    text = filters.TEXT & ~filters.COMMAND
    dialog = Dialog(
        DIALOG,
        entry_points=[CommandHandler("behalf", start), tap(Feature.MENU, start, "behalf")],
        states={
            KIND: [tap(FEATURE, take_kind, "kind")],
            VILLAGE: [tap(FEATURE, take_village, "v"), tap(FEATURE, village_page, "vp")],
            NAME: [MessageHandler(text, take_name)],
            PHONE: [MessageHandler(text, take_phone), tap(FEATURE, no_phone, "nophone")],
            CHANNEL: [tap(FEATURE, take_channel, "ch")],
            CATEGORY: [tap(FEATURE, take_category, "cat")],
            TEXT: [MessageHandler(text, take_text)],
            CONFIRM: [tap(FEATURE, save, "save")],
            PICK_HEARING: [tap(FEATURE, take_hearing, "h")],
            HEARING_VILLAGE: [tap(FEATURE, take_hearing_village, "hv")],
            HOW: [tap(FEATURE, take_how, "how")],
            COUNT: [MessageHandler(text, take_count)],
            NAMES: [MessageHandler(text, take_names)],
        },
        prompts=PROMPTS,
        draft=DIALOG,
        context_keys=("kind",),
        cancel=cancel,
        fallbacks=[tap(FEATURE, back, "back"), tap(FEATURE, cancel, "cancel")],
    )
    app.add_handler(dialog)
    app.add_handler(tap(FEATURE, erase, "erase"))
    app.add_handler(tap(FEATURE, erase_hearing_names, "hnames"))
