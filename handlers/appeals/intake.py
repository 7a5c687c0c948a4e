"""Intake of complaints and suggestions: category → text → photos, voice, location → summary.

A persistent conversation with its draft saved at every step: a restart continues it. The
words may be a voice note alone; they must carry meaning (two words will do). Words sent before
(outside any dialog, kept as a draft by :mod:`handlers.loose`) enter at the category and go on
to the summary. Typed answers work at each step: a category's name or number, «артқа» (a step
back), «көмек» (what this step wants), «әрі қарай» or «иә» to go on and to send.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks, typed
from bot.appeals import service as appeals
from bot.appeals import texts
from bot.appeals.draft import IntakeDraft
from bot.appeals.notices import inbox_button
from bot.appeals.service import CATEGORIES, MAX_FILE_BYTES, MAX_PHOTOS, AppealRefused
from bot.auth import load_access
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.settings import LANGUAGES
from handlers import behalf as on_behalf
from handlers.widgets import asked
from handlers.widgets.answers import Words
from handlers.widgets.dialogs import Callback, Dialog, Drafts, cancel_step, message_of, tap
from handlers.widgets.keyboards import Pressed, button
from storage import drafts, territory
from storage.appeals import Kind

CATEGORY, TEXT, ATTACH, SUMMARY = range(4)
FEATURE = Feature.COMPLAINT
DIALOG = "complaint"
LOOSE = "loose"  # words or a voice note sent outside any dialog, kept until asked what it is
DRAFTS = Drafts(DIALOG, IntakeDraft)
END = ConversationHandler.END
W = typed.Word


def category_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    """The categories, two a row, and Cancel."""
    buttons = [
        InlineKeyboardButton(
            texts.category(tr, code), callback_data=callbacks.build(FEATURE, "cat", code)
        )
        for code in CATEGORIES
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(tr.t("complaint.button_cancel"), FEATURE, "cancel")])
    return InlineKeyboardMarkup(rows)


def attach_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    """Next and Cancel, under the request for photos, voice and location."""
    return InlineKeyboardMarkup(
        [
            [button(tr.t("complaint.button_next"), FEATURE, "next")],
            [button(tr.t("complaint.button_cancel"), FEATURE, "cancel")],
        ]
    )


def summary_keyboard(tr: Translator, draft: IntakeDraft) -> InlineKeyboardMarkup:
    """Send, hide or show the name (with a hidden name: remove the voice note, the location),
    edit, cancel."""
    hide = "complaint.button_show_name" if draft.hide_name else "complaint.button_hide_name"
    rows = [
        [button(tr.t("complaint.button_send"), FEATURE, "send")],
        [button(tr.t(hide), FEATURE, "hide", int(not draft.hide_name))],
    ]
    if texts.reveals_identity(draft):
        if draft.voice is not None:
            rows.append([button(tr.t("complaint.button_remove_voice"), FEATURE, "rm", "voice")])
        if draft.latitude is not None:
            rows.append([button(tr.t("complaint.button_remove_location"), FEATURE, "rm", "loc")])
    rows.append(
        [
            button(tr.t("complaint.button_edit"), FEATURE, "edit"),
            button(tr.t("complaint.button_cancel"), FEATURE, "cancel"),
        ]
    )
    return InlineKeyboardMarkup(rows)


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Edit the tapped message, or answer a message with a new one."""
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def _summary(update: Update, context: QatysuContext, draft: IntakeDraft) -> int:
    person = context.person
    village = None
    if person is not None and person.village_code is not None:
        village = await territory.get_village(context.services.db, person.village_code)
    await _show(
        update, texts.draft_summary(context.tr, draft, village), summary_keyboard(context.tr, draft)
    )
    return SUMMARY


def category_prompt(tr: Translator, kind: str) -> str:
    """The first screen's question; a complaint's says it is not a formal appeal (eOtinish)."""
    question = tr.t(f"complaint.ask_category.{kind}")
    return f"{question}\n\n{tr.t('complaint.not_formal')}" if kind == "complaint" else question


async def _ask_category(update: Update, context: QatysuContext, draft: IntakeDraft) -> int:
    tr = context.tr
    await _show(update, category_prompt(tr, draft.kind), category_keyboard(tr))
    return CATEGORY


