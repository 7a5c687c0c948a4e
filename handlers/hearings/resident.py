"""Residents and meetings: /meetings (/hearings), "I will come", the calendar file, questions.

A question asked in advance has a theme (a category, tapped under the prompt; "Other" when the
resident just types it): staff answer the questions of each theme together, after the meeting.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.appeals.service import CATEGORIES, AppealRefused
from bot.auth import load_access
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.hearings import ics, render, service, texts
from bot.i18n import Translator, button_label
from bot.meetings import texts as meeting_texts
from handlers.hearings import manage
from handlers.widgets.dialogs import (
    Dialog,
    DialogDraft,
    Drafts,
    cancel_step,
    chat_id,
    message_of,
    query_of,
    tap,
)
from handlers.widgets.keyboards import button
from storage import hearings, territory
from storage.db import utcnow
from storage.hearings import Hearing
from storage.models import Role

FEATURE = service.FEATURE
DIALOG = "hearing_question"
QUESTION = 0


@dataclass(slots=True)
class QuestionDraft(DialogDraft):
    """A question being asked before a hearing."""

    hearing: int = 0  # the hearing's id: the button's
    theme: str | None = None  # a category; none tapped: "other"
    hide_name: bool | None = None  # staff do not see who asked (None: not chosen, shown)


DRAFTS = Drafts(DIALOG, QuestionDraft)


async def show_list(update: Update, context: QatysuContext) -> None:
    """List the upcoming hearings of the resident's village (/hearings or the menu); staff
    without a home village get those of their area."""
    assert update.effective_message is not None and update.effective_user is not None
    tr = context.tr
    person = context.person
    staff = (await load_access(context, update.effective_user.id)).has(Role.STAFF)
    if staff and (person is None or person.village_code is None):
        await manage.list_hearings(update, context)
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    rows: list[list[InlineKeyboardButton]] = []
    village = None
    if person is not None and person.village_code:
        village = await territory.get_village(context.services.db, person.village_code)
    if village is None:
        text = tr.t("error.need_village")
    else:
        upcoming = await hearings.upcoming_in(context.services.db, village.code, utcnow())
        name = village.names.get(tr.language)
        text = tr.t("meeting.list_title" if upcoming else "meeting.list_empty", village=name)
        rows = [
            [
                InlineKeyboardButton(
                    _label(tr, h), callback_data=callbacks.build(FEATURE, "open", h.id)
                )
            ]
            for h in upcoming
        ]
    if staff:
        rows.append(
            [
                InlineKeyboardButton(
                    tr.t("hearing.btn.manage"),
                    callback_data=callbacks.build(Feature.HEARING_STAFF, "list"),
                )
            ]
        )
    await update.effective_message.reply_text(text, reply_markup=InlineKeyboardMarkup(rows))


def _label(tr: Translator, hearing: Hearing) -> str:
    """A meeting in the list: its kind's sign (none for a public hearing), when, what."""
    sign = "" if hearing.kind == meeting_texts.HEARING else tr.t(f"meeting.sign.{hearing.kind}")
    topic = hearing.read_in(tr.language).topic
    return button_label(f"{sign}{tr.short_datetime(hearing.starts_at)} · {topic}")


async def _hearing(update: Update, context: QatysuContext, hearing_id: int) -> Hearing | None:
    """The hearing of a tap, or None after telling the person it is gone."""
    hearing = await hearings.get(context.services.db, hearing_id)
    if hearing is None:
        if update.callback_query is not None:
            await update.callback_query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return None
    return hearing


async def show_hearing(update: Update, context: QatysuContext, hearing_id: int) -> None:
    """Send one hearing's card with its buttons (also for a shared link, ``/start h_<id>``)."""
    assert update.effective_chat is not None
    tr = context.tr
    hearing = await hearings.get(context.services.db, hearing_id)
    if hearing is None or hearing.status != "scheduled":
        key = (
            "hearing.gone" if hearing is None else meeting_texts.state_key(hearing, hearing.status)
        )
        await context.bot.send_message(update.effective_chat.id, tr.t(key))
        return
    coming = context.person is not None and await hearings.is_coming(
        context.services.db, hearing.id, context.person.id
    )
    await context.bot.send_message(
        update.effective_chat.id,
        await texts.card(context.services, tr, hearing),
        reply_markup=render.buttons(tr, hearing, context.bot.username, coming=coming),
    )


