"""Sending an item on from the inbox: forwarding it to another village or up to the district
(with a note for its staff), handing it to another body of the district (forward or reject:
the resident gets the body's contacts), "needs a formal appeal" (the eOtinish link and the
text to copy), and recording its eOtinish registration number.

Every tap re-checks the staff member's scope on the item (``authorize_appeal``) and that a
body is of the item's district: a client can forge any button. Typing a note or a number is a
persistent dialog (``handoff``), left with /cancel or its Cancel button.
Callback data: ``fwd:<item>`` the targets; ``fwdv:<item>:<village>``, ``fwdd:<item>`` a target;
``hbl:<item>:<f|r>:<page>`` the bodies; ``hbs:<item>:<f|r>:<body>`` a body; ``hgo`` send
without a note; ``frm:<item>``, ``frmgo:<item>`` the formal appeal; ``eot:<item>`` the number.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.appeals import handoff, texts
from bot.appeals import service as appeals
from bot.appeals.service import STAFF_TEXT_MAX, AppealRefused
from bot.auth import refuse, requires
from bot.behalf import texts as behalf_texts
from bot.context import QatysuApp, QatysuContext
from bot.i18n import button_label
from handlers.appeals.inbox import FEATURE, authorize_appeal
from handlers.widgets import keyboards
from handlers.widgets.dialogs import (
    END,
    Dialog,
    DialogDraft,
    Drafts,
    cancel_step,
    chat_id,
    message_of,
    query_of,
    tap,
    user_id,
)
from handlers.widgets.keyboards import button
from storage import territory
from storage.appeals import ACTIVE, Appeal
from storage.bodies import Body
from storage.models import Role, Village

DIALOG = "handoff"
NOTE, NUMBER = 0, 1
NOTE_MAX = STAFF_TEXT_MAX


@dataclass(slots=True)
class HandoffDraft(DialogDraft):
    """The item and where it goes: ``target`` "v:<village>", "d" (the district) or
    "b:<body>" with ``how`` ("f" hand over, "r" reject); or "eot" for the number."""

    appeal_id: int = 0
    target: str = ""
    how: str = ""


DRAFTS = Drafts(DIALOG, HandoffDraft)


# --- forwarding to a village or the district ------------------------------------------------


async def _district_villages(context: QatysuContext, appeal: Appeal) -> list[Village]:
    handler = await territory.get_village(context.services.db, appeal.handler_village_code)
    assert handler is not None
    villages = await territory.list_villages(context.services.db, handler.district_code)
    return [v for v in villages if appeal.level == "district" or v.code != handler.code]


@requires(Role.STAFF)
async def ask_forward(update: Update, context: QatysuContext) -> None:
    """Offer the district, its villages and the district's other bodies."""
    query = query_of(update)
    tr = context.tr
    appeal = await authorize_appeal(update, context, callbacks.parse(query.data).int_arg(0))
    if appeal is None:
        return
    await query.answer()
    choices = keyboards.by_name(
        (v.names.get(tr.language), callbacks.build(FEATURE, "fwdv", appeal.id, v.code))
        for v in await _district_villages(context, appeal)
    )
    rows = [
        [InlineKeyboardButton(button_label(label), callback_data=data)]
        for label, data in choices[:20]
    ]
    if appeal.level == "village":
        rows.insert(0, [button(tr.t("inbox.to_district"), FEATURE, "fwdd", appeal.id)])
    if await handoff.bodies_for(context.services, appeal):
        rows.append([button(tr.t("inbox.to_body"), FEATURE, "hbl", appeal.id, "f", 0)])
    rows.append([button(tr.t("button.back"), FEATURE, "card", appeal.id)])
    await query.edit_message_text(
        tr.t("inbox.forward_where", number=texts.number(appeal)),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def _forward_target(
    update: Update, context: QatysuContext, appeal: Appeal, target: str
) -> tuple[Village | None, str] | None:
    """The village (None: the district) and its name; None (answered) when not offered."""
    tr = context.tr
    if target == "d" and appeal.level == "village":
        handler = await territory.get_village(context.services.db, appeal.handler_village_code)
        assert handler is not None
        name = tr.t("appeal.district_akimat", district=handler.district_names.get(tr.language))
        return None, name
    code = target.removeprefix("v:")
    village = next((v for v in await _district_villages(context, appeal) if v.code == code), None)
    if not target.startswith("v:") or village is None:
        await refuse(update, context, "error.stale_button", f"forward target {target!r}")
        return None
    return village, village.names.get(tr.language)


def _note_keyboard(context: QatysuContext, label: str) -> InlineKeyboardMarkup:
    tr = context.tr
    return InlineKeyboardMarkup(
        [
            [button(tr.t(label), FEATURE, "hgo")],
            [button(tr.t("complaint.button_cancel"), FEATURE, "hcancel")],
        ]
    )


@requires(Role.STAFF)
async def choose_target(update: Update, context: QatysuContext) -> int | None:
    """A village or the district: refused with the reason when nobody there works items;
    else ask for the note (optional)."""
    query = query_of(update)
    tr = context.tr
    parsed = callbacks.parse(query.data)
    appeal = await authorize_appeal(update, context, parsed.int_arg(0))
    if appeal is None:
        return None
    target = "d" if parsed.action == "fwdd" else f"v:{parsed.arg(1)}"
    found = await _forward_target(update, context, appeal, target)
    if found is None:
        return None
    village, name = found
    await query.answer()
    back = InlineKeyboardMarkup([[button(tr.t("button.back"), FEATURE, "fwd", appeal.id)]])
    if not await appeals.staff_reached(context.services, appeal, village):
        text = tr.t("inbox.forward_nobody", number=texts.number(appeal), place=name)
        await query.edit_message_text(text, reply_markup=back)
        return None
    await DRAFTS.save(update, context, HandoffDraft(appeal.id, target))
    await query.edit_message_text(
        tr.t("inbox.forward_note", number=texts.number(appeal), place=name),
        reply_markup=_note_keyboard(context, "inbox.forward_no_note"),
    )
    return NOTE


async def _forward(
    update: Update, context: QatysuContext, appeal: Appeal, target: str, note: str | None
) -> None:
    """Forward (scope checked again); tell the staff member what became of it."""
    tr = context.tr
    found = await _forward_target(update, context, appeal, target)
    if found is None:
        return
    village, name = found
    try:
        changed = await appeals.forward(
            context.services, context.bot, appeal, user_id(update), village, note=note
        )
    except AppealRefused:
        text = tr.t("inbox.forward_nobody", number=texts.number(appeal), place=name)
        await context.bot.send_message(chat_id(update), text)
        return
    key = "inbox.changed_meanwhile" if changed is None else "inbox.forwarded"
    await context.bot.send_message(chat_id(update), tr.t(key, number=texts.number(appeal)))


# --- another body of the district -----------------------------------------------------------


@requires(Role.STAFF)
async def list_bodies(update: Update, context: QatysuContext) -> None:
    """The bodies of the item's district, a page at a time (to hand over, or to reject to)."""
    query = query_of(update)
    tr = context.tr
    parsed = callbacks.parse(query.data)
    appeal = await authorize_appeal(update, context, parsed.int_arg(0))
    if appeal is None:
        return
    how = parsed.arg(1)
    if how not in handoff.HOW or appeal.status not in ACTIVE:
        await query.answer(tr.t("inbox.changed_meanwhile"), show_alert=True)
        return
    await query.answer()
    found = await handoff.bodies_for(context.services, appeal)
    choices = [
        (
            button_label(b.names.get(tr.language)),
            callbacks.build(FEATURE, "hbs", appeal.id, how, b.id),
        )
        for b in found
    ]
    back = (tr.t("button.back"), callbacks.build(FEATURE, "card", appeal.id))
    markup = keyboards.paged(
        tr, choices, parsed.int_arg(2),
        lambda page: callbacks.build(FEATURE, "hbl", appeal.id, how, page), back=back,
    )  # fmt: skip
    key = f"inbox.body_which.{how}" if found else "inbox.body_none"
    await query.edit_message_text(tr.t(key, number=texts.number(appeal)), reply_markup=markup)


async def _body(
    update: Update, context: QatysuContext, appeal: Appeal, body_id: int
) -> Body | None:
    """The body when it is of the item's district; refused (and None) otherwise."""
    body = await handoff.body_for(context.services, appeal, body_id)
    if body is None:
        await refuse(update, context, "auth.out_of_scope", f"body {body_id} for {appeal.id}")
    return body


@requires(Role.STAFF)
async def choose_body(update: Update, context: QatysuContext) -> int | None:
    """Show the body as the resident will get it; ask for a comment to them (optional)."""
    query = query_of(update)
    tr = context.tr
    parsed = callbacks.parse(query.data)
    appeal = await authorize_appeal(update, context, parsed.int_arg(0))
    if appeal is None:
        return None
    how = parsed.arg(1)
    body = await _body(update, context, appeal, parsed.int_arg(2))
    if body is None:
        return None
    if how not in handoff.HOW or appeal.status not in ACTIVE:
        await query.answer(tr.t("inbox.changed_meanwhile"), show_alert=True)
        return None
    await query.answer()
    await DRAFTS.save(update, context, HandoffDraft(appeal.id, f"b:{body.id}", how))
    lines = [tr.t(f"inbox.body_confirm.{how}", number=texts.number(appeal)), "",
             texts.body_card(tr, body), "", tr.t("inbox.body_comment")]  # fmt: skip
    await query.edit_message_text(
        "\n".join(lines), reply_markup=_note_keyboard(context, f"inbox.body_send.{how}")
    )
    return NOTE


async def _to_body(
    update: Update, context: QatysuContext, appeal: Appeal, draft: HandoffDraft, note: str | None
) -> None:
    tr = context.tr
    body_id = draft.target.removeprefix("b:")
    body = await _body(update, context, appeal, int(body_id)) if body_id.isdigit() else None
    if body is None:
        return
    changed = await handoff.hand_to_body(
        context.services, context.bot, appeal, user_id(update), body, draft.how, note
    )
    if changed is None:
        await context.bot.send_message(chat_id(update), tr.t("inbox.changed_meanwhile"))
        return
    text = tr.t("inbox.body_done", number=texts.number(changed), body=body.names.get(tr.language))
    text = await _passed_on(update, context, changed) or text
    await context.bot.send_message(chat_id(update), text, reply_markup=_open(context, changed))


async def _passed_on(update: Update, context: QatysuContext, appeal: Appeal) -> str | None:
    """For an item of a resident without Telegram: nothing was sent, staff pass it on."""
    services, tr = context.services, context.tr
    return await behalf_texts.pass_on_note(services, tr, user_id(update), appeal)


def _open(context: QatysuContext, appeal: Appeal) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(context.tr.t("inbox.open"), FEATURE, "open", appeal.id)]])


