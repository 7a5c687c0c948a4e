"""Residents without Telegram: staff file items and hearing attendance on their behalf.

Many villagers have no smartphone: their complaints come by a phone call, a visit to the
akimat, a meeting, or on paper. Staff enter them here, for a named resident of a village of
their own area (checked again on every write, whatever the dialog's buttons said), with the
channel; each entry keeps who entered it and when. The resident's phone (optional) is kept as
E.164 for the staff of the village to call back, and as a keyed hash to find the resident when
they join Qatysu and share that phone (:func:`claim`): the item is theirs from then on, and the
name and phone go. Until then answers cannot reach them by Telegram, and the item says so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.appeals import notices
from bot.appeals import service as appeals
from bot.auth import Access
from bot.context import Services
from bot.residents import verification
from storage import appeals as appeals_repo
from storage import behalf as repo
from storage import hearings as hearings_repo
from storage import staff_notices as staff_outbox
from storage import territory
from storage.appeals import Appeal, Kind, NewAppeal
from storage.behalf import ATTENDED, CHANNELS, COMING, HearingEntry, HearingFigures, NewEntry
from storage.db import utcnow
from storage.hearings import Hearing
from storage.models import Person, Role, Village

_LOGGER = logging.getLogger(__name__)
NAME_MIN, NAME_MAX = 2, 80
MAX_NAMES = 30  # named attendees in one entry
MAX_COUNT = 5000  # people in one count
KINDS = (Kind.COMPLAINT.value, Kind.SUGGESTION.value)
HEARING_KINDS = (COMING, ATTENDED)


class Refused(Exception):
    """An entry that may not be stored; ``key`` is the message saying why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class ItemEntry:
    """A complaint or suggestion as staff took it down for a resident."""

    village_code: str
    kind: str
    category: str
    text: str
    name: str
    phone: str | None  # as typed; normalised here
    channel: str
    language: str  # the staff member's: the resident's is not known


def name_problem(name: str | None) -> str | None:
    """What is wrong with a typed name, or None."""
    stripped = (name or "").strip()
    if len(stripped) < NAME_MIN or not any(ch.isalpha() for ch in stripped):
        return "behalf.name_bad"
    return "behalf.name_long" if len(stripped) > NAME_MAX else None


def phone_of(raw: str) -> str | None:
    """A typed number as E.164 (a Kazakhstan one), or None when it is not one."""
    return verification.normalise(raw)


def names_of(text: str) -> list[str] | None:
    """Named attendees, one a line (or separated by commas); None when one is not a name."""
    lines = [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]
    if not lines or len(lines) > MAX_NAMES or any(name_problem(line) for line in lines):
        return None
    return lines


def count_of(text: str) -> int | None:
    """A typed number of people, 1 to :data:`MAX_COUNT`; None otherwise."""
    stripped = text.strip()
    if not stripped.isdigit() or len(stripped) > 6:
        return None
    value = int(stripped)
    return value if 1 <= value <= MAX_COUNT else None


async def village_for(services: Services, access: Access, code: str) -> Village:
    """The village, when staff with ``access`` cover it; :class:`Refused` otherwise."""
    village = await territory.get_village(services.db, code)
    if village is None or not access.covers(Role.STAFF, village):
        raise Refused("auth.out_of_scope")
    return village


def _check_item(entry: ItemEntry) -> None:
    if entry.kind not in KINDS or entry.category not in appeals.CATEGORIES:
        raise Refused("error.stale_button")
    if entry.channel not in CHANNELS:
        raise Refused("error.stale_button")
    problem = name_problem(entry.name) or appeals.words_problem(entry.text)
    if problem is not None:
        raise Refused(problem)
    if entry.phone and phone_of(entry.phone) is None:
        raise Refused("behalf.phone_bad")


