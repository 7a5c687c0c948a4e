"""Oversight of staff notices: what they carry, how many a day, a second pair of eyes, who stops.

- **Attachments**: a photo, or a document of a safe type (:mod:`bot.broadcast.attachments`),
  checked when staff send it and again before it goes to the engine.
- **Daily limit**: a staff member sends (or asks approval for) at most ``BROADCASTS_PER_DAY``
  notices per local day, whatever became of them.
- **Approval**: with ``BROADCAST_APPROVAL_MIN`` set, a notice to at least that many residents
  is stored as a request and sent to nobody until a second staff member or a coordinator whose
  area covers every one of its villages approves it (an admin may too). Meanwhile its author can
  withdraw it; the others who may approve are asked with a preview; after
  :data:`APPROVAL_WINDOW` it lapses. The first decision claims the request, so two approvers
  tapping at once make one broadcast.
- **Stopping**: a running broadcast may be stopped by its author, an admin, or any staff member
  or coordinator whose area covers every village its recipients live in.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot import callbacks, messaging
from bot.auth import Access, read_access
from bot.broadcast import attachments, notices
from bot.broadcast.engine import preview_of
from bot.callbacks import Feature
from bot.context import Services
from bot.i18n import Translator
from storage import broadcasts as broadcasts_repo
from storage import notice_requests as repo
from storage import people, territory
from storage import roles as roles_repo
from storage.broadcasts import Broadcast
from storage.db import utcnow
from storage.models import Role, Scope, Village
from storage.notice_requests import NoticeRequest

_LOGGER = logging.getLogger(__name__)
FEATURE = Feature.NOTICE_REVIEW
APPROVAL_WINDOW = timedelta(hours=24)  # a request nobody decided on lapses after this
OVERSEERS = (Role.STAFF, Role.COORDINATOR)
PREVIEW_CHARS = 80


class NoticeRefused(Exception):
    """A notice that may not go out; ``key`` and ``values`` make the message saying why."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True, slots=True)
class Submitted:
    """What became of a notice handed over: sent at once, or waiting for approval."""

    recipients: int
    broadcast_id: int | None = None
    request: NoticeRequest | None = None
    asked: int = 0  # how many were asked to approve it


def day_start(services: Services, now: datetime) -> datetime:
    """Local midnight of ``now``'s day, in the configured zone."""
    zone = services.settings.zone
    return datetime.combine(now.astimezone(zone).date(), time(0), zone)


async def check_daily_limit(
    services: Services, author_id: int, now: datetime | None = None
) -> None:
    """Raise :class:`NoticeRefused` when the author has used up today's notices."""
    limit = services.settings.broadcasts_per_day
    sent = await repo.notices_since(services.db, author_id, day_start(services, now or utcnow()))
    if sent >= limit:
        raise NoticeRefused("notice.limit_reached", limit=limit)


def needs_approval(services: Services, recipients: int) -> bool:
    """Whether a notice to ``recipients`` residents waits for a second staff member."""
    threshold = services.settings.broadcast_approval_min
    return threshold > 0 and recipients >= threshold


async def villages(services: Services, codes: tuple[str, ...] | list[str]) -> list[Village]:
    """The villages of ``codes`` that exist, in that order."""
    found = [await territory.get_village(services.db, code) for code in codes]
    return [village for village in found if village is not None]


def oversees(access: Access, area: list[Village]) -> bool:
    """Whether ``access`` holds staff or coordinator rights over every village of ``area``."""
    return bool(area) and all(
        any(access.covers(role, village) for role in OVERSEERS) for village in area
    )


async def overseers(services: Services, area: list[Village], author_id: int) -> list[int]:
    """Telegram ids of those who may approve a notice to ``area``, its author excepted.

    Staff and coordinators whose grants cover every village; when there are none, the admins.
    """
    scopes: dict[int, list[Scope]] = defaultdict(list)
    for grant in await roles_repo.all_grants(services.db):
        if grant.role in OVERSEERS:
            scopes[grant.telegram_id].append(grant.scope)
    found = [
        telegram_id
        for telegram_id, held in scopes.items()
        if telegram_id != author_id and all(any(s.covers(v) for s in held) for v in area)
    ]
    if not found:
        found = [admin for admin in services.settings.admin_ids if admin != author_id]
    return sorted(found)


