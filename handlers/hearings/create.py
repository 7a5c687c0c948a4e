"""/newhearing: staff announce a public hearing, step by step, then confirm after a preview."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.auth import requires
from bot.context import QatysuApp, QatysuContext
from bot.hearings import service
from handlers.widgets import village_picker, when_picker
from handlers.widgets.dialogs import Dialog, cancel_step, tap
from handlers.widgets.keyboards import button
from storage import broadcasts, drafts, hearings
from storage.db import from_db_time, to_db_time, utcnow
from storage.hearings import NewHearing
from storage.models import Role, Village

FEATURE = "hn"
DIALOG = "new_hearing"
TOPIC, DATE, TIME, PLACE, PIN, AGENDA, VILLAGES, CONFIRM = range(8)


async def _reply(update: Update, context: QatysuContext, key: str, **values: object) -> None:
    assert update.effective_chat is not None
    markup = values.pop("markup", None)
    assert markup is None or isinstance(markup, InlineKeyboardMarkup)
    await context.bot.send_message(
        update.effective_chat.id, context.tr.t(key, **values), reply_markup=markup
    )


async def _text(update: Update, context: QatysuContext, limit: int) -> str | None:
    """The typed text, or None after saying what is wrong with it."""
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    if not text:
        await _reply(update, context, "ha.need_text")
        return None
    if len(text) > limit:
        tr = context.tr
        await _reply(
            update, context, "ha.too_long", length=tr.number(len(text)), limit=tr.number(limit)
        )
        return None
    return text


async def _save(update: Update, context: QatysuContext, **values: object) -> dict[str, object]:
    assert update.effective_user is not None
    return await drafts.update(context.services.db, update.effective_user.id, DIALOG, **values)


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Begin a new hearing (/newhearing)."""
    assert update.effective_user is not None
    await drafts.save(context.services.db, update.effective_user.id, DIALOG, {})
    return await ask_topic(update, context)


async def ask_topic(update: Update, context: QatysuContext) -> int:
    """Ask for the topic."""
    await _reply(update, context, "ha.ask_topic", limit=service.TOPIC_MAX)
    return TOPIC


async def take_topic(update: Update, context: QatysuContext) -> int:
    """Keep the topic; ask for the day."""
    topic = await _text(update, context, service.TOPIC_MAX)
    if topic is None:
        return TOPIC
    await _save(update, context, topic=topic)
    return await ask_date(update, context)


async def ask_date(update: Update, context: QatysuContext) -> int:
    """Offer the next two weeks."""
    today = utcnow().astimezone(context.services.settings.zone).date()
    markup = when_picker.date_keyboard(context.tr, FEATURE, today)
    await _reply(update, context, "ha.ask_date", markup=markup, example=today.strftime("%d.%m.%Y"))
    return DATE


async def take_date(update: Update, context: QatysuContext) -> int:
    """Keep the day (tapped or typed); ask for the time."""
    day = await when_picker.read_day(update)
    if day is None:
        await _reply(update, context, "ha.bad_date", example="30.11.2026")
        return DATE
    await _save(update, context, day=day.isoformat())
    return await ask_time(update, context)


async def ask_time(update: Update, context: QatysuContext) -> int:
    """Offer common meeting times."""
    await _reply(update, context, "ha.ask_time", markup=when_picker.time_keyboard(FEATURE))
    return TIME


async def take_time(update: Update, context: QatysuContext) -> int:
    """Keep the moment if it is in the future; ask for the place."""
    moment = await when_picker.read_time(update)
    if moment is None:
        await _reply(update, context, "ha.bad_time")
        return TIME
    assert update.effective_user is not None
    draft = await drafts.load(context.services.db, update.effective_user.id, DIALOG)
    day = datetime.fromisoformat(str(draft["day"])).date()
    starts_at = datetime.combine(day, moment, tzinfo=context.services.settings.zone)
    if starts_at <= utcnow():
        await _reply(update, context, "ha.in_past")
        return await ask_date(update, context)
    await _save(update, context, starts_at=to_db_time(starts_at))
    return await ask_place(update, context)


async def ask_place(update: Update, context: QatysuContext) -> int:
    """Ask for the place."""
    await _reply(update, context, "ha.ask_place", limit=service.PLACE_MAX)
    return PLACE


async def take_place(update: Update, context: QatysuContext) -> int:
    """Keep the place; offer to drop a map pin."""
    place = await _text(update, context, service.PLACE_MAX)
    if place is None:
        return PLACE
    await _save(update, context, place=place, pin=None)
    return await ask_pin(update, context)


async def ask_pin(update: Update, context: QatysuContext) -> int:
    """Offer to drop a map pin, or to skip it."""
    skip = InlineKeyboardMarkup([[button(context.tr.t("ha.skip"), FEATURE, "nopin")]])
    await _reply(update, context, "ha.ask_pin", markup=skip)
    return PIN


async def take_pin(update: Update, context: QatysuContext) -> int:
    """Keep the map pin (or none); ask for the agenda."""
    if update.callback_query is not None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    else:
        assert update.effective_message is not None and update.effective_message.location
        location = update.effective_message.location
        await _save(update, context, pin=[location.latitude, location.longitude])
    return await ask_agenda(update, context)


