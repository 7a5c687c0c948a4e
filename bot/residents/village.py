"""A resident's village: the first choice is free, a move is asked and bounded.

A move (by ``/village`` or by another village's link) is shown and confirmed first; at most one
per ``VILLAGE_CHANGE_DAYS``, unless the staff of the new village confirm it (a request with
approve / refuse buttons). Moving never gives a second vote: votes belong to the person's row
(their pseudonymous key), and a resident who moved after a poll opened does not vote in it
(:func:`storage.polls.eligibility`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.appeals import notices
from bot.callbacks import Feature
from bot.context import Services
from bot.i18n import Translator
from bot.logs import who
from bot.messaging import send, translator_of
from bot.residents import verification
from storage import people, territory
from storage.db import utcnow
from storage.models import Person, Village
from storage.people import Binding, VillageMove

_LOGGER = logging.getLogger(__name__)
FEATURE = Feature.VILLAGE  # the move buttons (handlers/village.py)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What choosing a village did; ``next_move`` is set when it was too soon."""

    binding: Binding
    village: Village
    next_move: datetime | None = None


def is_move(person: Person | None, village: Village) -> bool:
    """Whether choosing ``village`` moves the person from another one (then it is asked)."""
    return person is not None and person.village_code not in (None, village.code)


def next_move_at(services: Services, person: Person) -> datetime | None:
    """When the person may move again without staff (None: now)."""
    if person.village_moved_at is None:
        return None
    allowed = person.village_moved_at + services.settings.village_change_interval
    return allowed if allowed > utcnow() else None


async def choose(services: Services, person: Person, village: Village) -> Outcome:
    """Bind the person to ``village``: free the first time, a move unless they moved lately."""
    now = utcnow()
    since = now - services.settings.village_change_interval
    binding = await people.bind_village(services.db, person.id, village.code, now, since)
    if binding is Binding.MOVED:
        await moved(services, person.id, person.telegram_id, village.code)
    if binding is Binding.TOO_SOON:
        return Outcome(binding, village, next_move_at(services, person) or now)
    return Outcome(binding, village)


async def moved(services: Services, person_id: int, telegram_id: int, village_code: str) -> None:
    """What follows a move, by the resident or confirmed by staff (one place for both).

    The person's verification (or request) was of the old village: it is dropped.
    """
    await verification.village_changed(services, person_id)
    _LOGGER.info("Resident %s moved to %s", who(telegram_id), village_code)


async def ask_staff(
    services: Services, bot: Bot, person: Person, village: Village
) -> VillageMove | None:
    """Ask the staff of ``village`` to confirm a move; None when no staff covers it."""
    staff = await notices.staff_covering(services, village, district_level=False)
    if not staff:
        return None
    move = await people.ask_move(services.db, person.id, village.code, utcnow())
    previous = None
    if person.village_code is not None:
        previous = await territory.get_village(services.db, person.village_code)
    for staff_id in staff:
        tr = await translator_of(services, staff_id)
        text = tr.t(
            "village.move_request",
            name=person.first_name or "—",
            old=previous.names.get(tr.language) if previous else "—",
            new=village.names.get(tr.language),
            date=tr.date(person.village_moved_at or utcnow()),
        )
        await send(bot, staff_id, text, decision_buttons(tr, move))
    _LOGGER.info("Resident %s asked to move to %s", who(person.telegram_id), village.code)
    return move


def _button(text: str, action: str, *args: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.build(FEATURE, action, *args))


def decision_buttons(tr: Translator, move: VillageMove) -> InlineKeyboardMarkup:
    """Approve / refuse, for the staff of the new village."""
    return InlineKeyboardMarkup(
        [
            [
                _button(tr.t("village.move_approve"), "ok", move.id),
                _button(tr.t("village.move_refuse"), "no", move.id),
            ]
        ]
    )


async def decide(
    services: Services, bot: Bot, move: VillageMove, staff_id: int, approve: bool
) -> VillageMove | None:
    """Approve or refuse a pending move (scope checked by the caller); the resident is told."""
    decided = await people.decide_move(services.db, move.id, approve, staff_id, utcnow())
    if decided is None:
        return None
    person = await people.get_by_id(services.db, decided.person_id)
    village = await territory.get_village(services.db, decided.to_village)
    if approve and person is not None:
        await moved(services, person.id, person.telegram_id, decided.to_village)
    if person is not None and village is not None:
        tr = services.i18n.of(person)
        key = "village.move_approved" if approve else "village.move_refused"
        text = tr.t(key, village=village.names.get(tr.language))
        await send(bot, person.telegram_id, text)
    _LOGGER.info(
        "Move %s to %s %s by staff %s",
        decided.id,
        decided.to_village,
        decided.status,
        who(staff_id),
    )
    return decided


def move_buttons(tr: Translator, village: Village, current: Village) -> InlineKeyboardMarkup:
    """Move / stay, under the question."""
    return InlineKeyboardMarkup(
        [
            [_button(tr.t("village.move_yes"), "mv",
                     village.code)],
            [_button(tr.t("village.move_no"), "stay")],
        ]
    )  # fmt: skip


def ask_staff_buttons(tr: Translator, village: Village) -> InlineKeyboardMarkup:
    """Ask the staff of the new village / stay."""
    return InlineKeyboardMarkup(
        [
            [_button(tr.t("village.ask_staff"), "ask",
                     village.code)],
            [_button(tr.t("village.move_cancel"), "stay")],
        ]
    )  # fmt: skip
