"""Questions residents asked before a meeting, their own kind in the inbox: listed with their
meeting, grouped by theme, answered theme by theme, and sent together in one message once the
meeting began (to those who asked, or also to every resident of its villages).

Every tap re-checks that the staff member manages the meeting (all its villages in scope) and
that a theme is one of the inbox's categories: callback data can be forged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.appeals.service import CATEGORIES
from bot.auth import requires
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import button_label
from bot.meetings import service
from bot.meetings import texts as meeting_texts
from handlers.hearings.manage import list_label, managed
from handlers.widgets import village_picker
from handlers.widgets.dialogs import (
    Dialog,
    DialogDraft,
    Drafts,
    chat_id,
    message_of,
    query_of,
    send_text,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from storage import broadcasts, hearings, meetings, territory
from storage.db import utcnow
from storage.hearings import Hearing
from storage.models import Role

FEATURE = Feature.MEETING
DIALOG = "meeting_answer"
ANSWER = 0
END = ConversationHandler.END
QUESTION_SHOWN = 300  # characters of each question in a theme's view
LISTED_SINCE = timedelta(days=30)


@dataclass(slots=True)
class AnswerDraft(DialogDraft):
    """The answer being typed: to which meeting's questions of which theme."""

    id: int = 0  # the meeting: the button's
    theme: str = ""  # the button's


DRAFTS = Drafts(DIALOG, AnswerDraft)


async def overview(context: QatysuContext, hearing: Hearing) -> tuple[str, InlineKeyboardMarkup]:
    """A meeting's questions by theme: how many, which are answered; what can be done."""
    tr = context.tr
    counts = await service.themes(context.services, hearing)
    given = await meetings.answers_of(context.services.db, hearing.id)
    lines = [
        tr.t(
            "meeting.questions_title", kind=meeting_texts.kind_name(tr, hearing.kind),
            topic=hearing.topic, when=tr.datetime(hearing.starts_at),
        ),
        "",
    ]  # fmt: skip
    rows: list[list[InlineKeyboardButton]] = []
    for theme, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        state = tr.t("meeting.theme_answered" if theme in given else "meeting.theme_open")
        name = meeting_texts.theme_name(tr, theme)
        lines.append(f"{name} · {tr.number(count)} · {state}")
        label = button_label(f"{'✅' if theme in given else '✍️'} {name} · {tr.number(count)}")
        rows.append([button(label, FEATURE, "qt", hearing.id, theme)])
    lines.append("")
    if hearing.answers_sent_at is not None:
        lines.append(tr.t("meeting.answers_were_sent", when=tr.datetime(hearing.answers_sent_at)))
    elif hearing.status == "cancelled":
        lines.append(tr.t(meeting_texts.state_key(hearing, "cancelled")))
    elif hearing.starts_at > utcnow():
        lines.append(tr.t("meeting.answers_after_start"))
    elif any(theme not in given for theme in counts):
        lines.append(tr.t("meeting.answers_missing"))
    else:
        rows.append([button(tr.t("meeting.btn.send_answers"), FEATURE, "qpub", hearing.id)])
    rows.append([button(tr.t("ha.back"), Feature.HEARING_STAFF, "open", hearing.id)])
    return meeting_texts.clip("\n".join(lines), meeting_texts.MAX_MESSAGE), InlineKeyboardMarkup(
        rows
    )


