"""/newmeeting (and /newhearing): staff announce a meeting, step by step, then confirm after a
preview.

/newmeeting asks first which kind of meeting: a public hearing, a local community assembly, a
separate village gathering or the akim's reporting meeting. /newhearing, as before, announces a
public hearing and offers the other kinds under its first question. An assembly's agenda is
typed one item per line: each item is voted on and recorded after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.auth import requires
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.hearings import service, texts
from bot.meetings import service as meetings
from bot.meetings import texts as meeting_texts
from handlers.widgets import steps, versions, village_picker, when_picker
from handlers.widgets.dialogs import (
    Callback,
    Dialog,
    DialogDraft,
    Drafts,
    answer_tap,
    cancel_step,
    chat_id,
    menu_entry,
    message_of,
    query_of,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from handlers.widgets.steps import current, with_nav
from storage import broadcasts
from storage.db import from_db_time, to_db_time, utcnow
from storage.hearings import KINDS, NewHearing
from storage.models import Role, Village
from storage.versions import Versions

FEATURE = Feature.NEW_HEARING
DIALOG = "new_hearing"
TOPIC, DATE, TIME, PLACE, PIN, AGENDA, VILLAGES, CONFIRM, KIND = range(9)
# The other state language's version (stored states: numbered apart from the others).
TOPIC2, PLACE2, AGENDA2 = range(21, 24)


@dataclass(slots=True)
class NewHearingDraft(DialogDraft):
    """The hearing being announced (stored as JSON: times as text, the pin as a pair)."""

    kind: str | None = None  # of meeting; none chosen: a public hearing (/newhearing)
    topic: str | None = None
    day: str | None = None  # ISO date
    starts_at: str | None = None  # storage.db.to_db_time
    place: str | None = None
    pin: list[float] | None = None  # latitude, longitude
    agenda: str | None = None
    villages: list[str] | None = None  # the village picker's choice
    other: str | None = None  # the language of the version being added
    versions: dict[str, dict[str, str]] | None = None  # {"ru": {"topic": ...}}
    editing: str | None = None  # the field the preview's ✏️ asks again (EDITED_BY)

    def hearing(self, created_by: int, codes: tuple[str, ...]) -> NewHearing:
        """The hearing this draft describes, for ``codes`` (every step done)."""
        if self.topic is None or self.starts_at is None or self.place is None:
            raise ValueError("the hearing's draft is not complete")
        latitude, longitude = (self.pin[0], self.pin[1]) if self.pin else (None, None)
        kind = self.kind if self.kind in KINDS else meeting_texts.HEARING
        items = meetings.agenda_items(self.agenda or "") if kind == meeting_texts.ASSEMBLY else []
        return NewHearing(
            topic=self.topic,
            starts_at=from_db_time(self.starts_at),
            place=self.place,
            agenda=self.agenda or "",
            village_codes=codes,
            created_by=created_by,
            latitude=latitude,
            longitude=longitude,
            kind=kind,
            items=tuple(items),
            versions=Versions.of(self.versions),
        )

    def with_version(self, field: str, text: str) -> None:
        """Keep ``field`` of the version being added."""
        assert self.other is not None
        self.versions = Versions.of(self.versions).with_field(self.other, field, text).to_dict()


DRAFTS = Drafts(DIALOG, NewHearingDraft)


async def _reply(
    update: Update,
    context: QatysuContext,
    key: str,
    markup: InlineKeyboardMarkup | None = None,
    **values: object,
) -> None:
    await context.bot.send_message(
        chat_id(update), context.tr.t(key, **values), reply_markup=markup
    )


async def _ask(
    update: Update,
    context: QatysuContext,
    key: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    now: str | None = None,
    back: bool = True,
    **values: object,
) -> None:
    """A step's question: its value so far ("Now: …", with Keep as is), its buttons, Back."""
    tr = context.tr
    shown = with_nav(tr, FEATURE, markup, back=back, keep=bool(now))
    text = tr.t(key, **values) + current(tr, now)
    await context.bot.send_message(chat_id(update), text, reply_markup=shown)


