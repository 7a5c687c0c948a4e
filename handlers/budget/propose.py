"""A resident proposes a project: title → description → rough cost → photo → place → send.

A persistent dialog with its draft saved at every step. It starts from the cycle's Propose
button; the phase, the resident's village (and verification) and the limit of
``BUDGET_PROPOSALS_PER_RESIDENT`` are checked when it starts and again when the proposal is
stored, in the transaction that stores it.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters

from bot.budget import service, texts
from bot.budget.service import MAX_DESCRIPTION, MAX_TITLE, Proposal
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from handlers.budget.ballot import not_eligible, refuse_ineligible
from handlers.budget.common import cycle_of_tap, send
from handlers.widgets.dialogs import Dialog, DialogDraft, Drafts, cancel_step, tap
from handlers.widgets.keyboards import button
from storage import budget as repo
from storage.budget import Cycle, Proposed
from storage.db import utcnow

FEATURE = Feature.BUDGET_PROPOSAL
DIALOG = "budget_propose"
TITLE, DESCRIPTION, COST, PHOTO, PLACE, CONFIRM = range(6)
END = ConversationHandler.END
MAX_PHOTO_BYTES = 20 * 1024 * 1024


@dataclass(slots=True)
class ProposalDraft(DialogDraft):
    """The proposal being written, for the cycle whose Propose button started the dialog."""

    cycle: int | None = None
    title: str | None = None
    description: str | None = None
    cost: int | None = None
    photo: str | None = None  # a Telegram file id
    latitude: float | None = None
    longitude: float | None = None

    def proposal(self) -> Proposal | None:
        """The finished proposal (None while a step is missing)."""
        if self.title is None or self.description is None or self.cost is None:
            return None
        return Proposal(self.title, self.description, self.cost, self.photo, self.latitude,
                        self.longitude)  # fmt: skip


DRAFTS = Drafts(DIALOG, ProposalDraft)


async def _save(update: Update, context: QatysuContext, **values: object) -> ProposalDraft:
    """Set some of the draft's fields, store it, and return it."""
    return await DRAFTS.keep(update, context, **values)


async def _cycle(update: Update, context: QatysuContext) -> Cycle | None:
    draft = await DRAFTS.load(update, context)
    return await repo.get(context.services.db, draft.cycle or 0)


async def start(update: Update, context: QatysuContext) -> int:
    """Check that the resident may propose in this cycle, then ask for the title."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    cycle = await cycle_of_tap(update, context)
    if cycle is None:
        return END
    tr = context.tr
    if not cycle.accepts_proposals(utcnow()):
        await query.answer(tr.t("budget.proposals_closed"), show_alert=True)
        return END
    if await service.refusal(context.services, cycle, context.person) is not None:
        await refuse_ineligible(update, context, cycle)
        return END
    assert context.person is not None
    left = await service.proposals_left(context.services, cycle, context.person)
    if not left:
        limit = context.services.settings.budget_proposals_per_resident
        await query.answer(tr.nt("budget.proposal_limit", limit), show_alert=True)
        return END
    await query.answer()
    await DRAFTS.save(update, context, ProposalDraft(cycle=cycle.id))
    await send(update, context, tr.nt("budget.propose_intro", left, title=cycle.title))
    return await ask_title(update, context)


async def ask_title(update: Update, context: QatysuContext) -> int:
    """Ask for the project's title."""
    await send(update, context, context.tr.t("budget.ask_title", limit=MAX_TITLE))
    return TITLE


async def _text(update: Update, context: QatysuContext, limit: int) -> str | None:
    """The typed text, or None after saying it is empty or too long."""
    message = update.effective_message
    assert message is not None
    text = (message.text or "").strip()
    if not text or len(text) > limit:
        await message.reply_text(context.tr.t("budget.too_long", limit=context.tr.number(limit)))
        return None
    return text


async def take_title(update: Update, context: QatysuContext) -> int:
    """Keep the title, ask for the description."""
    assert update.effective_user is not None
    text = await _text(update, context, MAX_TITLE)
    if text is None:
        return TITLE
    await _save(update, context, title=text)
    return await ask_description(update, context)


async def ask_description(update: Update, context: QatysuContext) -> int:
    """Ask what the project is and whom it serves."""
    await send(update, context, context.tr.t("budget.ask_description", limit=MAX_DESCRIPTION))
    return DESCRIPTION


async def take_description(update: Update, context: QatysuContext) -> int:
    """Keep the description, ask for the rough cost."""
    assert update.effective_user is not None
    text = await _text(update, context, MAX_DESCRIPTION)
    if text is None:
        return DESCRIPTION
    await _save(update, context, description=text)
    return await ask_cost(update, context)


async def ask_cost(update: Update, context: QatysuContext) -> int:
    """Ask what it might cost."""
    await send(update, context, context.tr.t("budget.ask_cost"))
    return COST


