"""Complaints, suggestions and hearing questions: the rules of intake and of the staff's work.

Handlers parse and render; this module decides. Every step is stored with its history by
``storage.appeals`` and told to whom it concerns by ``bot.appeals.notices``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from typing import Any

from telegram import Bot

from bot import typed
from bot.appeals import notices
from bot.appeals.draft import IntakeDraft
from bot.appeals.workdays import WorkCalendar
from bot.auth import Access
from bot.context import Services
from bot.identity import Identity
from storage import appeals as repo
from storage import territory
from storage.appeals import ACTIVE, OPEN, Appeal, Kind, NewAppeal, Status
from storage.db import utcnow
from storage.models import LOCAL_SCOPES, Person, Role, Village
from storage.versions import Versions

CATEGORIES = (
    "roads", "water", "energy", "heating", "education", "health",
    "waste", "transport", "land", "social", "other",
)  # fmt: skip
TEXT_MIN = 10
TEXT_MAX = 2000
STAFF_TEXT_MAX = 2000
MAX_PHOTOS = 3
MAX_FILE_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download
EXTENSIONS = (5, 10, 15)  # working days a deadline can be extended by (within the bounds)
TEXT_PURPOSE = "appeal-text"  # the keyed hash of an item's text (the repeat check)
REPEAT_WINDOW = repo.REPEAT_WINDOW
# Hears a staff action's outcome (the item as changed, None when it changed meanwhile) once
# it is stored and before anyone is told: the tapped button's answer, which Telegram refuses
# when it comes late, must not wait for messages to others (paced at one a second per chat).
Acknowledge = Callable[[Appeal | None], Awaitable[None]]


class AppealRefused(Exception):
    """An item that may not be filed; ``key`` is the message explaining why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def text_key(identity: Identity, text: str) -> str:
    """A key equal for texts that differ only in case, spacing or punctuation at the ends.

    A keyed hash: it outlives the text when the resident erases their data (the repeat check
    still holds) and gives nothing of the text away.
    """
    normalized = " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())
    return identity.keyed_hash(TEXT_PURPOSE, normalized)


def text_problem(text: str | None, maximum: int = TEXT_MAX, minimum: int = TEXT_MIN) -> str | None:
    """The message key explaining what is wrong with a text, or None when it will do."""
    stripped = (text or "").strip()
    if not stripped:
        return "complaint.text_empty"
    if len(stripped) < minimum:
        return "complaint.text_short"
    if len(stripped) > maximum:
        return "complaint.text_long"
    return None


def words_problem(text: str | None, voice: str | None = None) -> str | None:
    """What is wrong with a resident's words, or None: what carries meaning will do (two words
    such as «жарық жоқ»; a voice note alone); one stray character will not."""
    stripped = (text or "").strip()
    if not stripped:
        return None if voice else "complaint.text_empty"
    if len(stripped) > TEXT_MAX:
        return "complaint.text_long"
    return None if typed.meaningful(stripped) else "complaint.text_words"


def repeat_text(text: str | None, voice: str | None) -> str:
    """What the repeat check compares: the words, or the voice note when there are none."""
    return text.strip() if text and text.strip() else f"voice:{voice}"


def calendar(services: Services) -> WorkCalendar:
    """Working days with the configured extra holidays."""
    return WorkCalendar(services.settings.public_holidays)


def local_today(services: Services, now: datetime | None = None) -> date:
    """Today in the configured zone."""
    return (now or utcnow()).astimezone(services.settings.zone).date()


async def check_may_file(
    services: Services, person: Person, text: str | None = None, now: datetime | None = None
) -> Village:
    """Return the resident's village; raise :class:`AppealRefused` (no village, limit, repeat)."""
    now = now or utcnow()
    village = None
    if person.village_code is not None:
        village = await territory.get_village(services.db, person.village_code)
    if village is None:
        raise AppealRefused("error.need_village")
    day_start = datetime.combine(local_today(services, now), time(0), services.settings.zone)
    if (
        await repo.count_since(services.db, person.id, day_start)
        >= services.settings.appeals_per_day
    ):
        raise AppealRefused("complaint.limit_reached")
    if text is not None and await repo.sent_same_text_since(
        services.db, person.id, text_key(services.identity, text), now - REPEAT_WINDOW
    ):
        raise AppealRefused("complaint.repeat")
    return village