async def ask_agenda(update: Update, context: QatysuContext) -> int:
    """Ask for the agenda."""
    await _reply(update, context, "ha.ask_agenda", limit=service.AGENDA_MAX)
    return AGENDA


async def take_agenda(update: Update, context: QatysuContext) -> int:
    """Keep the agenda; ask for the villages."""
    agenda = await _text(update, context, service.AGENDA_MAX)
    if agenda is None:
        return AGENDA
    await _save(update, context, agenda=agenda)
    return await ask_villages(update, context)


async def ask_villages(update: Update, context: QatysuContext) -> int:
    """Show the village picker with the draft's choice."""
    await village_picker.show(update, context, FEATURE, DIALOG)
    return VILLAGES


def _draft_hearing(draft: dict[str, object], user_id: int, codes: tuple[str, ...]) -> NewHearing:
    pin = draft.get("pin")
    latitude, longitude = (float(pin[0]), float(pin[1])) if isinstance(pin, list) else (None, None)
    return NewHearing(
        topic=str(draft["topic"]),
        starts_at=from_db_time(str(draft["starts_at"])),
        place=str(draft["place"]),
        agenda=str(draft["agenda"]),
        village_codes=codes,
        created_by=user_id,
        latitude=latitude,
        longitude=longitude,
    )


async def preview(update: Update, context: QatysuContext, villages: list[Village]) -> int:
    """Show the notice as residents will read it, with how many will get it."""
    assert update.effective_user is not None and update.effective_chat is not None
    tr = context.tr
    codes = tuple(v.code for v in villages)
    draft = await _save(update, context, villages=list(codes))
    new = _draft_hearing(draft, update.effective_user.id, codes)
    shown = await service.card(context.services, tr, new.preview())
    await context.bot.send_message(update.effective_chat.id, shown)
    count = await broadcasts.count_audience(context.services.db, codes)
    markup = InlineKeyboardMarkup(
        [[button(tr.t("ha.send"), FEATURE, "send"), button(tr.t("ha.cancel"), FEATURE, "drop")]]
    )
    await _reply(
        update,
        context,
        "ha.preview",
        markup=markup,
        recipients=tr.nt("broadcast.recipients", count),
    )
    return CONFIRM


async def ask_confirm(update: Update, context: QatysuContext) -> int:
    """Show the preview again (the villages chosen, still in scope)."""
    codes = await village_picker.chosen_in_scope(update, context, DIALOG)
    villages = [v for v in await village_picker.in_scope(update, context) if v.code in codes]
    return await preview(update, context, villages)


async def send(update: Update, context: QatysuContext) -> int:
    """Store the hearing and announce it (villages and time re-checked)."""
    query = update.callback_query
    assert (
        query is not None
        and update.effective_user is not None
        and update.effective_chat is not None
    )
    tr = context.tr
    db = context.services.db
    draft = await drafts.load(db, update.effective_user.id, DIALOG)
    codes = await village_picker.chosen_in_scope(update, context, DIALOG)
    if not codes:
        await query.answer(tr.t("auth.out_of_scope"), show_alert=True)
        return ConversationHandler.END
    new = _draft_hearing(draft, update.effective_user.id, codes)
    if new.starts_at <= utcnow():
        await query.answer(tr.t("ha.in_past"), show_alert=True)
        return await ask_date(update, context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    hearing = await hearings.create(db, new)
    await drafts.drop(db, update.effective_user.id, DIALOG)
    await context.services.engine.submit(
        kind=service.NEW, payload={}, created_by=update.effective_user.id, ref_id=hearing.id,
        report_to=(update.effective_chat.id, tr), village_codes=codes,
    )  # fmt: skip
    return ConversationHandler.END


cancel = cancel_step(DIALOG)


def register(app: QatysuApp) -> None:
    """Register the /newhearing dialog."""
    text = filters.TEXT & ~filters.COMMAND
    day_steps, time_steps = when_picker.date_and_time_steps(FEATURE, take_date, take_time)
    dialog = Dialog(
        "new_hearing",
        entry_points=[CommandHandler("newhearing", start)],
        states={
            TOPIC: [MessageHandler(text, take_topic)],
            DATE: day_steps,
            TIME: time_steps,
            PLACE: [MessageHandler(text, take_place)],
            PIN: [
                tap(FEATURE, take_pin, "nopin"),
                MessageHandler(filters.LOCATION, take_pin),
                MessageHandler(~filters.COMMAND, ask_pin),
            ],
            AGENDA: [MessageHandler(text, take_agenda)],
            VILLAGES: village_picker.handlers(FEATURE, DIALOG, preview),
            CONFIRM: [tap(FEATURE, send, "send"), tap(FEATURE, cancel, "drop")],
        },
        prompts={
            TOPIC: ask_topic,
            DATE: ask_date,
            TIME: ask_time,
            PLACE: ask_place,
            PIN: ask_pin,
            AGENDA: ask_agenda,
            VILLAGES: ask_villages,
            CONFIRM: ask_confirm,
        },
        draft=DIALOG,
        cancel=cancel,
        fallbacks=[MessageHandler(~filters.COMMAND, _need_text)],
    )
    app.add_handler(dialog)


async def _need_text(update: Update, context: QatysuContext) -> None:
    """Anything else in this dialog: say what is expected."""
    await _reply(update, context, "ha.need_text")
