"""Whatever a resident types or says outside any dialog is understood, or kept.

Typed words do what they say: help, «артқа» (the menu), a language's name, «иә» / «жоқ» or a
number to the question just asked (:mod:`handlers.widgets.asked`), «шағым» / «ұсыныс», an
option's number (a vote in the newest open poll, confirmed first), «иә» or «қатысамын» (I will
come to the next hearing). Words that carry meaning, and voice notes, are kept as a draft and
the resident is asked "Send this as a complaint or a suggestion?" (✅ / ✖): nothing is lost,
across a restart too. Someone without a village is taken to choose one: the name they typed
is looked for first, and what they wrote is kept for after.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot import callbacks, typed
from bot.appeals import service as appeals_service
from bot.appeals import texts as appeal_texts
from bot.appeals.service import TEXT_MAX
from bot.auth import load_access
from bot.callbacks import Feature
from bot.commands import refresh_person_commands
from bot.context import QatysuApp, QatysuContext
from bot.hearings import render as hearing_render
from bot.hearings import service as hearing_service
from bot.i18n import button_label
from bot.polls import service as polls
from bot.polls import texts as poll_texts
from handlers import fallbacks, menu, onboarding, privacy, village
from handlers.appeals import intake
from handlers.polls import vote as poll_vote
from handlers.widgets import asked
from handlers.widgets.dialogs import Callback, dialog_named, message_of, user_id
from handlers.widgets.keyboards import button
from storage import appeals as appeals_repo
from storage import drafts, hearings, people, territory
from storage import polls as polls_repo
from storage.appeals import Kind
from storage.db import utcnow
from storage.polls import Poll, bit_set

W = typed.Word
OPEN_POLLS = 10


async def route(update: Update, context: QatysuContext) -> None:
    """Understand a message sent outside any dialog, or keep it."""
    message = message_of(update)
    if message.voice is not None:
        await _keep(update, context, voice=message.voice.file_id)
        return
    text = message.text or ""
    word = typed.word(text)
    language = typed.language(text)
    if word is W.HELP:
        await menu.show_help(update, context)
    elif word is W.BACK:
        await menu.show_menu(update, context)
    elif language is not None:
        await _set_language(update, context, language)
    elif context.person is None or context.person.village_code is None:
        await _without_village(update, context, text)
    elif not await _answer_asked(update, context, text, word):
        await _understand(update, context, text, word)


async def _understand(
    update: Update, context: QatysuContext, text: str, word: typed.Word | None
) -> None:
    """What a resident with a village meant, no question waiting."""
    choices = typed.numbers(text, polls_repo.MAX_OPTIONS)
    if word in (W.COMPLAINT, W.SUGGESTION):
        step = intake.start_complaint if word is W.COMPLAINT else intake.start_suggestion
        await dialog_named(_app(context), intake.DIALOG).open_with(update, context, step)
        return
    if choices is not None:
        await _propose_vote(update, context, choices)
        return
    if word in (W.YES, W.NO) and await _settle(update, context, word is W.YES):
        return  # «иә» / «жоқ» to "Was it really solved?"
    if word in (W.YES, W.COME):
        await _coming(update, context)
    elif len(text) > TEXT_MAX:
        await message_of(update).reply_text(
            context.tr.t("complaint.text_long", max=TEXT_MAX, length=len(text))
        )
    elif typed.meaningful(text):
        await _keep(update, context, text=text)
    else:
        await fallbacks.unknown_message(update, context)


async def _keep(
    update: Update, context: QatysuContext, *, text: str | None = None, voice: str | None = None
) -> None:
    """Keep the words or voice note; ask what they are (after the village, when none yet)."""
    person = context.person
    if person is None or person.village_code is None:
        if (await load_access(context, user_id(update))).roles:
            await fallbacks.unknown_message(update, context)  # staff: no village to choose
            return
        db, user = context.services.db, user_id(update)
        loose = await drafts.load(db, user, intake.LOOSE)
        if text:
            loose["text"] = text.strip()[:TEXT_MAX]
        if voice:
            loose["voice"] = voice
        await drafts.save(db, user, intake.LOOSE, loose)
        await message_of(update).reply_text(context.tr.t("loose.village_first"))
        await _open_onboarding(update, context, onboarding.ask_region)
        return
    await intake.keep(update, context, text=text, voice=voice)


async def _without_village(update: Update, context: QatysuContext, text: str) -> None:
    """No village yet: a typed village name is looked for; words are kept for after. Staff
    and coordinators with no village of their own are not taken to choose one."""
    if (await load_access(context, user_id(update))).roles:
        await fallbacks.unknown_message(update, context)
        return
    if typed.meaningful(text) and not await onboarding.villages_named(context, text):
        await _keep(update, context, text=text)
        return
    await _open_onboarding(update, context, onboarding.typed_place)


async def _open_onboarding(update: Update, context: QatysuContext, step: Callback) -> None:
    await dialog_named(_app(context), onboarding.DIALOG).open_with(update, context, step)


async def _set_language(update: Update, context: QatysuContext, language: str) -> None:
    """A language's name typed outside a dialog: switch to it."""
    services = context.services
    await people.set_language(services.db, user_id(update), language)
    context.tr = services.i18n.get(language)
    await refresh_person_commands(context, user_id(update))
    await menu.send_home(update, context, context.tr.t("language.set"))