async def _store(
    services: Services,
    person: Person,
    village_code: str,
    now: datetime,
    *,
    kind: Kind,
    category: str,
    text: str,
    repeat: str | None = None,
    due_on: date | None = None,
    **extra: Any,
) -> Appeal:
    local = now.astimezone(services.settings.zone)
    new = NewAppeal(
        kind=kind,
        person_id=person.id,
        village_code=village_code,
        category=category,
        text=text.strip(),
        text_key=text_key(services.identity, repeat or text),
        language=person.preferred_language or services.settings.default_language,
        due_on=due_on or calendar(services).due_date(local.date()),
        **extra,
    )
    return await repo.create(services.db, new, local.year, now)


async def submit(
    services: Services, bot: Bot, person: Person, draft: IntakeDraft, now: datetime | None = None
) -> Appeal:
    """File the resident's draft, tell the staff of the village, and return the stored item."""
    now = now or utcnow()
    repeat = repeat_text(draft.text, draft.voice)
    village = await check_may_file(services, person, repeat, now)
    problem = words_problem(draft.text, draft.voice)
    if problem is not None or draft.category not in CATEGORIES:
        raise AppealRefused(problem or "complaint.choose_category")
    assert draft.category is not None
    appeal = await _store(
        services,
        person,
        village.code,
        now,
        kind=Kind(draft.kind),
        category=draft.category,
        text=draft.text or "",
        repeat=repeat,
        hide_name=draft.hide_name,
        photos=tuple(draft.photos[:MAX_PHOTOS]),
        voice_file_id=draft.voice,
        latitude=draft.latitude,
        longitude=draft.longitude,
    )
    await notices.new_item(services, appeal, village)
    return appeal


async def submit_hearing_question(
    services: Services,
    person: Person,
    hearing_id: int,
    village_code: str,
    text: str,
    *,
    hide_name: bool = False,
    bot: Bot | None = None,
    now: datetime | None = None,
    theme: str = "other",
    starts_at: datetime | None = None,
) -> Appeal:
    """Store a resident's question before a meeting as an item of the staff's inbox.

    Its theme is a category; it is due on the day the meeting starts (``starts_at``), where it
    is answered, not in 15 working days. The same limits as for complaints apply
    (:class:`AppealRefused` says which). With ``hide_name`` staff do not see who asked. With
    ``bot``, the staff covering the village are told at once, as for any new item.
    """
    now = now or utcnow()
    problem = words_problem(text)
    if problem is not None:
        raise AppealRefused(problem)
    if theme not in CATEGORIES:
        raise AppealRefused("complaint.choose_category")
    await check_may_file(services, person, text, now)
    village = await territory.get_village(services.db, village_code)
    if village is None:
        raise AppealRefused("error.need_village")
    appeal = await _store(
        services,
        person,
        village.code,
        now,
        kind=Kind.QUESTION,
        category=theme,
        text=text,
        due_on=local_today(services, starts_at) if starts_at is not None else None,
        hearing_id=hearing_id,
        hide_name=hide_name,
    )
    if bot is not None:
        await notices.new_item(services, appeal, village)
    return appeal


def may_work(access: Access, village: Village, level: str) -> bool:
    """Whether staff with ``access`` work items of ``village`` at ``level``: items forwarded up
    to the district are for district (and wider) staff, not a village's or an okrug's."""
    for scope in access.scopes(Role.STAFF):
        if scope.covers(village) and (level == "village" or scope.kind not in LOCAL_SCOPES):
            return True
    return False


# --- staff actions: each returns the changed item, or None when it changed meanwhile ----------


async def _move(
    services: Services,
    bot: Bot,
    appeal: Appeal,
    actor: int,
    move: tuple[tuple[Status, ...], Status, str],
    note: str | None = None,
    acknowledge: Acknowledge | None = None,
    versions: Versions | None = None,
    **extra: int,
) -> Appeal | None:
    """Change the status (from one of ``move[0]`` to ``move[1]``), store the step ``move[2]``
    with its note (and the note's other versions), and tell the resident in their language;
    None when the item changed meanwhile."""
    allowed, to, action = move
    changed = await repo.change(
        services.db, appeal.id, allowed, to, action, actor, note, utcnow(), versions, None,
        **extra,
    )  # fmt: skip
    if acknowledge is not None:
        await acknowledge(changed)
    if changed is not None:
        await notices.to_resident(services, bot, changed, action, note=note, versions=versions)
    return changed


async def take(
    services: Services,
    bot: Bot,
    appeal: Appeal,
    actor: int,
    *,
    acknowledge: Acknowledge | None = None,
) -> Appeal | None:
    """Take a new item into work (``acknowledge``: see :data:`Acknowledge`)."""
    move = ((Status.NEW,), Status.IN_PROGRESS, "taken")
    return await _move(services, bot, appeal, actor, move, acknowledge=acknowledge)


