"""Staff's work on meetings beyond a public hearing's: an assembly's members and its record,
and the questions asked in advance (handlers of ``v1:mt:...`` taps)."""

from __future__ import annotations

from bot.context import QatysuApp
from handlers.meetings import members, outcome, questions


def register(app: QatysuApp) -> None:
    """Register the dialogs (members, an assembly's record, an answer) and their buttons."""
    members.register(app)
    outcome.register(app)
    questions.register(app)
