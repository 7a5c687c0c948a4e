"""How a public hearing (or another meeting) reads: its card and the notices of a change, a
cancellation, an outcome; each kind's own words are in :mod:`bot.meetings.texts`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n import Translator
from bot.meetings import texts as meeting_texts
from storage import meetings, territory
from storage.hearings import Hearing

if TYPE_CHECKING:
    from bot.context import Services


def deep_link(bot_username: str | None, hearing_id: int) -> str:
    """The link that opens a hearing in the bot (for sharing)."""
    return f"https://t.me/{bot_username}?start=h_{hearing_id}"


def map_link(hearing: Hearing) -> str:
    """A map of the place, when staff dropped a pin."""
    lat, lon = hearing.latitude, hearing.longitude
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}"
    )


async def village_names(services: Services, tr: Translator, codes: Sequence[str]) -> str:
    """The villages of a hearing, named in the reader's language."""
    names = []
    for code in codes:
        village = await territory.get_village(services.db, code)
        names.append(village.names.get(tr.language) if village else code)
    return ", ".join(names)


async def card(services: Services, tr: Translator, hearing: Hearing) -> str:
    """The hearing (or meeting) as residents read it, in its kind's own words."""
    villages = await village_names(services, tr, hearing.village_codes)
    members = 0
    if hearing.kind == meeting_texts.ASSEMBLY:
        members = hearing.members_total or await meetings.member_count(
            services.db, hearing.village_codes
        )
    return meeting_texts.card(tr, hearing, villages, members)


def cancelled_text(tr: Translator, hearing: Hearing) -> str:
    """The notice that a hearing is cancelled (with the reason stored with it)."""
    return meeting_texts.cancelled(tr, hearing, hearing.reason)


def outcome_text(tr: Translator, hearing: Hearing) -> str:
    """The notice of what a hearing decided."""
    return meeting_texts.outcome(tr, hearing)


async def changed_text(services: Services, tr: Translator, hearing: Hearing) -> str:
    """The notice that a hearing's time or place changed, with the new card."""
    key = "hearing.changed" if hearing.kind == meeting_texts.HEARING else "meeting.changed"
    return tr.t(key) + "\n\n" + await card(services, tr, hearing)
