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
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.i18n import Translator
from bot.logs import who
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
FEATURE = callbacks.Feature.BROADCAST
REPORT_EVERY = 3.0  # seconds between edits of the progress message
NETWORK_TRIES = 3  # network troubles (5xx, resets, timeouts) in a row before a row goes back
MAX_RETRY_AFTER = 5  # RetryAfter answers obeyed for one message before its row goes back
MAX_ATTEMPTS = 20  # times a row went back to the queue before it counts as failed
MAX_BACKOFF = 30.0  # seconds: the longest pause of every send while Telegram is in trouble
MEDIA_REFUSED = "media refused"  # Telegram refused the file; the text alone may still go
# Words of Telegram's answers that refuse a message for its file ("wrong file identifier/HTTP URL
# specified", "PHOTO_INVALID_DIMENSIONS", "IMAGE_PROCESS_FAILED", "file is too big", "Request
# Entity Too Large", ...), not for its recipient ("chat not found").
_MEDIA_WORDS = ("file", "photo", "image", "document", "media", "http url", "web page content",
                "dimension", "caption", "too big", "too large")  # fmt: skip


def refused_for_media(description: str) -> bool:
    """Whether Telegram's error is about the message's file rather than its recipient."""
    lowered = description.lower()
    return any(word in lowered for word in _MEDIA_WORDS)


