"""/inbox: staff work the items of their villages (list, open, take, forward, extend), of all
of them or of one rural okrug or village (``handlers.appeals.inbox_place``).

Every handler is guarded by ``requires(Role.STAFF)``; every action on an item re-checks the
scope with ``authorize_village`` (and the district level), since a client can forge any tap.
Typed answers, comments and reasons are in ``handlers.appeals.inbox_typing``.
"""

from __future__ import annotations

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Update,
)
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks
from bot.appeals import service as appeals
from bot.appeals import texts
from bot.appeals.service import CATEGORIES
from bot.auth import authorize_village, load_access, refuse, requires
from bot.behalf import texts as behalf_texts
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from handlers.appeals import inbox_place
from handlers.widgets import keyboards
from handlers.widgets.keyboards import button
from storage import appeals as repo
from storage import territory
from storage.appeals import ACTIVE, Appeal, Kind, Status
from storage.models import Role

FEATURE = Feature.INBOX
STATUSES = ("new", "in_progress", "overdue", "answered", "resolved", "rejected")


async def authorize_appeal(update: Update, context: QatysuContext, appeal_id: int) -> Appeal | None:
    """Return the item when this staff member works it; answer and return None otherwise."""
    appeal = await repo.get(context.services.db, appeal_id)
    if appeal is None:
        await refuse(update, context, "error.stale_button", f"no appeal {appeal_id}")
        return None
    village = await authorize_village(update, context, Role.STAFF, appeal.handler_village_code)
    if village is None:
        return None
    assert update.effective_user is not None
    access = await load_access(context, update.effective_user.id)
    if not appeals.may_work(access, village, appeal.level):
        await refuse(update, context, "auth.out_of_scope", f"district-level appeal {appeal_id}")
        return None
    return appeal


def handoff_rows(tr: Translator, appeal: Appeal) -> list[list[InlineKeyboardButton]]:
    """📄 Needs a formal appeal (while staff act on it); 🔢 its eOtinish number (any time)."""
    rows = []
    if appeal.status in ACTIVE:
        rows.append([button(tr.t("inbox.formal"), FEATURE, "frm", appeal.id)])
    rows.append([button(tr.t("inbox.eotinish"), FEATURE, "eot", appeal.id)])
    return rows


def actions_keyboard(tr: Translator, appeal: Appeal) -> InlineKeyboardMarkup:
    """The actions the item's status allows, and the way back to the inbox."""
    rows: list[list[InlineKeyboardButton]] = []
    if appeal.kind is Kind.QUESTION and appeal.hearing_id is not None:
        # A question asked before a meeting is answered with the others of its theme.
        label = tr.t("inbox.meeting_questions")
        rows.append([button(label, Feature.MEETING, "qs", appeal.hearing_id)])
        rows.append([button(tr.t("inbox.back"), FEATURE, "home")])
        return InlineKeyboardMarkup(rows)
    if appeal.status is Status.NEW:
        rows.append([button(tr.t("inbox.take"), FEATURE, "take", appeal.id)])
    if appeal.status in ACTIVE:
        rows += [
            [
                button(tr.t("inbox.answer"), FEATURE, "ans", appeal.id),
                button(tr.t("inbox.resolve"), FEATURE, "res", appeal.id),
            ],
            [
                button(tr.t("inbox.reject"), FEATURE, "rej", appeal.id),
                button(tr.t("inbox.forward"), FEATURE, "fwd", appeal.id),
            ],
            [button(tr.t("inbox.extend"), FEATURE, "ext", appeal.id)],
        ]
    rows += handoff_rows(tr, appeal)  # handlers.appeals.inbox_handoff: bodies, eOtinish
    rows.append([button(tr.t("inbox.back"), FEATURE, "home")])
    return InlineKeyboardMarkup(rows)


async def card(context: QatysuContext, appeal: Appeal) -> str:
    """The item as staff read it."""
    db = context.services.db
    tr = context.tr
    village = await territory.get_village(db, appeal.village_code)
    handler = await territory.get_village(db, appeal.handler_village_code)
    assert village is not None and handler is not None
    events = await repo.history(db, appeal.id)
    targets = await texts.target_names(db, tr, events)
    today = appeals.local_today(context.services)
    shown = texts.staff_card(tr, appeal, village, handler, events, targets, today)
    viewer = context.person.telegram_id if context.person is not None else None
    return await behalf_texts.staff_view(context.services, tr, viewer, appeal, shown)


async def keyboard(context: QatysuContext, appeal: Appeal) -> InlineKeyboardMarkup:
    """The item's actions; on one filed for a resident without Telegram, 🗑 erase too."""
    markup = actions_keyboard(context.tr, appeal)
    erase = await behalf_texts.erase_button(context.services, context.tr, appeal)
    if not erase:
        return markup
    rows = [list(row) for row in markup.inline_keyboard]
    return InlineKeyboardMarkup([*rows[:-1], erase, rows[-1]])


