"""The members of the local community assembly, kept by staff per village: listed from an
assembly's card (with its quorum), added by typing names one per line, removed by a tap.

Every tap re-checks that the staff member manages the assembly (all its villages in scope) and
that the member is of one of its villages: callback data can be forged.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    chat_id,
    message_of,
    query_of,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from storage import meetings, territory
from storage.hearings import Hearing
from storage.models import Role

FEATURE = Feature.MEETING
DIALOG = "meeting_members"
VILLAGE, NAMES = range(2)
END = ConversationHandler.END
SHOWN = 40  # members listed (and removable by a tap) in one message


@dataclass(slots=True)
class MembersDraft(DialogDraft):
    """Members being added: to which assembly's village."""

    id: int = 0  # the assembly: the button's
    village: str | None = None


DRAFTS = Drafts(DIALOG, MembersDraft)


async def _assembly(update: Update, context: QatysuContext, hearing_id: int) -> Hearing | None:
    """The assembly if this staff member manages it; None after saying why not."""
    hearing = await managed(update, context, hearing_id)
    if hearing is not None and hearing.kind != meeting_texts.ASSEMBLY:
        await query_of(update).answer(context.tr.t("error.stale_button"), show_alert=True)
        return None
    return hearing


async def members_text(context: QatysuContext, hearing: Hearing) -> str:
    """The assembly's members by village, and its quorum."""
    tr = context.tr
    found = await meetings.members_of(context.services.db, hearing.village_codes)
    lines = [
        tr.t("meeting.members_title", topic=hearing.topic),
        meeting_texts.quorum_line(tr, len(found)),
        "",
    ]
    names = {}
    for code in hearing.village_codes:
        village = await territory.get_village(context.services.db, code)
        names[code] = village.names.get(tr.language) if village else code
    for number, member in enumerate(found[:SHOWN], 1):
        lines.append(f"{number}. {member.name} ({names.get(member.village_code, '')})")
    if len(found) > SHOWN:
        lines.append("…")
    return meeting_texts.clip("\n".join(lines), meeting_texts.MAX_MESSAGE)


async def show(update: Update, context: QatysuContext, hearing: Hearing) -> None:
    """Send the member list with its buttons."""
    tr = context.tr
    rows = [
        [button(tr.t("meeting.btn.add_members"), FEATURE, "madd", hearing.id),
         button(tr.t("meeting.btn.remove_member"), FEATURE, "mrm", hearing.id)],
        [button(tr.t("ha.back"), Feature.HEARING_STAFF, "open", hearing.id)],
    ]  # fmt: skip
    await context.bot.send_message(
        chat_id(update),
        await members_text(context, hearing),
        reply_markup=InlineKeyboardMarkup(rows),
    )