async def open_hearing(update: Update, context: QatysuContext) -> None:
    """Open a hearing from the list."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await show_hearing(update, context, callbacks.parse(query.data).int_arg(0))


def _open_problem(hearing: Hearing) -> str | None:
    """Why a resident can no longer answer a hearing, if they cannot."""
    if hearing.status != "scheduled":
        return meeting_texts.state_key(hearing, hearing.status)
    if hearing.starts_at <= utcnow():
        return meeting_texts.state_key(hearing, "started")
    return None


async def _answer_problem(
    update: Update, context: QatysuContext, hearing: Hearing
) -> tuple[str, dict[str, str]] | None:
    """Why this person may not say "I will come" or ask a question, if they may not.

    The one scope check of a resident's answers to a hearing: it must be open, and they a
    resident of one of its villages, or staff covering one of them.
    """
    if (problem := _open_problem(hearing)) is not None:
        return problem, {}
    person = context.person
    if person is not None and person.village_code in hearing.village_codes:
        return None
    assert update.effective_user is not None
    access = await load_access(context, update.effective_user.id)
    for code in hearing.village_codes:
        village = await territory.get_village(context.services.db, code)
        if village is not None and access.covers(Role.STAFF, village):
            return None
    names = await texts.village_names(context.services, context.tr, hearing.village_codes)
    key = "hearing.not_yours" if hearing.kind == meeting_texts.HEARING else "meeting.not_yours"
    return key, {"villages": names}


async def toggle_coming(update: Update, context: QatysuContext) -> None:
    """Say "I will come" (or take it back) and show how many are coming."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    hearing = await _hearing(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None or context.person is None:
        return
    db = context.services.db
    problem: tuple[str, dict[str, str]] | None
    if await hearings.is_coming(db, hearing.id, context.person.id):  # taking it back
        closed = _open_problem(hearing)
        problem = (closed, {}) if closed is not None else None
    else:
        problem = await _answer_problem(update, context, hearing)
    if problem is not None:
        await query.answer(tr.t(problem[0], **problem[1]), show_alert=True)
        return
    coming, count = await service.toggle_coming(context.services, hearing, context.person.id)
    await query.answer(
        tr.t(
            "hearing.rsvp_on" if coming else "hearing.rsvp_off",
            coming=tr.nt("hearing.coming_count", count),
        )
    )
    markup = render.buttons(tr, hearing, context.bot.username, coming=coming)
    await query.edit_message_reply_markup(markup)


async def send_calendar(update: Update, context: QatysuContext) -> None:
    """Send the hearing as an .ics file for the phone's calendar."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    tr = context.tr
    hearing = await _hearing(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return
    await query.answer()
    title = (
        tr.t("hearing.ics_title")
        if hearing.kind == meeting_texts.HEARING
        else meeting_texts.kind_name(tr, hearing.kind)
    )
    content = ics.hearing_event(
        hearing.read_in(tr.language), context.services.settings.zone, title=title
    )
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(content, filename=f"hearing-{hearing.id}.ics", attach=True),
        caption=tr.t("hearing.ics_caption"),
    )


async def ask_question(update: Update, context: QatysuContext) -> int:
    """Start a question for a hearing."""
    query = query_of(update)
    tr = context.tr
    hearing = await _hearing(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return ConversationHandler.END
    if (problem := await _answer_problem(update, context, hearing)) is not None:
        await query.answer(tr.t(problem[0], **problem[1]), show_alert=True)
        return ConversationHandler.END
    if context.person is None or not context.person.village_code:
        await query.answer(tr.t("error.need_village"), show_alert=True)
        return ConversationHandler.END
    await query.answer()
    await DRAFTS.save(update, context, QuestionDraft(hearing=hearing.id))
    text, markup = _question_prompt(tr, hearing, hide_name=False, theme=None)
    await context.bot.send_message(chat_id(update), text, reply_markup=markup)
    return QUESTION


def _question_prompt(
    tr: Translator, hearing: Hearing, *, hide_name: bool, theme: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The request for a question: its theme (tapped first, or Other when the resident just
    writes), whether staff will see the name, and the choices."""
    key = "hearing.ask_prompt" if hearing.kind == meeting_texts.HEARING else "meeting.ask_prompt"
    shown = "complaint.name_hidden" if hide_name else "complaint.name_shown"
    about = (
        tr.t("meeting.theme_chosen", theme=meeting_texts.theme_name(tr, theme))
        if theme
        else tr.t("meeting.ask_theme")
    )
    topic = hearing.read_in(tr.language).topic
    text = "\n\n".join([tr.t(key, topic=topic), about, tr.t(shown)])
    rows: list[list[InlineKeyboardButton]] = []
    if theme is None:
        themes = [button(meeting_texts.theme_name(tr, c), FEATURE, "qt", c) for c in CATEGORIES]
        rows += [themes[i : i + 2] for i in range(0, len(themes), 2)]
    choice = "complaint.button_show_name" if hide_name else "complaint.button_hide_name"
    rows += [
        [button(tr.t(choice), FEATURE, "qname", int(not hide_name))],
        [button(tr.t("complaint.button_cancel"), FEATURE, "qx")],
    ]
    return text, InlineKeyboardMarkup(rows)