async def show_card(update: Update, context: QatysuContext, appeal: Appeal) -> None:
    """Redraw the tapped message as the item's card with its actions."""
    assert update.callback_query is not None
    text = await card(context, appeal)
    await update.callback_query.edit_message_text(
        text, reply_markup=await keyboard(context, appeal)
    )


@requires(Role.STAFF)
async def inbox(update: Update, context: QatysuContext) -> None:
    """Count the items of the staff member's area by status, a button each (/inbox)."""
    assert update.effective_user is not None and update.effective_message is not None
    tr = context.tr
    if update.callback_query is not None:
        await update.callback_query.answer()
    user_id = update.effective_user.id
    scopes = (await load_access(context, user_id)).scopes(Role.STAFF)
    villages = await inbox_place.area(context, user_id)
    place = await inbox_place.chosen(context, user_id, villages)
    today = appeals.local_today(context.services)
    rows = []
    for status in STATUSES:
        count = await repo.count_in_scopes(context.services.db, scopes, status, None, today, place)
        label = tr.t("inbox.status_count", status=tr.t(f"appeal.status.{status}"), count=count)
        rows.append([button(label, FEATURE, "list", status, "all", 0)])
    questions = await repo.count_in_scopes(
        context.services.db, scopes, "questions", None, today, place
    )
    label = tr.t("inbox.questions_count", count=questions)
    rows.append([button(label, Feature.MEETING, "ql")])
    rows.append(inbox_place.place_button(context, villages, place))
    markup = InlineKeyboardMarkup([row for row in rows if row])
    if (
        update.callback_query is not None
        and callbacks.parse(update.callback_query.data).feature == FEATURE
    ):
        await update.callback_query.edit_message_text(tr.t("inbox.title"), reply_markup=markup)
    else:
        await update.effective_message.reply_text(tr.t("inbox.title"), reply_markup=markup)


@requires(Role.STAFF)
async def list_items(update: Update, context: QatysuContext) -> None:
    """One page of items of a status (and category), most urgent first."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    tr = context.tr
    parsed = callbacks.parse(query.data)
    status, category, page = parsed.arg(0), parsed.arg(1), parsed.int_arg(2)
    if status not in STATUSES or (category != "all" and category not in CATEGORIES):
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    await query.answer()
    db = context.services.db
    user_id = update.effective_user.id
    scopes = (await load_access(context, user_id)).scopes(Role.STAFF)
    place = await inbox_place.stored(context, user_id)
    today = appeals.local_today(context.services)
    chosen = None if category == "all" else category
    total = await repo.count_in_scopes(db, scopes, status, chosen, today, place)
    pages = keyboards.page_count(total)
    page = min(page, pages - 1)
    shown = await repo.in_scopes(
        db, scopes, status, chosen, today, keyboards.PAGE_SIZE, page * keyboards.PAGE_SIZE, place
    )
    rows = []
    for appeal in shown:
        village = await territory.get_village(db, appeal.village_code)
        name = village.names.get(tr.language) if village else appeal.village_code
        label = texts.list_label(tr, appeal, today, name)
        rows.append([button(label, FEATURE, "open", appeal.id)])
    arrows = []
    if page > 0:
        arrows.append(button(tr.t("button.prev_page"), FEATURE, "list", status, category, page - 1))
    if page < pages - 1:
        arrows.append(button(tr.t("button.next_page"), FEATURE, "list", status, category, page + 1))
    if arrows:
        rows.append(arrows)
    rows.append([button(tr.t("inbox.by_category"), FEATURE, "cats", status)])
    rows.append([button(tr.t("inbox.back"), FEATURE, "home")])
    title = tr.t(
        "inbox.list_title",
        status=tr.t(f"appeal.status.{status}"),
        category=texts.category(tr, category) if chosen else tr.t("inbox.all_categories"),
        count=total,
    )
    if pages > 1:
        title += f" ({tr.t('start.page', page=page + 1, pages=pages)})"
    if not shown:
        title += "\n" + tr.t("inbox.empty")
    await query.edit_message_text(title, reply_markup=InlineKeyboardMarkup(rows))


@requires(Role.STAFF)
async def choose_category(update: Update, context: QatysuContext) -> None:
    """Offer the categories to filter a status list by."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    status = callbacks.parse(query.data).arg(0)
    if status not in STATUSES:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return
    await query.answer()
    buttons = [button(tr.t("inbox.all_categories"), FEATURE, "list", status, "all", 0)]
    buttons += [button(texts.category(tr, c), FEATURE, "list", status, c, 0) for c in CATEGORIES]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await query.edit_message_text(
        tr.t("inbox.choose_category"), reply_markup=InlineKeyboardMarkup(rows)
    )


