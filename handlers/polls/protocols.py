"""Paper votes: staff enter a village meeting's protocol, step by step, and confirm it.

A persistent dialog: which village (of the poll's, in the staff's scope), for a village with a
protocol already the reason for the correction, the meeting's date, its place, the residents
present, the votes per option, then a summary to save. Each step checks what it can (the
village's population, no option above those present); :func:`bot.polls.service.record_protocol`
checks everything again when staff save, with the scope checked here on every tap and text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.auth import authorize_village, requires
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator, button_label
from bot.polls import service as polls
from bot.polls import texts
from handlers.polls.manage import FEATURE, card_keyboard, card_text, in_scope, poll_of_tap
from handlers.widgets.dialogs import (
    Dialog,
    DialogDraft,
    Drafts,
    cancel_step,
    message_of,
    query_of,
    send_text,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from storage import polls as repo
from storage import protocols as protocols_repo
from storage import territory
from storage.db import utcnow
from storage.models import Role, Village
from storage.polls import Poll
from storage.protocols import NewProtocol

DIALOG = "poll_paper"
# Stored states: 0 and 1 are those of the dialog before protocols (village, votes).
VILLAGE, VOTES, REASON, MEETING_DAY, PLACE, PRESENT, CONFIRM = range(7)
END = ConversationHandler.END


@dataclass(slots=True)
class ProtocolDraft(DialogDraft):
    """The protocol being entered (saved at every step; the dialog before protocols stored
    ``poll`` and ``village`` alone)."""

    poll: int = 0
    village: str | None = None
    supersedes: int | None = None  # the standing protocol this one corrects
    reason: str | None = None
    met_on: str | None = None  # ISO date
    place: str | None = None
    present: int | None = None
    votes: list[int] | None = None

    def protocol(self, entered_by: int) -> NewProtocol | None:
        """The protocol to store, once every step is done."""
        if self.village is None or self.met_on is None or self.place is None:
            return None
        if self.present is None or self.votes is None:
            return None
        return NewProtocol(
            poll_id=self.poll, village_code=self.village, met_on=date.fromisoformat(self.met_on),
            place=self.place, present=self.present, votes=tuple(self.votes),
            entered_by=entered_by, supersedes=self.supersedes, reason=self.reason,
        )  # fmt: skip


DRAFTS = Drafts(DIALOG, ProtocolDraft)


def _shown(tr: Translator, values: dict[str, Any]) -> dict[str, Any]:
    return {k: tr.number(v) if isinstance(v, int) else v for k, v in values.items()}


async def _current(
    update: Update, context: QatysuContext
) -> tuple[ProtocolDraft, Poll, Village] | None:
    """The draft, its poll and village, the village checked against the staff's scope again."""
    draft = await DRAFTS.load(update, context)
    poll = await repo.get(context.services.db, draft.poll)
    if poll is None or draft.village is None or draft.village not in poll.village_codes:
        await send_text(update, context, context.tr.t("error.stale_button"))
        await DRAFTS.drop(update, context)
        return None
    village = await authorize_village(update, context, Role.STAFF, draft.village)
    if village is None:
        return None
    return draft, poll, village


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Ask which of the poll's villages (in scope) the meeting was in."""
    query = update.callback_query
    poll = await poll_of_tap(update, context)
    if poll is None or query is None:
        return END
    tr = context.tr
    if poll.status != "open":
        await query.answer(tr.t("poll.paper_closed"), show_alert=True)
        return END
    await query.answer()
    await DRAFTS.save(update, context, ProtocolDraft(poll=poll.id))
    covered = await in_scope(update, context, poll)
    if len(covered) == 1:
        return await _village_chosen(update, context, poll, covered[0])
    rows = []
    for code in covered:
        village = await territory.get_village(context.services.db, code)
        label = button_label(village.names.get(tr.language)) if village else code
        rows.append([button(label, FEATURE, "pv", poll.id, code)])
    rows.append([button(tr.t("poll.cancel"), FEATURE, "pcancel")])
    await query.edit_message_text(
        tr.t("poll.paper_which_village"), reply_markup=InlineKeyboardMarkup(rows)
    )
    return VILLAGE


@requires(Role.STAFF)
async def take_village(update: Update, context: QatysuContext) -> int:
    """The village is chosen (re-checked): a correction asks why, a first protocol its date."""
    query = update.callback_query
    poll = await poll_of_tap(update, context)
    if poll is None or query is None:
        return END
    code = callbacks.parse(query.data).arg(1)
    if code not in poll.village_codes:
        await query.answer(context.tr.t("auth.out_of_scope"), show_alert=True)
        return END
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _village_chosen(update, context, poll, code)


