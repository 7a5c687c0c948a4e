"""Notices to staff about items: queued by the resident's Send, sent in the background, merged.

The resident's Send stores the item and queues one row per staff member
(:mod:`storage.staff_notices`); the resident gets their number without waiting for Telegram.
The sender drains the queue as low-priority traffic through :mod:`bot.pacing`, so it never
delays a reply and never draws a 429. A staff member hears of an item at once when they had no
notice in the last ``staff_notice_window_seconds``; what arrives for them meanwhile goes out
when the window ends as one message, so a burst of 200 items is a handful of messages: a single
item is today's notice with its Open button, several are "3 new items" with a button to the
inbox. A row is marked only once Telegram took (or refused) the message, so nothing is lost on a
restart: what is pending goes out right after the start. A staff member who blocked the bot is
skipped; trouble at Telegram pauses the sender and the rows wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.appeals import texts
from bot.appeals.notices import inbox_button, open_button
from bot.context import QatysuApp, QatysuContext, Services
from bot.i18n import Translator
from bot.logs import who
from bot.messaging import translator_of
from bot.pacing import retry_seconds
from storage import appeals as appeals_repo
from storage import staff_notices as repo
from storage import territory
from storage.appeals import Appeal, Event
from storage.db import utcnow
from storage.models import Village
from storage.staff_notices import NEW, REOPENED, StaffNotice

_LOGGER = logging.getLogger(__name__)
KEEP_SENT = timedelta(days=7)  # sent rows kept for a look back, then dropped at a start
POLL = 0.05  # seconds between looks at whether the application is stopping, while waiting
MAX_BACKOFF = 30.0


def start(app: QatysuApp) -> None:
    """Set up the sender (:func:`send_pending` runs it first, once the application runs)."""
    services = app.bot_data.services
    assert services is not None
    services.staff_notices = StaffNoticeSender(app, services)


async def send_pending(context: QatysuContext) -> None:
    """Job at start: drop old sent rows, then send what a previous run left pending."""
    sender = context.services.staff_notices
    if sender is not None:
        await repo.forget_sent_before(context.services.db, utcnow() - KEEP_SENT)
        sender.wake()


class StaffNoticeSender:
    """Drains the staff-notice outbox while the application runs, merging bursts per person.

    The drain runs as an application task (``create_task``) only while there is something to
    send, so ``Application.stop`` waits for the message in flight to be recorded.
    """

    def __init__(self, app: QatysuApp, services: Services) -> None:
        self.app = app
        self.services = services
        self.window = services.settings.staff_notice_window_seconds
        self._last: dict[int, float] = {}  # loop time of each staff member's last notice
        self._wake = asyncio.Event()
        self._active = False
        self._resume_at = 0.0  # loop time before which nothing is sent (after trouble)
        self._backoff = 0.0

    @property
    def idle(self) -> bool:
        """Whether nothing is pending (the drain ends when the outbox is empty)."""
        return not self._active

    def wake(self) -> None:
        """Look at the outbox now (start the drain unless it runs)."""
        self._wake.set()
        if not self._active and self.app.running:
            self._active = True
            self.app.create_task(self._drain(), name="staff-notices")

    async def _drain(self) -> None:
        """Send until the outbox is empty or the application stops."""
        try:
            while self.app.running:
                self._wake.clear()
                try:
                    pending = await repo.pending(self.services.db)
                    if not pending and not self._wake.is_set():
                        return  # a wake from now on starts a new drain
                    wait = await self._send_due(pending)
                except Exception:
                    _LOGGER.exception("Staff notices failed; trying again shortly")
                    wait = 5.0
                await self._sleep(wait)
        finally:
            self._active = False

    async def _sleep(self, seconds: float) -> None:
        """Wait ``seconds``, less when woken or when the application stops."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while self.app.running and not self._wake.is_set() and (left := until - loop.time()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(left, POLL))

    async def _send_due(self, pending: Sequence[StaffNotice]) -> float:
        """Send to everyone whose window is over; return seconds until the next one's ends."""
        by_staff: dict[int, list[StaffNotice]] = {}
        for notice in pending:
            by_staff.setdefault(notice.telegram_id, []).append(notice)
        now = asyncio.get_running_loop().time()
        if self._resume_at > now:
            return self._resume_at - now  # trouble at Telegram: everyone waits
        due = {
            staff_id: rows
            for staff_id, rows in by_staff.items()
            if self._last.get(staff_id, float("-inf")) + self.window <= now
        }
        await asyncio.gather(*(self._tell(staff_id, rows) for staff_id, rows in due.items()))
        later = [self._last[staff_id] + self.window for staff_id in by_staff if staff_id not in due]
        return 0.0 if due or not later else max(0.0, min(later) - now)

    async def _tell(self, staff_id: int, rows: list[StaffNotice]) -> None:
        """Send one staff member one message about ``rows``, and record the outcome."""
        if not self.app.running:
            return  # stopping: the rows stay pending for the next start
        tr = await translator_of(self.services, staff_id)
        text, markup = await self._render(tr, rows)
        outcome = await self._send(staff_id, text, markup)
        if outcome is not None:
            ids = [row.id for row in rows]
            await repo.record(self.services.db, ids, outcome, utcnow())
            self._last[staff_id] = asyncio.get_running_loop().time()

    async def _render(
        self, tr: Translator, rows: list[StaffNotice]
    ) -> tuple[str, InlineKeyboardMarkup]:
        """One item: its own notice with an Open button; several: counts, with the inbox."""
        villages = await self._villages(row.village_code for row in rows)
        rows = distinct(rows)
        if len(rows) == 1:
            notice = rows[0]
            appeal = await appeals_repo.get(self.services.db, notice.appeal_id)
            village = villages.get(notice.village_code)
            if appeal is not None and village is not None:
                forwarded = await self._forwarded(appeal.id)
                return item_text(tr, notice, appeal, village, forwarded), open_button(tr, appeal)
        return merged_text(tr, rows, villages), inbox_button(tr)

    async def _forwarded(self, appeal_id: int) -> Event | None:
        """The item's latest forward (its note goes to the staff it reached)."""
        events = await appeals_repo.history(self.services.db, appeal_id)
        return next((e for e in reversed(events) if e.action == "forwarded"), None)

    async def _villages(self, codes: Iterable[str]) -> dict[str, Village]:
        found: dict[str, Village] = {}
        for code in set(codes):
            village = await territory.get_village(self.services.db, code)
            if village is not None:
                found[code] = village
        return found

    async def _send(self, chat_id: int, text: str, markup: InlineKeyboardMarkup) -> str | None:
        """Send as low-priority traffic: the outcome, or None to try again after a pause."""
        loop = asyncio.get_running_loop()
        try:
            await self.app.bot.send_message(
                chat_id, text, reply_markup=markup, rate_limit_args={"broadcast": True}
            )
        except Forbidden:
            _LOGGER.info("Staff member %s blocked the bot; notice skipped", who(chat_id))
            return "blocked"
        except BadRequest as error:
            _LOGGER.warning("Notice to staff member %s refused: %s", who(chat_id), error.message)
            return "failed"
        except RetryAfter as error:
            self._resume_at = max(self._resume_at, loop.time() + retry_seconds(error))
            _LOGGER.warning("Telegram asked to slow down for %ss", retry_seconds(error))
            return None
        except NetworkError as error:  # 5xx, resets, timeouts: the rows wait
            self._backoff = min(MAX_BACKOFF, self._backoff * 2 or 0.5)
            self._resume_at = max(self._resume_at, loop.time() + self._backoff)
            _LOGGER.warning("Notice to staff member %s postponed: %s", who(chat_id), error.message)
            return None
        self._backoff = 0.0
        return "sent"


