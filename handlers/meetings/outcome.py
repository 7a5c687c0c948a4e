"""Staff record a local community assembly after it began: members present (against the
quorum), how many attended in all, each agenda item's votes (for, against, abstaining) and
decision, and the signed protocol (a photo or a PDF); after a preview the decisions go to the
residents of its villages, then the protocol.

Fewer members than the quorum: the assembly could not decide, and residents are told that
instead. Every step re-checks that the staff member manages the assembly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.auth import requires
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.meetings import service
from bot.meetings import texts as meeting_texts
from handlers.hearings.manage import managed
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
from storage import broadcasts, meetings
from storage.db import utcnow
from storage.hearings import Hearing
from storage.meetings import Item, ItemResult
from storage.models import Role

FEATURE = Feature.MEETING
DIALOG = "assembly_outcome"
PRESENT, NO_QUORUM, ATTENDANCE, VOTES, DECISION, PROTOCOL, CONFIRM = range(7)
END = ConversationHandler.END
MAX_ATTENDANCE = 100_000
_NUMBERS = re.compile(r"\d{1,6}")


@dataclass(slots=True)
class AssemblyDraft(DialogDraft):
    """An assembly's record being entered (stored as JSON)."""

    id: int = 0  # the assembly: the button's
    present: int | None = None  # members present
    no_quorum: bool | None = None
    attendance: int | None = None  # people present in all
    votes: list[list[int]] = field(default_factory=list)  # for, against, abstaining, per item
    decisions: list[str] = field(default_factory=list)
    protocol: str | None = None  # the file id Telegram gave the signed protocol
    protocol_kind: str | None = None  # photo or document

    def results(self) -> list[ItemResult]:
        """The items recorded so far."""
        return [
            ItemResult(decision, votes[0], votes[1], votes[2])
            for votes, decision in zip(self.votes, self.decisions, strict=False)
        ]


DRAFTS = Drafts(DIALOG, AssemblyDraft)


def _number(update: Update) -> int | None:
    text = ((update.effective_message.text if update.effective_message else "") or "").strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


async def _open(update: Update, context: QatysuContext) -> tuple[Hearing, AssemblyDraft] | None:
    """The assembly of the draft and the draft, while it may still be recorded."""
    draft = await DRAFTS.load(update, context)
    hearing = await managed(update, context, draft.id)
    if hearing is None or hearing.kind != meeting_texts.ASSEMBLY or hearing.status != "scheduled":
        await DRAFTS.drop(update, context)
        return None
    return hearing, draft