@requires(Role.STAFF)
async def show_overview(update: Update, context: QatysuContext) -> None:
    """A meeting's questions by theme (the card's ❓ button, a question's, the inbox's list)."""
    query = query_of(update)
    hearing = await managed(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return
    await query.answer()
    text, markup = await overview(context, hearing)
    await send_text(update, context, text, markup)


async def theme_view(
    context: QatysuContext, hearing: Hearing, theme: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The questions of one theme with their villages, and the answer so far."""
    tr = context.tr
    db = context.services.db
    asked = [q for q in await meetings.questions_of(db, hearing.id) if q.theme == theme]
    given = (await meetings.answers_of(db, hearing.id)).get(theme)
    lines = [
        tr.t(
            "meeting.theme_title", theme=meeting_texts.theme_name(tr, theme),
            count=tr.nt("meeting.questions_count", len(asked)), topic=hearing.topic,
        ),
    ]  # fmt: skip
    for question in asked:
        village = await territory.get_village(db, question.village_code)
        place = village.names.get(tr.language) if village else question.village_code
        shown = tr.t("appeal.redacted") if question.redacted else question.text
        lines += ["", f"#{question.number} · {place}", meeting_texts.clip(shown, QUESTION_SHOWN)]
    lines.append("")
    lines.append(
        tr.t("meeting.theme_answer", answer=given.text) if given else tr.t("meeting.no_answer_yet")
    )
    rows = []
    if hearing.answers_sent_at is None and hearing.status != "cancelled":
        label = "meeting.btn.change_answer" if given else "meeting.btn.answer"
        rows.append([button(tr.t(label), FEATURE, "qa", hearing.id, theme)])
    rows.append([button(tr.t("ha.back"), FEATURE, "qs", hearing.id)])
    return meeting_texts.clip("\n".join(lines), meeting_texts.MAX_MESSAGE), InlineKeyboardMarkup(
        rows
    )


@requires(Role.STAFF)
async def show_theme(update: Update, context: QatysuContext) -> None:
    """One theme's questions and answer."""
    query = query_of(update)
    parsed = callbacks.parse(query.data)
    hearing = await managed(update, context, parsed.int_arg(0))
    if hearing is None:
        return
    theme = parsed.arg(1)
    if theme not in CATEGORIES:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return
    await query.answer()
    text, markup = await theme_view(context, hearing, theme)
    await query.edit_message_text(text, reply_markup=markup)


@requires(Role.STAFF)
async def start_answer(update: Update, context: QatysuContext) -> int:
    """Type the answer to one theme's questions."""
    query = query_of(update)
    tr = context.tr
    parsed = callbacks.parse(query.data)
    hearing = await managed(update, context, parsed.int_arg(0))
    if hearing is None:
        return END
    theme = parsed.arg(1)
    if (
        theme not in CATEGORIES
        or hearing.answers_sent_at is not None
        or hearing.status == "cancelled"
    ):
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return END
    await query.answer()
    await DRAFTS.save(update, context, AnswerDraft(id=hearing.id, theme=theme))
    return await ask_answer(update, context)


async def ask_answer(update: Update, context: QatysuContext) -> int:
    """Ask for the answer."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    await send_text(update, context, tr.t(
        "meeting.ask_answer", theme=meeting_texts.theme_name(tr, draft.theme),
        limit=meeting_texts.ANSWER_MAX,
    ))  # fmt: skip
    return ANSWER


async def take_answer(update: Update, context: QatysuContext) -> int:
    """Keep the answer (the meeting's scope checked again); show the theme."""
    text = (message_of(update).text or "").strip()
    if not text or len(text) > meeting_texts.ANSWER_MAX:
        return await ask_answer(update, context)
    draft = await DRAFTS.load(update, context)
    hearing = await managed(update, context, draft.id)
    await DRAFTS.drop(update, context)
    if hearing is None or hearing.answers_sent_at is not None:
        return END
    await service.save_answer(context.services, hearing, draft.theme, text, user_id(update))
    shown, markup = await theme_view(context, hearing, draft.theme)
    await send_text(update, context, shown, markup)
    return END


async def _publishable(update: Update, context: QatysuContext, hearing_id: int) -> Hearing | None:
    """The meeting when its answers may go out now; None after saying why not."""
    query = query_of(update)
    tr = context.tr
    hearing = await managed(update, context, hearing_id)
    if hearing is None:
        return None
    problem = None
    if hearing.answers_sent_at is not None:
        problem = "meeting.answers_already_sent"
    elif hearing.status == "cancelled":
        problem = meeting_texts.state_key(hearing, "cancelled")
    elif not service.is_started(hearing):
        problem = "meeting.answers_after_start"
    elif await service.unanswered_themes(context.services, hearing):
        problem = "meeting.answers_missing"
    if problem is not None:
        await query.answer(tr.t(problem), show_alert=True)
        return None
    return hearing


@requires(Role.STAFF)
async def preview(update: Update, context: QatysuContext) -> None:
    """Show the one message of answers, and to whom it may go."""
    query = query_of(update)
    tr = context.tr
    hearing = await _publishable(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return
    await query.answer()
    db = context.services.db
    given = await meetings.answers_of(db, hearing.id)
    counts = await service.themes(context.services, hearing)
    await send_text(update, context, meeting_texts.answers(tr, hearing, given, counts))
    askers = len({q.person_id for q in await meetings.questions_of(db, hearing.id)})
    everyone = await broadcasts.count_audience(db, hearing.village_codes)
    to_askers = tr.t("meeting.btn.to_askers", count=tr.number(askers))
    to_all = tr.t("meeting.btn.to_all", count=tr.number(everyone))
    rows = [
        [button(to_askers, FEATURE, "qsend", hearing.id, "a")],
        [button(to_all, FEATURE, "qsend", hearing.id, "all")],
        [button(tr.t("ha.back"), FEATURE, "qs", hearing.id)],
    ]
    await send_text(update, context, tr.t("meeting.answers_to_whom"), InlineKeyboardMarkup(rows))


@requires(Role.STAFF)
async def publish(update: Update, context: QatysuContext) -> None:
    """Send the answers, once: to those who asked first, then (if chosen) to all residents."""
    query = query_of(update)
    parsed = callbacks.parse(query.data)
    audience = parsed.arg(1)
    if audience not in ("a", "all"):
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return
    hearing = await _publishable(update, context, parsed.int_arg(0))
    if hearing is None:
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await service.publish_answers(
        context.services, hearing, to_all=audience == "all", actor=user_id(update),
        report_to=(chat_id(update), context.tr),
    )  # fmt: skip


@requires(Role.STAFF)
async def list_meetings(update: Update, context: QatysuContext) -> None:
    """From the inbox: the meetings of the staff member's villages that residents asked about."""
    query = query_of(update)
    tr = context.tr
    await query.answer()
    db = context.services.db
    codes = [v.code for v in await village_picker.in_scope(update, context)]
    rows = []
    for hearing_id in await meetings.with_questions(db, codes, utcnow() - LISTED_SINCE):
        hearing = await hearings.get(db, hearing_id)
        if hearing is not None:
            rows.append([button(list_label(tr, hearing), FEATURE, "qs", hearing.id)])
    rows.append([button(tr.t("inbox.back"), Feature.INBOX, "home")])
    key = "meeting.questions_list" if len(rows) > 1 else "meeting.questions_list_empty"
    await query.edit_message_text(tr.t(key), reply_markup=InlineKeyboardMarkup(rows))


def register(app: QatysuApp) -> None:
    """Register the questions' views, the answer dialog and the send buttons."""
    dialog = Dialog(
        DIALOG,
        entry_points=[tap(FEATURE, start_answer, "qa")],
        states={ANSWER: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_answer)]},
        draft=DIALOG,
        context_keys=("id", "theme"),  # which meeting and theme: the button's
    )
    app.add_handler(dialog)
    app.add_handler(tap(FEATURE, show_overview, "qs"))
    app.add_handler(tap(FEATURE, show_theme, "qt"))
    app.add_handler(tap(FEATURE, preview, "qpub"))
    app.add_handler(tap(FEATURE, publish, "qsend"))
    app.add_handler(tap(FEATURE, list_meetings, "ql"))