@requires(Role.STAFF)
async def list_members(update: Update, context: QatysuContext) -> None:
    """The assembly's members (the card's 👥 button)."""
    query = query_of(update)
    hearing = await _assembly(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return
    await query.answer()
    await show(update, context, hearing)


@requires(Role.STAFF)
async def choose_to_remove(update: Update, context: QatysuContext) -> None:
    """A button per member, to take one off the list."""
    query = query_of(update)
    tr = context.tr
    hearing = await _assembly(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return
    await query.answer()
    found = await meetings.members_of(context.services.db, hearing.village_codes)
    rows = [[button(f"✖️ {m.name}"[:60], FEATURE, "mdel", hearing.id, m.id)] for m in found[:SHOWN]]
    rows.append([button(tr.t("ha.back"), FEATURE, "mem", hearing.id)])
    await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


@requires(Role.STAFF)
async def remove(update: Update, context: QatysuContext) -> None:
    """Take a member off the list (of one of the assembly's villages only)."""
    query = query_of(update)
    parsed = callbacks.parse(query.data)
    hearing = await _assembly(update, context, parsed.int_arg(0))
    if hearing is None:
        return
    member = await meetings.get_member(context.services.db, parsed.int_arg(1))
    if member is None or member.village_code not in hearing.village_codes:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return
    await service.remove_member(context.services, member.id)
    await query.answer(context.tr.t("meeting.member_removed", name=member.name))
    await query.edit_message_reply_markup(None)
    await show(update, context, hearing)


@requires(Role.STAFF)
async def start_adding(update: Update, context: QatysuContext) -> int:
    """Add members: choose the village (when the assembly has several), then type names."""
    query = query_of(update)
    hearing = await _assembly(update, context, callbacks.parse(query.data).int_arg(0))
    if hearing is None:
        return END
    await query.answer()
    draft = MembersDraft(id=hearing.id)
    if len(hearing.village_codes) == 1:
        draft.village = hearing.village_codes[0]
    await DRAFTS.save(update, context, draft)
    if draft.village is None:
        return await ask_village(update, context)
    return await ask_names(update, context)


async def ask_village(update: Update, context: QatysuContext) -> int:
    """Offer the assembly's villages."""
    tr = context.tr
    hearing = await _stored_assembly(update, context)
    if hearing is None:
        return END
    rows = []
    for code in hearing.village_codes:
        village = await territory.get_village(context.services.db, code)
        label = village.names.get(tr.language) if village else code
        rows.append([button(label, FEATURE, "mvil", code)])
    await context.bot.send_message(
        chat_id(update), tr.t("meeting.ask_member_village"), reply_markup=InlineKeyboardMarkup(rows)
    )
    return VILLAGE


async def take_village(update: Update, context: QatysuContext) -> int:
    """Keep the village (one of the assembly's); ask for the names."""
    query = query_of(update)
    code = callbacks.parse(query.data).arg(0)
    hearing = await _stored_assembly(update, context)
    if hearing is None or code not in hearing.village_codes:
        await query.answer(context.tr.t("error.stale_button"), show_alert=True)
        return VILLAGE if hearing is not None else END
    await query.answer()
    await query.edit_message_reply_markup(None)
    await DRAFTS.keep(update, context, village=code)
    return await ask_names(update, context)


async def ask_names(update: Update, context: QatysuContext) -> int:
    """Ask for the names, one per line."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    village = await territory.get_village(context.services.db, draft.village or "")
    await context.bot.send_message(
        chat_id(update),
        tr.t(
            "meeting.ask_member_names", village=village.names.get(tr.language) if village else "",
            count=service.NAMES_MAX, limit=service.NAME_MAX,
        ),
    )  # fmt: skip
    return NAMES


async def take_names(update: Update, context: QatysuContext) -> int:
    """Add the names to the village's list (scope checked again); show the list."""
    tr = context.tr
    names = service.member_names(message_of(update).text or "")
    if names is None:
        return await ask_names(update, context)
    hearing = await _stored_assembly(update, context)
    draft = await DRAFTS.load(update, context)
    if hearing is None or draft.village not in hearing.village_codes:
        await DRAFTS.drop(update, context)
        return END
    known = await meetings.member_count(context.services.db, (draft.village,))
    if known + len(names) > service.MAX_MEMBERS:
        await context.bot.send_message(
            chat_id(update), tr.t("meeting.too_many_members", limit=service.MAX_MEMBERS)
        )
        return NAMES
    added = await service.add_members(context.services, draft.village, names, user_id(update))
    await DRAFTS.drop(update, context)
    await context.bot.send_message(chat_id(update), tr.nt("meeting.members_added", added))
    await show(update, context, hearing)
    return END


async def _stored_assembly(update: Update, context: QatysuContext) -> Hearing | None:
    """The assembly of the draft, while this staff member still manages it."""
    draft = await DRAFTS.load(update, context)
    hearing = await managed(update, context, draft.id)
    if hearing is None or hearing.kind != meeting_texts.ASSEMBLY:
        await DRAFTS.drop(update, context)
        return None
    return hearing


def register(app: QatysuApp) -> None:
    """Register the member list's buttons and the dialog that adds members."""
    dialog = Dialog(
        DIALOG,
        entry_points=[tap(FEATURE, start_adding, "madd")],
        states={
            VILLAGE: [tap(FEATURE, take_village, "mvil")],
            NAMES: [MessageHandler(filters.TEXT & ~filters.COMMAND, take_names)],
        },
        prompts={VILLAGE: ask_village, NAMES: ask_names},
        draft=DIALOG,
        context_keys=("id",),  # which assembly: the button's
    )
    app.add_handler(dialog)
    app.add_handler(tap(FEATURE, list_members, "mem"))
    app.add_handler(tap(FEATURE, choose_to_remove, "mrm"))
    app.add_handler(tap(FEATURE, remove, "mdel"))