async def _text(update: Update, context: QatysuContext, limit: int) -> str | None:
    """The typed text, or None after saying what is wrong with it."""
    text = (message_of(update).text or "").strip()
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


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Begin a public hearing (/newhearing or the menu); the other kinds are a tap away."""
    await answer_tap(update)
    await DRAFTS.save(update, context, NewHearingDraft())
    return await ask_topic(update, context)


@requires(Role.STAFF)
async def start_meeting(update: Update, context: QatysuContext) -> int:
    """Begin a meeting of any kind (/newmeeting): ask which kind first."""
    await DRAFTS.save(update, context, NewHearingDraft())
    return await ask_kind(update, context)


async def ask_kind(update: Update, context: QatysuContext) -> int:
    """Offer the kinds of meeting (a tap that led here is answered by its handler)."""
    tr = context.tr
    rows = [[button(tr.t(f"meeting.button.{kind}"), FEATURE, "kind", kind)] for kind in KINDS]
    await _reply(update, context, "meeting.ask_kind", markup=InlineKeyboardMarkup(rows))
    return KIND


async def take_kind(update: Update, context: QatysuContext) -> int:
    """Keep the kind; ask for the topic."""
    query = query_of(update)
    kind = callbacks.parse(query.data).arg(0)
    if kind not in KINDS:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return KIND
    await query.answer()
    await query.edit_message_reply_markup(None)
    await DRAFTS.keep(update, context, kind=kind)
    return await ask_topic(update, context)


async def ask_topic(update: Update, context: QatysuContext) -> int:
    """Ask for the topic (a public hearing's, with a way to another kind of meeting)."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    kind, now = draft.kind, draft.topic
    back = kind is not None and draft.editing is None  # /newmeeting: back to the kinds
    if kind is None or kind == meeting_texts.HEARING:
        other = button(tr.t("meeting.other_kind"), FEATURE, "kinds")
        markup = InlineKeyboardMarkup([[other]]) if kind is None else None
        await _ask(update, context, "ha.ask_topic", markup, now=now, back=back,
                   limit=service.TOPIC_MAX)  # fmt: skip
    else:
        await _ask(
            update, context, "meeting.ask_topic", now=now, back=back,
            kind=meeting_texts.heading(tr, kind), limit=service.TOPIC_MAX,
        )  # fmt: skip
    return TOPIC


async def take_topic(update: Update, context: QatysuContext) -> int:
    """Keep the topic; ask for the day."""
    topic = await _text(update, context, service.TOPIC_MAX)
    if topic is None:
        return TOPIC
    await DRAFTS.keep(update, context, topic=topic)
    return await after(update, context, TOPIC)


async def ask_date(update: Update, context: QatysuContext) -> int:
    """Offer the next two weeks."""
    today = utcnow().astimezone(context.services.settings.zone).date()
    markup = when_picker.date_keyboard(context.tr, FEATURE, today)
    day = (await DRAFTS.load(update, context)).day
    now = context.tr.date(date.fromisoformat(day)) if day else None
    await _ask(update, context, "ha.ask_date", markup, now=now, example=today.strftime("%d.%m.%Y"))
    return DATE


async def take_date(update: Update, context: QatysuContext) -> int:
    """Keep the day (tapped or typed); ask for the time."""
    day = await when_picker.read_day(update)
    if day is None:
        await _reply(update, context, "ha.bad_date", example="30.11.2026")
        return DATE
    draft = await DRAFTS.load(update, context)
    draft.day = day.isoformat()
    if draft.starts_at is not None:  # a time chosen before: kept, on the new day
        zone = context.services.settings.zone
        moment = from_db_time(draft.starts_at).astimezone(zone).time()
        starts_at = datetime.combine(day, moment, tzinfo=zone)
        draft.starts_at = to_db_time(starts_at) if starts_at > utcnow() else None
    await DRAFTS.save(update, context, draft)
    return await after(update, context, DATE)


async def ask_time(update: Update, context: QatysuContext) -> int:
    """Offer common meeting times."""
    starts_at = (await DRAFTS.load(update, context)).starts_at
    now = context.tr.datetime(from_db_time(starts_at)) if starts_at else None
    await _ask(update, context, "ha.ask_time", when_picker.time_keyboard(FEATURE), now=now)
    return TIME


async def take_time(update: Update, context: QatysuContext) -> int:
    """Keep the moment if it is in the future; ask for the place."""
    moment = await when_picker.read_time(update)
    if moment is None:
        await _reply(update, context, "ha.bad_time")
        return TIME
    draft = await DRAFTS.load(update, context)
    if draft.day is None:
        return await ask_date(update, context)
    day = date.fromisoformat(draft.day)
    starts_at = datetime.combine(day, moment, tzinfo=context.services.settings.zone)
    if starts_at <= utcnow():
        await _reply(update, context, "ha.in_past")
        return await ask_date(update, context)
    draft.starts_at = to_db_time(starts_at)
    await DRAFTS.save(update, context, draft)
    return await after(update, context, TIME)


async def ask_place(update: Update, context: QatysuContext) -> int:
    """Ask for the place."""
    now = (await DRAFTS.load(update, context)).place
    await _ask(update, context, "ha.ask_place", now=now, limit=service.PLACE_MAX)
    return PLACE


async def take_place(update: Update, context: QatysuContext) -> int:
    """Keep the place; offer to drop a map pin."""
    place = await _text(update, context, service.PLACE_MAX)
    if place is None:
        return PLACE
    # a pin dropped before stays until the next step says otherwise
    await DRAFTS.keep(update, context, place=place)
    return await after(update, context, PLACE)


async def ask_pin(update: Update, context: QatysuContext) -> int:
    """Offer to drop a map pin, or to skip it (or keep the one dropped before)."""
    skip = InlineKeyboardMarkup([[button(context.tr.t("ha.skip"), FEATURE, "nopin")]])
    pin = (await DRAFTS.load(update, context)).pin
    now = f"📍 {pin[0]:.5f}, {pin[1]:.5f}" if pin else None
    await _ask(update, context, "ha.ask_pin", skip, now=now)
    return PIN


async def take_pin(update: Update, context: QatysuContext) -> int:
    """Keep the map pin (or none); ask for the agenda."""
    draft = await DRAFTS.load(update, context)
    if update.callback_query is not None:  # no pin
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
        draft.pin = None
    elif (location := message_of(update).location) is not None:
        draft.pin = [location.latitude, location.longitude]
    await DRAFTS.save(update, context, draft)
    return await after(update, context, PIN)


async def ask_agenda(update: Update, context: QatysuContext) -> int:
    """Ask for the agenda (an assembly's: one item per line)."""
    draft = await DRAFTS.load(update, context)
    if draft.kind == meeting_texts.ASSEMBLY:
        await _ask(update, context, "meeting.ask_items", now=draft.agenda,
                   count=meeting_texts.MAX_ITEMS, limit=meeting_texts.ITEM_TITLE_MAX)  # fmt: skip
    else:
        await _ask(update, context, "ha.ask_agenda", now=draft.agenda, limit=service.AGENDA_MAX)
    return AGENDA


async def take_agenda(update: Update, context: QatysuContext) -> int:
    """Keep the agenda; ask for the villages."""
    agenda = await _text(update, context, service.AGENDA_MAX)
    if agenda is None:
        return AGENDA
    draft = await DRAFTS.load(update, context)
    if draft.kind == meeting_texts.ASSEMBLY:
        items = meetings.agenda_items(agenda)
        if not 1 <= len(items) <= meeting_texts.MAX_ITEMS or any(
            len(item) > meeting_texts.ITEM_TITLE_MAX for item in items
        ):
            return await ask_agenda(update, context)
    draft.agenda = agenda
    if draft.editing is not None:  # the other version, if added, stays as it was
        await DRAFTS.save(update, context, draft)
        return await after(update, context, AGENDA)
    draft.other = versions.other_language(context, draft.topic or "", draft.place or "", agenda)
    draft.versions = None
    await DRAFTS.save(update, context, draft)
    await versions.offer(update, context, FEATURE, draft.other)  # going on skips it
    return await ask_villages(update, context)


async def add_version(update: Update, context: QatysuContext) -> int:
    """✍️ Add: the topic, place and agenda again in the other language, then the villages."""
    await versions.added(update)
    return await ask_topic2(update, context)


async def _ask_second(update: Update, context: QatysuContext, field: str, state: int) -> int:
    draft = await DRAFTS.load(update, context)
    original = {"topic": draft.topic, "place": draft.place, "agenda": draft.agenda}[field]
    markup = with_nav(context.tr, FEATURE)
    await versions.ask(update, context, field, draft.other or "ru", original or "", markup)
    return state


async def ask_topic2(update: Update, context: QatysuContext) -> int:
    """Ask for the topic in the other language."""
    return await _ask_second(update, context, "topic", TOPIC2)


async def ask_place2(update: Update, context: QatysuContext) -> int:
    """Ask for the place in the other language."""
    return await _ask_second(update, context, "place", PLACE2)


async def ask_agenda2(update: Update, context: QatysuContext) -> int:
    """Ask for the agenda in the other language."""
    return await _ask_second(update, context, "agenda", AGENDA2)


async def _take_second(
    update: Update, context: QatysuContext, field: str, limit: int
) -> str | None:
    text = await _text(update, context, limit)
    if text is None:
        return None
    draft = await DRAFTS.load(update, context)
    draft.with_version(field, text)
    await DRAFTS.save(update, context, draft)
    return text


async def take_topic2(update: Update, context: QatysuContext) -> int:
    """Keep the topic's other version; ask for the place's."""
    if await _take_second(update, context, "topic", service.TOPIC_MAX) is None:
        return TOPIC2
    return await ask_place2(update, context)


async def take_place2(update: Update, context: QatysuContext) -> int:
    """Keep the place's other version; ask for the agenda's."""
    if await _take_second(update, context, "place", service.PLACE_MAX) is None:
        return PLACE2
    return await ask_agenda2(update, context)


async def take_agenda2(update: Update, context: QatysuContext) -> int:
    """Keep the agenda's other version; ask for the villages."""
    if await _take_second(update, context, "agenda", service.AGENDA_MAX) is None:
        return AGENDA2
    return await ask_villages(update, context)


async def ask_villages(update: Update, context: QatysuContext) -> int:
    """Show the village picker with the draft's choice."""
    await village_picker.show(update, context, FEATURE, DIALOG)
    return VILLAGES


async def preview(update: Update, context: QatysuContext, villages: list[Village]) -> int:
    """Show the notice as residents will read it, with how many will get it."""
    tr = context.tr
    codes = tuple(v.code for v in villages)
    draft = await DRAFTS.load(update, context)
    draft.villages, draft.editing = list(codes), None
    await DRAFTS.save(update, context, draft)
    new = draft.hearing(user_id(update), codes)
    shown = await texts.card(context.services, tr, new.preview())
    await context.bot.send_message(chat_id(update), shown)
    for language in new.versions.languages:  # the other version, as its readers will see it
        other = context.services.i18n.get(language)
        card = await texts.card(context.services, other, new.preview())
        heading = tr.t(f"versions.preview.{language}")
        await context.bot.send_message(chat_id(update), f"{heading}\n\n{card}")
    count = await broadcasts.count_audience(context.services.db, codes)
    markup = InlineKeyboardMarkup(
        [
            [button(tr.t("ha.send"), FEATURE, "send"), button(tr.t("ha.cancel"), FEATURE, "drop")],
            *steps.edit_rows(tr, FEATURE, FIELDS),
            *steps.nav_rows(tr, FEATURE),
        ]
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
    query = query_of(update)
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    codes = await village_picker.chosen_in_scope(update, context, DIALOG)
    if not codes:
        await query.answer(tr.t("auth.out_of_scope"), show_alert=True)
        return ConversationHandler.END
    new = draft.hearing(user_id(update), codes)
    if new.starts_at <= utcnow():
        await query.answer(tr.t("ha.in_past"), show_alert=True)
        return await ask_date(update, context)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await service.announce(context.services, new, report_to=(chat_id(update), tr))
    await DRAFTS.drop(update, context)
    return ConversationHandler.END


cancel = cancel_step(DIALOG)

# What follows each step; which steps finish the field a ✏️ of the preview asks again.
NEXT: dict[int, Callback] = {
    KIND: ask_topic, TOPIC: ask_date, DATE: ask_time, TIME: ask_place, PLACE: ask_pin,
    PIN: ask_agenda, AGENDA: ask_villages,
}  # fmt: skip
FIELDS = ("topic", "when", "place", "agenda", "villages")
EDITS: dict[str, Callback] = {
    "topic": ask_topic, "when": ask_date, "place": ask_place, "agenda": ask_agenda,
    "villages": ask_villages,
}  # fmt: skip
EDITED_BY = {"topic": TOPIC, "when": TIME, "place": PIN, "agenda": AGENDA}


async def after(update: Update, context: QatysuContext, state: int) -> int:
    """The step after ``state``; the preview once the field being edited is done."""
    draft = await DRAFTS.load(update, context)
    if draft.editing is not None and EDITED_BY.get(draft.editing) == state:
        draft.editing = None
        await DRAFTS.save(update, context, draft)
        return await ask_confirm(update, context)
    return int(await NEXT[state](update, context))


def keep(state: int) -> Callback:
    """⏭ Keep as is at ``state``: on to what follows it."""

    async def kept(update: Update, context: QatysuContext) -> int:
        return await after(update, context, state)

    return kept


def back_to(prompt: Callback) -> Callback:
    """« Back (tapped or typed): ``prompt``, the step before; the preview while editing."""
    return steps.back_or_preview(DRAFTS, ask_confirm, prompt)


async def _before_topic(update: Update, context: QatysuContext) -> int:
    """Before the topic: the kind of meeting (/newmeeting); /newhearing has no step before."""
    if (await DRAFTS.load(update, context)).kind is None:
        return int(await cancel(update, context))
    return await ask_kind(update, context)


edit = steps.edit_field(DRAFTS, EDITS, CONFIRM)  # ✏️ at the preview


def register(app: QatysuApp) -> None:
    """Register the /newmeeting dialog (also entered by /newhearing)."""
    text = filters.TEXT & ~filters.COMMAND
    day_steps, time_steps = when_picker.date_and_time_steps(FEATURE, take_date, take_time)
    dialog = Dialog(
        "new_hearing",
        entry_points=[
            CommandHandler("newhearing", start),
            CommandHandler("newmeeting", start_meeting),
            menu_entry(start, "newhearing"),
        ],
        states={
            KIND: [tap(FEATURE, take_kind, "kind"), MessageHandler(~filters.COMMAND, ask_kind)],
            TOPIC: [
                *steps.nav(FEATURE, back=back_to(_before_topic), keep=keep(TOPIC)),
                MessageHandler(text, take_topic),
                tap(FEATURE, steps.tapped(ask_kind), "kinds"),
            ],
            DATE: [*steps.nav(FEATURE, back=back_to(ask_topic), keep=keep(DATE)), *day_steps],
            TIME: [*steps.nav(FEATURE, back=back_to(ask_date), keep=keep(TIME)), *time_steps],
            PLACE: [
                *steps.nav(FEATURE, back=back_to(ask_time), keep=keep(PLACE)),
                MessageHandler(text, take_place),
            ],
            PIN: [
                *steps.nav(FEATURE, back=back_to(ask_place), keep=keep(PIN)),
                tap(FEATURE, take_pin, "nopin"),
                MessageHandler(filters.LOCATION, take_pin),
                MessageHandler(~filters.COMMAND, ask_pin),
            ],
            AGENDA: [
                *steps.nav(FEATURE, back=back_to(ask_pin), keep=keep(AGENDA)),
                MessageHandler(text, take_agenda),
            ],
            TOPIC2: [*steps.nav(FEATURE, back=ask_agenda), MessageHandler(text, take_topic2)],
            PLACE2: [*steps.nav(FEATURE, back=ask_topic2), MessageHandler(text, take_place2)],
            AGENDA2: [*steps.nav(FEATURE, back=ask_place2), MessageHandler(text, take_agenda2)],
            VILLAGES: [
                *steps.nav(FEATURE, back=back_to(ask_agenda)),
                versions.step(FEATURE, add_version),
                *village_picker.handlers(FEATURE, DIALOG, preview),
            ],
            CONFIRM: [
                tap(FEATURE, send, "send"),
                tap(FEATURE, cancel, "drop"),
                tap(FEATURE, edit, steps.EDIT),
                *steps.nav(FEATURE, back=ask_villages),
            ],
        },
        prompts={
            KIND: ask_kind,
            TOPIC: ask_topic,
            DATE: ask_date,
            TIME: ask_time,
            PLACE: ask_place,
            PIN: ask_pin,
            AGENDA: ask_agenda,
            TOPIC2: ask_topic2,
            PLACE2: ask_place2,
            AGENDA2: ask_agenda2,
            VILLAGES: ask_villages,
            CONFIRM: ask_confirm,
        },
        draft=DIALOG,
        # The kind of meeting, the field being edited: starting over keeps nothing typed.
        context_keys=("kind", "editing"),
        cancel=cancel,
        fallbacks=[MessageHandler(~filters.COMMAND, _need_text)],
    )
    app.add_handler(dialog)


async def _need_text(update: Update, context: QatysuContext) -> None:
    """Anything else in this dialog: say what is expected."""
    await _reply(update, context, "ha.need_text")