async def _ask_text(update: Update, context: QatysuContext, draft: IntakeDraft) -> int:
    await _show(update, context.tr.t(f"complaint.ask_words.{draft.kind}"))
    return TEXT


def _with_draft(
    ask: Callable[[Update, QatysuContext, IntakeDraft], Awaitable[int]],
) -> Callback:
    """A step's prompt that reads the draft itself (to show it again on Continue)."""

    async def prompt(update: Update, context: QatysuContext) -> int:
        assert update.effective_user is not None
        return await ask(update, context, await DRAFTS.load(update, context))

    return prompt


async def _ask_attachments(update: Update, context: QatysuContext) -> int:
    await _show(
        update,
        context.tr.t("complaint.ask_attachments", max=MAX_PHOTOS),
        attach_keyboard(context.tr),
    )
    return ATTACH


async def begin(update: Update, context: QatysuContext, kind: Kind) -> int:
    """Check that the resident may file, then ask for the category."""
    assert update.effective_user is not None and update.effective_message is not None
    if update.callback_query is not None:
        await update.callback_query.answer()
    tr = context.tr
    person = context.person
    if (person is None or person.village_code is None) and (
        await load_access(context, update.effective_user.id)
    ).roles:
        # Staff and coordinators without a home village: items are filed by residents, or by
        # staff for a resident without Telegram.
        if await on_behalf.offer(update, context):
            return END
        await update.effective_message.reply_text(
            tr.t("complaint.staff_no_village"), reply_markup=inbox_button(tr)
        )
        return END
    try:
        assert context.person is not None
        await appeals.check_may_file(context.services, context.person)
    except AppealRefused as refused:
        await update.effective_message.reply_text(
            tr.t(refused.key, limit=context.services.settings.appeals_per_day)
        )
        return END
    await DRAFTS.save(update, context, IntakeDraft(kind=kind.value))
    await update.effective_message.reply_text(
        category_prompt(tr, kind.value), reply_markup=category_keyboard(tr)
    )
    return CATEGORY


async def start_complaint(update: Update, context: QatysuContext) -> int:
    """Begin a complaint (/complaint or the menu)."""
    return await begin(update, context, Kind.COMPLAINT)


async def start_suggestion(update: Update, context: QatysuContext) -> int:
    """Begin a suggestion (/suggestion or the menu)."""
    return await begin(update, context, Kind.SUGGESTION)


def kept_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    """✅ Complaint, 💡 Suggestion, ✖: what to do with words kept outside a dialog."""
    return InlineKeyboardMarkup(
        [
            [
                button(tr.t("loose.button_complaint"), FEATURE, "loose", Kind.COMPLAINT.value),
                button(tr.t("loose.button_suggestion"), FEATURE, "loose", Kind.SUGGESTION.value),
            ],
            [button(tr.t("loose.button_no"), FEATURE, "loosenot")],
        ]
    )


async def keep(
    update: Update, context: QatysuContext, *, text: str | None = None, voice: str | None = None
) -> None:
    """Keep words (added to those kept before) or a voice note sent outside a dialog, and ask
    what they are: "Send this as a complaint or a suggestion?"."""
    assert update.effective_user is not None
    db, user = context.services.db, update.effective_user.id
    loose = await drafts.load(db, user, LOOSE)
    if text:
        before = str(loose.get("text") or "")
        joined = f"{before}\n{text.strip()}" if before else text.strip()
        loose["text"] = joined[: appeals.TEXT_MAX]
    if voice:
        loose["voice"] = voice
    await drafts.save(db, user, LOOSE, loose)
    await ask_kept(update, context)


async def ask_kept(update: Update, context: QatysuContext) -> None:
    """Ask what the kept words are, with ✅ / 💡 / ✖ (a typed «иә» or «жоқ» answers too)."""
    assert update.effective_user is not None and update.effective_chat is not None
    tr = context.tr
    await asked.ask(context, update.effective_user.id, "kept")
    await context.bot.send_message(
        update.effective_chat.id, tr.t("loose.ask"), reply_markup=kept_keyboard(tr)
    )


async def has_kept(context: QatysuContext, user_id: int) -> bool:
    """Whether words sent outside a dialog wait for an answer."""
    return bool(await drafts.load(context.services.db, user_id, LOOSE))