def _uploaded_file_id(answer: object, message: Outgoing) -> str | None:
    """The id Telegram gave the file ``message`` uploaded (a photo's largest size), if any."""
    if message.upload is None or message.media is None or not isinstance(answer, dict):
        return None
    media = answer.get(message.media[0])
    if isinstance(media, list):
        media = media[-1] if media else None
    file_id = media.get("file_id") if isinstance(media, dict) else None
    return file_id if isinstance(file_id, str) else None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One rendered message: text (a caption with media), buttons, an optional file.

    A file given as ``str`` goes to Telegram as it is: a file id Telegram gave us, or an http(s)
    URL. A ``Path`` is a local file: it is uploaded with the first recipient of each language and
    every later one gets the file id of that upload (a path given as a string would be refused).
    """

    text: str
    markup: InlineKeyboardMarkup | None = None
    photo: str | Path | None = None
    document: str | Path | None = None

    @property
    def media(self) -> tuple[str, str | Path] | None:
        """The file field and its value (``("photo", ...)``), or None for text alone."""
        if self.photo:
            return "photo", self.photo
        if self.document:
            return "document", self.document
        return None

    @property
    def upload(self) -> Path | None:
        """The local file still to upload, if any."""
        media = self.media
        return media[1] if media is not None and isinstance(media[1], Path) else None

    def with_file_id(self, file_id: str) -> Outgoing:
        """The same message pointing at the file Telegram already has."""
        if self.photo:
            return replace(self, photo=file_id)
        return replace(self, document=file_id)

    def text_alone(self) -> Outgoing:
        """The same message without its file."""
        return replace(self, photo=None, document=None)


@dataclass(frozen=True, slots=True)
class Sent:
    """What became of one send: the outcome, and the file id of a file it uploaded."""

    status: str  # sent, blocked, failed, pending, or MEDIA_REFUSED
    file_id: str | None = None


Renderer = Callable[[Broadcast, Translator], Awaitable[Outgoing]]


async def file_input(value: str | Path) -> str | InputFile:
    """A file field's value: a local file as an upload (read off the event loop), else as is."""
    if isinstance(value, Path):
        return InputFile(await asyncio.to_thread(value.read_bytes), filename=value.name)
    return value


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
        self._workers: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._killed = False
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
        self._stopping = self._killed = False
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
        """Stop at once, recording nothing more (what a crash does).

        The workers are cancelled here too, not only through the engine's task: a cancellation
        that ``asyncio.wait_for`` swallows (Python 3.11) must not leave them sending.
        """
        self._killed = self._stopping = True
        for worker in self._workers:
            worker.cancel()
        self._workers.clear()
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
        report_title: str | None = None,
        ref_id: int | None = None,
        village_codes: tuple[str, ...] = (),
        person_ids: tuple[int, ...] = (),
    ) -> int:
        """Store a broadcast with its outbox, start sending it.

        ``report_to`` is the sender's chat and language: there they watch the progress, under
        ``report_title`` (in that language) when nobody sent it by hand. A report that cannot
        be shown does not hold the broadcast back.
        """
        if kind not in self.renderers:
            raise ValueError(f"no renderer for broadcast kind {kind!r}")
        report = None if report_to is None else (report_to[0], report_to[1].language, report_title)
        # The outbox goes in chunks, other residents' writes between them; the engine sees the
        # broadcast once it is whole.
        broadcast_id = await repo.create(
            self.services.db,
            kind=kind,
            payload=payload,
            created_by=created_by,
            ref_id=ref_id,
            village_codes=village_codes,
            person_ids=person_ids,
            report_to=report,
        )
        await self._open_report(broadcast_id)
        self._wake.set()
        return broadcast_id

    async def finish_unwritten(self) -> int:
        """At start, before anything else: finish the outboxes a crash left half written.

        Such a broadcast was never sent; it goes out now to everyone it was for, and its
        sender gets the report they would have got. Returns how many there were.
        """
        await repo.skip_unsent(self.services.db)  # and those a stop left half skipped
        found = await repo.unwritten(self.services.db)
        for broadcast in found:
            _LOGGER.info("Broadcast %s: writing the rest of its outbox", broadcast.id)
            await repo.write_outbox(self.services.db, broadcast.id)
            await self._open_report(broadcast.id)
        if found:
            self._wake.set()
        return len(found)

    async def _open_report(self, broadcast_id: int) -> None:
        """Send the sender's progress message (if it has a sender), to be edited as it goes."""
        db = self.services.db
        broadcast = await repo.get(db, broadcast_id)
        if broadcast is None or broadcast.report_chat_id is None:
            return
        chat_id, title = broadcast.report_chat_id, broadcast.report_title
        tr = self.services.i18n.get(broadcast.report_language)
        total = (await repo.tally(db, broadcast_id)).total
        text = tr.t("broadcast.queued", total=tr.nt("broadcast.recipients", total))
        try:
            message = await self.bot.send_message(
                chat_id,
                f"{title}\n\n{text}" if title else text,
                reply_markup=self._cancel_markup(tr, broadcast_id),
            )
        except TelegramError as error:
            _LOGGER.warning("Report of broadcast %s not sent: %s", broadcast_id, error)
            return
        await repo.set_report_message(
            db, broadcast_id, chat_id, message.message_id, tr.language, title
        )

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
        self._workers.update(workers)
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
        self._workers.difference_update(workers)
        if self._killed:
            return
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

    async def send_one(self, recipient: Recipient, message: Outgoing) -> Sent:
        """Send one message; return the outcome ('sent', 'blocked', 'failed', 'pending').

        Trouble on Telegram's side (429s past their count, 5xx, resets, timeouts) pauses
        every send and puts the row back as 'pending', to be tried again: nobody is lost to
        an outage. Only a row that went back ``MAX_ATTEMPTS`` times counts as failed. A file
        Telegram refuses gives ``MEDIA_REFUSED``: the caller sends the text alone instead.
        """
        loop = asyncio.get_running_loop()
        network_tries = retry_afters = 0
        while True:
            if (pause := self._resume_at - loop.time()) > 0:
                await asyncio.sleep(pause)
            try:
                answer = await self._post(recipient.chat_id, message)
                self._backoff = 0.0
                return Sent("sent", _uploaded_file_id(answer, message))
            except RetryAfter as error:
                retry_afters += 1
                self._resume_at = max(self._resume_at, loop.time() + retry_seconds(error))
                _LOGGER.warning("Telegram asked to slow down for %ss", retry_seconds(error))
                if retry_afters > MAX_RETRY_AFTER:
                    return Sent(self._later(recipient, "repeated 429"))
            except Forbidden:
                return Sent("blocked")
            except BadRequest as error:
                _LOGGER.warning(
                    "Broadcast to %s refused: %s", who(recipient.chat_id), error.message
                )
                media_refused = message.media is not None and refused_for_media(error.message)
                return Sent(MEDIA_REFUSED if media_refused else "failed")
            except OSError as error:
                if message.upload is None:
                    raise
                _LOGGER.warning("File of a broadcast not read: %s", error)  # gone, unreadable
                return Sent(MEDIA_REFUSED)
            except NetworkError as error:  # 5xx, resets, timeouts
                if message.media is not None and "too large" in error.message.lower():
                    return Sent(MEDIA_REFUSED)  # 413: the upload is over Telegram's limit
                network_tries += 1
                self._network_trouble(loop.time())
                if network_tries >= NETWORK_TRIES:
                    return Sent(self._later(recipient, error.message))

    def _network_trouble(self, now: float) -> None:
        """Pause every send, longer while the trouble lasts (the first to notice sets it)."""
        if now >= self._resume_at:
            self._backoff = min(MAX_BACKOFF, self._backoff * 2 or 0.5)
            self._resume_at = now + self._backoff

    def _later(self, recipient: Recipient, reason: str) -> str:
        """Put a row back to be tried again, unless it has been tried too often."""
        if recipient.attempts + 1 >= MAX_ATTEMPTS:
            _LOGGER.warning("Broadcast to %s failed: %s", who(recipient.chat_id), reason)
            return "failed"
        _LOGGER.info("Broadcast to %s postponed: %s", who(recipient.chat_id), reason)
        return "pending"

    async def _post(self, chat_id: int, message: Outgoing) -> Any:
        # The sent Message is not needed: the raw request spares building it for every resident
        # (the answer stays JSON; only an upload's file id is read from it).
        api: dict[str, Any] = {"chat_id": chat_id}
        if message.markup is not None:
            api["reply_markup"] = message.markup
        if self.paid:
            api["allow_paid_broadcast"] = True
        media = message.media
        if media is None:
            endpoint = "sendMessage"
            api.update(text=message.text, link_preview_options={"is_disabled": True})
        else:
            field, value = media
            endpoint = "sendPhoto" if field == "photo" else "sendDocument"
            api["caption"] = message.text
            # A raw request uploads only an InputFile: a path as a string would be taken for
            # a file id, and refused.
            api[field] = await file_input(value)
        return await self.bot.do_api_request(endpoint, api, rate_limit_args={"broadcast": True})

    # --- the sender's progress message ---------------------------------------------------------
    def _final_markup(self, tr: Translator, broadcast: Broadcast) -> InlineKeyboardMarkup | None:
        """Under a notice's final report: ✏️ Correct (handlers.corrections); nothing else."""
        if broadcast.kind != "notice" or broadcast.status != "done":
            return None
        data = callbacks.build(callbacks.Feature.CORRECTION, "go", "notice", broadcast.id)
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(tr.t("correction.button"), callback_data=data)]]
        )

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
            text = tr.t(
                "broadcast.progress",
                done=tr.number(tally.done),
                percent=tr.percent(share),
                **values,
            )
        else:
            text = tr.t(f"broadcast.{status}", **values)
        if tally.text_only:
            text += "\n" + tr.t("broadcast.text_only", count=tr.number(tally.text_only))
        return text

    async def _report(self, broadcast_id: int, *, final: bool = False) -> None:
        db = self.services.db
        broadcast = await repo.get(db, broadcast_id)
        if broadcast is None or broadcast.report_chat_id is None:
            return
        if broadcast.report_message_id is None:  # the progress message could not be sent
            return
        tr = self.services.i18n.get(broadcast.report_language)
        status = broadcast.status if final else "sending"
        text = self.progress_text(tr, await repo.tally(db, broadcast.id), status)
        if broadcast.report_title:
            text = f"{broadcast.report_title}\n\n{text}"
        markup = (
            self._final_markup(tr, broadcast) if final else self._cancel_markup(tr, broadcast.id)
        )
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

    The message is rendered once per language. The first send of a file in each language goes
    alone while the other workers of that language wait: a local file is uploaded once, and
    everyone else gets the file id of that upload. When Telegram refuses the file, that
    recipient and every later one of the language get the text alone, counted for the sender's
    report.
    """

    def __init__(self, engine: BroadcastEngine, broadcast: Broadcast) -> None:
        self.engine = engine
        self.broadcast = broadcast
        self.queue: asyncio.Queue[Recipient | None] = asyncio.Queue()
        self.rendered: dict[str, Outgoing] = {}
        self.file_taken: set[str] = set()  # languages whose file Telegram accepted
        self.text_alone: set[str] = set()  # languages whose file Telegram refused
        self.unrecorded: list[Outcome] = []
        self.queued: set[int] = set()
        self.in_flight = 0
        self.running_low = asyncio.Event()  # set when the workers are about to run dry
        self._writing = False
        self._locks: dict[str, asyncio.Lock] = {}

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
                self.unrecorded.append(await self.send(recipient))
            finally:
                self.in_flight -= 1
            await self.flush()
            self.queued.discard(recipient.person_id)

    def _lock(self, language: str) -> asyncio.Lock:
        return self._locks.setdefault(language, asyncio.Lock())

    async def _message(self, language: str) -> Outgoing:
        """The message in ``language``, rendered once (a chart is drawn once, not per worker)."""
        if (message := self.rendered.get(language)) is None:
            async with self._lock(language):
                if (message := self.rendered.get(language)) is None:
                    message = await self.engine.render(self.broadcast, language)
                    self.rendered[language] = message
        return message

    async def send(self, recipient: Recipient) -> Outcome:
        """Send one row; the first file of each language alone (single flight)."""
        # Keyed by the language it is written in: no language chosen reads as the default one.
        language = self.engine.services.i18n.get(recipient.language).language
        message = await self._message(language)
        if message.media is not None and language not in self.file_taken:
            # The others wait: for the file id of this upload, or to learn the file is refused.
            async with self._lock(language):
                message = self.rendered[language]
                if message.media is not None and language not in self.file_taken:
                    return await self._send(recipient, language, message)
        return await self._send(recipient, language, message)

    async def _send(self, recipient: Recipient, language: str, message: Outgoing) -> Outcome:
        """Send, keep an upload's file id, and fall back to the text when the file is refused."""
        sent = await self.engine.send_one(recipient, message)
        if sent.file_id is not None and self.rendered.get(language) is message:
            self.rendered[language] = message.with_file_id(sent.file_id)
        # Taken: a file id, or an upload whose id came back (else the next one uploads again).
        taken = message.upload is None or sent.file_id is not None
        if sent.status == "sent" and message.media is not None and taken:
            self.file_taken.add(language)
        if sent.status == MEDIA_REFUSED:
            _LOGGER.warning(
                "Broadcast %s (%s): file refused, the text goes alone", self.broadcast.id, language
            )
            self.text_alone.add(language)
            self.rendered[language] = message = message.text_alone()
            sent = await self.engine.send_one(recipient, message)
        text_only = sent.status == "sent" and message.media is None and language in self.text_alone
        return Outcome(recipient.person_id, sent.status, text_only)

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