async def _redraw_prompt(update: Update, context: QatysuContext, draft: QuestionDraft) -> int:
    """Show the request again in place, as the draft now stands."""
    query = query_of(update)
    hearing = await hearings.get(context.services.db, draft.hearing)
    if hearing is None:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return QUESTION
    await query.answer()
    await DRAFTS.save(update, context, draft)
    text, markup = _question_prompt(
        context.tr, hearing, hide_name=bool(draft.hide_name), theme=draft.theme
    )
    await query.edit_message_text(text, reply_markup=markup)
    return QUESTION


async def choose_question_name(update: Update, context: QatysuContext) -> int:
    """Hide the name from staff, or show it again, before the question is written."""
    query = query_of(update)
    hide_name = callbacks.parse(query.data).arg(0) == "1"
    draft = await DRAFTS.load(update, context)
    if bool(draft.hide_name) == hide_name:  # a second tap of the same button
        await query.answer()
        return QUESTION
    draft.hide_name = hide_name
    return await _redraw_prompt(update, context, draft)


async def take_theme(update: Update, context: QatysuContext) -> int:
    """Keep the theme of the question (one of the inbox's categories); ask for its text."""
    query = query_of(update)
    theme = callbacks.parse(query.data).arg(0)
    if theme not in CATEGORIES:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return QUESTION
    draft = await DRAFTS.load(update, context)
    draft.theme = theme
    return await _redraw_prompt(update, context, draft)


async def take_question(update: Update, context: QatysuContext) -> int:
    """File the question in the staff's inbox, linked to the hearing."""
    message = message_of(update)
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    hearing = await hearings.get(context.services.db, draft.hearing)
    person = context.person
    if hearing is None or person is None or not person.village_code:
        await DRAFTS.drop(update, context)
        await message.reply_text(tr.t("error.stale_button"))
        return ConversationHandler.END
    if (problem := await _answer_problem(update, context, hearing)) is not None:  # moved since
        await DRAFTS.drop(update, context)
        await message.reply_text(tr.t(problem[0], **problem[1]))
        return ConversationHandler.END
    try:
        appeal = await service.ask(
            context.services, context.bot, person, hearing, message.text or "",
            theme=draft.theme or "other", hide_name=bool(draft.hide_name),
        )  # fmt: skip
    except AppealRefused as refused:
        await message.reply_text(tr.t(refused.key, limit=context.services.settings.appeals_per_day))
        return QUESTION if refused.key.startswith("complaint.text") else ConversationHandler.END
    await DRAFTS.drop(update, context)
    await message.reply_text(
        tr.t(
            "meeting.ask_done", number=f"#{appeal.number}", when=tr.datetime(hearing.starts_at),
            theme=meeting_texts.theme_name(tr, appeal.category),
        )
    )  # fmt: skip
    return ConversationHandler.END


async def not_text(update: Update, context: QatysuContext) -> int:
    """A question is text."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("hearing.ask_text_only"))
    return QUESTION


def register(app: QatysuApp) -> None:
    """Register /hearings and the buttons of hearing notices."""
    cancel = cancel_step(DIALOG)
    question = Dialog(
        "hearing_question",
        entry_points=[tap(FEATURE, ask_question, "ask")],
        states={
            QUESTION: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, take_question),
                tap(FEATURE, take_theme, "qt"),
                tap(FEATURE, choose_question_name, "qname"),
                tap(FEATURE, cancel, "qx"),
                MessageHandler(~filters.COMMAND, not_text),
            ]
        },
        draft=DIALOG,
        # Which hearing (the button's), and hiding the name: a setting, not something entered.
        context_keys=("hearing", "hide_name"),
        cancel=cancel,
    )
    app.add_handler(question)
    app.add_handler(CommandHandler(("meetings", "hearings"), show_list))
    app.add_handler(
        CallbackQueryHandler(show_list, pattern=callbacks.matches(Feature.MENU, "hearings"))
    )
    app.add_handler(CallbackQueryHandler(open_hearing, pattern=callbacks.matches(FEATURE, "open")))
    app.add_handler(CallbackQueryHandler(toggle_coming, pattern=callbacks.matches(FEATURE, "go")))
    app.add_handler(CallbackQueryHandler(send_calendar, pattern=callbacks.matches(FEATURE, "ics")))