async def drop_kept(update: Update, context: QatysuContext) -> None:
    """✖ (or «жоқ»): forget the kept words."""
    assert update.effective_user is not None and update.effective_chat is not None
    await drafts.drop(context.services.db, update.effective_user.id, LOOSE)
    await asked.forget(context, update.effective_user.id)
    query = update.callback_query
    if query is not None:
        await query.answer()
        await query.edit_message_text(context.tr.t("loose.dropped"))
    else:
        await context.bot.send_message(update.effective_chat.id, context.tr.t("loose.dropped"))


async def from_loose(update: Update, context: QatysuContext) -> int:
    """✅ under words sent outside a dialog: they become the draft's; ask for the category."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    kind = callbacks.parse(query.data).arg(0)
    db, user = context.services.db, update.effective_user.id
    loose = await drafts.load(db, user, LOOSE)
    if kind not in (Kind.COMPLAINT.value, Kind.SUGGESTION.value) or not loose:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return END
    await query.edit_message_reply_markup(None)
    await asked.forget(context, update.effective_user.id)
    return await open_loose(update, context, Kind(kind))


async def open_loose(update: Update, context: QatysuContext, kind: Kind) -> int:
    """Turn the kept words (or voice note) into a draft of ``kind``; ask for the category.

    Also the step a typed «иә» to the same question opens this dialog with.
    """
    assert update.effective_user is not None
    db, user = context.services.db, update.effective_user.id
    loose = await drafts.load(db, user, LOOSE)
    state = await begin(update, context, kind)
    if state == END:
        return END  # refused (the limit, no village): the words stay kept
    draft = await DRAFTS.load(update, context)
    draft.text = str(loose.get("text") or "") or None
    draft.voice = loose.get("voice") or None
    draft.editing = True  # after the category: the summary
    await DRAFTS.save(update, context, draft)
    await drafts.drop(db, user, LOOSE)
    return state


async def pick_category(update: Update, context: QatysuContext) -> int:
    """Store the category; ask for the text (or go back to the summary when editing)."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    code = callbacks.parse(query.data).arg(0)
    if code not in CATEGORIES:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return CATEGORY
    await query.answer()
    draft = await DRAFTS.keep(update, context, category=code)
    if draft.editing and (draft.text or draft.voice):
        return await _summary(update, context, draft)
    if draft.text or draft.voice:  # the words came first
        return await _ask_attachments(update, context)
    return await _ask_text(update, context, draft)


async def got_text(update: Update, context: QatysuContext) -> int:
    """Check the text (meaning, length, repeat) and store it; then ask for attachments."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None and context.person is not None
    tr = context.tr
    problem = appeals.words_problem(message.text)
    if problem is not None:
        length = len((message.text or "").strip())
        await message.reply_text(tr.t(problem, max=appeals.TEXT_MAX, length=length))
        return TEXT
    try:
        await appeals.check_may_file(context.services, context.person, message.text)
    except AppealRefused as refused:
        await message.reply_text(tr.t(refused.key, limit=context.services.settings.appeals_per_day))
        return TEXT
    draft = await DRAFTS.keep(update, context, text=(message.text or "").strip())
    if draft.editing:
        return await _summary(update, context, draft)
    return await _ask_attachments(update, context)


def _too_big(message: Message) -> bool:
    media = message.photo[-1] if message.photo else message.voice
    return media is not None and (media.file_size or 0) > MAX_FILE_BYTES


async def voice_instead_of_text(update: Update, context: QatysuContext) -> int:
    """Keep a voice note sent instead of text: it will do alone; go on to the attachments."""
    message = update.effective_message
    assert message is not None and message.voice is not None and update.effective_user is not None
    tr = context.tr
    if _too_big(message):
        await message.reply_text(tr.t("complaint.file_too_big"))
        return TEXT
    draft = await DRAFTS.keep(update, context, voice=message.voice.file_id)
    if draft.editing:
        return await _summary(update, context, draft)
    await message.reply_text(
        tr.t("complaint.voice_kept") + "\n" + tr.t("complaint.ask_attachments", max=MAX_PHOTOS),
        reply_markup=attach_keyboard(tr),
    )
    return ATTACH


async def text_expected(update: Update, context: QatysuContext) -> int:
    """Answer a photo, sticker or file sent where the text is expected."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("complaint.text_expected"))
    return TEXT


