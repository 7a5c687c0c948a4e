"""Typed access to the services from every callback (PTB's custom ContextTypes).

This module imports no feature and no handler: the broadcast engine and the staff-notice
sender are known here only by what their callers ask of them (:class:`Broadcasts`,
:class:`StaffNotices`), so that every feature may take :class:`Services` without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.i18n import I18n, Translator
from bot.identity import Identity
from bot.settings import Settings
from storage.budget import Cycle
from storage.db import Database
from storage.models import Person
from storage.polls import Poll


class Broadcasts(Protocol):
    """What the features and the start-up ask of the broadcast engine (bot/broadcast/engine.py)."""

    @property
    def idle(self) -> bool:
        """Whether the engine waits with nothing to send."""

    def start(self) -> None:
        """Start sending."""

    async def stop(self) -> None:
        """Stop after recording what is in flight."""

    def kill(self) -> None:
        """Stop at once, recording nothing more."""

    async def finish_unwritten(self) -> int:
        """Finish the outboxes a crash left half written."""

    async def submit(
        self,
        *,
        kind: str,
        payload: dict[str, Any],
        created_by: int,
        report_to: tuple[int, Translator] | None = None,
        report_title: str | None = None,
        ref_id: int | None = None,
        village_codes: tuple[str, ...] = (),
        person_ids: tuple[int, ...] = (),
    ) -> int:
        """Store a broadcast with its outbox, start sending it; its id."""

    async def cancel(self, broadcast_id: int) -> bool:
        """Stop a running broadcast; whether it was running."""


class StaffNotices(Protocol):
    """What the features ask of the staff-notice sender (bot/staff_notices.py)."""

    @property
    def idle(self) -> bool:
        """Whether nothing is pending."""

    def wake(self) -> None:
        """Look at the outbox now."""


class PollSchedule(Protocol):
    """What the poll service asks of the poll schedule (bot/polls/jobs.py)."""

    def schedule(self, poll: Poll) -> None:
        """Close the poll at its time, and remind non-voters before."""

    def unschedule(self, poll_id: int) -> None:
        """Forget the poll's jobs (it closed early)."""


class BudgetSchedule(Protocol):
    """What the budget service asks of the budget schedule (bot/budget/jobs.py)."""

    def schedule(self, cycle: Cycle) -> None:
        """Begin the cycle's next phase at its date (at once when it has passed)."""


@dataclass(slots=True)
class Services:
    """What handlers need, built once by the composition root."""

    settings: Settings
    db: Database
    i18n: I18n
    identity: Identity
    broadcasts: Broadcasts | None = None
    staff_notices: StaffNotices | None = None  # set in post_init
    poll_schedule: PollSchedule | None = None  # set by the composition root
    budget_schedule: BudgetSchedule | None = None  # set by the composition root
    # Updates a killed process claimed and never finished, queued again (bot/received.py).
    retrying: set[int] = field(default_factory=set)

    @property
    def engine(self) -> Broadcasts:
        """The broadcast engine (set by the composition root)."""
        if self.broadcasts is None:
            raise RuntimeError("the broadcast engine is not set up")
        return self.broadcasts


class BotData:
    """``application.bot_data``: holds the services (PTB builds it without arguments)."""

    services: Services | None = None


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
