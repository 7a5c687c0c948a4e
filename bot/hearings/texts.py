"""How a public hearing reads: its card and the notices of a change, a cancellation, an outcome."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n import Translator
from storage import territory
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
    """The hearing as residents read it (in their language's version, else the first)."""
    hearing = hearing.read_in(tr.language)
    return tr.t(
        "hearing.card",
        topic=hearing.topic,
        when=tr.datetime(hearing.starts_at),
        place=hearing.place,
        villages=await village_names(services, tr, hearing.village_codes),
        agenda=hearing.agenda,
    )


def cancelled_text(tr: Translator, hearing: Hearing) -> str:
    """The notice that a hearing is cancelled."""
    hearing = hearing.read_in(tr.language)
    return tr.t("hearing.cancelled", topic=hearing.topic, when=tr.datetime(hearing.starts_at))


def outcome_text(tr: Translator, hearing: Hearing) -> str:
    """The notice of what a hearing decided."""
    hearing = hearing.read_in(tr.language)
    return tr.t(
        "hearing.outcome",
        topic=hearing.topic,
        when=tr.date(hearing.starts_at),
        attendance=tr.number(hearing.attendance or 0),
        decisions=hearing.decisions or "",
    )


async def changed_text(services: Services, tr: Translator, hearing: Hearing) -> str:
    """The notice that a hearing's time or place changed, with the new card."""
    return tr.t("hearing.changed") + "\n\n" + await card(services, tr, hearing)