async def got_attachment(update: Update, context: QatysuContext) -> int:
    """Add a photo (up to three, 20 MB each), a voice note or a location to the draft."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    tr = context.tr
    if _too_big(message):
        await message.reply_text(tr.t("complaint.file_too_big"), reply_markup=attach_keyboard(tr))
        return ATTACH
    draft = await DRAFTS.load(update, context)
    if message.photo:
        if len(draft.photos) >= MAX_PHOTOS:
            await message.reply_text(
                tr.t("complaint.too_many_photos", max=MAX_PHOTOS), reply_markup=attach_keyboard(tr)
            )
            return ATTACH
        draft.photos.append(message.photo[-1].file_id)
        added = tr.t("complaint.photo_added", count=len(draft.photos), max=MAX_PHOTOS)
    elif message.voice:
        draft.voice = message.voice.file_id
        added = tr.t("complaint.voice_added")
    else:
        assert message.location is not None
        draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
        added = tr.t("complaint.location_added")
    await DRAFTS.save(update, context, draft)
    await message.reply_text(
        added + "\n" + tr.t("complaint.more_or_next"), reply_markup=attach_keyboard(tr)
    )
    return ATTACH


async def wrong_media(update: Update, context: QatysuContext) -> int:
    """Refuse stickers, files, videos and text where attachments are expected."""
    message = update.effective_message
    assert message is not None
    key = "complaint.attach_text" if message.text else "complaint.wrong_media"
    await message.reply_text(
        context.tr.t(key, max=MAX_PHOTOS), reply_markup=attach_keyboard(context.tr)
    )
    return ATTACH


async def attachments_done(update: Update, context: QatysuContext) -> int:
    """Show the summary (Next tapped, or typed)."""
    assert update.effective_user is not None
    if update.callback_query is not None:
        await update.callback_query.answer()
    return await _summary(update, context, await DRAFTS.load(update, context))


async def toggle_name(update: Update, context: QatysuContext) -> int:
    """Hide the name from staff, or show it again (as the button said: a double tap is one)."""
    assert update.callback_query is not None and update.effective_user is not None
    draft = await DRAFTS.load(update, context)
    wanted = callbacks.parse(update.callback_query.data).args
    # Buttons sent before the choice was carried in the data ("hide") toggle.
    hide_name = wanted[0] == "1" if wanted else not draft.hide_name
    await update.callback_query.answer()
    if hide_name == draft.hide_name:  # a second tap of the same button: already so
        return SUMMARY
    draft.hide_name = hide_name
    await DRAFTS.save(update, context, draft)
    return await _summary(update, context, draft)


async def remove_revealing(update: Update, context: QatysuContext) -> int:
    """Take the voice note or the location out of the draft (they can reveal who wrote)."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    part = callbacks.parse(query.data).args
    draft = await DRAFTS.load(update, context)
    if part == ("voice",) and draft.voice is not None:
        draft.voice = None
    elif part == ("loc",) and draft.latitude is not None:
        draft.latitude = draft.longitude = None
    else:  # a second tap, or data the summary never offered: nothing to take out
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return SUMMARY
    await DRAFTS.save(update, context, draft)
    await query.answer(context.tr.t("complaint.removed"))
    return await _summary(update, context, draft)


async def send(update: Update, context: QatysuContext) -> int:
    """File the item (Send tapped, or «иә» typed); show its number and due date."""
    query = update.callback_query
    assert update.effective_user is not None and context.person is not None
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    if query is not None:
        await query.answer()
    try:
        appeal = await appeals.submit(context.services, context.bot, context.person, draft)
    except AppealRefused as refused:
        # The limit, a repeat or a lost village: nothing the resident can fix in this draft.
        await DRAFTS.drop(update, context)
        limit = context.services.settings.appeals_per_day
        await _show(update, tr.t(refused.key, limit=limit))
        return END
    await DRAFTS.drop(update, context)
    await _show(
        update,
        tr.t(
            f"complaint.sent.{appeal.kind.value}",
            number=texts.number(appeal),
            due=tr.date(appeal.due_on),
        ),
    )
    return END


