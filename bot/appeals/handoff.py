"""Sending an item on to where it belongs: another body of the district (the electricity
network company, the water utility...) or a formal appeal on eOtinish, with its number.

Staff decide in the inbox; this module stores each step in the item's history and tells the
resident, in their language, whom to turn to: the body's name, phone, address and what it
handles; or the eOtinish link and the text of their own complaint, ready to copy.
"""

from __future__ import annotations

import re

from telegram import Bot

from bot import messaging
from bot.appeals import texts
from bot.appeals.notices import resident_tr
from bot.context import Services
from storage import appeals as repo
from storage import behalf as behalf_repo
from storage import bodies as bodies_repo
from storage import territory
from storage.appeals import ACTIVE, Appeal, Status
from storage.bodies import Body
from storage.db import utcnow

EOTINISH_URL = "https://eotinish.kz"
FORMAL = "formal"  # the step "needs a formal appeal" (the resident got the link and the text)
EOTINISH = texts.EOTINISH
HANDED_OFF = "handed_off"  # passed to another body (answered); a rejection names it as target
HOW = {"f": (Status.ANSWERED, HANDED_OFF), "r": (Status.REJECTED, "rejected")}
TELEGRAM_TEXT_MAX = 4096
# What eOtinish registration numbers look like varies (ЖТ-Т-2026-00012345, 3Т-0123456...):
# letters, digits and - / . of some length, with at least one digit.
_NUMBER = re.compile(r"^[\w][\w\-/. ]{2,39}$")


async def bodies_for(services: Services, appeal: Appeal) -> list[Body]:
    """The bodies of the item's district (the resident's village's), staff may pick from."""
    village = await territory.get_village(services.db, appeal.village_code)
    assert village is not None
    return await bodies_repo.of_district(services.db, village.district_code)


async def body_for(services: Services, appeal: Appeal, body_id: int) -> Body | None:
    """The body ``body_id`` when it is in the item's district's directory (else None: a body
    of another district, or removed, is not offered, whatever a button says)."""
    return next((b for b in await bodies_for(services, appeal) if b.id == body_id), None)


async def hand_to_body(
    services: Services,
    bot: Bot,
    appeal: Appeal,
    actor: int,
    body: Body,
    how: str,
    note: str | None = None,
) -> Appeal | None:
    """Pass the item to ``body`` (``how`` "f": answered, handed off) or reject it as the
    body's matter ("r"); the resident gets the body's contacts (and ``note``). None when the
    item changed meanwhile, or the body is not of its district."""
    if how not in HOW or await body_for(services, appeal, body.id) is None:
        return None
    status, action = HOW[how]
    changed = await repo.change(
        services.db, appeal.id, ACTIVE, status, action, actor, note or None, utcnow(),
        None, f"body:{body.id}",
    )  # fmt: skip
    if changed is not None and changed.resident_telegram_id is None:
        await behalf_repo.mark_to_pass_on(services.db, changed.id, utcnow())  # no Telegram
    elif changed is not None:
        assert changed.resident_telegram_id is not None
        tr = resident_tr(services, changed)
        lines = [tr.t(f"notice.body.{how}", title=texts.title(tr, changed)), "",
                 texts.body_card(tr, body)]  # fmt: skip
        if note:
            lines += ["", tr.t("notice.body.comment", note=note)]
        await messaging.send(bot, changed.resident_telegram_id, "\n".join(lines))
    return changed


async def advise_formal(services: Services, bot: Bot, appeal: Appeal, actor: int) -> Appeal | None:
    """Tell the resident the matter needs a formal appeal on eOtinish: the link, then the text
    of their own item as a message of its own, to copy. The item is answered."""
    changed = await repo.change(
        services.db, appeal.id, ACTIVE, Status.ANSWERED, FORMAL, actor, None, utcnow()
    )
    if changed is None:
        return None
    if changed.resident_telegram_id is None:
        await behalf_repo.mark_to_pass_on(services.db, changed.id, utcnow())  # no Telegram
        return changed
    tr = resident_tr(services, changed)
    has_text = bool(changed.text.strip()) and not changed.redacted
    key = "notice.formal" if has_text else "notice.formal_no_text"
    resident = changed.resident_telegram_id
    await messaging.send(bot, resident, tr.t(key, title=texts.title(tr, changed), url=EOTINISH_URL))
    if has_text:
        await messaging.send(bot, resident, texts.clip(changed.text, TELEGRAM_TEXT_MAX))
    return changed


def number_problem(number: str) -> str | None:
    """The message key saying what is wrong with a typed registration number, or None."""
    cleaned = " ".join(number.split())
    if not _NUMBER.match(cleaned) or not any(ch.isdigit() for ch in cleaned):
        return "inbox.eotinish_bad"
    return None


async def record_number(
    services: Services, bot: Bot, appeal: Appeal, actor: int, number: str
) -> Appeal:
    """Record the item's eOtinish registration number (a step of its history; the latest
    counts) and tell the resident; ValueError when it does not look like one."""
    cleaned = " ".join(number.split())
    if number_problem(cleaned) is not None:
        raise ValueError(f"not a registration number: {number!r}")
    await repo.add_event(services.db, appeal.id, EOTINISH, actor, cleaned, utcnow())
    changed = await repo.get(services.db, appeal.id)
    assert changed is not None
    if changed.resident_telegram_id is not None:
        tr = resident_tr(services, changed)
        text = tr.t("notice.eotinish", title=texts.title(tr, changed), number=cleaned)
        await messaging.send(bot, changed.resident_telegram_id, text)
    return changed