def distinct(rows: Sequence[StaffNotice]) -> list[StaffNotice]:
    """One notice per item and event (an item new to the village, then forwarded up to the
    district, is one new item to district staff who cover both)."""
    seen: dict[tuple[int, str], StaffNotice] = {}
    for row in rows:
        seen[(row.appeal_id, row.event)] = row  # the latest says where the item is now
    return list(seen.values())


def item_text(
    tr: Translator,
    notice: StaffNotice,
    appeal: Appeal,
    village: Village,
    forwarded: Event | None = None,
) -> str:
    """Today's notice of one item: new (or forwarded, with the note), or reopened."""
    if notice.event == REOPENED:
        return tr.t("inbox.reopened", title=texts.title(tr, appeal))
    return texts.new_item(tr, appeal, village, forwarded)


def merged_text(tr: Translator, rows: Sequence[StaffNotice], villages: dict[str, Village]) -> str:
    """Several items in one message: how many are new (per village), how many reopened."""
    lines: list[str] = []
    new = Counter(row.village_code for row in rows if row.event == NEW)
    if new:
        lines.append(tr.nt("inbox.new_items", new.total()))
        named = {
            code: texts.place(tr, villages[code]) if code in villages else code for code in new
        }
        if len(new) == 1:
            lines.append(tr.t("appeal.village", place=named[next(iter(new))]))
        else:
            lines += [
                tr.t("inbox.village_count", place=named[code], count=tr.number(count))
                for code, count in new.most_common()
            ]
    reopened = sum(1 for row in rows if row.event == REOPENED)
    if reopened:
        lines.append(tr.nt("inbox.reopened_items", reopened))
    return texts.clip("\n".join(lines), texts.MAX_MESSAGE)
