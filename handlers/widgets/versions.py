"""The other state language's version of what staff type: offered once, skippable.

After the first version of a hearing, a poll, a notice or an outcome, staff are asked "Add the
Russian version?" (or the Kazakh one: the other of the language they wrote in, as
:func:`bot.typed.written_in` reads it), just above the dialog's next step: ✍️ Add asks for each
text again in that language, showing the first, then shows that step again; going on skips
it. Residents then get their language's version, else the first
(:class:`storage.versions.Versions`). An answer to an item, whose one reader's language is
known, is asked about only when it seems written in the other language (the button ``ver:add``
and, there, ``ver:skip``).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot import callbacks, typed
from bot.context import QatysuContext
from handlers.widgets.dialogs import Callback as StepCallback
from handlers.widgets.dialogs import Step, chat_id, query_of, tap
from handlers.widgets.keyboards import button

ACTION = "ver"
ORIGINAL_SHOWN = 600  # characters of the first version shown above the request


def other_language(context: QatysuContext, *texts: str) -> str:
    """The state language staff did not write ``texts`` in."""
    written = typed.written_in(" ".join(texts), context.tr.language)
    return typed.other_state_language(written)


def add_button(context: QatysuContext, feature: str, other: str) -> InlineKeyboardMarkup:
    """✍️ Add the Russian version."""
    label = context.tr.t(f"versions.add.{other}")
    return InlineKeyboardMarkup([[button(label, feature, ACTION, "add")]])


async def offer(update: Update, context: QatysuContext, feature: str, other: str) -> None:
    """Offer to add the ``other`` language's version (the dialog's next step follows)."""
    await context.bot.send_message(
        chat_id(update),
        context.tr.t(f"versions.offer.{other}"),
        reply_markup=add_button(context, feature, other),
    )


async def added(update: Update) -> bool:
    """The tap on an offer (answered, its buttons taken away): add, or go on without."""
    query = query_of(update)
    await query.answer()
    await query.edit_message_reply_markup(None)
    return callbacks.parse(query.data).args[:1] == ("add",)


def add_or_send(context: QatysuContext, feature: str, other: str) -> InlineKeyboardMarkup:
    """✍️ Add the Russian version · Send as it is (an answer to one resident)."""
    tr = context.tr
    return InlineKeyboardMarkup(
        [
            [button(tr.t(f"versions.add.{other}"), feature, ACTION, "add")],
            [button(tr.t("versions.as_is"), feature, ACTION, "skip")],
        ]
    )


async def ask(
    update: Update,
    context: QatysuContext,
    field: str,
    other: str,
    original: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Ask for ``field`` in the ``other`` language, showing the first version (``markup``: a
    wizard's Back)."""
    tr = context.tr
    shown = original if len(original) <= ORIGINAL_SHOWN else original[: ORIGINAL_SHOWN - 1] + "…"
    await context.bot.send_message(
        chat_id(update),
        tr.t(f"versions.ask.{other}", field=tr.t(f"versions.field.{field}"), original=shown),
        reply_markup=markup,
    )


def step(feature: str, callback: StepCallback) -> Step:
    """The handler of :func:`offer`'s buttons, for a dialog's state."""
    return tap(feature, callback, ACTION)
