"""The broadcast engine: the one path by which anything goes to many residents.

A broadcast is stored with one outbox row per recipient before anything is sent. Workers claim
rows in small batches, send each in the recipient's language through the :mod:`bot.pacing`
limits, and record the outcome as they go; a restart resumes with the rows still pending, so
only the few in flight at a crash can go out twice. The sender watches one progress message,
edited every few seconds, with a button to stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.i18n import Translator
from bot.pacing import retry_seconds
from storage import broadcasts as repo
from storage.broadcasts import Broadcast, Outcome, Recipient, Tally
from storage.db import utcnow

if TYPE_CHECKING:
    from bot.context import Services

_LOGGER = logging.getLogger(__name__)
# The engine posts raw requests on purpose (see BroadcastEngine._post); PTB suggests otherwise.
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.send\w+' instead of", category=PTBUserWarning
)
FEATURE = "bc"
REPORT_EVERY = 3.0  # seconds between edits of the progress message
NETWORK_TRIES = 3  # network troubles (5xx, resets, timeouts) in a row before a row goes back
MAX_RETRY_AFTER = 5  # RetryAfter answers obeyed for one message before its row goes back
MAX_ATTEMPTS = 20  # times a row went back to the queue before it counts as failed
MAX_BACKOFF = 30.0  # seconds: the longest pause of every send while Telegram is in trouble


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One rendered message: text (a caption with media), buttons, an optional file id."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    photo: str | None = None
    document: str | None = None


Renderer = Callable[[Broadcast, Translator], Awaitable[Outgoing]]


def preview_of(kind: str, payload: dict[str, Any], created_by: int = 0) -> Broadcast:
    """An unsaved broadcast, to render what residents will see before it is sent."""
    return Broadcast(
        id=0, kind=kind, ref_id=None, created_by=created_by, payload=payload, status="draft",
        report_chat_id=None, report_message_id=None, report_language=None, created_at=utcnow(),
    )  # fmt: skip


class BroadcastEngine:
    """Sends the outbox of every running broadcast, within Telegram's limits."""

    def __init__(self, bot: ExtBot[Any], services: Services) -> None:
        settings = services.settings
        self.bot = bot
        self.services = services
        self.paid = settings.paid_broadcast
        self.workers = 64 if self.paid else 16
        self.lease = timedelta(seconds=settings.broadcast_lease_seconds)
        self.renderers: dict[str, Renderer] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._idle = False
        self._resume_at = 0.0  # loop time before which nobody sends (after a 429)
        self._backoff = 0.0  # the pause after network trouble; doubles while it lasts
        self.pace = settings.broadcast_pace

    def register(self, kind: str, renderer: Renderer) -> None:
        """Say how broadcasts of ``kind`` are rendered."""
        self.renderers[kind] = renderer

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start sending (also what a previous run left pending)."""
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="broadcast-engine")

    async def stop(self) -> None:
        """Stop after recording what is in flight."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=10)
            except TimeoutError:
                _LOGGER.warning("Broadcast engine did not stop in time; cancelled")
            self._task = None

    def kill(self) -> None:
        """Stop at once, recording nothing more (what a crash does)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    # --- commands --------------------------------------------------------------------------
    async def submit(
        self,
        *,
        kind: str,
        payload: dict[str, Any],
        created_by: int,
        report_to: tuple[int, Translator] | None = None,
        ref_id: int | None = None,
        village_codes: tuple[str, ...] = (),
        person_ids: tuple[int, ...] = (),
    ) -> int:
        """Store a broadcast with its outbox, start sending it.

        ``report_to`` is the sender's chat and language: there they watch the progress.
        """
        if kind not in self.renderers:
            raise ValueError(f"no renderer for broadcast kind {kind!r}")
        db = self.services.db
        broadcast_id = await repo.create(
            db,
            kind=kind,
            payload=payload,
            created_by=created_by,
            ref_id=ref_id,
            village_codes=village_codes,
            person_ids=person_ids,
        )
        if report_to is not None:
            chat_id, tr = report_to
            total = (await repo.tally(db, broadcast_id)).total
            message = await self.bot.send_message(
                chat_id,
                tr.t("broadcast.queued", total=tr.nt("broadcast.recipients", total)),
                reply_markup=self._cancel_markup(tr, broadcast_id),
            )
            await repo.set_report_message(
                db, broadcast_id, chat_id, message.message_id, tr.language
            )
        self._wake.set()
        return broadcast_id

    async def cancel(self, broadcast_id: int) -> bool:
        """Stop a running broadcast; what was not sent is skipped."""
        db = self.services.db
        if not await repo.finish(db, broadcast_id, "cancelled"):
            return False
        await self._report(broadcast_id, final=True)
        return True

    # --- the sending loop ------------------------------------------------------------------
    @property
    def idle(self) -> bool:
        """Whether the engine waits with nothing to send (every report written)."""
        return self._idle and not self._wake.is_set()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            self._idle = False
            for broadcast in await repo.sending(self.services.db):
                if self._stopping:
                    return
                try:
                    await self._deliver(broadcast)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    _LOGGER.exception("Broadcast %s failed; will retry", broadcast.id)
                    await asyncio.sleep(5)
            self._idle = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=30)

    async def _deliver(self, broadcast: Broadcast) -> None:
        db = self.services.db
        run = _Delivery(self, broadcast)
        workers = [asyncio.create_task(run.work()) for _ in range(self.workers)]
        # Claim no more than is sent well within a lease, or a slow queue would outlive it.
        batch_size = max(1, min(self.workers * 2, int(self.pace * self.lease.total_seconds() / 4)))
        last_report = asyncio.get_running_loop().time()  # the queued message is the first report
        loop = asyncio.get_running_loop()
        try:
            while not self._stopping:
                current = await repo.get(db, broadcast.id)
                if current is None or current.status != "sending":
                    break
                batch: list[Recipient] = []
                if run.queue.qsize() < self.workers:
                    batch = await repo.claim(db, broadcast.id, batch_size, self.lease)
                    run.enqueue(batch)
                    if not batch and run.idle and await self._drained(run):
                        break
                if loop.time() - last_report >= REPORT_EVERY:
                    last_report = loop.time()
                    await self._report(broadcast.id)
                if batch and run.queue.qsize() < self.workers:
                    continue  # claim more at once: the workers are ahead
                run.running_low.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(run.running_low.wait(), timeout=0.05)
        except asyncio.CancelledError:
            for worker in workers:  # a crash: what was in flight is not recorded
                worker.cancel()
            raise
        for _ in workers:
            run.queue.put_nowait(None)
        if self._stopping:  # a graceful stop: finish what was claimed, record it
            await asyncio.gather(*workers, return_exceptions=True)
        else:
            for worker in workers:
                worker.cancel()
        await run.flush()

    async def _drained(self, run: _Delivery) -> bool:
        """Finish the broadcast when nothing is in flight or pending any more."""
        await run.flush()
        if not run.idle or await repo.has_pending(self.services.db, run.broadcast.id):
            return False
        if await repo.finish(self.services.db, run.broadcast.id, "done"):
            await self._report(run.broadcast.id, final=True)
        return True

    async def render(self, broadcast: Broadcast, language: str | None) -> Outgoing:
        """Render a broadcast in one language."""
        return await self.renderers[broadcast.kind](broadcast, self.services.i18n.get(language))

    async def send_one(self, recipient: Recipient, message: Outgoing) -> str:
        """Send one message; return the outcome ('sent', 'blocked', 'failed', 'pending').

        Trouble on Telegram's side (429s past their count, 5xx, resets, timeouts) pauses
        every send and puts the row back as 'pending', to be tried again: nobody is lost to
        an outage. Only a row that went back ``MAX_ATTEMPTS`` times counts as failed.
        """
        loop = asyncio.get_running_loop()
        network_tries = retry_afters = 0
        while True:
            if (pause := self._resume_at - loop.time()) > 0:
                await asyncio.sleep(pause)
            try:
                await self._post(recipient.chat_id, message)
                self._backoff = 0.0
                return "sent"
            except RetryAfter as error:
                retry_afters += 1
                self._resume_at = max(self._resume_at, loop.time() + retry_seconds(error))
                _LOGGER.warning("Telegram asked to slow down for %ss", retry_seconds(error))
                if retry_afters > MAX_RETRY_AFTER:
                    return self._later(recipient, "repeated 429")
            except Forbidden:
                return "blocked"
            except BadRequest as error:
                _LOGGER.warning("Broadcast to %s refused: %s", recipient.chat_id, error.message)
                return "failed"
            except NetworkError as error:  # 5xx, resets, timeouts
                network_tries += 1
                self._network_trouble(loop.time())
                if network_tries >= NETWORK_TRIES:
                    return self._later(recipient, error.message)

    def _network_trouble(self, now: float) -> None:
        """Pause every send, longer while the trouble lasts (the first to notice sets it)."""
        if now >= self._resume_at:
            self._backoff = min(MAX_BACKOFF, self._backoff * 2 or 0.5)
            self._resume_at = now + self._backoff

    def _later(self, recipient: Recipient, reason: str) -> str:
        """Put a row back to be tried again, unless it has been tried too often."""
        if recipient.attempts + 1 >= MAX_ATTEMPTS:
            _LOGGER.warning("Broadcast to %s failed: %s", recipient.chat_id, reason)
            return "failed"
        _LOGGER.info("Broadcast to %s postponed: %s", recipient.chat_id, reason)
        return "pending"

    async def _post(self, chat_id: int, message: Outgoing) -> None:
        # The sent Message is not needed: the raw request spares building it for every resident.
        api: dict[str, Any] = {"chat_id": chat_id}
        if message.markup is not None:
            api["reply_markup"] = message.markup
        if self.paid:
            api["allow_paid_broadcast"] = True
        if message.photo or message.document:
            endpoint = "sendPhoto" if message.photo else "sendDocument"
            api.update(caption=message.text)
            api["photo" if message.photo else "document"] = message.photo or message.document
        else:
            endpoint = "sendMessage"
            api.update(text=message.text, link_preview_options={"is_disabled": True})
        await self.bot.do_api_request(endpoint, api, rate_limit_args={"broadcast": True})

    # --- the sender's progress message ---------------------------------------------------------
    def _cancel_markup(self, tr: Translator, broadcast_id: int) -> InlineKeyboardMarkup:
        data = callbacks.build(FEATURE, "stop", broadcast_id)
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(tr.t("broadcast.stop"), callback_data=data)]]
        )

    def progress_text(self, tr: Translator, tally: Tally, status: str) -> str:
        """The progress (or final) report in the sender's language."""
        values = {
            "sent": tr.number(tally.sent),
            "blocked": tr.number(tally.blocked),
            "failed": tr.number(tally.failed),
            "total": tr.number(tally.total),
        }
        if status == "sending":
            share = tally.done / tally.total if tally.total else 1.0
            return tr.t(
                "broadcast.progress",
                done=tr.number(tally.done),
                percent=tr.percent(share),
                **values,
            )
        return tr.t(f"broadcast.{status}", **values)

    async def _report(self, broadcast_id: int, *, final: bool = False) -> None:
        db = self.services.db
        broadcast = await repo.get(db, broadcast_id)
        if broadcast is None or broadcast.report_chat_id is None:
            return
        assert broadcast.report_message_id is not None
        tr = self.services.i18n.get(broadcast.report_language)
        status = broadcast.status if final else "sending"
        text = self.progress_text(tr, await repo.tally(db, broadcast.id), status)
        markup = None if final else self._cancel_markup(tr, broadcast.id)
        try:
            await self.bot.edit_message_text(
                text, broadcast.report_chat_id, broadcast.report_message_id, reply_markup=markup
            )
        except BadRequest as error:
            if "not modified" not in error.message:
                _LOGGER.info("Progress of broadcast %s not shown: %s", broadcast.id, error.message)
        except TelegramError as error:
            _LOGGER.info("Progress of broadcast %s not shown: %s", broadcast.id, error)


