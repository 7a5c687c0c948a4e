"""Presses of the reply menu under the input field (Complaint · Hearings · Polls · My appeals;
Menu): each does what its command does, whatever dialog is open, as a command would.

Registered before the dialogs, so that no dialog's text step takes a press for text. Complaint
starts the complaint dialog: it is that dialog's entry (see :mod:`handlers.appeals.intake`), so
the one-dialog-at-a-time guard treats it as it treats /complaint.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import MessageHandler, filters

from bot.context import QatysuApp, QatysuContext
from handlers import menu
from handlers.appeals import mine
from handlers.hearings import resident as hearings
from handlers.polls import vote as polls
from handlers.widgets.keyboards import Pressed

# What each press does, but Complaint (a dialog's entry).
ACTIONS = {
    "hearings": hearings.show_list,
    "polls": polls.list_polls,
    "my": mine.my_command,
    "open": menu.show_menu,
}


def register(app: QatysuApp) -> None:
    """Register the presses; they must come before every dialog."""
    services = app.bot_data.services
    assert services is not None
    pressed = Pressed(services.i18n, *ACTIONS)

    async def press(update: Update, context: QatysuContext) -> None:
        """Do what the pressed button says."""
        assert update.effective_message is not None
        action = pressed.action_of(update.effective_message.text)
        if action is not None:
            await ACTIONS[action](update, context)

    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & pressed, press))
