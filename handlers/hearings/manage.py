"""Staff manage the hearings (and other meetings) of their villages: postpone or move them,
cancel them, record the outcome.

A postponement and a cancellation carry a reason (typed), told to residents with the new time;
those who said "I will come" are told first. Every residents' notice of a change goes out
through the broadcast engine after a preview. Each step re-checks that all villages of the
hearing are in the staff member's scope, since a button can be forged and a role can be revoked
between two taps. An assembly's outcome (members present, votes per item, the signed protocol)
is recorded by ``handlers.meetings.outcome``; its members and the questions asked in advance by
``handlers.meetings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.auth import load_access, refuse, requires
from bot.behalf import texts as behalf_texts
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.hearings import service, texts
from bot.i18n import Translator, button_label
from bot.meetings import texts as meeting_texts
from handlers import paper as notice_board
from handlers.widgets import versions, village_picker, when_picker
from handlers.widgets.dialogs import (
    Dialog,
    DialogDraft,
    Drafts,
    cancel_step,
    chat_id,
    message_of,
    query_of,
    send_text,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from storage import behalf as behalf_repo
from storage import broadcasts, hearings, meetings, territory
from storage.db import from_db_time, to_db_time, utcnow
from storage.hearings import Hearing
from storage.models import Role
from storage.versions import Versions

FEATURE = Feature.HEARING_STAFF
DIALOG = "hearing_change"
DATE, TIME, PLACE, PIN, ATTENDANCE, DECISIONS, CONFIRM, REASON = range(8)
# The other state language's version (stored states: numbered apart from the others).
PLACE2, DECISIONS2 = range(21, 23)
MEETING = Feature.MEETING
END = ConversationHandler.END


@dataclass(slots=True)
class ChangeDraft(DialogDraft):
    """A change of a hearing being prepared (stored as JSON: times as text, the pin a pair)."""

    id: int = 0  # the hearing: the button's
    mode: str = ""  # time, place, cancel or outcome: the button's
    day: str | None = None  # ISO date
    starts_at: str | None = None  # storage.db.to_db_time
    place: str | None = None
    pin: list[float] | None = None  # latitude, longitude
    attendance: int | None = None
    decisions: str | None = None
    reason: str | None = None  # of a postponement or a cancellation
    other: str | None = None  # the language of the version being added
    second: str | None = None  # the new place or the decisions in that language

    def applied_to(self, hearing: Hearing) -> Hearing:
        """The hearing as it will be after this change (a new place's old version is gone)."""
        values: dict[str, object] = {}
        if self.starts_at is not None:
            values["starts_at"] = from_db_time(self.starts_at)
        if self.place is not None:
            values["place"] = self.place
            values["latitude"], values["longitude"] = self.pin if self.pin else (None, None)
            values["versions"] = self._versions(hearing.versions.without("place"), "place")
        if self.attendance is not None:
            values.update(attendance=self.attendance, decisions=self.decisions)
            values["versions"] = self._versions(hearing.versions, "decisions")
        if self.reason is not None:
            values["reason"] = self.reason
        return hearing.with_changes(**values)

    def _versions(self, before: Versions, field: str) -> Versions:
        if self.other is None or not self.second:
            return before
        return before.with_field(self.other, field, self.second)


DRAFTS = Drafts(DIALOG, ChangeDraft)


async def managed(update: Update, context: QatysuContext, hearing_id: int) -> Hearing | None:
    """The hearing if this staff member may manage it; otherwise refuse and return None."""
    db = context.services.db
    hearing = await hearings.get(db, hearing_id)
    villages = []
    if hearing is not None:
        villages = [
            v for code in hearing.village_codes if (v := await territory.get_village(db, code))
        ]
    access = await load_access(context, user_id(update))
    if hearing is None or not service.may_manage(access, villages):
        await refuse(update, context, "auth.out_of_scope", f"hearing {hearing_id}")
        return None
    return hearing


@requires(Role.STAFF)
async def list_hearings(update: Update, context: QatysuContext) -> None:
    """List the hearings of the staff member's villages, recent and upcoming."""
    tr = context.tr
    if update.callback_query is not None:
        await update.callback_query.answer()
    codes = [v.code for v in await village_picker.in_scope(update, context)]
    since = utcnow() - timedelta(days=30)
    found = await hearings.recent_in(context.services.db, codes, since)
    rows = [[button(list_label(tr, h), FEATURE, "open", h.id)] for h in found]
    await send_text(
        update,
        context,
        tr.t("meeting.staff_list_title" if found else "meeting.staff_list_empty"),
        InlineKeyboardMarkup(rows),
    )


def list_label(tr: Translator, hearing: Hearing) -> str:
    """A hearing in a list: when and what (another kind of meeting with its sign first)."""
    sign = "" if hearing.kind == meeting_texts.HEARING else tr.t(f"meeting.sign.{hearing.kind}")
    return button_label(f"{sign}{tr.short_datetime(hearing.starts_at)} · {hearing.topic}")


@requires(Role.STAFF)
async def open_hearing(update: Update, context: QatysuContext) -> None:
    """Show a hearing to staff: answers, questions, and what can be done with it."""
    query = query_of(update)
    hearing = await managed(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return
    await query.answer()
    text, markup = await staff_card(context, hearing)
    await send_text(update, context, text, markup)


async def staff_card(context: QatysuContext, hearing: Hearing) -> tuple[str, InlineKeyboardMarkup]:
    """A hearing as staff see it, with the buttons its kind and status allow."""
    tr = context.tr
    db = context.services.db
    questions = await hearings.question_count(db, hearing.id)
    text = tr.t(
        "ha.card_staff",
        card=await texts.card(context.services, tr, hearing),
        coming=tr.number(await hearings.rsvp_count(db, hearing.id)),
        questions=tr.number(questions),
        status=tr.t(f"ha.status.{hearing.status}"),
    )
    extra = []
    if hearing.reason:
        extra.append(tr.t("meeting.reason", reason=hearing.reason))
    entered = await behalf_repo.hearing_figures(db, hearing.id)  # residents without Telegram
    if line := behalf_texts.hearing_line(tr, entered):
        extra.append(line)
    if hearing.kind == meeting_texts.ASSEMBLY and hearing.status == "held":
        items = await meetings.items_of(db, hearing.id)
        extra += ["", meeting_texts.outcome(tr, hearing, items)]
    if extra:
        text = meeting_texts.clip("\n".join([text, *extra]), meeting_texts.MAX_MESSAGE)
    rows = _card_rows(tr, hearing, questions)
    return text, InlineKeyboardMarkup([*rows, *behalf_texts.erase_names_rows(tr, hearing, entered)])


def _card_rows(
    tr: Translator, hearing: Hearing, questions: int
) -> list[list[InlineKeyboardButton]]:
    hearing_kind = hearing.kind == meeting_texts.HEARING
    rows = []
    if hearing.status == "scheduled":
        if hearing.starts_at > utcnow():
            time_label = "ha.btn.time" if hearing_kind else "meeting.btn.postpone"
            rows.append([button(tr.t(time_label), FEATURE, "time", hearing.id),
                         button(tr.t("ha.btn.place"), FEATURE, "place", hearing.id)])  # fmt: skip
            cancel_label = "ha.btn.cancel" if hearing_kind else "meeting.btn.cancel"
            rows.append([button(tr.t(cancel_label), FEATURE, "cancel", hearing.id),
                         button(tr.t("correction.button"), Feature.CORRECTION, "go", "hearing",
                                hearing.id)])  # fmt: skip
        elif hearing.kind == meeting_texts.ASSEMBLY:
            rows.append([button(tr.t("ha.btn.outcome"), MEETING, "aout", hearing.id)])
        else:
            rows.append([button(tr.t("ha.btn.outcome"), FEATURE, "outcome", hearing.id)])
    if hearing.kind == meeting_texts.ASSEMBLY:
        rows.append([button(tr.t("meeting.btn.members"), MEETING, "mem", hearing.id)])
    if questions:
        label = tr.t("meeting.btn.questions", count=tr.number(questions))
        rows.append([button(label, MEETING, "qs", hearing.id)])
    rows.append(notice_board.paper_buttons(tr, "h", hearing.id))
    return rows


async def _begin(update: Update, context: QatysuContext, mode: str) -> Hearing | None:
    """Start a change of a scheduled hearing; None (after saying why) when it cannot be."""
    query = query_of(update)
    hearing = await managed(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return None
    if hearing.status != "scheduled":
        await query.answer(
            context.tr.t(meeting_texts.state_key(hearing, hearing.status)), show_alert=True
        )
        return None
    started = hearing.starts_at <= utcnow()
    if started != (mode == "outcome"):
        await query.answer(
            context.tr.t(
                "ha.not_started" if not started else meeting_texts.state_key(hearing, "started")
            ),
            show_alert=True,
        )
        return None
    await query.answer()
    await DRAFTS.save(update, context, ChangeDraft(id=hearing.id, mode=mode))
    return hearing


@requires(Role.STAFF)
async def change_time(update: Update, context: QatysuContext) -> int:
    """Ask for the new day."""
    if await _begin(update, context, "time") is None:
        return END
    return await ask_date(update, context)


async def ask_date(update: Update, context: QatysuContext) -> int:
    """Offer the next two weeks."""
    today = utcnow().astimezone(context.services.settings.zone).date()
    text = context.tr.t("ha.ask_date", example=today.strftime("%d.%m.%Y"))
    await send_text(update, context, text, when_picker.date_keyboard(context.tr, FEATURE, today))
    return DATE


async def take_date(update: Update, context: QatysuContext) -> int:
    """Keep the new day; ask for the time."""
    day = await when_picker.read_day(update)
    if day is None:
        await send_text(update, context, context.tr.t("ha.bad_date", example="30.11.2026"))
        return DATE
    await DRAFTS.keep(update, context, day=day.isoformat())
    return await ask_time(update, context)


async def ask_time(update: Update, context: QatysuContext) -> int:
    """Offer common meeting times."""
    await send_text(
        update, context, context.tr.t("ha.ask_time"), when_picker.time_keyboard(FEATURE)
    )
    return TIME


async def take_time(update: Update, context: QatysuContext) -> int:
    """Keep the new moment if in the future; preview the notice of the change."""
    moment = await when_picker.read_time(update)
    if moment is None:
        await send_text(update, context, context.tr.t("ha.bad_time"))
        return TIME
    draft = await DRAFTS.load(update, context)
    if draft.day is None:
        return await ask_date(update, context)
    starts_at = datetime.combine(
        date.fromisoformat(draft.day), moment, tzinfo=context.services.settings.zone
    )
    if starts_at <= utcnow():
        await send_text(update, context, context.tr.t("ha.in_past"))
        return TIME
    draft.starts_at = to_db_time(starts_at)
    await DRAFTS.save(update, context, draft)
    return await ask_reason(update, context)


async def ask_reason(update: Update, context: QatysuContext) -> int:
    """Ask why it is postponed or cancelled (residents are told)."""
    mode = (await DRAFTS.load(update, context)).mode
    key = "meeting.ask_cancel_reason" if mode == "cancel" else "meeting.ask_postpone_reason"
    await send_text(update, context, context.tr.t(key, limit=service.REASON_MAX))
    return REASON


async def take_reason(update: Update, context: QatysuContext) -> int:
    """Keep the reason; preview the notice."""
    text = ((update.effective_message.text if update.effective_message else "") or "").strip()
    if not text or len(text) > service.REASON_MAX:
        return await ask_reason(update, context)
    await DRAFTS.keep(update, context, reason=text)
    return await _preview(update, context)


@requires(Role.STAFF)
async def change_place(update: Update, context: QatysuContext) -> int:
    """Ask for the new place."""
    if await _begin(update, context, "place") is None:
        return END
    return await ask_place(update, context)


async def ask_place(update: Update, context: QatysuContext) -> int:
    """Ask for the new place."""
    await send_text(update, context, context.tr.t("ha.ask_place", limit=service.PLACE_MAX))
    return PLACE


async def take_place(update: Update, context: QatysuContext) -> int:
    """Keep the new place; offer a map pin."""
    text = (update.effective_message.text if update.effective_message else "") or ""
    if not text.strip() or len(text) > service.PLACE_MAX:
        return await ask_place(update, context)
    draft = await DRAFTS.load(update, context)
    draft.place, draft.pin = text.strip(), None
    await DRAFTS.save(update, context, draft)
    return await ask_pin(update, context)


async def take_pin(update: Update, context: QatysuContext) -> int:
    """Keep the pin (or none); preview the notice of the change."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    elif (location := message_of(update).location) is not None:
        await DRAFTS.keep(update, context, pin=[location.latitude, location.longitude])
    return await _preview(update, context)


async def add_version(update: Update, context: QatysuContext) -> int:
    """✍️ Add: the new place, or the decisions, again in the other language."""
    await versions.added(update)
    draft = await DRAFTS.load(update, context)
    return await (ask_decisions2 if draft.mode == "outcome" else ask_place2)(update, context)


async def _ask_second(update: Update, context: QatysuContext, field: str, state: int) -> int:
    draft = await DRAFTS.load(update, context)
    original = (draft.place if field == "place" else draft.decisions) or ""
    await versions.ask(update, context, field, draft.other or "ru", original)
    return state


async def ask_place2(update: Update, context: QatysuContext) -> int:
    """Ask for the new place in the other language."""
    return await _ask_second(update, context, "place", PLACE2)


async def ask_decisions2(update: Update, context: QatysuContext) -> int:
    """Ask for the decisions in the other language."""
    return await _ask_second(update, context, "decisions", DECISIONS2)


async def _take_second(update: Update, context: QatysuContext, limit: int) -> bool:
    text = ((update.effective_message.text if update.effective_message else "") or "").strip()
    if not text or len(text) > limit:
        await send_text(update, context, context.tr.t("ha.need_text"))
        return False
    await DRAFTS.keep(update, context, second=text)
    return True


async def take_place2(update: Update, context: QatysuContext) -> int:
    """Keep the new place's other version; offer the map pin."""
    if not await _take_second(update, context, service.PLACE_MAX):
        return PLACE2
    return await ask_pin(update, context)


async def take_decisions2(update: Update, context: QatysuContext) -> int:
    """Keep the decisions' other version; preview the outcome notice."""
    if not await _take_second(update, context, service.DECISIONS_MAX):
        return DECISIONS2
    return await _preview(update, context)


async def ask_pin(update: Update, context: QatysuContext) -> int:
    """Offer a map pin, or to skip it."""
    skip = InlineKeyboardMarkup([[button(context.tr.t("ha.skip"), FEATURE, "nopin")]])
    await send_text(update, context, context.tr.t("ha.ask_pin"), skip)
    return PIN


@requires(Role.STAFF)
async def cancel_hearing(update: Update, context: QatysuContext) -> int:
    """Ask to confirm the cancellation."""
    hearing = await _begin(update, context, "cancel")
    if hearing is None:
        return END
    return await ask_reason(update, context)


@requires(Role.STAFF)
async def record_outcome(update: Update, context: QatysuContext) -> int:
    """Ask how many attended (an assembly's outcome has its own steps: ``meetings.outcome``)."""
    query = query_of(update)
    hearing = await hearings.get(context.services.db, callbacks.parse(query.data).int_arg(0))
    if hearing is not None and hearing.kind == meeting_texts.ASSEMBLY:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return END
    if await _begin(update, context, "outcome") is None:
        return END
    return await ask_attendance(update, context)


async def ask_attendance(update: Update, context: QatysuContext) -> int:
    """Ask how many attended."""
    await send_text(update, context, context.tr.t("ha.ask_attendance"))
    return ATTENDANCE


async def take_attendance(update: Update, context: QatysuContext) -> int:
    """Keep the attendance; ask for the decisions."""
    text = (update.effective_message.text if update.effective_message else "") or ""
    if not text.strip().isdigit() or int(text) > 100_000:
        await send_text(update, context, context.tr.t("ha.bad_number"))
        return ATTENDANCE
    await DRAFTS.keep(update, context, attendance=int(text))
    return await ask_decisions(update, context)


async def ask_decisions(update: Update, context: QatysuContext) -> int:
    """Ask for the decisions taken."""
    await send_text(update, context, context.tr.t("ha.ask_decisions", limit=service.DECISIONS_MAX))
    return DECISIONS


async def take_decisions(update: Update, context: QatysuContext) -> int:
    """Keep the decisions; preview the outcome notice."""
    text = ((update.effective_message.text if update.effective_message else "") or "").strip()
    if not text or len(text) > service.DECISIONS_MAX:
        return await ask_decisions(update, context)
    draft = await DRAFTS.load(update, context)
    draft.decisions = text
    draft.other, draft.second = versions.other_language(context, text), None
    await DRAFTS.save(update, context, draft)
    await versions.offer(update, context, FEATURE, draft.other)  # going on skips it
    return await _preview(update, context)


async def _preview(update: Update, context: QatysuContext) -> int:
    """Show what residents will get, and to how many; ask to confirm."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    hearing = await hearings.get(context.services.db, draft.id)
    if hearing is None:
        return END
    after, mode = draft.applied_to(hearing), draft.mode
    if mode == "cancel":
        text = meeting_texts.cancelled(tr, after, draft.reason)
    elif mode == "outcome":
        text = texts.outcome_text(tr, after)
    elif mode == "time" and draft.reason:
        text = meeting_texts.postponed(tr, after, hearing.starts_at, draft.reason)
    else:
        text = await texts.changed_text(context.services, tr, after)
    await send_text(update, context, text)
    count = await broadcasts.count_audience(context.services.db, hearing.village_codes)
    go = "ha.send"
    if mode == "cancel":
        go = "ha.yes_cancel" if hearing.kind == meeting_texts.HEARING else "meeting.yes_cancel"
    markup = InlineKeyboardMarkup(
        [[button(tr.t(go), FEATURE, "confirm"), button(tr.t("ha.back"), FEATURE, "drop")]]
    )
    await send_text(
        update, context, tr.t("ha.preview", recipients=tr.nt("broadcast.recipients", count)), markup
    )
    return CONFIRM


async def confirm(update: Update, context: QatysuContext) -> int:
    """Apply the change and tell the residents of the hearing's villages."""
    query = query_of(update)
    draft = await DRAFTS.load(update, context)
    hearing = await managed(update, context, draft.id)
    if hearing is None or hearing.status != "scheduled":
        await DRAFTS.drop(update, context)
        if hearing is not None:
            await query.answer(
                context.tr.t(meeting_texts.state_key(hearing, hearing.status)), show_alert=True
            )
        return END
    await query.answer()
    await query.edit_message_reply_markup(None)
    after, mode = draft.applied_to(hearing), draft.mode
    services, actor = context.services, user_id(update)
    report_to = (chat_id(update), context.tr)
    if mode == "cancel":
        await service.cancel(
            services, hearing, actor=actor, report_to=report_to, reason=draft.reason
        )
    elif mode == "outcome":
        await service.conclude(
            services, hearing, attendance=after.attendance or 0, decisions=after.decisions or "",
            actor=actor, report_to=report_to, versions=after.versions,
        )  # fmt: skip
    else:
        lat, lon = after.latitude, after.longitude
        await service.change(
            services, hearing, actor=actor, report_to=report_to,
            starts_at=after.starts_at if mode == "time" else None,
            place=after.place if mode == "place" else None,
            pin=(lat, lon) if lat is not None and lon is not None else None,
            reason=draft.reason if mode == "time" else None,
            versions=after.versions if mode == "place" else None,
        )  # fmt: skip
    await DRAFTS.drop(update, context)
    return END


drop = cancel_step(DIALOG)


def register(app: QatysuApp) -> None:
    """Register the staff's hearing list and the change dialog."""
    text = filters.TEXT & ~filters.COMMAND
    day_steps, time_steps = when_picker.date_and_time_steps(FEATURE, take_date, take_time)

    dialog = Dialog(
        "hearing_change",
        entry_points=[
            tap(FEATURE, change_time, "time"),
            tap(FEATURE, change_place, "place"),
            tap(FEATURE, cancel_hearing, "cancel"),
            tap(FEATURE, record_outcome, "outcome"),
        ],
        states={
            DATE: day_steps,
            TIME: time_steps,
            PLACE: [MessageHandler(text, take_place)],
            PIN: [
                versions.step(FEATURE, add_version),
                tap(FEATURE, take_pin, "nopin"),
                MessageHandler(filters.LOCATION, take_pin),
                MessageHandler(~filters.COMMAND, ask_pin),
            ],
            ATTENDANCE: [MessageHandler(text, take_attendance)],
            DECISIONS: [MessageHandler(text, take_decisions)],
            REASON: [MessageHandler(text, take_reason)],
            CONFIRM: [
                tap(FEATURE, confirm, "confirm"),
                tap(FEATURE, drop, "drop"),
                versions.step(FEATURE, add_version),
            ],
            PLACE2: [MessageHandler(text, take_place2)],
            DECISIONS2: [MessageHandler(text, take_decisions2)],
        },
        prompts={
            DATE: ask_date,
            TIME: ask_time,
            PLACE: ask_place,
            PIN: ask_pin,
            ATTENDANCE: ask_attendance,
            DECISIONS: ask_decisions,
            REASON: ask_reason,
            CONFIRM: _preview,
            PLACE2: ask_place2,
            DECISIONS2: ask_decisions2,
        },
        draft=DIALOG,
        context_keys=("id", "mode"),  # which hearing, and what is changed: the button's
        cancel=drop,
    )
    app.add_handler(dialog)
    app.add_handler(tap(FEATURE, list_hearings, "list"))
    app.add_handler(tap(FEATURE, open_hearing, "open"))
