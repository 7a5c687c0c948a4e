"""Public hearings: the one owner of their writes and of the notices each write implies.

Handlers parse, read and render; announcing, changing, cancelling and concluding a hearing, a
resident's "I will come" and their question go through here, so that the residents of the
hearing's villages are told by the same code whoever calls it. Hearings have no timed job of
their own: one job every minute (:mod:`bot.hearings.reminders`, listed in :mod:`bot.jobs`)
reads from the database which reminders are due, so a new or changed time needs no job.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from telegram import Bot

from bot.appeals.service import submit_hearing_question
from bot.auth import Access
from bot.callbacks import Feature
from bot.i18n import Translator
from storage import hearings
from storage.appeals import Appeal
from storage.hearings import Hearing, NewHearing
from storage.models import Person, Role, Village
from storage.versions import Versions

if TYPE_CHECKING:
    from bot.context import Services

FEATURE = Feature.HEARING
NEW, CHANGED, CANCELLED, OUTCOME, REMINDER = (
    "hearing.new", "hearing.changed", "hearing.cancelled", "hearing.outcome", "hearing.reminder",
)  # fmt: skip
TOPIC_MAX, PLACE_MAX, AGENDA_MAX, DECISIONS_MAX = 200, 200, 1500, 3000
# The sender's chat and language: where the progress of a broadcast is shown.
ReportTo = tuple[int, Translator]


def may_manage(access: Access, villages: Sequence[Village]) -> bool:
    """Staff manage a hearing when every one of its villages is in their scope."""
    return bool(villages) and all(access.covers(Role.STAFF, village) for village in villages)


async def _tell_villages(
    services: Services, kind: str, hearing: Hearing, actor: int, report_to: ReportTo
) -> None:
    """Tell the residents of the hearing's villages (the actor watches it go)."""
    await services.engine.submit(
        kind=kind, payload={}, created_by=actor, ref_id=hearing.id, report_to=report_to,
        village_codes=hearing.village_codes,
    )  # fmt: skip


async def announce(services: Services, new: NewHearing, *, report_to: ReportTo) -> Hearing:
    """Store a new hearing and announce it to the residents of its villages."""
    hearing = await hearings.create(services.db, new)
    await _tell_villages(services, NEW, hearing, new.created_by, report_to)
    return hearing


async def change(
    services: Services,
    hearing: Hearing,
    *,
    actor: int,
    report_to: ReportTo,
    starts_at: datetime | None = None,
    place: str | None = None,
    pin: tuple[float, float] | None = None,
    versions: Versions | None = None,
) -> None:
    """Move a hearing to a new time, or to a new place (with its pin, if any, and its texts'
    other versions); tell residents.

    A new time makes the reminders due again.
    """
    await hearings.reschedule(
        services.db, hearing.id, starts_at=starts_at, place=place, pin=pin, versions=versions
    )
    await _tell_villages(services, CHANGED, hearing, actor, report_to)


async def cancel(services: Services, hearing: Hearing, *, actor: int, report_to: ReportTo) -> bool:
    """Cancel a scheduled hearing and tell residents; False (nobody told) if it was not."""
    if not await hearings.cancel(services.db, hearing.id):
        return False
    await _tell_villages(services, CANCELLED, hearing, actor, report_to)
    return True


async def conclude(
    services: Services,
    hearing: Hearing,
    *,
    attendance: int,
    decisions: str,
    actor: int,
    report_to: ReportTo,
    versions: Versions | None = None,
) -> bool:
    """Record what a hearing decided (with the texts' other versions) and tell residents;
    False (nobody told) if it was not open."""
    if not await hearings.conclude(services.db, hearing.id, attendance, decisions, versions):
        return False
    await _tell_villages(services, OUTCOME, hearing, actor, report_to)
    return True


async def toggle_coming(services: Services, hearing: Hearing, person_id: int) -> tuple[bool, int]:
    """Say "I will come" or take it back: whether the person now comes, and how many do."""
    coming = await hearings.toggle_rsvp(services.db, hearing.id, person_id)
    return coming, await hearings.rsvp_count(services.db, hearing.id)


async def ask(
    services: Services,
    bot: Bot | None,
    person: Person,
    hearing: Hearing,
    text: str,
    *,
    hide_name: bool = False,
) -> Appeal:
    """File a resident's question before a hearing in the staff's inbox.

    It goes to the staff of the resident's village when that is one of the hearing's, else to
    those of the hearing's first village; with ``hide_name`` staff do not see who asked.
    Raises :class:`bot.appeals.service.AppealRefused`.
    """
    village = person.village_code
    if village not in hearing.village_codes:
        village = hearing.village_codes[0]
    return await submit_hearing_question(
        services, person, hearing.id, village, text, hide_name=hide_name, bot=bot
    )
