"""Verified residents: a phone shared with Telegram's contact button, checked by the akimat.

A resident shares their own phone (Telegram's contact button; a contact whose ``user_id`` is not
the sender's is refused). A Kazakhstan number only, normalised to E.164 with ``phonenumbers``
and kept as a keyed hash (:mod:`bot.identity`). A number in the village's household register
(``qatysu residents import-phones``) verifies at once; otherwise the staff of the village see the
request in ``/verify`` (name, phone, the street the resident typed) and approve or reject it with
a reason, and the resident is told in their language. One phone verifies one account; moving to
another village drops the verification; erasing one's data erases the request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, messaging
from bot.appeals import notices
from bot.callbacks import Feature
from bot.context import Services
from bot.i18n import Translator
from storage import territory
from storage import verifications as repo
from storage.db import utcnow
from storage.models import Person, Village
from storage.verifications import Decided, Requested, Verification

_LOGGER = logging.getLogger(__name__)
FEATURE = Feature.VERIFY  # the verification buttons (handlers/verification/)
PHONE_PURPOSE = "phone"  # the purpose of a phone's keyed hash
REGION = "KZ"
MAX_STREET = 120
PRESET_REASONS = ("not_in_register", "other_village", "no_answer")  # verify.reason.<name>
NOTICE_EVERY = timedelta(days=1)  # staff hear of one resident's requests at most this often


class Shared(StrEnum):
    """What sharing a contact did, beyond the storage's outcomes."""

    NOT_OWN = "not_own"  # someone else's contact card
    NOT_KZ = "not_kz"  # not a Kazakhstan number
    NO_VILLAGE = "no_village"  # the resident has chosen no village yet


@dataclass(frozen=True, slots=True)
class Contact:
    """What a shared contact says: whose it is, the number, the name on it."""

    user_id: int | None
    phone_number: str
    name: str | None


def normalise(raw: str) -> str | None:
    """The number as E.164 when it is a valid Kazakhstan one (``+77011234567``), else None.

    Telegram gives a contact's number in full without the plus (``77011234567``); a household
    register writes it as people do (``8 701 123 45 67``, ``+7 (701) 123-45-67``).
    """
    import phonenumbers  # here: its metadata (1 MB) only once someone shares a number

    digits = "".join(ch for ch in raw if ch.isdigit())
    candidates = [raw]
    if not raw.strip().startswith("+") and len(digits) == 11 and digits.startswith("7"):
        candidates.insert(0, "+" + digits)  # international without the plus: +7 is the code
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, REGION)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            if phonenumbers.region_code_for_number(number) != REGION:
                return None
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def readable(e164: str) -> str:
    """A number as staff read it: ``+7 701 123 4567``."""
    import phonenumbers

    number = phonenumbers.parse(e164, REGION)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_key(services: Services, e164: str) -> str:
    """The keyed hash a number is stored and compared as."""
    return services.identity.keyed_hash(PHONE_PURPOSE, e164)


async def share(
    services: Services, person: Person, sender_id: int, contact: Contact
) -> tuple[Requested | Shared, int]:
    """Take a shared contact: the resident's own Kazakhstan number only; return the outcome and
    the request's id (when one was stored)."""
    if contact.user_id != sender_id:
        _LOGGER.info("Contact refused: not the sender's own (request %s)", person.id)
        return Shared.NOT_OWN, 0
    if person.village_code is None:
        return Shared.NO_VILLAGE, 0
    e164 = normalise(contact.phone_number)
    if e164 is None:
        return Shared.NOT_KZ, 0
    outcome, request_id = await repo.request(
        services.db, person.id, person.village_code, phone_key(services, e164), e164,
        contact.name, utcnow(),
    )  # fmt: skip
    _LOGGER.info("Phone shared by person %s: %s", person.id, outcome)
    return outcome, request_id


async def add_street(
    services: Services, bot: Bot, person: Person, request_id: int, street: str
) -> bool:
    """Keep the street the resident typed, then tell the village's staff of the request.

    Staff are told of a resident's first request of a day only: asking again and again reaches
    the queue, not their chats.
    """
    if not await repo.set_street(services.db, request_id, person.id, street[:MAX_STREET]):
        return False
    village = await territory.get_village(services.db, person.village_code or "")
    asked = await repo.asked_since(services.db, person.id, utcnow() - NOTICE_EVERY)
    if village is not None and asked <= 1:
        await tell_staff(services, bot, village)
    return True


async def tell_staff(services: Services, bot: Bot, village: Village) -> int:
    """Tell the staff of the village that a request waits in /verify; return how many."""
    staff = await notices.staff_covering(services, village, district_level=False)
    for staff_id in staff:
        tr = await messaging.translator_of(services, staff_id)
        text = tr.t("verify.new_request", village=village.names.get(tr.language))
        await messaging.send(bot, staff_id, text, queue_button(tr))
    return len(staff)


def queue_button(tr: Translator) -> InlineKeyboardMarkup:
    """Open the verification queue."""
    data = callbacks.build(FEATURE, "q")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr.t("verify.open_queue"), callback_data=data)]]
    )


def reason_text(tr: Translator, reason: str | None) -> str:
    """A rejection's reason in the reader's language (a preset one), or as staff typed it."""
    if reason and reason.startswith("verify.reason."):
        return tr.t(reason)
    return reason or "—"


async def decide(
    services: Services,
    bot: Bot,
    request: Verification,
    staff_id: int,
    approve: bool,
    reason: str | None = None,
) -> Decided:
    """Approve or reject a pending request (scope checked by the caller); the resident is told."""
    decided = await repo.decide(services.db, request.id, approve, staff_id, reason, utcnow())
    _LOGGER.info("Request %s %s: %s", request.id, "approved" if approve else "rejected", decided)
    if decided is not Decided.DONE:
        return decided
    telegram_id = await repo.telegram_id_of(services.db, request.person_id)
    village = await territory.get_village(services.db, request.village_code)
    if telegram_id is not None and village is not None:
        tr = await messaging.translator_of(services, telegram_id)
        name = village.names.get(tr.language)
        if approve:
            text = tr.t("verify.approved", village=name)
        else:
            text = tr.t("verify.rejected", village=name, reason=reason_text(tr, reason))
        await messaging.send(bot, telegram_id, text)
    return decided


async def village_changed(services: Services, person_id: int) -> None:
    """The person moved: their verification (or request) was of the old village, and ends."""
    await repo.drop_on_move(services.db, person_id, utcnow())


async def status_of(services: Services, person: Person) -> Verification | None:
    """The person's open request (pending or verified), else their latest (None: never asked)."""
    return await repo.latest_of(services.db, person.id)


def is_verified(person: Person, verification: Verification | None) -> bool:
    """Whether the person is a verified resident of the village they live in now."""
    return (
        verification is not None
        and verification.status is repo.Status.VERIFIED
        and verification.village_code == person.village_code
    )
