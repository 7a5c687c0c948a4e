"""Meetings: the one owner of the writes only some kinds have, and of the notices they imply.

An assembly's member list (per village), its record after it was held (members present, each
item's decision and votes, the signed protocol) sent to residents with the decisions; the
answers to questions asked before a meeting, theme by theme, sent once in one message to those
who asked first (and, if staff choose, to every resident of its villages). Announcing,
postponing, cancelling and reminding are :mod:`bot.hearings.service`'s, for every kind.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.hearings.service import OUTCOME, ReportTo, tell_first
from storage import meetings
from storage.db import utcnow
from storage.hearings import Hearing
from storage.meetings import AssemblyRecord, ItemResult

if TYPE_CHECKING:
    from bot.context import Services

PROTOCOL, ANSWERS = "meeting.protocol", "meeting.answers"  # broadcast kinds (stored)
NAME_MIN, NAME_MAX, NAMES_MAX = 3, 100, 60
MAX_MEMBERS = 500  # in one village's list
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\s*[.)]|[-•*–])\s*")


def agenda_items(agenda: str) -> list[str]:
    """An assembly's agenda typed one item per line: the items, numbering taken off."""
    items = [_NUMBERING.sub("", line).strip() for line in agenda.splitlines()]
    return [item for item in items if item]


def member_names(text: str) -> list[str] | None:
    """Names typed one per line; None when a line is too short or too long, or too many."""
    names = list(dict.fromkeys(" ".join(line.split()) for line in text.splitlines()))
    names = [name for name in names if name]
    if not names or len(names) > NAMES_MAX:
        return None
    if any(not NAME_MIN <= len(name) <= NAME_MAX for name in names):
        return None
    return names


async def add_members(
    services: Services, village_code: str, names: Sequence[str], actor: int
) -> int:
    """Add members to a village's list of the community assembly; how many were new."""
    return await meetings.add_members(services.db, village_code, names, actor)


async def remove_member(services: Services, member_id: int) -> bool:
    """Take a member off their village's list."""
    return await meetings.remove_member(services.db, member_id)


async def conclude_assembly(
    services: Services,
    hearing: Hearing,
    *,
    attendance: int,
    members_present: int,
    results: Sequence[ItemResult],
    protocol: tuple[str, str] | None,
    actor: int,
    report_to: ReportTo,
) -> bool:
    """Record what an assembly decided, item by item, and send it to the residents of its
    villages, then the signed protocol; False (nobody told) when it was not scheduled."""
    members = await meetings.member_count(services.db, hearing.village_codes)
    items = await meetings.items_of(services.db, hearing.id)
    plain = "\n".join(
        f"{item.position}. {item.title}: {result.decision}"
        for item, result in zip(items, results, strict=False)
    )
    record = AssemblyRecord(
        attendance=attendance, members_total=members, members_present=members_present,
        results=tuple(results), decisions=plain, protocol=protocol,
    )  # fmt: skip
    if not await meetings.conclude_assembly(services.db, hearing.id, record):
        return False
    for kind in (OUTCOME, PROTOCOL) if protocol else (OUTCOME,):
        await services.engine.submit(
            kind=kind, payload={}, created_by=actor, ref_id=hearing.id, report_to=report_to,
            village_codes=hearing.village_codes,
        )  # fmt: skip
    return True


async def save_answer(
    services: Services, hearing: Hearing, theme: str, text: str, actor: int
) -> None:
    """Keep staff's answer to the questions of one theme (sent later, with all the others)."""
    await meetings.save_answer(services.db, hearing.id, theme, text.strip(), actor)


async def themes(services: Services, hearing: Hearing) -> Counter[str]:
    """How many questions residents asked under each theme."""
    return Counter(q.theme for q in await meetings.questions_of(services.db, hearing.id))


async def unanswered_themes(services: Services, hearing: Hearing) -> list[str]:
    """Themes with questions and no answer yet."""
    given = await meetings.answers_of(services.db, hearing.id)
    return [theme for theme in await themes(services, hearing) if theme not in given]


async def publish_answers(
    services: Services, hearing: Hearing, *, to_all: bool, actor: int, report_to: ReportTo
) -> bool:
    """Send the answers, once, in one message: to those who asked first, then (``to_all``) to
    every resident of the meeting's villages. Their questions become answered, each with its
    theme's answer in its history. False when the answers went out before."""
    askers = await meetings.publish_answers(services.db, hearing.id, actor, utcnow())
    if askers is None:
        return False
    tr = report_to[1]
    title = tr.t("meeting.report.answers", topic=hearing.topic)
    if to_all:
        await tell_first(
            services, ANSWERS, hearing, actor, report_to, first=askers, payload={},
            first_title=title,
        )  # fmt: skip
    elif askers:
        await services.engine.submit(
            kind=ANSWERS, payload={"first": True}, created_by=actor, ref_id=hearing.id,
            report_to=report_to, report_title=title, person_ids=tuple(askers),
        )  # fmt: skip
    return True


def is_started(hearing: Hearing) -> bool:
    """Whether the meeting has begun (its answers may go out once it has)."""
    return hearing.starts_at <= utcnow()
