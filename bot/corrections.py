"""Corrections of published items: a hearing's topic or agenda, a poll's question or options
(before the first vote) or closing time (always, while open), a notice's text.

Staff of the item's area correct it: its author, or staff whose scope covers every village of
the item; the role and the scope are read again on every tap. The correction goes, marked
«Түзету:» / «Исправление:» / "Correction:" with what changed, to exactly the people the original
reached: the recipients its broadcasts' outbox recorded as sent. Residents who joined since, and
other villages, get nothing (they read the corrected item when they open it).

After ``OUTBOX_RETENTION_DAYS`` a finished broadcast's outbox is compacted to its counts and its
reach per village: who received it is no longer known. A correction of such an item goes to the
current residents of its villages (for a notice: the villages its stored reach names), and staff
are told so at the preview before they send it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.auth import Access
from bot.broadcast.engine import Outgoing
from bot.broadcast.notices import KIND as NOTICE_KIND
from bot.hearings import service as hearing_service
from bot.i18n import Translator
from bot.polls import service as polls
from storage import broadcasts, hearings, territory
from storage import polls as polls_repo
from storage.broadcasts import Broadcast
from storage.db import from_db_time, to_db_time
from storage.models import Role

if TYPE_CHECKING:
    from datetime import datetime

    from bot.context import Services

KIND = "correction"
FIELDS = {
    "hearing": ("topic", "agenda"),
    "poll": ("question", "options", "closing"),
    "notice": ("text",),
}
BEFORE_VOTES = ("question", "options")  # a poll's fields that change only while nobody voted
ORIGINALS = {"hearing": hearing_service.NEW, "poll": polls.ANNOUNCEMENT_KIND}
TITLE_MAX = 60


class CorrectionRefused(Exception):
    """A correction that may not be made; ``key`` says why, in the reader's language."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True, slots=True)
class Item:
    """A published item as a correction sees it: its texts now, its villages, its author."""

    kind: str  # hearing, poll or notice
    id: int
    title: str
    villages: tuple[str, ...]
    author: int
    values: dict[str, str]  # the correctable fields (a closing time as storage text)
    open: bool  # a scheduled hearing, an open poll; a notice always


def _clip(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1] + "…"


async def item_of(services: Services, kind: str, item_id: int) -> Item | None:
    """The item a correction's button names, or None when there is none."""
    db = services.db
    if kind == "hearing" and (hearing := await hearings.get(db, item_id)) is not None:
        return Item(kind, item_id, hearing.topic, hearing.village_codes, hearing.created_by,
                    {"topic": hearing.topic, "agenda": hearing.agenda},
                    hearing.status == "scheduled")  # fmt: skip
    if kind == "poll" and (poll := await polls_repo.get(db, item_id)) is not None:
        values = {"question": poll.question, "options": "\n".join(poll.options),
                  "closing": to_db_time(poll.closes_at)}  # fmt: skip
        return Item(kind, item_id, poll.question, poll.village_codes, poll.created_by, values,
                    poll.status == "open")  # fmt: skip
    notice = await broadcasts.get(db, item_id) if kind == "notice" else None
    if notice is not None and notice.kind == NOTICE_KIND:
        text = str(notice.payload.get("text") or "")
        villages = tuple(await broadcasts.reached_villages(db, notice.id))
        return Item(kind, item_id, _clip(text), villages, notice.created_by, {"text": text}, True)
    return None


async def may_correct(services: Services, access: Access, item: Item) -> bool:
    """Staff correct their own items, and those whose every village is in their scope."""
    if not access.has(Role.STAFF):
        return False
    if item.author == access.telegram_id:
        return True
    villages = [await territory.get_village(services.db, code) for code in item.villages]
    return bool(villages) and all(v is not None and access.covers(Role.STAFF, v) for v in villages)


