"""Typed access to the services from every callback (PTB's custom ContextTypes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.i18n import I18n, Translator
from bot.settings import Settings
from storage.db import Database
from storage.models import Person

if TYPE_CHECKING:
    from bot.broadcast.engine import BroadcastEngine
    from bot.staff_notices import StaffNoticeSender
    from handlers.flood import FloodGuard


@dataclass(slots=True)
class Services:
    """What handlers need, built once by the composition root."""

    settings: Settings
    db: Database
    i18n: I18n
    broadcasts: BroadcastEngine | None = None
    staff_notices: StaffNoticeSender | None = None  # set in post_init

    @property
    def engine(self) -> BroadcastEngine:
        """The broadcast engine (set by the composition root)."""
        if self.broadcasts is None:
            raise RuntimeError("the broadcast engine is not set up")
        return self.broadcasts


class BotData:
    """``application.bot_data``: holds the services (PTB builds it without arguments)."""

    services: Services | None = None
    flood: FloodGuard | None = None


class QatysuContext(
    CallbackContext[ExtBot[dict[str, Any]], dict[Any, Any], dict[Any, Any], BotData]
):
    """Callback context with the services, the person and their translator.

    PTB builds one context per update and hands it to every handler of that update, so what
    the session handler in group -1 sets here is seen by the feature handlers after it.
    """

    person: Person | None = None
    _tr: Translator | None = None
    _access: Any = None

    @property
    def services(self) -> Services:
        """The application's services."""
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("services are not set up")
        return services

    @property
    def tr(self) -> Translator:
        """The translator for the person of this update."""
        if self._tr is None:
            return self.services.i18n.get(None)
        return self._tr

    @tr.setter
    def tr(self, value: Translator) -> None:
        self._tr = value


QatysuApp = Application[
    ExtBot[dict[str, Any]], QatysuContext, dict[Any, Any], dict[Any, Any], BotData, Any
]

CONTEXT_TYPES = ContextTypes(context=QatysuContext, bot_data=BotData)