async def _village_chosen(update: Update, context: QatysuContext, poll: Poll, code: str) -> int:
    tr = context.tr
    village = await authorize_village(update, context, Role.STAFF, code)
    if village is None:
        return END
    standing = await protocols_repo.standing(context.services.db, poll.id, code)
    draft = ProtocolDraft(poll=poll.id, village=code, supersedes=standing.id if standing else None)
    await DRAFTS.save(update, context, draft)
    if standing is None:
        return await ask_day(update, context)
    name = village.names.get(tr.language)
    await send_text(update, context, texts.protocol_card(tr, poll, standing, name))
    return await ask_reason(update, context)


async def ask_reason(update: Update, context: QatysuContext) -> int:
    """A village with a protocol: a new one corrects it, and says why."""
    await send_text(update, context, context.tr.t("protocol.ask_reason"))
    return REASON


async def take_reason(update: Update, context: QatysuContext) -> int:
    """Keep the correction's reason; ask the meeting's date."""
    return await _take_text(update, context, polls.reason_problem, "reason", REASON, ask_day)


async def _take_text(
    update: Update,
    context: QatysuContext,
    problem_of: Callable[[str], polls.Problem | None],
    field: str,
    state: int,
    ask_next: Callable[[Update, QatysuContext], Awaitable[int]],
) -> int:
    """Keep a typed text in the draft's ``field`` and ask the next step, or say what is wrong
    with it and ask again."""
    message = message_of(update)
    text = (message.text or "").strip()
    problem = problem_of(text)
    if problem is not None:
        await message.reply_text(context.tr.t(problem[0], **_shown(context.tr, problem[1])))
        return state
    await DRAFTS.keep(update, context, **{field: text})
    return await ask_next(update, context)


async def ask_day(update: Update, context: QatysuContext) -> int:
    """Ask when the meeting was: today or the two days before, or a typed date."""
    tr = context.tr
    days = polls.meeting_days(context.services.settings.zone, utcnow())
    row = [button(tr.date(day), FEATURE, "pday", back) for back, day in enumerate(days)]
    await send_text(update, context, tr.t("protocol.ask_day"), InlineKeyboardMarkup([row]))
    return MEETING_DAY


async def _day_chosen(update: Update, context: QatysuContext, day: date) -> int:
    await DRAFTS.keep(update, context, met_on=day.isoformat())
    return await ask_place(update, context)


async def day_button(update: Update, context: QatysuContext) -> int:
    """A date from the buttons."""
    query = query_of(update)
    days = polls.meeting_days(context.services.settings.zone, utcnow())
    try:
        day = days[callbacks.parse(query.data).int_arg(0)]
    except (callbacks.CallbackDataError, IndexError):
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return MEETING_DAY
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _day_chosen(update, context, day)


async def day_typed(update: Update, context: QatysuContext) -> int:
    """A date typed as DD.MM.YYYY (not in the future)."""
    message = message_of(update)
    day = polls.parse_meeting_date(message.text or "", context.services.settings.zone, utcnow())
    if day is None:
        await message.reply_text(context.tr.t("protocol.day_bad"))
        return MEETING_DAY
    return await _day_chosen(update, context, day)


async def ask_place(update: Update, context: QatysuContext) -> int:
    """Ask where the meeting was."""
    await send_text(update, context, context.tr.t("protocol.ask_place"))
    return PLACE


async def take_place(update: Update, context: QatysuContext) -> int:
    """Keep the place; ask how many residents were present."""
    return await _take_text(update, context, polls.place_problem, "place", PLACE, ask_present)


async def ask_present(update: Update, context: QatysuContext) -> int:
    """Ask how many residents were present."""
    await send_text(update, context, context.tr.t("protocol.ask_present"))
    return PRESENT


async def take_present(update: Update, context: QatysuContext) -> int:
    """Keep those present (no more than the village's population); ask the votes."""
    message = message_of(update)
    tr = context.tr
    found = await _current(update, context)
    if found is None:
        return END
    draft, _, village = found
    text = (message.text or "").strip()
    if not text.isdigit() or len(text) > 7:
        await message.reply_text(tr.t("protocol.present_bad"))
        return PRESENT
    problem = polls.present_problem(int(text), village)
    if problem is not None:
        await message.reply_text(tr.t(problem[0], **_shown(tr, problem[1])))
        return PRESENT
    draft.present = int(text)
    await DRAFTS.save(update, context, draft)
    return await ask_votes(update, context)