# --- the note step, shared by forwarding and bodies -----------------------------------------


async def _act(update: Update, context: QatysuContext, note: str | None) -> int:
    draft = await DRAFTS.load(update, context)
    await DRAFTS.drop(update, context)
    appeal = await authorize_appeal(update, context, draft.appeal_id)
    if appeal is None:
        return END
    if draft.target.startswith("b:"):
        await _to_body(update, context, appeal, draft, note)
    else:
        await _forward(update, context, appeal, draft.target, note)
    return END


@requires(Role.STAFF)
async def got_note(update: Update, context: QatysuContext) -> int | None:
    """The note typed: check it, then forward or hand over."""
    message = message_of(update)
    tr = context.tr
    problem = appeals.text_problem(message.text, NOTE_MAX, 2)
    if problem is not None:
        length = len((message.text or "").strip())
        await message.reply_text(tr.t(problem, min=2, max=NOTE_MAX, length=length))
        return NOTE
    return await _act(update, context, (message.text or "").strip())


@requires(Role.STAFF)
async def without_note(update: Update, context: QatysuContext) -> int | None:
    """Forward or hand over without a note."""
    query = query_of(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    return await _act(update, context, None)


# --- needs a formal appeal; the eOtinish number ---------------------------------------------


@requires(Role.STAFF)
async def ask_formal(update: Update, context: QatysuContext) -> None:
    """Say what the resident will get, with 📤 Send and Back."""
    query = query_of(update)
    tr = context.tr
    appeal = await authorize_appeal(update, context, callbacks.parse(query.data).int_arg(0))
    if appeal is None:
        return
    if appeal.status not in ACTIVE:
        await query.answer(tr.t("inbox.changed_meanwhile"), show_alert=True)
        return
    await query.answer()
    markup = InlineKeyboardMarkup(
        [
            [button(tr.t("inbox.formal_send"), FEATURE, "frmgo", appeal.id)],
            [button(tr.t("button.back"), FEATURE, "card", appeal.id)],
        ]
    )
    text = tr.t("inbox.formal_confirm", number=texts.number(appeal), url=handoff.EOTINISH_URL)
    await query.edit_message_text(text, reply_markup=markup)


@requires(Role.STAFF)
async def send_formal(update: Update, context: QatysuContext) -> None:
    """Send the resident the eOtinish link and their text; the item is answered."""
    query = query_of(update)
    tr = context.tr
    appeal = await authorize_appeal(update, context, callbacks.parse(query.data).int_arg(0))
    if appeal is None:
        return
    changed = await handoff.advise_formal(context.services, context.bot, appeal, user_id(update))
    if changed is None:
        await query.answer(tr.t("inbox.changed_meanwhile"), show_alert=True)
        return
    await query.answer()
    done = await _passed_on(update, context, changed) or tr.t(
        "inbox.formal_done", number=texts.number(changed)
    )
    await query.edit_message_text(done, reply_markup=_open(context, changed))


@requires(Role.STAFF)
async def ask_number(update: Update, context: QatysuContext) -> int | None:
    """Ask for the eOtinish registration number of the item."""
    query = query_of(update)
    tr = context.tr
    appeal = await authorize_appeal(update, context, callbacks.parse(query.data).int_arg(0))
    if appeal is None:
        return None
    await query.answer()
    await DRAFTS.save(update, context, HandoffDraft(appeal.id, "eot"))
    cancel = button(tr.t("complaint.button_cancel"), FEATURE, "hcancel")
    await query.edit_message_text(
        tr.t("inbox.eotinish_ask", number=texts.number(appeal)),
        reply_markup=InlineKeyboardMarkup([[cancel]]),
    )
    return NUMBER


@requires(Role.STAFF)
async def got_number(update: Update, context: QatysuContext) -> int | None:
    """Record the number (scope checked again); it shows in the history, /my and reports."""
    message = message_of(update)
    tr = context.tr
    number = (message.text or "").strip()
    if handoff.number_problem(number) is not None:
        await message.reply_text(tr.t("inbox.eotinish_bad"))
        return NUMBER
    draft = await DRAFTS.load(update, context)
    await DRAFTS.drop(update, context)
    appeal = await authorize_appeal(update, context, draft.appeal_id)
    if appeal is None:
        return END
    changed = await handoff.record_number(
        context.services, context.bot, appeal, user_id(update), number
    )
    await message.reply_text(
        tr.t("inbox.eotinish_done", number=texts.number(changed), registration=number),
        reply_markup=_open(context, changed),
    )
    return END


async def text_expected(update: Update, context: QatysuContext) -> int | None:
    """Ask for text when something else was sent."""
    await message_of(update).reply_text(context.tr.t("inbox.type_text"))
    return None


def register(app: QatysuApp) -> None:
    """Register the dialog (a note, a number) and the buttons of sending an item on."""
    cancel = cancel_step(DIALOG)
    typed = filters.TEXT & ~filters.COMMAND
    other = ~filters.COMMAND & ~filters.StatusUpdate.ALL
    dialog = Dialog(
        DIALOG,
        entry_points=[
            tap(FEATURE, choose_target, "fwdv", "fwdd"),
            tap(FEATURE, choose_body, "hbs"),
            tap(FEATURE, ask_number, "eot"),
        ],
        states={
            NOTE: [
                MessageHandler(typed, got_note),
                tap(FEATURE, without_note, "hgo"),
                MessageHandler(other, text_expected),
            ],
            NUMBER: [MessageHandler(typed, got_number), MessageHandler(other, text_expected)],
        },
        draft=DIALOG,
        context_keys=("appeal_id", "target", "how"),  # which item and where: the button's
        cancel=cancel,
        fallbacks=[tap(FEATURE, cancel, "hcancel")],
    )
    app.add_handler(dialog)


def register_buttons(app: QatysuApp) -> None:
    """The buttons outside the dialog: the targets, the bodies, the formal appeal."""
    actions = {"fwd": ask_forward, "hbl": list_bodies, "frm": ask_formal, "frmgo": send_formal}
    for action, callback in actions.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=callbacks.matches(FEATURE, action)))