class _Delivery:
    """The state of one broadcast being sent: its queue, what is in flight, what to record.

    Each outcome is written as soon as the previous write is done (the writes of concurrent
    sends group into one transaction), so a crash leaves only the sends of the last moment
    unrecorded: those, and only those, go out again after a restart.
    """

    def __init__(self, engine: BroadcastEngine, broadcast: Broadcast) -> None:
        self.engine = engine
        self.broadcast = broadcast
        self.queue: asyncio.Queue[Recipient | None] = asyncio.Queue()
        self.rendered: dict[str | None, Outgoing] = {}
        self.unrecorded: list[Outcome] = []
        self.queued: set[int] = set()
        self.in_flight = 0
        self.running_low = asyncio.Event()  # set when the workers are about to run dry
        self._writing = False

    @property
    def idle(self) -> bool:
        """Nothing queued, sending or waiting to be recorded."""
        return not self.queued and not self.in_flight and not self.unrecorded

    def enqueue(self, recipients: list[Recipient]) -> None:
        """Queue claimed rows, each once even if a lease ran out and it was claimed again."""
        for recipient in recipients:
            if recipient.person_id not in self.queued:
                self.queued.add(recipient.person_id)
                self.queue.put_nowait(recipient)

    async def work(self) -> None:
        """Send queued rows until told to stop (a None in the queue)."""
        while (recipient := await self.queue.get()) is not None:
            if self.queue.qsize() < self.engine.workers:
                self.running_low.set()
            self.in_flight += 1
            try:
                message = self.rendered.get(recipient.language)
                if message is None:
                    message = await self.engine.render(self.broadcast, recipient.language)
                    self.rendered[recipient.language] = message
                status = await self.engine.send_one(recipient, message)
                self.unrecorded.append(Outcome(recipient.person_id, status))
            finally:
                self.in_flight -= 1
            await self.flush()
            self.queued.discard(recipient.person_id)

    async def flush(self) -> None:
        """Record what was sent; a write already under way takes the rest on its next turn."""
        if self._writing:
            return
        self._writing = True
        try:
            while self.unrecorded:
                batch = self.unrecorded[:]
                del self.unrecorded[: len(batch)]
                await repo.record(self.engine.services.db, self.broadcast.id, batch)
        finally:
            self._writing = False
