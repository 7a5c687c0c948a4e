"""Public hearings: the one owner of their writes and of the notices each write implies.

Handlers parse, read and render; announcing, changing, cancelling and concluding a hearing, a
resident's "I will come" and their question go through here, so that the residents of the
hearing's villages are told by the same code whoever calls it. Hearings have no timed job of
their own: one job every minute (:mod:`bot.hearings.reminders`, listed in :mod:`bot.jobs`)
reads from the database which reminders are due, so a new or changed time needs no job.

Every meeting of local self-government is a hearing with its kind (:data:`storage.hearings.KINDS`);
what only some kinds have (an assembly's members and votes, the answers to questions asked in
advance) is :mod:`bot.meetings.service`'s. A postponement or a cancellation carries its reason,
and those who said "I will come" are told first (their broadcast goes out before the others').
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from telegram import Bot

from bot.appeals.service import local_today, submit_hearing_question
from bot.auth import Access
from bot.callbacks import Feature
from bot.i18n import Translator
from storage import hearings, meetings
from storage.appeals import Appeal
from storage.db import to_db_time, utcnow
from storage.hearings import Hearing, NewHearing
from storage.models import Person, Role, Village
from storage.versions import Versions

if TYPE_CHECKING:
    from bot.context import Services

FEATURE = Feature.HEARING
NEW, CHANGED, CANCELLED, OUTCOME, REMINDER = (
    "hearing.new", "hearing.changed", "hearing.cancelled", "hearing.outcome", "hearing.reminder",
)  # fmt: skip
# To those who asked a question before a meeting that is cancelled: it is closed, and why.
QUESTIONS_CLOSED = "meeting.questions_closed"
TOPIC_MAX, PLACE_MAX, AGENDA_MAX, DECISIONS_MAX, REASON_MAX = 200, 200, 1500, 3000, 300
# The sender's chat and language: where the progress of a broadcast is shown.
ReportTo = tuple[int, Translator]


def may_manage(access: Access, villages: Sequence[Village]) -> bool:
    """Staff manage a hearing when every one of its villages is in their scope."""
    return bool(villages) and all(access.covers(Role.STAFF, village) for village in villages)


async def _tell_villages(
    services: Services,
    kind: str,
    hearing: Hearing,
    actor: int,
    report_to: ReportTo,
    payload: dict[str, object] | None = None,
) -> None:
    """Tell the residents of the hearing's villages (the actor watches it go)."""
    await services.engine.submit(
        kind=kind, payload=payload or {}, created_by=actor, ref_id=hearing.id,
        report_to=report_to, village_codes=hearing.village_codes,
    )  # fmt: skip


async def tell_first(
    services: Services,
    kind: str,
    hearing: Hearing,
    actor: int,
    report_to: ReportTo,
    *,
    first: Sequence[int],
    payload: dict[str, object],
    also: Sequence[int] = (),
    first_title: str | None = None,
) -> None:
    """Tell ``first`` before anyone else, then the residents of the villages and ``also``.

    The engine sends broadcasts one after another in the order they were made, so the people of
    ``first`` (those who will come, those who asked) have the message before the rest.
    """
    if first:
        await services.engine.submit(
            kind=kind, payload={**payload, "first": True}, created_by=actor, ref_id=hearing.id,
            report_to=report_to, report_title=first_title, person_ids=tuple(first),
        )  # fmt: skip
    if not first and not also:
        await _tell_villages(services, kind, hearing, actor, report_to, payload)
        return
    rest = await meetings.audience(services.db, hearing.village_codes, also, first)
    if rest:
        await services.engine.submit(
            kind=kind, payload=payload, created_by=actor, ref_id=hearing.id,
            report_to=report_to, person_ids=tuple(rest),
        )  # fmt: skip


async def _coming_first(
    services: Services, kind: str, hearing: Hearing, actor: int, report_to: ReportTo,
    payload: dict[str, object], also: Sequence[int] = (),
) -> None:  # fmt: skip
    """Tell those who said "I will come" first, then everyone else."""
    coming = await hearings.coming(services.db, hearing.id)
    title = report_to[1].t("meeting.report.coming_first", topic=hearing.topic)
    await tell_first(
        services, kind, hearing, actor, report_to, first=coming, payload=payload, also=also,
        first_title=title,
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
    reason: str | None = None,
    versions: Versions | None = None,
) -> bool:
    """Move a hearing to a new time, or to a new place (with its pin, if any, and its texts'
    other versions); tell residents.

    A new time is a postponement: with its ``reason``, told first to those who will come (the
    reminders are due again, and the questions asked in advance are due on the new day). False
    (nobody told) when the hearing was no longer scheduled.
    """
    if starts_at is not None and reason is not None:
        due = local_today(services, starts_at)
        if not await meetings.postpone(services.db, hearing.id, starts_at, reason, due):
            return False
        payload: dict[str, object] = {"reason": reason, "was": to_db_time(hearing.starts_at)}
        await _coming_first(services, CHANGED, hearing, actor, report_to, payload)
        return True
    await hearings.reschedule(
        services.db, hearing.id, starts_at=starts_at, place=place, pin=pin, versions=versions
    )
    await _tell_villages(services, CHANGED, hearing, actor, report_to)
    return True


async def cancel(
    services: Services,
    hearing: Hearing,
    *,
    actor: int,
    report_to: ReportTo,
    reason: str | None = None,
) -> bool:
    """Cancel a scheduled hearing for ``reason``; tell those who will come first, then the other
    residents, then those whose questions for it are closed. False (nobody told) if it was not
    scheduled."""
    askers = await meetings.cancel(services.db, hearing.id, reason, utcnow())
    if askers is None:
        return False
    payload: dict[str, object] = {"reason": reason} if reason else {}
    await _coming_first(services, CANCELLED, hearing, actor, report_to, payload, also=askers)
    if askers:
        tr = report_to[1]
        await services.engine.submit(
            kind=QUESTIONS_CLOSED, payload=payload, created_by=actor, ref_id=hearing.id,
            report_to=report_to, person_ids=tuple(askers),
            report_title=tr.t("meeting.report.questions_closed", topic=hearing.topic),
        )  # fmt: skip
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
    theme: str = "other",
    *,
    hide_name: bool = False,
) -> Appeal:
    """File a resident's question before a hearing in the staff's inbox, under its theme.

    It is due when the meeting starts (its day), not in 15 working days. It goes to the staff of
    the resident's village when that is one of the hearing's, else to those of the hearing's
    first village; with ``hide_name`` staff do not see who asked. Raises
    :class:`bot.appeals.service.AppealRefused`.
    """
    village = person.village_code
    if village not in hearing.village_codes:
        village = hearing.village_codes[0]
    return await submit_hearing_question(
        services, person, hearing.id, village, text, hide_name=hide_name, bot=bot, theme=theme,
        starts_at=hearing.starts_at,
    )  # fmt: skip
