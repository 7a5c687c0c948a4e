"""Telling people about items: the resident in their own language, staff in theirs."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks, messaging
from bot.appeals import texts
from bot.callbacks import Feature
from bot.context import Services
from bot.i18n import Translator
from storage import behalf as behalf_repo
from storage import roles as roles_repo
from storage import staff_notices as staff_outbox
from storage import territory
from storage.appeals import Appeal
from storage.db import utcnow
from storage.models import Role, Scope, ScopeKind, Village
from storage.versions import Versions

_LOGGER = logging.getLogger(__name__)
INBOX = Feature.INBOX
MINE = Feature.MINE
# What a resident without Telegram is told by staff, by phone or in person (storage.behalf).
PASSED_ON = frozenset({"answered", "resolved", "rejected", "extended"})


async def staff_covering(
    services: Services, village: Village, *, district_level: bool
) -> list[int]:
    """Telegram ids of the staff who work items of ``village`` (district-level ones only)."""
    return await roles_repo.covering(services.db, Role.STAFF, village, above_village=district_level)


async def escalation_staff(services: Services, village: Village) -> list[int]:
    """District staff of ``village``'s district; the region's when the district has none."""
    for scope in (
        Scope(ScopeKind.DISTRICT, village.district_code),
        Scope(ScopeKind.REGION, village.region_code),
    ):
        if found := await roles_repo.holding(services.db, Role.STAFF, scope):
            return found
    return []


def open_button(tr: Translator, appeal: Appeal) -> InlineKeyboardMarkup:
    """A button that opens the item in the inbox."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.t("inbox.open"), callback_data=callbacks.build(INBOX, "open", appeal.id)
                )
            ]
        ]
    )


def inbox_button(tr: Translator) -> InlineKeyboardMarkup:
    """A button that opens the inbox."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.t("inbox.open_inbox"), callback_data=callbacks.build(Feature.MENU, "inbox")
                )
            ]
        ]
    )


async def tell_staff(
    services: Services, staff: Iterable[int], appeal: Appeal, event: str, village: Village
) -> None:
    """Queue a notice for each staff member; the background sender tells them, paced and merged.

    Nothing here waits for Telegram: a resident's Send or a staff member's tap is answered
    whatever happens to the notices, and a burst of items reaches staff as a few messages.
    """
    queued = await staff_outbox.queue(services.db, staff, appeal.id, event, village.code, utcnow())
    if queued and services.staff_notices is not None:
        services.staff_notices.wake()


async def new_item(services: Services, appeal: Appeal, village: Village) -> None:
    """Tell the staff covering ``village`` of a new item."""
    staff = await staff_covering(services, village, district_level=False)
    await tell_staff(services, staff, appeal, staff_outbox.NEW, village)


def _resident_tr(services: Services, appeal: Appeal) -> Translator:
    return services.i18n.get(appeal.resident_language or appeal.language)


def resident_tr(services: Services, appeal: Appeal) -> Translator:
    """The translator of the item's resident: their language now, else the item's."""
    return _resident_tr(services, appeal)


async def to_resident(
    services: Services,
    bot: Bot,
    appeal: Appeal,
    event: str,
    note: str | None = None,
    versions: Versions | None = None,
) -> None:
    """Tell the resident what happened to their item, in their language (staff's words in it
    too, when they added that version)."""
    if appeal.resident_telegram_id is None:
        if event in PASSED_ON:  # filed for a resident without Telegram: staff tell them
            await behalf_repo.mark_to_pass_on(services.db, appeal.id, utcnow())
        return  # they deleted their data, or have no Telegram
    tr = _resident_tr(services, appeal)
    if note and versions:
        note = versions.pick(tr.language, "note", note)
    text = tr.t(
        f"notice.{event}",
        title=texts.title(tr, appeal),
        due=tr.date(appeal.due_on),
        note=note or "",
    )
    markup = None
    if event == "resolved":
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        tr.t("notice.solved_yes"),
                        callback_data=callbacks.build(MINE, "solved", appeal.id, "y"),
                    ),
                    InlineKeyboardButton(
                        tr.t("notice.solved_no"),
                        callback_data=callbacks.build(MINE, "solved", appeal.id, "n"),
                    ),
                ]
            ]
        )
    await messaging.send(bot, appeal.resident_telegram_id, text, markup)


async def forwarded(services: Services, bot: Bot, appeal: Appeal) -> None:
    """Tell the resident where their item went, and its new staff that it arrived."""
    handler = await territory.get_village(services.db, appeal.handler_village_code)
    assert handler is not None
    district_level = appeal.level == "district"
    if appeal.resident_telegram_id is not None:
        tr = _resident_tr(services, appeal)
        where = (
            tr.t("appeal.district_akimat", district=handler.district_names.get(tr.language))
            if district_level
            else handler.names.get(tr.language)
        )
        await messaging.send(
            bot,
            appeal.resident_telegram_id,
            tr.t("notice.forwarded", title=texts.title(tr, appeal), place=where),
        )
    staff = await staff_covering(services, handler, district_level=district_level)
    await tell_staff(services, staff, appeal, staff_outbox.NEW, handler)


async def reopened(services: Services, appeal: Appeal) -> None:
    """Tell the item's staff that the resident says it is not solved."""
    handler = await territory.get_village(services.db, appeal.handler_village_code)
    assert handler is not None
    staff = await staff_covering(services, handler, district_level=appeal.level == "district")
    await tell_staff(services, staff, appeal, staff_outbox.REOPENED, handler)