async def answer(
    services: Services,
    bot: Bot,
    appeal: Appeal,
    actor: int,
    text: str,
    versions: Versions | None = None,
) -> Appeal | None:
    """Send the staff's answer to the resident (their language's version, when given)."""
    move = (ACTIVE, Status.ANSWERED, "answered")
    return await _move(services, bot, appeal, actor, move, text, versions=versions)


async def resolve(
    services: Services,
    bot: Bot,
    appeal: Appeal,
    actor: int,
    comment: str,
    versions: Versions | None = None,
) -> Appeal | None:
    """Mark an item resolved and ask the resident whether it really is."""
    move = (ACTIVE, Status.RESOLVED, "resolved")
    return await _move(
        services, bot, appeal, actor, move, comment, versions=versions, confirm_pending=1
    )


async def reject(
    services: Services,
    bot: Bot,
    appeal: Appeal,
    actor: int,
    reason: str,
    versions: Versions | None = None,
) -> Appeal | None:
    """Reject an item with a reason."""
    move = (ACTIVE, Status.REJECTED, "rejected")
    return await _move(services, bot, appeal, actor, move, reason, versions=versions)


async def staff_reached(services: Services, appeal: Appeal, target: Village | None) -> list[int]:
    """Staff who would work the item forwarded to ``target`` (None: up to the district)."""
    if target is not None:
        return await notices.staff_covering(services, target, district_level=False)
    handler = await territory.get_village(services.db, appeal.handler_village_code)
    assert handler is not None
    return await notices.staff_covering(services, handler, district_level=True)


async def forward(
    services: Services,
    bot: Bot,
    appeal: Appeal,
    actor: int,
    target: Village | None,
    *,
    note: str | None = None,
    acknowledge: Acknowledge | None = None,
) -> Appeal | None:
    """Hand an item to the staff of ``target``, or (None) up to the district's staff, with an
    optional ``note`` for them (kept in the history).

    A target whose items nobody in Qatysu works is refused (:class:`AppealRefused`
    ``inbox.forward_nobody``) and nothing changes: the item would reach no one.
    ``acknowledge``: see :data:`Acknowledge`.
    """
    if not await staff_reached(services, appeal, target):
        raise AppealRefused("inbox.forward_nobody")
    if target is None:
        handler = await territory.get_village(services.db, appeal.handler_village_code)
        assert handler is not None
        village_code, level, place = handler.code, "district", f"district:{handler.district_code}"
    else:
        village_code, level, place = target.code, "village", f"village:{target.code}"
    changed = await repo.change(
        services.db, appeal.id, ACTIVE, None, "forwarded", actor, note or None, utcnow(),
        None, place, handler_village_code=village_code, level=level,
    )  # fmt: skip
    if acknowledge is not None:
        await acknowledge(changed)
    if changed is not None:
        await notices.forwarded(services, bot, changed)
    return changed


def extension_options(services: Services, appeal: Appeal) -> tuple[int, ...]:
    """The extensions still allowed (working days), none once MAX_EXTENSIONS were used.

    All of them together stay within MAX_EXTENSION_WORKDAYS: an item cannot be put off for
    ever, and escalates when its last due date passes.
    """
    settings = services.settings
    left = settings.max_extension_workdays - appeal.extended_days
    if appeal.extensions >= settings.max_extensions or left <= 0:
        return ()
    return tuple(days for days in EXTENSIONS if days <= left) or (left,)


async def extend(
    services: Services,
    bot: Bot,
    appeal: Appeal,
    actor: int,
    days: int,
    reason: str,
    versions: Versions | None = None,
) -> Appeal | None:
    """Move the due date ``days`` working days later, with a reason the resident is told."""
    if days not in extension_options(services, appeal):
        return None
    settings = services.settings
    due = calendar(services).add_working_days(appeal.due_on, days)
    bounds = (settings.max_extensions, settings.max_extension_workdays)
    changed = await repo.extend(
        services.db, appeal, due, days, bounds, actor, reason, utcnow(), versions
    )
    if changed is not None:
        await notices.to_resident(
            services, bot, changed, "extended", note=reason, versions=versions
        )
    return changed


async def settle(
    services: Services, bot: Bot, appeal_id: int, person: Person, solved: bool
) -> Appeal | None:
    """Take the resident's answer to "Was it really solved?"; "no" reopens and tells staff."""
    changed = await repo.settle_confirmation(services.db, appeal_id, person.id, solved, utcnow())
    if changed is not None and not solved:
        await notices.reopened(services, changed)
    return changed


def is_open(appeal: Appeal) -> bool:
    """Not yet answered."""
    return appeal.status in OPEN