# --- answers to the question just asked ----------------------------------------------------


async def _answer_asked(
    update: Update, context: QatysuContext, text: str, word: typed.Word | None
) -> bool:
    """Answer the question waiting for one, if ``text`` answers it; whether it did."""
    question = await asked.current(context, user_id(update))
    if question is None:
        return False
    kind = question.get("ask")
    if kind == "kept" and word in (W.YES, W.COMPLAINT, W.SUGGESTION):
        await asked.forget(context, user_id(update))
        chosen = Kind.SUGGESTION if word is W.SUGGESTION else Kind.COMPLAINT

        async def step(update: Update, context: QatysuContext) -> int:
            return await intake.open_loose(update, context, chosen)

        await dialog_named(_app(context), intake.DIALOG).open_with(update, context, step)
        return True
    if kind == "kept" and word is W.NO:
        await intake.drop_kept(update, context)
        return True
    if kind == "vote" and word in (W.YES, W.NO):
        await asked.forget(context, user_id(update))
        if word is W.YES:
            await _vote(update, context, int(question["poll"]), int(question["choices"]))
        else:
            await message_of(update).reply_text(context.tr.t("cancel.done"))
        return True
    if kind == "delete" and word in (W.YES, W.NO):
        await privacy.typed_answer(update, context, word is W.YES)
        return True
    if kind == "move" and word in (W.YES, W.NO):
        await asked.forget(context, user_id(update))
        await _move(update, context, str(question["village"]), word is W.YES)
        return True
    if kind == "come":
        offered = [int(h) for h in question.get("hearings", [])]
        picked = typed.numbers(text, len(offered))
        if picked is not None and len(picked) == 1:
            await asked.forget(context, user_id(update))
            await _come(update, context, offered[picked[0] - 1])
            return True
    return False


async def _move(update: Update, context: QatysuContext, code: str, yes: bool) -> None:
    """«иә» or «жоқ» to "Move to this village?"."""
    db = context.services.db
    target = await territory.get_village(db, code)
    if yes and target is not None:
        await village.bind(update, context, target)
        return
    person = context.person
    code_now = person.village_code if person is not None else None
    current = await territory.get_village(db, code_now) if code_now else None
    name = current.names.get(context.tr.language) if current else "—"
    await message_of(update).reply_text(context.tr.t("village.stays", village=name))


async def _settle(update: Update, context: QatysuContext, solved: bool) -> bool:
    """Answer "Was it really solved?" of the newest item still asking it; whether one was."""
    person = context.person
    assert person is not None
    waiting = await appeals_repo.awaiting_confirmation(context.services.db, person.id)
    if waiting is None:
        return False
    changed = await appeals_service.settle(
        context.services, context.bot, waiting.id, person, solved
    )
    if changed is not None:
        key = "my.thanks_solved" if solved else "my.reopened"
        await message_of(update).reply_text(context.tr.t(key, number=appeal_texts.number(changed)))
    return changed is not None


# --- a vote by its option's number ---------------------------------------------------------


async def _newest_open_poll(context: QatysuContext) -> Poll | None:
    """The newest open poll of the resident's village they have not voted in."""
    person = context.person
    assert person is not None and person.village_code is not None
    db = context.services.db
    found = await polls_repo.of_village(db, person.village_code, "open", OPEN_POLLS)
    voted = await polls_repo.votes_of(db, person.id, [p.id for p in found])
    waiting = [p for p in found if p.id not in voted and p.accepts_votes(utcnow())]
    return max(waiting, key=lambda p: p.created_at) if waiting else None