async def submit(
    services: Services,
    bot: Bot,
    *,
    author_id: int,
    report_to: tuple[int, Translator],
    payload: dict[str, Any],
    village_codes: tuple[str, ...],
    now: datetime | None = None,
) -> Submitted:
    """Send a staff notice, or store it for approval and ask those who may approve it.

    Raises :class:`NoticeRefused` for an unsafe file, the daily limit, or a notice that needs
    approval when nobody else could give it.
    """
    now = now or utcnow()
    if (refusal := attachments.payload_problem(payload)) is not None:
        raise NoticeRefused(refusal.key, **refusal.values)
    await check_daily_limit(services, author_id, now)
    recipients = await broadcasts_repo.count_audience(services.db, village_codes)
    if not needs_approval(services, recipients):
        broadcast_id = await services.engine.submit(
            kind=notices.KIND, payload=payload, created_by=author_id, report_to=report_to,
            village_codes=village_codes,
        )  # fmt: skip
        return Submitted(recipients, broadcast_id=broadcast_id)
    area = await villages(services, village_codes)
    asked = await overseers(services, area, author_id)
    if not asked:
        raise NoticeRefused("notice.approval.nobody")
    chat_id, tr = report_to
    request = await repo.create(
        services.db, created_by=author_id, payload=payload, village_codes=village_codes,
        recipients=recipients, report_to=(chat_id, tr.language), now=now,
    )  # fmt: skip
    _LOGGER.info("Notice request %s: waits for one of %d to approve", request.id, len(asked))
    told = 0
    for telegram_id in asked:
        reader = await messaging.translator_of(services, telegram_id)
        told += await show_request(services, bot, telegram_id, reader, request, area)
    return Submitted(recipients, request=request, asked=told)


async def author_name(services: Services, telegram_id: int) -> str:
    """How staff are named to each other: their first name, else their Telegram id."""
    person = await people.get_by_telegram_id(services.db, telegram_id)
    return person.first_name if person is not None and person.first_name else str(telegram_id)


def request_text(tr: Translator, request: NoticeRequest, author: str, area: list[Village]) -> str:
    """What those who may approve a request read under its preview."""
    names = ", ".join(village.names.get(tr.language) for village in area)
    return tr.t(
        "notice.approval.asked",
        number=request.id,
        author=author,
        recipients=tr.nt("broadcast.recipients", request.recipients),
        villages=names,
        when=tr.datetime(request.created_at + APPROVAL_WINDOW),
    )


def decision_markup(tr: Translator, request_id: int) -> InlineKeyboardMarkup:
    """Approve and send, or reject."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.t("notice.approval.approve"),
                    callback_data=callbacks.build(FEATURE, "ok", request_id),
                ),
                InlineKeyboardButton(
                    tr.t("notice.approval.reject"),
                    callback_data=callbacks.build(FEATURE, "no", request_id),
                ),
            ]
        ]
    )


def withdraw_markup(tr: Translator, request_id: int) -> InlineKeyboardMarkup:
    """The author's button while the request waits."""
    data = callbacks.build(FEATURE, "wd", request_id)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(tr.t("notice.approval.withdraw"), callback_data=data)]]
    )


async def show_notice(bot: Bot, chat_id: int, tr: Translator, payload: dict[str, Any]) -> None:
    """Send the notice as residents will see it, in ``tr``'s language."""
    shown = await notices.render(preview_of(notices.KIND, payload), tr)
    if shown.photo:
        await bot.send_photo(chat_id, str(shown.photo), caption=shown.text)
    elif shown.document:
        await bot.send_document(chat_id, str(shown.document), caption=shown.text)
    else:
        await bot.send_message(chat_id, shown.text)


async def show_request(
    services: Services,
    bot: Bot,
    chat_id: int,
    tr: Translator,
    request: NoticeRequest,
    area: list[Village],
) -> int:
    """Show a request with its preview and the decision buttons; 1 when it reached them."""
    author = await author_name(services, request.created_by)
    try:
        await show_notice(bot, chat_id, tr, request.payload)
        await bot.send_message(
            chat_id,
            request_text(tr, request, author, area),
            reply_markup=decision_markup(tr, request.id),
        )
    except TelegramError as error:  # never wrote to the bot, blocked it
        _LOGGER.info("Approval request %s not shown to %s: %s", request.id, chat_id, error)
        return 0
    return 1


async def may_decide(services: Services, access: Access, request: NoticeRequest) -> str | None:
    """The message key refusing ``access`` a decision on ``request``, or None when it may."""
    if access.telegram_id == request.created_by:
        return "notice.approval.own"
    if not oversees(access, await villages(services, request.village_codes)):
        return "notice.approval.not_your_area"
    return None