async def file_item(
    services: Services, access: Access, entry: ItemEntry, now: datetime | None = None
) -> Appeal:
    """Store a complaint or suggestion for a resident of a village of the staff's area, with
    its audit; tell the village's other staff as of any new item."""
    now = now or utcnow()
    _check_item(entry)
    village = await village_for(services, access, entry.village_code)
    e164 = phone_of(entry.phone) if entry.phone else None
    audit = NewEntry(
        channel=entry.channel, name=entry.name.strip(), phone=e164,
        phone_hash=verification.phone_key(services, e164) if e164 else None,
        entered_by=access.telegram_id,
    )  # fmt: skip
    local = now.astimezone(services.settings.zone)
    holder = await repo.new_placeholder(services.db, now)
    new = NewAppeal(
        kind=Kind(entry.kind), person_id=holder, village_code=village.code,
        category=entry.category, text=entry.text.strip(),
        text_key=appeals.text_key(services.identity, entry.text), language=entry.language,
        due_on=appeals.calendar(services).due_date(local.date()),
    )  # fmt: skip
    appeal = await appeals_repo.create(
        services.db, new, local.year, now, after=repo.recorder(audit, now)
    )
    _LOGGER.info("Item %s filed on behalf via %s", appeal.id, entry.channel)
    staff = await notices.staff_covering(services, village, district_level=False)
    others = [staff_id for staff_id in staff if staff_id != access.telegram_id]
    await notices.tell_staff(services, others, appeal, staff_outbox.NEW, village)
    return appeal


async def claim(
    services: Services, person: Person, sender_id: int, contact_user_id: int | None, phone: str
) -> int:
    """A resident shared their own phone: the items filed for it are theirs now (in ``/my``,
    answers by Telegram). How many; none for someone else's contact or a foreign number."""
    if contact_user_id != sender_id:
        return 0
    e164 = phone_of(phone)
    if e164 is None:
        return 0
    claimed = await repo.claim(
        services.db, verification.phone_key(services, e164), person.id, utcnow()
    )
    if claimed:
        _LOGGER.info("Person %s claimed %d items filed on their behalf", person.id, len(claimed))
    return len(claimed)


async def erase(services: Services, access: Access, appeal: Appeal) -> bool:
    """Erase the name, phone and words of an item filed for a resident (staff of its village);
    False when the resident claimed it (their own ``/deletedata`` erases it) or it is erased."""
    await village_for(services, access, appeal.village_code)
    return await repo.erase(services.db, appeal.id, utcnow())


async def erase_hearing_names(services: Services, access: Access, hearing_id: int) -> int:
    """Erase the names entered for a hearing (staff covering all its villages); how many."""
    hearing = await hearings_repo.get(services.db, hearing_id)
    if hearing is None:
        raise Refused("error.stale_button")
    for code in hearing.village_codes:
        await village_for(services, access, code)
    return await repo.erase_hearing_names(services.db, hearing_id)


def hearing_kinds_open(hearing: Hearing, now: datetime | None = None) -> tuple[str, ...]:
    """What may be entered for a hearing now: "I will come" before it starts, attendance
    once it started; nothing for a cancelled one."""
    if hearing.status == "cancelled":
        return ()
    started = hearing.starts_at <= (now or utcnow())
    return (ATTENDED,) if started else (COMING,)


async def record_hearing(
    services: Services,
    access: Access,
    hearing_id: int,
    village_code: str,
    kind: str,
    channel: str,
    people: int | None = None,
    names: tuple[str, ...] = (),
) -> HearingFigures:
    """Add residents without Telegram to a hearing's "I will come" or its attendance: a count
    or named people of one of its villages in the staff's area. Returns the figures after."""
    hearing = await hearings_repo.get(services.db, hearing_id)
    if hearing is None or village_code not in hearing.village_codes:
        raise Refused("error.stale_button")
    await village_for(services, access, village_code)
    if kind not in hearing_kinds_open(hearing) or channel not in CHANNELS:
        raise Refused("behalf.hearing_closed")
    if (people is None) == (not names) or any(name_problem(name) for name in names):
        raise Refused("error.stale_button")
    if people is not None and not 1 <= people <= MAX_COUNT:
        raise Refused("behalf.count_bad")
    counted = [(people, None)] if people is not None else [(1, name.strip()) for name in names]
    rows = [
        HearingEntry(hearing_id, village_code, kind, n, name, channel, access.telegram_id)
        for n, name in counted
    ]
    await repo.add_hearing_entries(services.db, rows, utcnow())
    return await repo.hearing_figures(services.db, hearing_id)