async def check(services: Services, item: Item, field: str) -> None:
    """Refuse what may not be corrected: a closed item; a poll's question once anyone voted."""
    if field not in FIELDS.get(item.kind, ()):
        raise CorrectionRefused("error.stale_button")
    if not item.open:
        raise CorrectionRefused(f"correction.refused.closed.{item.kind}")
    if field in BEFORE_VOTES and await polls_repo.has_votes(services.db, item.id):
        raise CorrectionRefused("correction.refused.voted")


async def audience(services: Services, item: Item) -> tuple[list[int], bool]:
    """Who gets the correction: the original's recipients; and whether that list is gone
    (compacted), so the current residents of the item's villages get it instead."""
    db = services.db
    if item.kind == "notice":
        originals = [item.id]
    else:
        originals = await broadcasts.of_item(db, ORIGINALS[item.kind], item.id)
    people, compacted = await broadcasts.delivered(db, originals)
    return people, compacted


async def count(services: Services, item: Item) -> tuple[int, bool]:
    """How many the correction would reach, and whether by the villages (see :func:`audience`)."""
    people, compacted = await audience(services, item)
    if compacted:
        return await broadcasts.count_audience(services.db, item.villages), True
    return len(people), False


async def apply(
    services: Services,
    item: Item,
    field: str,
    value: str,
    *,
    actor: int,
    report_to: tuple[int, Translator],
) -> int:
    """Store the correction and send it to the original's recipients; the broadcast's id."""
    await check(services, item, field)
    await _store(services, item, field, value)
    people, compacted = await audience(services, item)
    payload: dict[str, Any] = {
        "item": item.kind, "field": field, "title": item.title,
        "old": item.values.get(field, ""), "new": value,
    }  # fmt: skip
    return await services.engine.submit(
        kind=KIND, payload=payload, created_by=actor, report_to=report_to, ref_id=item.id,
        village_codes=item.villages if compacted else (), person_ids=tuple(people),
    )  # fmt: skip


async def _store(services: Services, item: Item, field: str, value: str) -> None:
    """Write the corrected field (the other language's version of a corrected text is dropped:
    it would say the old thing)."""
    db = services.db
    if item.kind == "hearing":
        hearing = await hearings.get(db, item.id)
        assert hearing is not None
        await hearings.correct(db, item.id, field, value, hearing.versions.without(field))
    elif item.kind == "poll" and field == "question":
        poll = await polls_repo.get(db, item.id)
        assert poll is not None
        if not await polls_repo.correct_question(db, item.id, value, poll.versions.without(field)):
            raise CorrectionRefused("correction.refused.voted")
    elif item.kind == "poll" and field == "options":
        poll = await polls_repo.get(db, item.id)
        assert poll is not None
        options, problem = polls.parse_options(value)
        if problem is not None:
            raise CorrectionRefused(problem[0])
        if not await polls_repo.correct_options(db, item.id, options, poll.versions.without(field)):
            raise CorrectionRefused("correction.refused.voted")
    elif item.kind == "poll":
        if not await polls_repo.set_closing(db, item.id, from_db_time(value)):
            raise CorrectionRefused("correction.refused.closed.poll")
        poll = await polls_repo.get(db, item.id)
        if poll is not None and services.poll_schedule is not None:
            services.poll_schedule.schedule(poll)  # the close and the reminder at the new time


def shown(tr: Translator, field: str, value: str) -> str:
    """A field's value as a reader sees it (a closing time in their zone and language)."""
    if field == "closing":
        moment: datetime = from_db_time(value)
        return tr.datetime(moment)
    return value


async def render(broadcast: Broadcast, tr: Translator) -> Outgoing:
    """«Түзету:» / «Исправление:», the item, the field's new value and the old one."""
    payload = broadcast.payload
    item, field = str(payload.get("item")), str(payload.get("field"))
    title = str(payload.get("title") or "")
    lines = [
        tr.t("correction.header", item=tr.t(f"correction.item.{item}", title=title)),
        tr.t(f"correction.field.{field}", value=shown(tr, field, str(payload.get("new") or ""))),
        tr.t("correction.was", value=shown(tr, field, str(payload.get("old") or ""))),
    ]
    return Outgoing(text="\n".join(lines)[:4000])
