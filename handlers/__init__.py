"""Telegram handlers, one module per feature; :func:`register_all` wires them in order."""

from __future__ import annotations

from bot.context import QatysuApp
from handlers import (
    broadcasts,
    errors,
    fallbacks,
    language,
    menu,
    onboarding,
    privacy,
    residents,
    session,
)


def register_all(app: QatysuApp) -> None:
    """Register every handler. Order matters: within a group the first match wins."""
    # Group -1 and 99: claim the update, load the person and language; flush dialog state.
    session.register(app)
    # Dialogs first, so that their steps see the text and buttons meant for them.
    onboarding.register(app)
    broadcasts.register(app)
    # Stateless commands and buttons of residents.
    language.register(app)
    menu.register(app)
    privacy.register(app)
    # Staff and coordinators (each handler guarded by bot.auth).
    residents.register(app)
    # Whatever is left: stale buttons, stray text, /cancel outside a dialog.
    fallbacks.register(app)
    errors.register(app)