async def take_cost(update: Update, context: QatysuContext) -> int:
    """Keep the cost (within the whole budget), ask for a photo."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    tr = context.tr
    cycle = await _cycle(update, context)
    cost = service.parse_tenge(message.text or "")
    if cycle is None:
        await message.reply_text(tr.t("error.stale_button"))
        return END
    if cost is None:
        await message.reply_text(tr.t("budget.cost_bad"))
        return COST
    if cost > cycle.amount:
        await message.reply_text(tr.t("budget.cost_over", amount=texts.money(tr, cycle.amount)))
        return COST
    await _save(update, context, cost=cost)
    return await ask_photo(update, context)


def _skip(context: QatysuContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[button(context.tr.t("budget.skip"), FEATURE, "skip")]])


async def ask_photo(update: Update, context: QatysuContext) -> int:
    """Ask for a photo of the place, or to skip it."""
    await send(update, context, context.tr.t("budget.ask_photo"), _skip(context))
    return PHOTO


async def take_photo(update: Update, context: QatysuContext) -> int:
    """Keep the photo, ask for the place on the map."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None and message.photo
    if (message.photo[-1].file_size or 0) > MAX_PHOTO_BYTES:
        await message.reply_text(context.tr.t("budget.photo_too_big"))
        return PHOTO
    await _save(update, context, photo=message.photo[-1].file_id)
    return await ask_place(update, context)


async def skip_photo(update: Update, context: QatysuContext) -> int:
    """No photo: ask for the place."""
    await _tapped(update)
    return await ask_place(update, context)


async def _tapped(update: Update) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_reply_markup(None)


async def ask_place(update: Update, context: QatysuContext) -> int:
    """Ask for the place (a map pin), or to skip it."""
    await send(update, context, context.tr.t("budget.ask_place"), _skip(context))
    return PLACE


async def take_place(update: Update, context: QatysuContext) -> int:
    """Keep the map pin, show the summary."""
    message = update.effective_message
    assert message is not None and message.location is not None
    assert update.effective_user is not None
    location = message.location
    await _save(update, context, latitude=location.latitude, longitude=location.longitude)
    return await summary(update, context)


async def skip_place(update: Update, context: QatysuContext) -> int:
    """No map pin: show the summary."""
    await _tapped(update)
    return await summary(update, context)


async def summary(update: Update, context: QatysuContext) -> int:
    """Show the proposal as it will be stored, with Send and Cancel."""
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    cost = texts.money(tr, draft.cost or 0)
    lines = [tr.t("budget.summary_title"), "", draft.title or "", "", draft.description or "",
             "", tr.t("budget.cost", cost=cost)]  # fmt: skip
    if draft.photo:
        lines.append(tr.t("budget.with_photo"))
    if draft.latitude is not None:
        lines.append(tr.t("budget.with_place"))
    markup = InlineKeyboardMarkup(
        [
            [
                button(tr.t("budget.send"), FEATURE, "send"),
                button(tr.t("budget.cancel"), FEATURE, "stop"),
            ]
        ]
    )
    await send(update, context, texts.clip("\n".join(lines), 4000), markup)
    return CONFIRM


async def submit(update: Update, context: QatysuContext) -> int:
    """Store the proposal (everything checked again) and say what comes next."""
    query = update.callback_query
    assert query is not None
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    cycle = await _cycle(update, context)
    person = context.person
    proposal = draft.proposal()
    if cycle is None or person is None or proposal is None:
        await query.answer(tr.t("error.stale_button"), show_alert=True)
        return END
    if await service.refusal(context.services, cycle, person) is not None:
        await refuse_ineligible(update, context, cycle)
        return END
    result, project = await service.propose(context.services, cycle, person, proposal)
    await query.answer()
    await query.edit_message_reply_markup(None)
    await DRAFTS.drop(update, context)
    if result is Proposed.STORED and project is not None:
        text = tr.t(
            "budget.proposed", number=tr.number(project.number), when=tr.datetime(cycle.voting_at)
        )
    elif result is Proposed.LIMIT:
        limit = context.services.settings.budget_proposals_per_resident
        text = tr.nt("budget.proposal_limit", limit)
    elif result in (Proposed.ELSEWHERE, Proposed.UNVERIFIED):
        text = await not_eligible(context, cycle)
    else:
        text = tr.t("budget.proposals_closed")
    markup = InlineKeyboardMarkup([[texts.button(tr.t("budget.page_button"), "page", cycle.id)]])
    await send(update, context, text, markup)
    return END


async def use_buttons(update: Update, context: QatysuContext) -> None:
    """Something this step does not take."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("budget.use_step"))


cancel = cancel_step(DIALOG)


def register(app: QatysuApp) -> None:
    """Register the proposal dialog (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    dialog = Dialog(
        DIALOG,
        entry_points=[tap(texts.FEATURE, start, "prop")],
        states={
            TITLE: [MessageHandler(text, take_title)],
            DESCRIPTION: [MessageHandler(text, take_description)],
            COST: [MessageHandler(text, take_cost)],
            PHOTO: [MessageHandler(filters.PHOTO, take_photo), tap(FEATURE, skip_photo, "skip")],
            PLACE: [MessageHandler(filters.LOCATION, take_place), tap(FEATURE, skip_place, "skip")],
            CONFIRM: [tap(FEATURE, submit, "send"), tap(FEATURE, cancel, "stop")],
        },
        prompts={
            TITLE: ask_title,
            DESCRIPTION: ask_description,
            COST: ask_cost,
            PHOTO: ask_photo,
            PLACE: ask_place,
            CONFIRM: summary,
        },
        draft=DIALOG,
        context_keys=("cycle",),
        cancel=cancel,
        fallbacks=[MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, use_buttons)],
    )
    app.add_handler(dialog)