async def edit_menu(update: Update, context: QatysuContext) -> int:
    """Ask what to change."""
    assert update.callback_query is not None
    tr = context.tr
    await update.callback_query.answer()
    markup = InlineKeyboardMarkup(
        [
            [button(tr.t("complaint.edit_category"), FEATURE, "ed", "cat")],
            [button(tr.t("complaint.edit_text"), FEATURE, "ed", "text")],
            [button(tr.t("complaint.edit_attachments"), FEATURE, "ed", "att")],
            [button(tr.t("button.back"), FEATURE, "ed", "back")],
        ]
    )
    await _show(update, tr.t("complaint.edit_what"), markup)
    return SUMMARY


async def edit_part(update: Update, context: QatysuContext) -> int:
    """Go back to one step; its answer returns to the summary."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    await query.answer()
    part = callbacks.parse(query.data).arg(0)
    draft = await DRAFTS.load(update, context)
    draft.editing = True
    if part == "att":
        draft.photos, draft.voice, draft.latitude, draft.longitude = [], None, None, None
    await DRAFTS.save(update, context, draft)
    if part == "cat":
        return await _ask_category(update, context, draft)
    if part == "text":
        return await _ask_text(update, context, draft)
    if part == "att":
        return await _ask_attachments(update, context)
    return await _summary(update, context, draft)


cancel = cancel_step(DIALOG)


# --- typed answers ------------------------------------------------------------------------


def _category_typed(tr: Translator, text: str) -> str | None:
    """The category a typed number (in the order shown) or name (any language) names."""
    picked = typed.numbers(text, len(CATEGORIES))
    if picked is not None:
        return CATEGORIES[picked[0] - 1] if len(picked) == 1 else None
    found = typed.search(text, CATEGORIES, lambda code: _category_names(tr, code), 1)
    return found[0] if found else None


def _category_names(tr: Translator, code: str) -> list[str]:
    """A category's label, without its icon, in the reader's language and the two others."""
    names = [texts.category(tr, code)]
    names += [texts.category(other, code) for other in _OTHER_TRANSLATORS.get(tr.language, ())]
    return [name.split(maxsplit=1)[-1] for name in names]


_OTHER_TRANSLATORS: dict[str, tuple[Translator, ...]] = {}


async def typed_category(update: Update, context: QatysuContext) -> int:
    """Text at the category step: a category (by name or number), «артқа», help; or the
    words themselves, sent first (kept: the category is asked again)."""
    message = message_of(update)
    tr = context.tr
    text = message.text or ""
    word = typed.word(text)
    if word is W.BACK:
        await cancel(update, context)
        return END
    if word is W.HELP:
        return await _category_help(update, context)
    code = _category_typed(tr, text) if len(text) <= 40 else None
    draft = await DRAFTS.load(update, context)
    if code is not None:
        draft.category = code
        await DRAFTS.save(update, context, draft)
        if draft.editing and (draft.text or draft.voice):
            return await _summary(update, context, draft)
        if draft.text or draft.voice:
            return await _ask_attachments(update, context)
        return await _ask_text(update, context, draft)
    if appeals.words_problem(text) is None and not draft.text:
        draft.text = text.strip()
        await DRAFTS.save(update, context, draft)
        await message.reply_text(tr.t("complaint.words_kept"), reply_markup=category_keyboard(tr))
        return CATEGORY
    return await _category_help(update, context)


async def _category_help(update: Update, context: QatysuContext) -> int:
    tr = context.tr
    await message_of(update).reply_text(
        tr.t("complaint.help.category"), reply_markup=category_keyboard(tr)
    )
    return CATEGORY


async def voice_at_category(update: Update, context: QatysuContext) -> int:
    """A voice note before the category: kept as the words; the category is asked again."""
    message = message_of(update)
    tr = context.tr
    if message.voice is None or _too_big(message):
        await message.reply_text(tr.t("complaint.file_too_big"))
        return CATEGORY
    await DRAFTS.keep(update, context, voice=message.voice.file_id)
    await message.reply_text(tr.t("complaint.words_kept"), reply_markup=category_keyboard(tr))
    return CATEGORY


async def typed_at_text(update: Update, context: QatysuContext) -> int:
    """«артқа» (the category again) or help at the text step."""
    draft = await DRAFTS.load(update, context)
    if typed.word(message_of(update).text) is W.BACK:
        return await _ask_category(update, context, draft)
    await message_of(update).reply_text(context.tr.t("complaint.help.text"))
    return TEXT


async def typed_at_attachments(update: Update, context: QatysuContext) -> int:
    """«әрі қарай» or «иә» (the summary), «артқа» (the text again) or help."""
    word = typed.word(message_of(update).text)
    if word in (W.NEXT, W.YES):
        return await attachments_done(update, context)
    if word is W.BACK:
        return await _ask_text(update, context, await DRAFTS.load(update, context))
    await message_of(update).reply_text(
        context.tr.t("complaint.help.attach"), reply_markup=attach_keyboard(context.tr)
    )
    return ATTACH


async def typed_at_summary(update: Update, context: QatysuContext) -> int:
    """«иә» sends, «артқа» returns to the attachments, help says so."""
    word = typed.word(message_of(update).text)
    if word is W.YES:
        return await send(update, context)
    if word is W.BACK:
        return await _ask_attachments(update, context)
    await message_of(update).reply_text(context.tr.t("complaint.help.summary"))
    return SUMMARY


async def use_buttons(update: Update, context: QatysuContext) -> None:
    """Remind the resident to tap a button at this step."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("complaint.use_buttons"))


