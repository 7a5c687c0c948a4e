"""Dialogs: one factory for every ConversationHandler, and the steps they all share.

Every dialog is persistent (its step and draft survive a restart), kept per person, and left
with /cancel. It can be re-entered: its own command (or entry button) inside it starts it over
at once when nothing was entered yet, else after "Start over?" with Start over / Continue
(Continue shows the current step's prompt again). One dialog at a time: another dialog's command
inside one leaves it for the other when nothing was entered yet, else is answered with "finish
or cancel this first" (Continue / Cancel), instead of starting a second dialog alongside, whose
next text the first dialog would take.

A dialog nobody touches for ``DIALOG_TIMEOUT_HOURS`` ends without a word, its draft forgotten
(:func:`bot.persistence.forget_abandoned`, a periodic sweep, also after a restart). Coming back,
the person's old buttons are answered as out of date, and what they type as outside any dialog.

A dialog's draft is a dataclass (a :class:`DialogDraft`) reached through its :class:`Drafts`:
``DRAFTS.load(update, context)`` gives the typed draft, ``DRAFTS.save`` stores it as the JSON
object of its set fields (the shape stored before the drafts were typed, so drafts saved by an
earlier version still load). :func:`user_id`, :func:`chat_id`, :func:`query_of` and
:func:`message_of` read what a step needs from the update, typed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Collection, Coroutine, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Generic, Protocol, Self, TypeVar, cast

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.callbacks import Feature
from bot.context import QatysuApp, QatysuContext
from bot.persistence import TimedConversation
from handlers.widgets.keyboards import Pressed, button
from storage import drafts

Step = BaseHandler[Update, QatysuContext, object]
Callback = Callable[[Update, QatysuContext], Coroutine[Any, Any, Any]]
END = ConversationHandler.END
FEATURE = Feature.DIALOG
REENTRY = "reentry"  # the drafts row keeping the entry to run again on "Start over"
_EMPTY: tuple[object, ...] = (None, "", [], {}, False)


def user_id(update: Update) -> int:
    """The Telegram id of the person of a dialog's update (every dialog update has one)."""
    if update.effective_user is None:
        raise LookupError("an update without a person reached a dialog")
    return update.effective_user.id


def chat_id(update: Update) -> int:
    """The chat of a dialog's update."""
    if update.effective_chat is None:
        raise LookupError("an update without a chat reached a dialog")
    return update.effective_chat.id


