"""/newpoll: staff create a poll step by step, see a preview with the recipients, confirm.

A persistent conversation with its draft saved at every step, so a restart continues it.
Villages come from the shared picker (only the staff's own); they and the closing time are
checked again when staff confirm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot import callbacks
from bot.auth import requires
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.i18n import Translator
from bot.polls import service as polls
from bot.polls import texts
from handlers.widgets import steps, versions, village_picker
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
from storage import broadcasts as broadcasts_repo
from storage.db import from_db_time, to_db_time, utcnow
from storage.models import Role, Village
from storage.polls import NewPoll, Poll
from storage.versions import Versions

FEATURE = Feature.NEW_POLL
DIALOG = "newpoll"
QUESTION, OPTIONS, KIND, MAXIMUM, VILLAGES, CLOSING, CHANGE, SHOW, CONFIRM = range(9)
# The other state language's version (stored states: numbered apart from the others).
QUESTION2, OPTIONS2 = range(21, 23)
ELECTORATE = 9  # after the villages (a stored state: numbered after the first nine)
END = ConversationHandler.END
CLOSING_DAYS = (1, 3, 7)


@dataclass(slots=True)
class NewPollDraft(DialogDraft):
    """The poll being created (stored as JSON: the closing time as text)."""

    question: str | None = None
    options: list[str] | None = None
    max_choices: int | None = None
    villages: list[str] | None = None  # the village picker's choice
    closes_at: str | None = None  # storage.db.to_db_time
    may_change: bool | None = None
    results_early: bool | None = None
    other: str | None = None  # the language of the version being added
    versions: dict[str, dict[str, str]] | None = None  # {"ru": {"question": ..., "options": ...}}
    verified_only: bool | None = None  # who may vote: the verified residents only
    editing: str | None = None  # the field the preview's ✏️ asks again (EDITED_BY)

    def poll(self, created_by: int, villages: tuple[str, ...] | None = None) -> NewPoll:
        """The poll of a finished draft (``villages`` replace the draft's when given)."""
        if self.question is None or self.closes_at is None:
            raise ValueError("the poll's draft is not complete")
        return NewPoll(
            question=self.question,
            options=tuple(self.options or ()),
            max_choices=self.max_choices or 1,
            may_change=bool(self.may_change),
            results_early=bool(self.results_early),
            closes_at=from_db_time(self.closes_at),
            village_codes=villages if villages is not None else tuple(self.villages or ()),
            created_by=created_by,
            versions=Versions.of(self.versions),
            verified_only=bool(self.verified_only),
        )

    def with_version(self, field: str, text: str) -> None:
        """Keep ``field`` of the version being added (the options one per line)."""
        assert self.other is not None
        self.versions = Versions.of(self.versions).with_field(self.other, field, text).to_dict()


DRAFTS = Drafts(DIALOG, NewPollDraft)


async def _save(update: Update, context: QatysuContext, **values: object) -> NewPollDraft:
    """Set some of the draft's fields, store it, and return it."""
    return await DRAFTS.keep(update, context, **values)


async def _ask(
    update: Update,
    context: QatysuContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    filled: bool = False,
    now: str | None = None,
    back: bool = True,
) -> None:
    """A step's question: its value so far ("Now: …"), its buttons, Keep as is, Back."""
    tr = context.tr
    shown = with_nav(tr, FEATURE, markup, back=back, keep=filled or bool(now))
    await context.bot.send_message(chat_id(update), text + current(tr, now), reply_markup=shown)


@requires(Role.STAFF)
async def start(update: Update, context: QatysuContext) -> int:
    """Ask for the question (/newpoll or the menu)."""
    await answer_tap(update)
    await DRAFTS.save(update, context, NewPollDraft())
    return await ask_question(update, context)


async def ask_question(update: Update, context: QatysuContext) -> int:
    """Ask for the question."""
    draft = await DRAFTS.load(update, context)
    back = draft.editing is not None  # the first step: Back only to the preview
    await _ask(update, context, context.tr.t("poll.ask_question"), now=draft.question, back=back)
    return QUESTION


async def take_question(update: Update, context: QatysuContext) -> int:
    """Keep the question, ask for the options."""
    message = message_of(update)
    tr = context.tr
    text = (message.text or "").strip()
    problem = polls.question_problem(text)
    if problem is not None:
        key, values = problem
        await message.reply_text(tr.t(key, **{k: tr.number(v) for k, v in values.items()}))
        return QUESTION
    await _save(update, context, question=text)
    return await after(update, context, QUESTION)


async def ask_options(update: Update, context: QatysuContext) -> int:
    """Ask for the options, one per line."""
    now = "\n".join((await DRAFTS.load(update, context)).options or ())
    await _ask(update, context, context.tr.t("poll.ask_options"), now=now)
    return OPTIONS


async def take_options(update: Update, context: QatysuContext) -> int:
    """Keep the options (one per line), ask how many a resident may choose."""
    message = message_of(update)
    tr = context.tr
    options, problem = polls.parse_options(message.text or "")
    if problem is not None:
        key, values = problem
        shown = {k: tr.number(v) if isinstance(v, int) else v for k, v in values.items()}
        await message.reply_text(tr.t(key, **shown))
        return OPTIONS
    draft = await DRAFTS.load(update, context)
    if draft.editing is not None:
        return await _options_edited(update, context, draft, options)
    draft = await _save(update, context, options=list(options), versions=None)
    other = versions.other_language(context, draft.question or "", *options)
    await _save(update, context, other=other)
    await versions.offer(update, context, FEATURE, other)  # going on skips it
    return await ask_kind(update, context)


async def _options_edited(
    update: Update, context: QatysuContext, draft: NewPollDraft, options: Sequence[str]
) -> int:
    """New options from the preview's ✏️: the other version's stay when as many, and the
    maximum of choices stays within them."""
    if len(options) != len(draft.options or ()):
        draft.versions = Versions.of(draft.versions).without("options").to_dict() or None
    draft.options = list(options)
    if draft.max_choices and draft.max_choices > 1:
        draft.max_choices = max(2, min(draft.max_choices, len(options)))
    await DRAFTS.save(update, context, draft)
    return await after(update, context, OPTIONS)


async def add_version(update: Update, context: QatysuContext) -> int:
    """✍️ Add: the question and the options again in the other language, then the kind."""
    await versions.added(update)
    return await ask_question2(update, context)


async def ask_question2(update: Update, context: QatysuContext) -> int:
    """Ask for the question in the other language."""
    draft = await DRAFTS.load(update, context)
    markup = with_nav(context.tr, FEATURE)
    await versions.ask(
        update, context, "question", draft.other or "ru", draft.question or "", markup
    )
    return QUESTION2


async def take_question2(update: Update, context: QatysuContext) -> int:
    """Keep the question's other version; ask for the options'."""
    message = message_of(update)
    tr = context.tr
    text = (message.text or "").strip()
    problem = polls.question_problem(text)
    if problem is not None:
        key, values = problem
        await message.reply_text(tr.t(key, **{k: tr.number(v) for k, v in values.items()}))
        return QUESTION2
    draft = await DRAFTS.load(update, context)
    draft.with_version("question", text)
    await DRAFTS.save(update, context, draft)
    return await ask_options2(update, context)


async def ask_options2(update: Update, context: QatysuContext) -> int:
    """Ask for the options in the other language, as many and in the same order."""
    draft = await DRAFTS.load(update, context)
    shown = "\n".join(draft.options or ())
    markup = with_nav(context.tr, FEATURE)
    await versions.ask(update, context, "options", draft.other or "ru", shown, markup)
    return OPTIONS2


async def take_options2(update: Update, context: QatysuContext) -> int:
    """Keep the options' other version (as many as the first); ask how many to choose."""
    message = message_of(update)
    tr = context.tr
    options, problem = polls.parse_options(message.text or "")
    draft = await DRAFTS.load(update, context)
    count = len(draft.options or ())
    if problem is None and len(options) != count:
        problem = ("versions.options_count", {"count": count})
    if problem is not None:
        key, values = problem
        shown = {k: tr.number(v) if isinstance(v, int) else v for k, v in values.items()}
        await message.reply_text(tr.t(key, **shown))
        return OPTIONS2
    draft.with_version("options", "\n".join(options))
    await DRAFTS.save(update, context, draft)
    return await ask_kind(update, context)


async def ask_kind(update: Update, context: QatysuContext) -> int:
    """Ask whether a resident chooses one option or several."""
    tr = context.tr
    markup = InlineKeyboardMarkup(
        [[button(tr.t("poll.kind_single"), FEATURE, "kind", 1)],
         [button(tr.t("poll.kind_multiple"), FEATURE, "kind", 0)]]
    )  # fmt: skip
    filled = (await DRAFTS.load(update, context)).max_choices is not None
    await _ask(update, context, tr.t("poll.ask_kind"), markup, filled=filled)
    return KIND


async def _tap(update: Update) -> tuple[str, ...]:
    query = query_of(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    return callbacks.parse(query.data).args


async def take_kind(update: Update, context: QatysuContext) -> int:
    """Single choice goes on to the villages; multiple asks for the maximum."""
    (single,) = await _tap(update)
    if single == "1":
        await _save(update, context, max_choices=1)
        return await after(update, context, KIND)
    return await ask_maximum(update, context)


async def ask_maximum(update: Update, context: QatysuContext) -> int:
    """Ask how many options a resident may choose at most."""
    draft = await DRAFTS.load(update, context)
    count = len(draft.options or ())
    buttons = [button(str(n), FEATURE, "max", n) for n in range(2, count + 1)]
    rows = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    now = str(draft.max_choices) if draft.max_choices and draft.max_choices > 1 else None
    await _ask(update, context, context.tr.t("poll.ask_max"), InlineKeyboardMarkup(rows), now=now)
    return MAXIMUM


async def take_maximum(update: Update, context: QatysuContext) -> int:
    """Keep the maximum number of choices, show the village picker."""
    (maximum,) = await _tap(update)
    draft = await DRAFTS.load(update, context)
    draft.max_choices = max(2, min(int(maximum), len(draft.options or ())))
    await DRAFTS.save(update, context, draft)
    return await after(update, context, MAXIMUM)


async def ask_villages(update: Update, context: QatysuContext) -> int:
    """Show the village picker with the draft's choice."""
    await village_picker.show(update, context, FEATURE, DIALOG)
    return VILLAGES


async def take_villages(update: Update, context: QatysuContext, villages: list[Village]) -> int:
    """The villages are chosen: ask when voting closes."""
    await _save(update, context, villages=[v.code for v in villages])
    return await after(update, context, VILLAGES)


async def ask_electorate(update: Update, context: QatysuContext) -> int:
    """Ask who may vote: the residents of the villages, or their verified residents only."""
    tr = context.tr
    markup = InlineKeyboardMarkup(
        [
            [button(tr.t("poll.electorate_all_button"), FEATURE, "who", 0)],
            [button(tr.t("poll.electorate_verified_button"), FEATURE, "who", 1)],
        ]
    )
    filled = (await DRAFTS.load(update, context)).verified_only is not None
    await _ask(update, context, tr.t("poll.ask_electorate"), markup, filled=filled)
    return ELECTORATE


async def take_electorate(update: Update, context: QatysuContext) -> int:
    """Keep who may vote; ask when voting closes."""
    (verified_only,) = await _tap(update)
    await _save(update, context, verified_only=verified_only == "1")
    return await after(update, context, ELECTORATE)


async def ask_closing(update: Update, context: QatysuContext) -> int:
    """Ask when voting closes: common choices as buttons, or a typed date and time."""
    tr = context.tr
    zone = context.services.settings.zone
    now = utcnow()
    rows = [
        [button(tr.short_datetime(polls.closing_in(days, zone, now)), FEATURE, "in", days)]
        for days in CLOSING_DAYS
    ]
    example = polls.closing_in(3, zone, now).strftime("%d.%m.%Y %H:%M")
    closes_at = (await DRAFTS.load(update, context)).closes_at
    chosen = tr.datetime(from_db_time(closes_at)) if closes_at else None
    text = tr.t("poll.ask_closing", example=example)
    await _ask(update, context, text, InlineKeyboardMarkup(rows), now=chosen)
    return CLOSING


async def _closing_chosen(update: Update, context: QatysuContext, moment: datetime) -> int:
    await _save(update, context, closes_at=to_db_time(moment))
    return await after(update, context, CLOSING)


async def ask_change(update: Update, context: QatysuContext) -> int:
    """Ask whether a resident may change their vote."""
    tr = context.tr
    markup = InlineKeyboardMarkup(
        [
            [button(tr.t("poll.change_yes"), FEATURE, "chg", 1)],
            [button(tr.t("poll.change_no"), FEATURE, "chg", 0)],
        ]
    )
    filled = (await DRAFTS.load(update, context)).may_change is not None
    await _ask(update, context, tr.t("poll.ask_change"), markup, filled=filled)
    return CHANGE


async def closing_button(update: Update, context: QatysuContext) -> int:
    """A closing time from the buttons (N days from today at 20:00)."""
    (days,) = await _tap(update)
    zone = context.services.settings.zone
    return await _closing_chosen(update, context, polls.closing_in(int(days), zone, utcnow()))


async def closing_typed(update: Update, context: QatysuContext) -> int:
    """A closing time typed as DD.MM.YYYY HH:MM (in the future)."""
    message = message_of(update)
    zone = context.services.settings.zone
    now = utcnow()
    moment = polls.parse_closing(message.text or "", zone, now)
    if moment is None:
        example = polls.closing_in(3, zone, now).strftime("%d.%m.%Y %H:%M")
        await message.reply_text(context.tr.t("poll.closing_bad", example=example))
        return CLOSING
    return await _closing_chosen(update, context, moment)


async def take_change(update: Update, context: QatysuContext) -> int:
    """Keep whether a vote may change; ask when results are shown."""
    (may_change,) = await _tap(update)
    await _save(update, context, may_change=may_change == "1")
    return await after(update, context, CHANGE)


async def ask_show(update: Update, context: QatysuContext) -> int:
    """Ask when residents see the results."""
    tr = context.tr
    markup = InlineKeyboardMarkup(
        [
            [button(tr.t("poll.show_early"), FEATURE, "show", 1)],
            [button(tr.t("poll.show_late"), FEATURE, "show", 0)],
        ]
    )
    filled = (await DRAFTS.load(update, context)).results_early is not None
    await _ask(update, context, tr.t("poll.ask_show"), markup, filled=filled)
    return SHOW


def summary(tr: Translator, new: NewPoll, recipients: int, names: str) -> str:
    """What staff confirm: the recipients, villages and rules of the poll."""
    kind = (
        tr.t("poll.summary_single")
        if new.max_choices == 1
        else tr.nt("poll.summary_multiple", new.max_choices)
    )
    text = tr.t(
        "poll.summary",
        recipients=tr.nt("broadcast.recipients", recipients),
        villages=names,
        kind=kind,
        when=tr.datetime(new.closes_at),
        change=tr.t("poll.summary_change_yes" if new.may_change else "poll.summary_change_no"),
        show=tr.t("poll.summary_early" if new.results_early else "poll.summary_late"),
    )
    who = "poll.electorate_verified" if new.verified_only else "poll.electorate_residents"
    return f"{text}\n{tr.t(who)}"


async def take_show(update: Update, context: QatysuContext) -> int:
    """Keep when results are shown; preview the poll with the number of recipients."""
    (early,) = await _tap(update)
    await _save(update, context, results_early=early == "1")
    return await after(update, context, SHOW)


async def preview(update: Update, context: QatysuContext) -> int:
    """Show the poll as residents will see it, and its rules and recipients to confirm."""
    tr = context.tr
    author, chat = user_id(update), chat_id(update)
    new = (await _save(update, context, editing=None)).poll(author)
    shown = Poll(
        id=0, question=new.question, options=new.options, max_choices=new.max_choices,
        may_change=new.may_change, results_early=new.results_early, closes_at=new.closes_at,
        status="open", created_by=author, created_at=utcnow(), closed_at=None,
        village_codes=new.village_codes, reminded=False, verified_only=new.verified_only,
        versions=new.versions,
    )  # fmt: skip
    await context.bot.send_message(chat, texts.announcement(tr, shown))
    for language in new.versions.languages:  # the other version, as its readers will see it
        heading = tr.t(f"versions.preview.{language}")
        other = texts.announcement(context.services.i18n.get(language), shown)
        await context.bot.send_message(chat, f"{heading}\n\n{other}")
    villages = await village_picker.in_scope(update, context)
    names = ", ".join(v.names.get(tr.language) for v in villages if v.code in new.village_codes)
    count = await broadcasts_repo.count_audience(context.services.db, new.village_codes)
    markup = InlineKeyboardMarkup(
        [
            [
                button(tr.t("poll.publish"), FEATURE, "go"),
                button(tr.t("poll.cancel"), FEATURE, "cancel"),
            ],
            *steps.edit_rows(tr, FEATURE, tuple(EDITS)),
            *steps.nav_rows(tr, FEATURE),
        ]
    )
    await context.bot.send_message(chat, summary(tr, new, count, names), reply_markup=markup)
    return CONFIRM


async def publish(update: Update, context: QatysuContext) -> int:
    """Create and announce the poll (villages and closing time checked again)."""
    query = query_of(update)
    tr = context.tr
    draft = await DRAFTS.load(update, context)
    allowed = {v.code for v in await village_picker.in_scope(update, context)}
    codes = tuple(code for code in draft.villages or () if code in allowed)
    if not codes:
        await query.answer(tr.t("auth.out_of_scope"), show_alert=True)
        return END
    new = draft.poll(user_id(update), codes)
    await query.answer()
    await query.edit_message_reply_markup(None)
    if new.closes_at <= utcnow():
        await context.bot.send_message(chat_id(update), tr.t("poll.closing_passed"))
        return await ask_closing(update, context)
    await polls.create(context.services, new, (chat_id(update), tr))
    await DRAFTS.drop(update, context)
    return END


cancel = cancel_step(DIALOG)

# What follows each step; which steps finish the field a ✏️ of the preview asks again.
NEXT: dict[int, Callback] = {
    QUESTION: ask_options, OPTIONS: ask_kind, KIND: ask_villages, MAXIMUM: ask_villages,
    VILLAGES: ask_electorate, ELECTORATE: ask_closing, CLOSING: ask_change, CHANGE: ask_show,
    SHOW: preview,
}  # fmt: skip
EDITS: dict[str, Callback] = {
    "question": ask_question, "options": ask_options, "kind": ask_kind,
    "villages": ask_villages, "who": ask_electorate, "closing": ask_closing,
    "change": ask_change, "show": ask_show,
}  # fmt: skip
EDITED_BY = {
    "question": {QUESTION}, "options": {OPTIONS}, "kind": {KIND, MAXIMUM}, "villages": {VILLAGES},
    "who": {ELECTORATE}, "closing": {CLOSING}, "change": {CHANGE}, "show": {SHOW},
}  # fmt: skip


async def after(update: Update, context: QatysuContext, state: int) -> int:
    """The step after ``state``; the preview once the field being edited is done."""
    draft = await DRAFTS.load(update, context)
    if draft.editing is not None and state in EDITED_BY.get(draft.editing, set()):
        return await preview(update, context)
    return int(await NEXT[state](update, context))


def keep(state: int) -> Callback:
    """⏭ Keep as is at ``state``: on to what follows it."""

    async def kept(update: Update, context: QatysuContext) -> int:
        return await after(update, context, state)

    return kept


def back_to(prompt: Callback) -> Callback:
    """« Back (tapped or typed): ``prompt``, the step before; the preview while editing."""
    return steps.back_or_preview(DRAFTS, preview, prompt)


edit = steps.edit_field(DRAFTS, EDITS, CONFIRM)  # ✏️ at the preview


async def first_back(update: Update, context: QatysuContext) -> int:
    """«артқа» at the question, the first step: the preview while editing, else leave."""
    if (await DRAFTS.load(update, context)).editing is not None:
        return await preview(update, context)
    return int(await cancel(update, context))


async def use_buttons(update: Update, context: QatysuContext) -> None:
    """Remind staff to tap a button at this step."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.tr.t("poll.use_buttons"))


def register(app: QatysuApp) -> None:
    """Register the /newpoll conversation (persistent: it survives a restart)."""
    text = filters.TEXT & ~filters.COMMAND
    dialog = Dialog(
        "newpoll",
        entry_points=[CommandHandler("newpoll", start), menu_entry(start, "newpoll")],
        states={
            QUESTION: [
                *steps.nav(FEATURE, back=first_back, keep=keep(QUESTION)),
                MessageHandler(text, take_question),
            ],
            OPTIONS: [
                *steps.nav(FEATURE, back=back_to(ask_question), keep=keep(OPTIONS)),
                MessageHandler(text, take_options),
            ],
            KIND: [
                *steps.nav(FEATURE, back=back_to(ask_options), keep=keep(KIND)),
                tap(FEATURE, take_kind, "kind"),
                versions.step(FEATURE, add_version),
            ],
            QUESTION2: [
                *steps.nav(FEATURE, back=ask_options),
                MessageHandler(text, take_question2),
            ],
            OPTIONS2: [
                *steps.nav(FEATURE, back=ask_question2),
                MessageHandler(text, take_options2),
            ],
            MAXIMUM: [
                *steps.nav(FEATURE, back=back_to(ask_kind), keep=keep(MAXIMUM)),
                tap(FEATURE, take_maximum, "max"),
            ],
            VILLAGES: [
                *steps.nav(FEATURE, back=back_to(ask_kind)),
                *village_picker.handlers(FEATURE, DIALOG, take_villages),
            ],
            ELECTORATE: [
                *steps.nav(FEATURE, back=back_to(ask_villages), keep=keep(ELECTORATE)),
                tap(FEATURE, take_electorate, "who"),
            ],
            CLOSING: [
                *steps.nav(FEATURE, back=back_to(ask_electorate), keep=keep(CLOSING)),
                tap(FEATURE, closing_button, "in"),
                MessageHandler(text, closing_typed),
            ],
            CHANGE: [
                *steps.nav(FEATURE, back=back_to(ask_closing), keep=keep(CHANGE)),
                tap(FEATURE, take_change, "chg"),
            ],
            SHOW: [
                *steps.nav(FEATURE, back=back_to(ask_change), keep=keep(SHOW)),
                tap(FEATURE, take_show, "show"),
            ],
            CONFIRM: [
                tap(FEATURE, publish, "go"),
                tap(FEATURE, cancel, "cancel"),
                tap(FEATURE, edit, steps.EDIT),
                *steps.nav(FEATURE, back=ask_show),
            ],
        },
        prompts={
            QUESTION: ask_question,
            OPTIONS: ask_options,
            KIND: ask_kind,
            QUESTION2: ask_question2,
            OPTIONS2: ask_options2,
            MAXIMUM: ask_maximum,
            VILLAGES: ask_villages,
            ELECTORATE: ask_electorate,
            CLOSING: ask_closing,
            CHANGE: ask_change,
            SHOW: ask_show,
            CONFIRM: preview,
        },
        draft=DIALOG,
        context_keys=("editing",),
        cancel=cancel,
        fallbacks=[MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, use_buttons)],
    )
    app.add_handler(dialog)