def register(app: QatysuApp) -> None:
    """Register the intake conversation (persistent: it survives a restart)."""
    attachments = filters.PHOTO | filters.VOICE | filters.LOCATION
    other = ~filters.COMMAND & ~filters.StatusUpdate.ALL
    services = app.bot_data.services
    assert services is not None
    for language in LANGUAGES:
        _OTHER_TRANSLATORS[language] = tuple(
            services.i18n.get(other) for other in LANGUAGES if other != language
        )
    text = filters.TEXT & ~filters.COMMAND
    dialog = Dialog(
        "complaint",
        entry_points=[
            CommandHandler("complaint", start_complaint),
            MessageHandler(Pressed(services.i18n, "complaint"), start_complaint),  # reply menu
            CommandHandler("suggestion", start_suggestion),
            CallbackQueryHandler(
                start_complaint, pattern=callbacks.matches(Feature.MENU, "complaint")
            ),
            CallbackQueryHandler(
                start_suggestion, pattern=callbacks.matches(Feature.MENU, "suggestion")
            ),
            tap(FEATURE, from_loose, "loose"),
        ],
        states={
            CATEGORY: [
                tap(FEATURE, pick_category, "cat"),
                MessageHandler(text, typed_category),
                MessageHandler(filters.VOICE, voice_at_category),
            ],
            TEXT: [
                MessageHandler(text & Words(W.BACK, W.HELP), typed_at_text),
                MessageHandler(text, got_text),
                MessageHandler(filters.VOICE, voice_instead_of_text),
                MessageHandler(other, text_expected),
            ],
            ATTACH: [
                MessageHandler(attachments, got_attachment),
                tap(FEATURE, attachments_done, "next"),
                MessageHandler(text & Words(W.NEXT, W.YES, W.BACK, W.HELP), typed_at_attachments),
                MessageHandler(other, wrong_media),
            ],
            SUMMARY: [
                tap(FEATURE, send, "send"),
                tap(FEATURE, toggle_name, "hide"),
                tap(FEATURE, remove_revealing, "rm"),
                tap(FEATURE, edit_menu, "edit"),
                tap(FEATURE, edit_part, "ed"),
                MessageHandler(text & Words(W.YES, W.BACK, W.HELP), typed_at_summary),
            ],
        },
        prompts={
            CATEGORY: _with_draft(_ask_category),
            TEXT: _with_draft(_ask_text),
            ATTACH: _ask_attachments,
            SUMMARY: _with_draft(_summary),
        },
        draft=DIALOG,
        # The kind is the entry's; hiding the name is a setting, not something entered.
        context_keys=("kind", "hide_name", "editing"),
        cancel=cancel,
        fallbacks=[tap(FEATURE, cancel, "cancel"), MessageHandler(other, use_buttons)],
    )
    app.add_handler(dialog)
    app.add_handler(CallbackQueryHandler(drop_kept, pattern=callbacks.matches(FEATURE, "loosenot")))