async def send_text(
    update: Update, context: QatysuContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send ``text`` (with ``markup``) to the chat of the update."""
    await context.bot.send_message(chat_id(update), text, reply_markup=markup)


def query_of(update: Update) -> CallbackQuery:
    """The button tap of a step that only taps reach."""
    if update.callback_query is None:
        raise LookupError("a step for taps got another update")
    return update.callback_query


def message_of(update: Update) -> Message:
    """The message of a step that only messages reach."""
    if update.effective_message is None:
        raise LookupError("a step for messages got another update")
    return update.effective_message


class DialogDraft:
    """Base of a dialog's draft dataclass: stored as the JSON object of its fields set.

    A field left ``None`` is not stored, and a stored key the dataclass does not know is
    ignored: the stored shape is the one the dialogs kept as plain dicts before.
    """

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """The draft stored as ``data``."""
        names = {field.name for field in fields(cast(Any, cls))}
        return cls(**{key: value for key, value in data.items() if key in names})

    def to_dict(self) -> dict[str, Any]:
        """The JSON object to store (fields left ``None`` are left out)."""
        values = ((field.name, getattr(self, field.name)) for field in fields(cast(Any, self)))
        return {name: value for name, value in values if value is not None}


class StoredDraft(Protocol):
    """What :class:`Drafts` needs of a draft class (a :class:`DialogDraft`, or
    :class:`bot.appeals.draft.IntakeDraft`, which the appeals service reads too)."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """The draft stored as ``data``."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object to store."""


D = TypeVar("D", bound=StoredDraft)


@dataclass(frozen=True, slots=True)
class Drafts(Generic[D]):
    """The drafts of one dialog: its name in the drafts table (stored) and its dataclass."""

    dialog: str
    kind: type[D]

    async def load(self, update: Update, context: QatysuContext) -> D:
        """The person's draft (an empty one when there is none)."""
        stored = await drafts.load(context.services.db, user_id(update), self.dialog)
        return self.kind.from_dict(stored)

    async def save(self, update: Update, context: QatysuContext, draft: D) -> D:
        """Store the person's whole draft; return it."""
        await drafts.save(context.services.db, user_id(update), self.dialog, draft.to_dict())
        return draft

    async def keep(self, update: Update, context: QatysuContext, **values: object) -> D:
        """Set some of the person's draft's fields (by name), store it, and return it."""
        draft = await self.load(update, context)
        for name, value in values.items():
            if not hasattr(draft, name):
                raise AttributeError(f"{self.kind.__name__} has no field {name!r}")
            setattr(draft, name, value)
        return await self.save(update, context, draft)

    async def drop(self, update: Update, context: QatysuContext) -> None:
        """Forget the person's draft."""
        await drafts.drop(context.services.db, user_id(update), self.dialog)


async def answer_tap(update: Update) -> None:
    """Answer the button that started a step, if a button did (a menu button, say)."""
    if update.callback_query is not None:
        await update.callback_query.answer()


def menu_entry(callback: Callback, action: str) -> Step:
    """An entry point from the main menu's ``v1:menu:<action>`` button."""
    return tap(Feature.MENU, callback, action)


def tap(feature: str, callback: Callback, *actions: str) -> Step:
    """A button handler for ``v1:<feature>:<action>`` taps, typed for any conversation state."""
    return cast(Step, CallbackQueryHandler(callback, pattern=callbacks.matches(feature, *actions)))


def cancel_step(draft: str | None) -> Callback:
    """The shared cancel step of a dialog whose work in progress is the draft ``draft``."""

    async def cancel(update: Update, context: QatysuContext) -> int:
        """Leave the dialog and forget its draft (/cancel or a Cancel button)."""
        assert update.effective_user is not None and update.effective_chat is not None
        if draft is not None:
            await drafts.drop(context.services.db, update.effective_user.id, draft)
        query = update.callback_query
        if query is not None:
            await query.answer()
            await query.edit_message_reply_markup(None)
        await context.bot.send_message(update.effective_chat.id, context.tr.t("cancel.done"))
        return END

    return cancel


class Dialog(TimedConversation):
    """A persistent, re-enterable dialog with the shared /cancel, Continue and Start over steps.

    ``draft`` names the dialog's draft, and ``context_keys`` the draft keys its entry stores
    (an item's id, say): anything else in the draft is what the person entered, which starting
    over would lose. ``prompts`` shows a state's question again (Continue); a dialog where
    nothing can be entered before its last step is never continued, and needs none.
    """

    __slots__ = ("context_keys", "draft", "leave", "prompts")

    def __init__(
        self,
        name: str,
        *,
        entry_points: Sequence[Step],
        states: Mapping[int, Sequence[Step]],
        prompts: Mapping[int, Callback] | None = None,
        draft: str | None = None,
        context_keys: Collection[str] = (),
        cancel: Callback | None = None,
        fallbacks: Sequence[Step] = (),
    ) -> None:
        self.draft = draft
        self.context_keys = frozenset(context_keys)
        self.prompts = dict(prompts or {})
        if not set(self.prompts) <= set(states):
            raise ValueError(f"dialog {name}: a prompt for a state it does not have")
        self.leave = cancel or cancel_step(draft)
        shared = [
            cast(Step, CommandHandler("cancel", self.leave)),
            _own_button(name, self.resume, "go"),
            _own_button(name, self.start_over, "over"),
            _own_button(name, self.leave, "stop"),
        ]
        with warnings.catch_warnings():
            # Buttons are tracked per chat and user, not per message: that is intended.
            warnings.simplefilter("ignore", PTBUserWarning)
            super().__init__(
                entry_points=list(entry_points),
                states={state: list(steps) for state, steps in states.items()},
                fallbacks=[*shared, *fallbacks],
                name=name,
                persistent=True,
                allow_reentry=True,
            )

    def state_of(self, update: object) -> object | None:
        """The step this person is at in this dialog; None when they are not in it."""
        if not isinstance(update, Update) or update.effective_user is None:
            return None
        if update.effective_chat is None:
            return None
        return self._conversations.get(self._get_key(update))

    def takes(self, update: object) -> bool:
        """Whether the current step of this dialog has a handler for ``update``."""
        steps = self.states.get(self.state_of(update), [])
        return any(step.check_update(update) not in (None, False) for step in steps)

    def entry_of(self, update: object) -> tuple[Step, object] | None:
        """The entry point that ``update`` starts this dialog with, and its check result."""
        for entry in self.entry_points:
            check = entry.check_update(update)
            if check is not None and check is not False:
                return entry, check
        return None

    async def entered(self, context: QatysuContext, user_id: int) -> bool:
        """Whether the person entered anything that starting over would lose."""
        if self.draft is None:
            return False
        draft = await drafts.load(context.services.db, user_id, self.draft)
        return any(
            value not in _EMPTY for key, value in draft.items() if key not in self.context_keys
        )

    async def _ask(
        self, update: Update, context: QatysuContext, key: str, *choices: tuple[str, str]
    ) -> None:
        """Answer a tap (if it was one); send ``key`` with a button per (label key, action)."""
        assert update.effective_chat is not None
        if update.callback_query is not None:
            await update.callback_query.answer()
        tr = context.tr
        row = [button(tr.t(label), FEATURE, action, str(self.name)) for label, action in choices]
        await context.bot.send_message(
            update.effective_chat.id, tr.t(key), reply_markup=InlineKeyboardMarkup([row])
        )

    async def begin(self, update: Update, context: QatysuContext) -> None:
        """Run the entry point ``update`` matches through this dialog (a start, a start over)."""
        check = self.check_update(update)  # allow_reentry: an entry point matches first
        assert check is not None
        await self.handle_update(update, _app(context), check, context)

    async def open_with(self, update: Update, context: QatysuContext, step: Callback) -> None:
        """Open the dialog at ``step`` for an update none of its entries takes (a typed answer
        outside any dialog, say): ``step`` answers it and returns the state to be in."""
        state = await step(update, context)
        key = self._get_key(update)
        self._update_state(END if state is None else state, key)
        self.touch(key)

    async def end(self, update: Update, context: QatysuContext) -> None:
        """Leave the dialog without a word: forget its step and its draft."""
        assert update.effective_user is not None
        self._update_state(END, self._get_key(update))
        if self.draft is not None:
            await drafts.drop(context.services.db, update.effective_user.id, self.draft)

    async def reenter(self, update: Update, context: QatysuContext) -> None:
        """Its own entry inside the dialog: start over now, or ask first when work would be lost."""
        assert update.effective_user is not None
        self.touch(self._get_key(update))  # the person is here, though the dialog did not step
        if not await self.entered(context, update.effective_user.id):
            await self.begin(update, context)
            return
        await drafts.save(
            context.services.db,
            update.effective_user.id,
            REENTRY,
            {"dialog": self.name, "update": update.to_dict()},
        )
        await self._ask(
            update, context, "dialog.ask_start_over",
            ("dialog.start_over", "over"), ("dialog.continue", "go"),
        )  # fmt: skip

    async def busy(self, update: Update, context: QatysuContext) -> None:
        """Another dialog's entry inside this one: finish or cancel this one first."""
        self.touch(self._get_key(update))
        await self._ask(
            update, context, f"dialog.busy.{self.name}",
            ("dialog.continue", "go"), ("dialog.cancel", "stop"),
        )  # fmt: skip

    async def resume(self, update: Update, context: QatysuContext) -> None:
        """Continue: take the buttons away and show the current step's prompt again."""
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_reply_markup(None)
        state = self.state_of(update)
        if isinstance(state, int) and state in self.prompts:
            await self.prompts[state](update, context)

    async def start_over(self, update: Update, context: QatysuContext) -> object:
        """Start over: forget the draft and run again the entry that asked for it."""
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        db, user_id = context.services.db, update.effective_user.id
        pending = await drafts.load(db, user_id, REENTRY)
        if pending.get("dialog") != self.name or not isinstance(pending.get("update"), dict):
            await query.answer(context.tr.t("error.stale_button"), show_alert=True)
            return None
        data = dict(pending["update"])
        if isinstance(data.get("callback_query"), dict):
            # A button started it: the entry answers this tap instead, once, as Telegram wants.
            data["callback_query"] = {**data["callback_query"], "id": query.id}
        else:
            await query.answer()
        await query.edit_message_reply_markup(None)
        await drafts.drop(db, user_id, REENTRY)
        if self.draft is not None:
            await drafts.drop(db, user_id, self.draft)
        replay = Update.de_json(data, context.bot)
        found = self.entry_of(replay)
        if found is None:
            return END
        entry, check = found
        state = await entry.handle_update(replay, _app(context), check, context)
        return END if state is None else state


class OneDialogAtATime(BaseHandler[Update, QatysuContext, None]):
    """Before the dialogs: a dialog's command or entry button arriving while one is open.

    A press of the reply menu (Complaint) is such an entry even at a step that takes text.
    """

    __slots__ = ("_app", "_pressed")

    def __init__(self, app: QatysuApp) -> None:
        super().__init__(_unused)
        self._app = app
        services = app.bot_data.services
        self._pressed = Pressed(services.i18n) if services is not None else None

    def _is_press(self, update: Update) -> bool:
        message = update.message
        if self._pressed is None or message is None:
            return False
        return self._pressed.action_of(message.text) is not None

    def _dialogs(self) -> list[Dialog]:
        return [h for h in self._app.handlers.get(0, []) if isinstance(h, Dialog)]

    def check_update(self, update: object) -> tuple[Dialog, Dialog] | None:
        """The open dialog and the dialog that ``update`` would start, if both exist."""
        if not isinstance(update, Update):
            return None
        dialogs = self._dialogs()
        current = next((d for d in dialogs if d.state_of(update) is not None), None)
        if current is None or (current.takes(update) and not self._is_press(update)):
            return None
        wanted = next((d for d in dialogs if d.entry_of(update) is not None), None)
        return None if wanted is None else (current, wanted)

    async def handle_update(
        self,
        update: Update,
        application: Application[Any, QatysuContext, Any, Any, Any, Any],
        check_result: object,
        context: QatysuContext,
    ) -> None:
        """Re-enter the open dialog; or leave it for the other when nothing would be lost;
        or say that it must be finished or cancelled first."""
        current, wanted = cast(tuple[Dialog, Dialog], check_result)
        assert update.effective_user is not None
        if wanted is current:
            await current.reenter(update, context)
        elif await current.entered(context, update.effective_user.id):
            await current.busy(update, context)
        else:
            await current.end(update, context)
            await wanted.begin(update, context)


def dialog_named(app: QatysuApp, name: str) -> Dialog:
    """The registered dialog called ``name``."""
    for handler in app.handlers.get(0, []):
        if isinstance(handler, Dialog) and handler.name == name:
            return handler
    raise LookupError(f"no dialog {name!r}")


def _app(context: QatysuContext) -> QatysuApp:
    return cast(QatysuApp, context.application)


def _own_button(name: str, callback: Callback, action: str) -> Step:
    """A handler for the ``v1:dlg:<action>:<name>`` buttons of the dialog ``name``."""

    def mine(data: object) -> bool:
        try:
            parsed = callbacks.parse(data)
        except callbacks.CallbackDataError:
            return False
        return (parsed.feature, parsed.action, parsed.args) == (FEATURE, action, (name,))

    return cast(Step, CallbackQueryHandler(callback, pattern=mine))


async def _unused(update: Update, context: QatysuContext) -> None:
    """:class:`OneDialogAtATime` handles updates itself."""


def register(app: QatysuApp) -> None:
    """Register the guard; it must come before every dialog."""
    app.add_handler(OneDialogAtATime(app))