async def _propose_vote(update: Update, context: QatysuContext, numbers: list[int]) -> None:
    """«2»: the choice in the newest open poll, shown to be confirmed (✅ / ✖, or typed)."""
    tr = context.tr
    message = message_of(update)
    poll = await _newest_open_poll(context)
    if poll is None:
        await message.reply_text(tr.t("poll.typed_none"))
        return
    shown = poll.read_in(tr.language)
    if any(n > len(poll.options) for n in numbers):
        await message.reply_text(tr.t("poll.typed_no_option", count=len(poll.options)))
        return
    if len(numbers) > poll.max_choices:
        await message.reply_text(tr.nt("poll.too_many", poll.max_choices))
        return
    choices = bit_set(n - 1 for n in numbers)
    await asked.ask(context, user_id(update), "vote", poll=poll.id, choices=choices)
    markup = InlineKeyboardMarkup(
        [
            [
                button(tr.t("poll.typed_vote"), poll_texts.FEATURE, "v", poll.id, choices),
                button(tr.t("loose.button_no"), Feature.MENU, "drop"),
            ]
        ]
    )
    await message.reply_text(
        tr.t(
            "poll.typed_confirm",
            question=shown.question,
            choice=poll_texts.choice_names(shown, choices),
        ),
        reply_markup=markup,
    )


async def _vote(update: Update, context: QatysuContext, poll_id: int, choices: int) -> None:
    """Cast the confirmed vote; show it, or why it was refused."""
    assert context.person is not None
    tr = context.tr
    cast = await polls.vote(context.services, context.person, poll_id, choices)
    if cast.poll is None or not cast.counted:
        await message_of(update).reply_text(await poll_vote.refusal(context, cast, choices))
        return
    markup = poll_texts.keyboard(tr, cast.poll, cast.choices) if cast.poll.may_change else None
    text = poll_texts.with_vote(tr, cast.poll, cast.choices, cast.results)
    await message_of(update).reply_text(text, reply_markup=markup)


# --- «I will come» to a hearing ------------------------------------------------------------


async def _coming(update: Update, context: QatysuContext) -> None:
    """«иә» / «қатысамын»: to the one upcoming hearing of the village not yet answered; which,
    when there are several."""
    person = context.person
    assert person is not None and person.village_code is not None
    tr = context.tr
    db = context.services.db
    upcoming = await hearings.upcoming_in(db, person.village_code, utcnow())
    waiting = [h for h in upcoming if not await hearings.is_coming(db, h.id, person.id)]
    if not waiting:
        await fallbacks.unknown_message(update, context)
        return
    if len(waiting) == 1:
        await _come(update, context, waiting[0].id)
        return
    await asked.ask(context, user_id(update), "come", hearings=[h.id for h in waiting])
    labels = [
        button_label(f"{n}. {tr.short_datetime(h.starts_at)} · {h.read_in(tr.language).topic}")
        for n, h in enumerate(waiting, 1)
    ]
    rows = [
        [button(label, hearing_service.FEATURE, "go", h.id)]
        for label, h in zip(labels, waiting, strict=True)
    ]
    await message_of(update).reply_text(
        tr.t("hearing.typed_which"), reply_markup=InlineKeyboardMarkup(rows)
    )


async def _come(update: Update, context: QatysuContext, hearing_id: int) -> None:
    """Say "I will come" to a hearing of the resident's village (never takes it back)."""
    person = context.person
    assert person is not None
    tr = context.tr
    db = context.services.db
    hearing = await hearings.get(db, hearing_id)
    if hearing is None or hearing.status != "scheduled" or hearing.starts_at <= utcnow():
        await message_of(update).reply_text(tr.t("hearing.gone"))
        return
    if person.village_code not in hearing.village_codes:
        await message_of(update).reply_text(tr.t("error.stale_button"))
        return
    count = await hearings.rsvp_count(db, hearing.id)
    if not await hearings.is_coming(db, hearing.id, person.id):
        _, count = await hearing_service.toggle_coming(context.services, hearing, person.id)
    shown = hearing.read_in(tr.language)
    await message_of(update).reply_text(
        tr.t(
            "hearing.typed_coming",
            topic=shown.topic,
            when=tr.datetime(hearing.starts_at),
            place=shown.place,
            coming=tr.nt("hearing.coming_count", count),
        ),
        reply_markup=hearing_render.buttons(tr, hearing, context.bot.username, coming=True),
    )


async def drop_question(update: Update, context: QatysuContext) -> None:
    """✖ under a question asked outside a dialog (a vote typed by number)."""
    query = update.callback_query
    assert query is not None
    await asked.forget(context, user_id(update))
    await query.answer()
    await query.edit_message_text(context.tr.t("cancel.done"))


def _app(context: QatysuContext) -> QatysuApp:
    return context.application  # type: ignore[return-value]


def register(app: QatysuApp) -> None:
    """Register the reader of what is sent outside any dialog (after every feature)."""
    app.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & (filters.VOICE | filters.TEXT & ~filters.COMMAND), route
        )
    )
    app.add_handler(
        CallbackQueryHandler(drop_question, pattern=callbacks.matches(Feature.MENU, "drop"))
    )