async def ask_votes(update: Update, context: QatysuContext) -> int:
    """Ask the votes per option, in the options' order."""
    found = await _current(update, context)
    if found is None:
        return END
    draft, poll, village = found
    tr = context.tr
    options = "\n".join(f"{n}. {option}" for n, option in enumerate(poll.options, 1))
    await send_text(
        update, context, tr.t("protocol.ask_votes", village=village.names.get(tr.language),
                              present=tr.number(draft.present or 0), options=options),
    )  # fmt: skip
    return VOTES


async def take_votes(update: Update, context: QatysuContext) -> int:
    """Keep the votes (none above those present); show the protocol to save."""
    message = message_of(update)
    tr = context.tr
    found = await _current(update, context)
    if found is None:
        return END
    draft, poll, _ = found
    if draft.present is None:  # a dialog begun before protocols: start it again
        await message.reply_text(tr.t("error.stale_button"))
        await DRAFTS.drop(update, context)
        return END
    votes = polls.parse_counts(message.text or "", len(poll.options))
    if votes is None:
        await message.reply_text(tr.nt("poll.paper_bad", len(poll.options)))
        return VOTES
    problem = polls.votes_problem(poll, draft.present, votes)
    if problem is not None:
        await message.reply_text(tr.t(problem[0], **_shown(tr, problem[1])))
        return VOTES
    draft.votes = votes
    await DRAFTS.save(update, context, draft)
    return await confirm(update, context)


async def confirm(update: Update, context: QatysuContext) -> int:
    """Show the protocol as it will be stored, with Save and Cancel."""
    found = await _current(update, context)
    if found is None:
        return END
    draft, poll, village = found
    new = draft.protocol(user_id(update))
    if new is None:
        await send_text(update, context, context.tr.t("error.stale_button"))
        return END
    tr = context.tr
    markup = InlineKeyboardMarkup(
        [[button(tr.t("protocol.save"), FEATURE, "psave"),
          button(tr.t("poll.cancel"), FEATURE, "pcancel")]]
    )  # fmt: skip
    text = texts.new_protocol_text(tr, poll, new, village.names.get(tr.language))
    await send_text(update, context, text, markup)
    return CONFIRM


@requires(Role.STAFF)
async def save(update: Update, context: QatysuContext) -> int:
    """Store the protocol through the poll service (every rule checked again there)."""
    query = query_of(update)
    tr = context.tr
    found = await _current(update, context)
    if found is None:
        await query.answer()
        return END
    draft, poll, village = found
    new = draft.protocol(user_id(update))
    stale: polls.Problem = ("error.stale_button", {})
    problem = await polls.record_protocol(context.services, new) if new else stale
    await query.answer()
    await query.edit_message_reply_markup(None)
    await DRAFTS.drop(update, context)
    if problem is not None:
        await send_text(update, context, tr.t(problem[0], **_shown(tr, problem[1])))
        return END
    assert new is not None
    await send_text(
        update, context,
        tr.t("protocol.saved" if new.supersedes is None else "protocol.corrected",
             village=village.names.get(tr.language)),
    )  # fmt: skip
    current = await repo.get(context.services.db, poll.id)
    assert current is not None
    await send_text(
        update, context, await card_text(context, current), card_keyboard(context, current)
    )
    return END


cancel = cancel_step(DIALOG)


def register(app: QatysuApp) -> None:
    """Register the protocol dialog (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    dialog = Dialog(
        "poll_paper",
        entry_points=[tap(FEATURE, start, "paper")],
        states={
            VILLAGE: [tap(FEATURE, take_village, "pv")],
            REASON: [MessageHandler(text, take_reason)],
            MEETING_DAY: [tap(FEATURE, day_button, "pday"), MessageHandler(text, day_typed)],
            PLACE: [MessageHandler(text, take_place)],
            PRESENT: [MessageHandler(text, take_present)],
            VOTES: [MessageHandler(text, take_votes)],
            CONFIRM: [tap(FEATURE, save, "psave")],
        },
        prompts={
            REASON: ask_reason,
            MEETING_DAY: ask_day,
            PLACE: ask_place,
            PRESENT: ask_present,
            VOTES: ask_votes,
            CONFIRM: confirm,
        },
        draft=DIALOG,
        context_keys=("poll", "village", "supersedes"),  # chosen by buttons
        cancel=cancel,
        fallbacks=[tap(FEATURE, cancel, "pcancel")],
    )
    app.add_handler(dialog)