@requires(Role.STAFF)
async def open_item(update: Update, context: QatysuContext) -> None:
    """Send the item's photos, voice and location, then its card with the actions."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    appeal = await authorize_appeal(update, context, callbacks.parse(query.data).int_arg(0))
    if appeal is None:
        return
    await query.answer()
    bot, chat_id = context.bot, update.effective_chat.id
    if len(appeal.photos) > 1:
        await bot.send_media_group(chat_id, [InputMediaPhoto(p) for p in appeal.photos])
    elif appeal.photos:
        await bot.send_photo(chat_id, appeal.photos[0])
    if appeal.voice_file_id:
        await bot.send_voice(chat_id, appeal.voice_file_id)
    if appeal.latitude is not None and appeal.longitude is not None:
        await bot.send_location(chat_id, latitude=appeal.latitude, longitude=appeal.longitude)
    text = await card(context, appeal)
    await bot.send_message(chat_id, text, reply_markup=await keyboard(context, appeal))


@requires(Role.STAFF)
async def redraw(update: Update, context: QatysuContext) -> None:
    """Show the card again in place (the back button of forward and extend)."""
    query = update.callback_query
    assert query is not None
    appeal = await authorize_appeal(update, context, callbacks.parse(query.data).int_arg(0))
    if appeal is not None:
        await query.answer()
        await show_card(update, context, appeal)


def _answer_with(query: CallbackQuery, tr: Translator, done: str | None) -> appeals.Acknowledge:
    """Answer the tap as soon as the change is stored: ``done`` (a text key), or an alert
    when the item changed meanwhile."""

    async def acknowledge(changed: Appeal | None) -> None:
        if changed is None:
            await query.answer(tr.t("inbox.changed_meanwhile"), show_alert=True)
        else:
            await query.answer(tr.t(done) if done else None)

    return acknowledge


@requires(Role.STAFF)
async def take(update: Update, context: QatysuContext) -> None:
    """Take a new item into work; the resident is told."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    appeal = await authorize_appeal(update, context, callbacks.parse(query.data).int_arg(0))
    if appeal is None:
        return
    changed = await appeals.take(
        context.services,
        context.bot,
        appeal,
        update.effective_user.id,
        acknowledge=_answer_with(query, context.tr, "inbox.taken"),
    )
    if changed is not None:
        await show_card(update, context, changed)


def extension_refusal(context: QatysuContext, appeal: Appeal) -> str:
    """Why the item's due date cannot be moved again (MAX_EXTENSIONS, MAX_EXTENSION_WORKDAYS)."""
    tr = context.tr
    settings = context.services.settings
    return tr.t(
        "inbox.extend_none",
        number=texts.number(appeal),
        times=tr.nt("inbox.extend_times", settings.max_extensions),
        days=tr.nt("inbox.extend_days", settings.max_extension_workdays),
        due=tr.date(appeal.due_on),
    )


@requires(Role.STAFF)
async def ask_extension(update: Update, context: QatysuContext) -> None:
    """Offer how many working days to add to the due date."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    appeal = await authorize_appeal(update, context, callbacks.parse(query.data).int_arg(0))
    if appeal is None:
        return
    options = appeals.extension_options(context.services, appeal)
    if not options:
        await query.answer(extension_refusal(context, appeal), show_alert=True)
        return
    await query.answer()
    calendar = appeals.calendar(context.services)
    rows = [
        [
            button(
                tr.nt(
                    "inbox.extend_by",
                    days,
                    due=tr.short_date(calendar.add_working_days(appeal.due_on, days)),
                ),
                FEATURE,
                "extd",
                appeal.id,
                days,
            )
        ]
        for days in options
    ]
    rows.append([button(tr.t("button.back"), FEATURE, "card", appeal.id)])
    await query.edit_message_text(
        tr.t("inbox.extend_how_long", number=texts.number(appeal), due=tr.date(appeal.due_on)),
        reply_markup=InlineKeyboardMarkup(rows),
    )


def register(app: QatysuApp) -> None:
    """Register /inbox and the staff's buttons."""
    app.add_handler(CommandHandler("inbox", inbox))
    app.add_handler(CallbackQueryHandler(inbox, pattern=callbacks.matches(Feature.MENU, "inbox")))
    actions = {
        "home": inbox,
        "list": list_items,
        "cats": choose_category,
        "open": open_item,
        "card": redraw,
        "take": take,
        "ext": ask_extension,
    }
    for action, callback in actions.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=callbacks.matches(FEATURE, action)))
    inbox_place.register(app, inbox)