async def _members(context: QatysuContext, hearing: Hearing) -> int:
    return await meetings.member_count(context.services.db, hearing.village_codes)


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Begin the record of an assembly that began (the card's 📝 button)."""
    query = query_of(update)
    tr = context.tr
    hearing = await managed(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return END
    problem = None
    if hearing.kind != meeting_texts.ASSEMBLY:
        problem = "error.stale_button"
    elif hearing.status != "scheduled":
        problem = meeting_texts.state_key(hearing, hearing.status)
    elif hearing.starts_at > utcnow():
        problem = "ha.not_started"
    elif not await _members(context, hearing):
        problem = "meeting.need_members"
    if problem is not None:
        await query.answer(tr.t(problem), show_alert=True)
        return END
    await query.answer()
    await DRAFTS.save(update, context, AssemblyDraft(id=hearing.id))
    return await ask_present(update, context)


async def ask_present(update: Update, context: QatysuContext) -> int:
    """Ask how many members were present, with the quorum."""
    tr = context.tr
    opened = await _open(update, context)
    if opened is None:
        return END
    members = await _members(context, opened[0])
    await send_text(update, context, tr.t(
        "meeting.ask_present", members=tr.nt("meeting.members", members),
        quorum=tr.number(meeting_texts.quorum(members)),
    ))  # fmt: skip
    return PRESENT


async def take_present(update: Update, context: QatysuContext) -> int:
    """Keep the members present; without a quorum, ask whether it could not decide."""
    opened = await _open(update, context)
    if opened is None:
        return END
    hearing, draft = opened
    members = await _members(context, hearing)
    present = _number(update)
    if present is None or present > members:
        return await ask_present(update, context)
    draft.present, draft.no_quorum = present, None
    await DRAFTS.save(update, context, draft)
    if present < meeting_texts.quorum(members):
        return await ask_no_quorum(update, context)
    return await ask_attendance(update, context)


async def ask_no_quorum(update: Update, context: QatysuContext) -> int:
    """Without a quorum: record that it could not decide, or type the number again."""
    tr = context.tr
    rows = [[button(tr.t("meeting.btn.no_quorum"), FEATURE, "aoq")],
            [button(tr.t("meeting.btn.enter_again"), FEATURE, "aore")]]  # fmt: skip
    await send_text(update, context, tr.t("meeting.no_quorum_found"), InlineKeyboardMarkup(rows))
    return NO_QUORUM


async def take_no_quorum(update: Update, context: QatysuContext) -> int:
    """Record it as undecided for lack of a quorum, or ask the number again."""
    query = query_of(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    if callbacks.parse(query.data).action == "aore":
        return await ask_present(update, context)
    await DRAFTS.keep(update, context, no_quorum=True)
    return await ask_attendance(update, context)


async def ask_attendance(update: Update, context: QatysuContext) -> int:
    """Ask how many attended in all, members and other residents."""
    draft = await DRAFTS.load(update, context)
    await send_text(
        update, context, context.tr.t("meeting.ask_attendance", present=draft.present or 0)
    )
    return ATTENDANCE


async def take_attendance(update: Update, context: QatysuContext) -> int:
    """Keep the attendance; go on to the first item (or, without a quorum, the preview)."""
    draft = await DRAFTS.load(update, context)
    attendance = _number(update)
    if attendance is None or attendance < (draft.present or 0) or attendance > MAX_ATTENDANCE:
        return await ask_attendance(update, context)
    draft.attendance, draft.votes, draft.decisions = attendance, [], []
    await DRAFTS.save(update, context, draft)
    if draft.no_quorum:
        return await preview(update, context)
    return await ask_votes(update, context)


async def _item(update: Update, context: QatysuContext) -> tuple[Item, int] | None:
    """The item being recorded, and how many items there are; None once all are."""
    draft = await DRAFTS.load(update, context)
    items = await meetings.items_of(context.services.db, draft.id)
    index = len(draft.decisions)
    return (items[index], len(items)) if index < len(items) else None


async def ask_votes(update: Update, context: QatysuContext) -> int:
    """Ask the votes on the next item (or, when every item is recorded, the protocol)."""
    tr = context.tr
    found = await _item(update, context)
    if found is None:
        return await ask_protocol(update, context)
    item, total = found
    draft = await DRAFTS.load(update, context)
    await send_text(update, context, tr.t(
        "meeting.ask_votes", number=item.position, total=total,
        title=meeting_texts.clip(item.title, meeting_texts.ITEM_TITLE_MAX),
        present=tr.number(draft.present or 0),
    ))  # fmt: skip
    return VOTES


async def take_votes(update: Update, context: QatysuContext) -> int:
    """Keep three numbers (for, against, abstaining), no more than the members present."""
    draft = await DRAFTS.load(update, context)
    numbers = [int(n) for n in _NUMBERS.findall(message_of(update).text or "")]
    if len(numbers) != 3 or sum(numbers) > (draft.present or 0):
        await send_text(
            update, context, context.tr.t("meeting.bad_votes", present=draft.present or 0)
        )
        return VOTES
    draft.votes = [*draft.votes[: len(draft.decisions)], numbers]
    await DRAFTS.save(update, context, draft)
    return await ask_decision(update, context)


async def ask_decision(update: Update, context: QatysuContext) -> int:
    """Ask what was decided on the item."""
    found = await _item(update, context)
    if found is None:
        return await ask_protocol(update, context)
    await send_text(update, context, context.tr.t(
        "meeting.ask_decision",
        title=meeting_texts.clip(found[0].title, meeting_texts.ITEM_TITLE_MAX),
        limit=meeting_texts.DECISION_MAX,
    ))  # fmt: skip
    return DECISION


async def take_decision(update: Update, context: QatysuContext) -> int:
    """Keep the decision; the next item's votes, or the protocol."""
    text = (message_of(update).text or "").strip()
    if not text or len(text) > meeting_texts.DECISION_MAX:
        return await ask_decision(update, context)
    draft = await DRAFTS.load(update, context)
    draft.decisions.append(text)
    await DRAFTS.save(update, context, draft)
    return await ask_votes(update, context)


async def ask_protocol(update: Update, context: QatysuContext) -> int:
    """Ask for the signed protocol: a photo or a PDF."""
    await send_text(update, context, context.tr.t("meeting.ask_protocol"))
    return PROTOCOL


async def take_protocol(update: Update, context: QatysuContext) -> int:
    """Keep the protocol's file id (Telegram keeps the file); preview."""
    message = message_of(update)
    draft = await DRAFTS.load(update, context)
    if message.photo:
        draft.protocol, draft.protocol_kind = message.photo[-1].file_id, "photo"
    elif message.document and (message.document.mime_type or "") in PROTOCOL_TYPES:
        draft.protocol, draft.protocol_kind = message.document.file_id, "document"
    else:
        return await ask_protocol(update, context)
    await DRAFTS.save(update, context, draft)
    return await preview(update, context)


PROTOCOL_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


async def preview(update: Update, context: QatysuContext) -> int:
    """Show what residents will get (the decisions, then the protocol) and to how many."""
    tr = context.tr
    opened = await _open(update, context)
    if opened is None:
        return END
    hearing, draft = opened
    members = await _members(context, hearing)
    after = hearing.with_changes(
        status="held", attendance=draft.attendance, members_total=members,
        members_present=draft.present,
    )  # fmt: skip
    items = await meetings.items_of(context.services.db, hearing.id)
    recorded = [
        Item(item.position, item.title, r.decision, r.votes_for, r.votes_against, r.votes_abstained)
        for item, r in zip(items, draft.results(), strict=False)
    ]
    await send_text(update, context, meeting_texts.outcome(tr, after, recorded))
    if draft.protocol and not draft.no_quorum:
        caption = meeting_texts.protocol_caption(tr, after)
        if draft.protocol_kind == "photo":
            await context.bot.send_photo(chat_id(update), draft.protocol, caption=caption)
        else:
            await context.bot.send_document(chat_id(update), draft.protocol, caption=caption)
    count = await broadcasts.count_audience(context.services.db, hearing.village_codes)
    markup = InlineKeyboardMarkup(
        [[button(tr.t("ha.send"), FEATURE, "aosend"), button(tr.t("ha.cancel"), FEATURE, "aodrop")]]
    )
    await send_text(
        update, context, tr.t("ha.preview", recipients=tr.nt("broadcast.recipients", count)), markup
    )
    return CONFIRM


async def send(update: Update, context: QatysuContext) -> int:
    """Store the record and send the decisions and the protocol to the residents."""
    query = query_of(update)
    opened = await _open(update, context)
    if opened is None:
        return END
    hearing, draft = opened
    await query.answer()
    await query.edit_message_reply_markup(None)
    protocol = None
    if draft.protocol and draft.protocol_kind and not draft.no_quorum:
        protocol = (draft.protocol, draft.protocol_kind)
    await service.conclude_assembly(
        context.services, hearing, attendance=draft.attendance or 0,
        members_present=draft.present or 0,
        results=[] if draft.no_quorum else draft.results(), protocol=protocol,
        actor=user_id(update), report_to=(chat_id(update), context.tr),
    )  # fmt: skip
    await DRAFTS.drop(update, context)
    return END


drop = cancel_step(DIALOG)


def register(app: QatysuApp) -> None:
    """Register the dialog recording an assembly."""
    text = filters.TEXT & ~filters.COMMAND
    dialog = Dialog(
        DIALOG,
        entry_points=[tap(FEATURE, start, "aout")],
        states={
            PRESENT: [MessageHandler(text, take_present)],
            NO_QUORUM: [tap(FEATURE, take_no_quorum, "aoq", "aore")],
            ATTENDANCE: [MessageHandler(text, take_attendance)],
            VOTES: [MessageHandler(text, take_votes)],
            DECISION: [MessageHandler(text, take_decision)],
            PROTOCOL: [
                MessageHandler(filters.PHOTO | filters.Document.ALL, take_protocol),
                MessageHandler(~filters.COMMAND, ask_protocol),
            ],
            CONFIRM: [tap(FEATURE, send, "aosend"), tap(FEATURE, drop, "aodrop")],
        },
        prompts={
            PRESENT: ask_present,
            NO_QUORUM: ask_no_quorum,
            ATTENDANCE: ask_attendance,
            VOTES: ask_votes,
            DECISION: ask_decision,
            PROTOCOL: ask_protocol,
            CONFIRM: preview,
        },
        draft=DIALOG,
        context_keys=("id",),  # which assembly: the button's
        cancel=drop,
    )
    app.add_handler(dialog)