def refusal_of(request: NoticeRequest | None, now: datetime) -> str | None:
    """Why a request can no longer be decided, if it cannot."""
    if request is None:
        return "error.stale_button"
    if request.status != repo.WAITING:
        return f"notice.approval.already.{request.status}"
    if request.created_at + APPROVAL_WINDOW <= now:
        return "notice.approval.already.expired"
    return None


async def approve(
    services: Services, request: NoticeRequest, approver: Access, now: datetime
) -> bool:
    """Claim a waiting request as approved; False when it was decided meanwhile.

    The author must still be staff of every village: a role revoked while the request waited
    is not sent (raises :class:`NoticeRefused`). The broadcast is made by :func:`send_approved`.
    """
    author = await read_access(services, request.created_by)
    area = await villages(services, request.village_codes)
    if not area or not all(author.covers(Role.STAFF, village) for village in area):
        raise NoticeRefused("notice.approval.author_gone")
    if not await repo.decide(services.db, request.id, "approved", approver.telegram_id, now):
        return False
    _LOGGER.info("Notice request %s approved by %s", request.id, approver.telegram_id)
    return True


async def send_approved(services: Services, request: NoticeRequest, approver_id: int) -> int:
    """Hand an approved request to the engine; return its broadcast."""
    return await _send_approved(services, request, await author_name(services, approver_id))


async def _send_approved(services: Services, request: NoticeRequest, approver: str) -> int:
    """Make the broadcast of an approved request, once (a crash before the link is made up)."""
    existing = await repo.broadcast_of(services.db, request.id)
    if existing is not None:
        await repo.set_broadcast(services.db, request.id, existing)
        return existing
    tr = services.i18n.get(request.report_language)
    broadcast_id = await services.engine.submit(
        kind=notices.KIND,
        payload=request.payload,
        created_by=request.created_by,
        report_to=(request.report_chat_id, tr),
        report_title=tr.t("notice.approval.approved_title", name=approver),
        ref_id=request.id,
        village_codes=request.village_codes,
    )
    await repo.set_broadcast(services.db, request.id, broadcast_id)
    return broadcast_id


async def reject(
    services: Services, request: NoticeRequest, decider: Access, now: datetime
) -> bool:
    """Claim a waiting request as rejected; False when it was decided meanwhile."""
    return await repo.decide(services.db, request.id, "rejected", decider.telegram_id, now)


async def tell_rejected(
    services: Services, bot: Bot, request: NoticeRequest, decider_id: int
) -> None:
    """Tell the author their notice was not approved, and by whom."""
    tr = services.i18n.get(request.report_language)
    name = await author_name(services, decider_id)
    recipients = tr.nt("broadcast.recipients", request.recipients)
    text = tr.t("notice.approval.rejected", number=request.id, name=name, recipients=recipients)
    await messaging.send(bot, request.report_chat_id, text)


async def withdraw(services: Services, request: NoticeRequest, now: datetime) -> bool:
    """The author takes a waiting request back; False when it was decided meanwhile."""
    return await repo.decide(services.db, request.id, "withdrawn", request.created_by, now)


async def expire(services: Services, bot: Bot, now: datetime | None = None) -> int:
    """Let requests nobody decided on lapse (their authors are told); make the broadcasts of
    approved requests a crash left without one. Returns how many lapsed."""
    now = now or utcnow()
    for request in await repo.approved_without_broadcast(services.db):
        assert request.decided_by is not None
        await _send_approved(services, request, await author_name(services, request.decided_by))
    lapsed = 0
    for request in await repo.waiting_before(services.db, now - APPROVAL_WINDOW):
        if not await repo.decide(services.db, request.id, "expired", None, now):
            continue
        lapsed += 1
        tr = services.i18n.get(request.report_language)
        recipients = tr.nt("broadcast.recipients", request.recipients)
        text = tr.t("notice.approval.lapsed", number=request.id, recipients=recipients)
        await messaging.send(bot, request.report_chat_id, text)
    return lapsed


async def may_stop(services: Services, access: Access, broadcast: Broadcast) -> bool:
    """Whether ``access`` may stop ``broadcast``: its author, an admin, or staff or a
    coordinator of every village its recipients live in."""
    if access.is_admin or broadcast.created_by == access.telegram_id:
        return True
    if not any(access.has(role) for role in OVERSEERS):
        return False
    area = await villages(services, await broadcasts_repo.villages_of(services.db, broadcast.id))
    return oversees(access, area)


def preview_line(payload: dict[str, object]) -> str:
    """The start of a notice's text, for lists."""
    text = " ".join(str(payload.get("text") or "").split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1].rstrip() + "…"
