"""An in-process Telegram Bot API: answers the methods Qatysu uses and records every call.

Plugged in through PTB's request seam (``build_application(settings, request=sim)``), it runs
the real ``Application``, handlers, JobQueue and request layer without a network.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.settings import Settings
from bot.simulator import rules
from bot.simulator.errors import ApiError as ApiError  # where callers have found it

_LOGGER = logging.getLogger(__name__)
Json = dict[str, Any]
BOT_ID = 7_000_000_001
BOT_USERNAME = "qatysu_bot"


class Unreachable(Exception):
    """The Bot API gives no answer: the connection is reset, or the request times out.

    The request is not carried out. In process the bot sees PTB's ``NetworkError`` or
    ``TimedOut``; over HTTP the connection is dropped (after ``hang`` seconds for a timeout).
    """

    def __init__(self, how: str, hang: float = 0.0) -> None:
        super().__init__(how)
        self.how = how  # "reset" or "timeout"
        self.hang = hang


FAULT_MODES = ("429", "500", "502", "timeout", "reset")


class Outage:
    """A fault hook: for ``seconds``, calls (of ``methods``, or all) fail in turn as ``modes``.

    Modes: ``429`` (with ``retry_after``), ``500``, ``502``, ``timeout`` (no answer for ``hang``
    seconds, then the connection drops), ``reset`` (the connection drops at once).
    """

    def __init__(
        self,
        seconds: float,
        modes: tuple[str, ...] = FAULT_MODES,
        methods: frozenset[str] | None = None,
        *,
        retry_after: int = 1,
        hang: float = 6.0,
    ) -> None:
        unknown = set(modes) - set(FAULT_MODES)
        if unknown or not modes:
            raise ValueError(f"fault modes must be some of {FAULT_MODES}, not {sorted(unknown)}")
        self.until = time.monotonic() + seconds
        self.modes = modes
        self.methods = methods
        self.retry_after = retry_after
        self.hang = hang
        self.failed = 0

    @property
    def active(self) -> bool:
        """Whether calls still fail."""
        return time.monotonic() < self.until

    async def __call__(self, method: str, params: Json) -> None:
        """Fail this call as the next mode says, while the outage lasts."""
        if not self.active or (self.methods is not None and method not in self.methods):
            return
        mode = self.modes[self.failed % len(self.modes)]
        self.failed += 1
        if mode == "429":
            text = f"Too Many Requests: retry after {self.retry_after}"
            raise ApiError(429, text, self.retry_after)
        if mode == "500":
            raise ApiError(500, "Internal Server Error")
        if mode == "502":
            raise ApiError(502, "Bad Gateway")
        raise Unreachable(mode, self.hang if mode == "timeout" else 0.0)


@dataclass
class ApiCall:
    """One request the bot made."""

    method: str
    params: Json
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    status: int = 0  # the HTTP status answered
    error: str = ""  # the description of an error answer

    @property
    def ok(self) -> bool:
        """Whether the Bot API accepted the call."""
        return self.status == 200


def now() -> int:
    """Unix time, as Telegram stamps messages."""
    return int(time.time())


SEND_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendVoice", "sendMediaGroup",
        "sendAudio", "sendVideo", "sendAnimation", "sendSticker", "copyMessage", "forwardMessage",
    }
)  # fmt: skip
FILE_KINDS = ("photo", "document", "voice", "audio", "video", "animation", "sticker", "video_note")
CALLBACK_DEADLINE = 15.0  # seconds Telegram waits for the answer to a button tap


class Throttle:
    """Telegram's flood limits on sends: past any of them, 429 with ``retry_after``.

    Overall, ``overall`` sends a second (``paid_overall`` for requests with
    ``allow_paid_broadcast``). A private chat tolerates a short burst, then one a second: a
    bucket of ``chat_burst`` sends refilled at ``chat_rate`` a second. A group takes
    ``group_per_minute`` sends a minute.
    """

    def __init__(
        self,
        overall: int = 30,
        *,
        paid_overall: int = 1000,
        chat_burst: float = 3.0,
        chat_rate: float = 1.0,
        group_per_minute: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.overall = overall
        self.paid_overall = paid_overall
        self.chat_burst = chat_burst
        self.chat_rate = chat_rate
        self.group_per_minute = group_per_minute
        self.refused = 0
        self._recent: deque[float] = deque()
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, when counted)
        self._groups: dict[int, deque[float]] = {}

    def check(self, chat_id: int, *, paid: bool = False) -> None:
        """Count one send, or refuse it with a 429 as Telegram would."""
        now = self.clock()
        wait = max(self._overall_wait(now, paid), self._chat_wait(chat_id, now))
        if wait > 0:
            self.refused += 1
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        self._recent.append(now)
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            tokens, _ = self._tokens(chat_id, now)
            self._buckets[chat_id] = (tokens - 1.0, now)

    def _overall_wait(self, now: float, paid: bool) -> float:
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        limit = self.paid_overall if paid else self.overall
        if len(self._recent) < limit:
            return 0.0
        return self._recent[len(self._recent) - limit] + 1.0 - now

    def _tokens(self, chat_id: int, now: float) -> tuple[float, float]:
        tokens, since = self._buckets.get(chat_id, (self.chat_burst, now))
        return min(self.chat_burst, tokens + (now - since) * self.chat_rate), now

    def _chat_wait(self, chat_id: int, now: float) -> float:
        if chat_id < 0:
            sent = self._groups.setdefault(chat_id, deque())
            while sent and sent[0] <= now - 60.0:
                sent.popleft()
            if len(sent) < self.group_per_minute:
                return 0.0
            return sent[len(sent) - self.group_per_minute] + 60.0 - now
        tokens, _ = self._tokens(chat_id, now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.chat_rate


class BotApiSimulator(BaseRequest):
    """The Bot API as seen by one bot: chats, messages, updates, command menus.

    Strict as Telegram: it refuses what Telegram refuses (see :mod:`bot.simulator.rules`), knows
    which file ids and callback queries it issued, which people started the bot, and applies
    the flood limits (``throttle``; ``flood_limits=False`` or ``throttle = None`` lifts them).
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        flood_limits: bool = True,
        callback_deadline: float = CALLBACK_DEADLINE,
    ) -> None:
        self.calls: list[ApiCall] = []
        self.messages: dict[int, dict[int, Json]] = {}  # chat id -> message id -> message
        self.users: dict[int, Json] = {}
        self.started: set[int] = set()  # people who wrote to the bot: it may message them
        self.blocked: set[int] = set()
        self.files: dict[str, str] = {}  # file id -> kind, for every file id Telegram issued
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.callback_answers: dict[str, Json] = {}
        # The keyboard under each chat's input field (a reply keyboard): chat state, not part
        # of the message that set it, which Telegram returns without it.
        self.keyboards: dict[int, Json] = {}
        self.callback_deadline = callback_deadline
        self._queries: dict[str, float] = {}  # unanswered tap -> when it was made
        self.clock: Callable[[], float] = time.monotonic  # for the callback deadline
        self.webhook: Json = {"url": ""}
        self.observers: list[Callable[[str, Json], None]] = []
        self._updates: list[Json] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._next_file = 0
        self._new_update = asyncio.Event()
        self.fault: Callable[[str, Json], Awaitable[None]] | None = None
        self.throttle: Throttle | None = Throttle() if flood_limits else None
        self.latency = latency  # seconds each answer takes

    def match_time_scale(self, settings: Settings) -> None:
        """Refill each private chat's bucket at the rate the bot is set to pace chats.

        Tests lower ``CHAT_RATE`` so that scripted people need not wait a second per message;
        the simulated Telegram then runs on the same clock: the pacer must still never draw a
        429. Every other limit stays Telegram's. With the production settings nothing changes.
        """
        if self.throttle is not None:
            self.throttle.chat_burst = float(settings.chat_burst)
            self.throttle.chat_rate = settings.chat_rate

    # --- BaseRequest -------------------------------------------------------------------------
    @property
    def read_timeout(self) -> float | None:
        """Default read timeout (unused: nothing goes over a network)."""
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer one Bot API request."""
        name = url.rsplit("/", 1)[-1]
        params: Json = dict(request_data.parameters) if request_data else {}
        files = {
            key: value[1] if isinstance(value, tuple) else value
            for key, value in (request_data.multipart_data if request_data else {}).items()
        }
        try:
            return await self.answer(
                name, params, {k: v for k, v in files.items() if isinstance(v, bytes)}
            )
        except Unreachable as gone:
            if gone.how == "timeout":
                raise TimedOut("Timed out (simulated)") from None
            raise NetworkError("Connection reset by peer (simulated)") from None

    async def answer(
        self, name: str, params: Json, files: dict[str, bytes] | None = None
    ) -> tuple[int, bytes]:
        """Carry out one Bot API method; return the HTTP status and JSON body Telegram would.

        Raises :class:`Unreachable` when a fault hook says the API does not answer.
        """
        if self.latency:
            await asyncio.sleep(self.latency)
        call = ApiCall(name, params, files or {})
        self.calls.append(call)
        try:
            if self.fault is not None:
                await self.fault(name, params)
            handler = getattr(self, f"api_{name}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            rules.check_request(name, params)
            self._check_files(name, params, call.files)
            if self.throttle is not None and name in SEND_METHODS:
                paid = bool(params.get("allow_paid_broadcast"))
                self.throttle.check(int(params["chat_id"]), paid=paid)
            result = await handler(params)
        except ApiError as error:
            body: Json = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            call.status, call.error = error.code, error.description
            # Shown with a failing test: which request Telegram would have refused, and why.
            _LOGGER.warning("Refused %s to %s: %s", name, params.get("chat_id"), error.description)
            return error.code, json.dumps(body).encode()
        except Unreachable:
            call.status = -1
            raise
        call.status = 200
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- files -------------------------------------------------------------------------------
    def _check_files(self, name: str, params: Json, files: dict[str, bytes]) -> None:
        """Refuse a file field that is not an issued file id, an http(s) URL or an upload."""
        field_name = rules.FILE_FIELDS.get(name)
        if field_name is not None:
            if params.get(field_name) is None:
                if field_name not in files:
                    raise rules.bad(f"Bad Request: there is no {field_name} in the request")
            else:
                self._check_file(params[field_name], files, kind=field_name)
        if name == "sendMediaGroup":
            for item in rules.media_items(params):
                kind = item.get("type") if isinstance(item.get("type"), str) else None
                self._check_file(item.get("media"), files, album=True, kind=kind)

    def _check_file(
        self, value: Any, files: dict[str, bytes], *, album: bool = False, kind: str | None = None
    ) -> None:
        """A file given by id must be one Telegram issued, and sent as what it is: a document's
        id as a photo is refused, as Telegram refuses it."""
        text = value if isinstance(value, str) else ""
        if text.startswith("attach://"):
            if text.removeprefix("attach://") in files:
                return
            if album:
                raise rules.bad("Bad Request: can't parse InputMedia: media not found")
        elif text in self.files:
            if kind is not None and self.files[text] != kind:
                raise rules.bad(rules.file_type_mismatch(self.files[text], kind))
            return
        elif text.startswith(("http://", "https://")):
            return
        raise rules.bad(rules.WRONG_FILE)

    def issue_file(self, kind: str) -> str:
        """A fresh file id, as Telegram gives for an upload (or a file fetched by URL)."""
        self._next_file += 1
        file_id = f"sim-{kind}-{self._next_file}"
        self.files[file_id] = kind
        return file_id

    def _file_id(self, value: Any, kind: str) -> str:
        """The file id a send answers with: the one given, or a fresh one for a new file."""
        if isinstance(value, str) and value in self.files:
            return value
        return self.issue_file(kind)

    # --- updates from people -----------------------------------------------------------------
    def next_message_id(self) -> int:
        """Allocate a message id."""
        self._next_message_id += 1
        return self._next_message_id

    def make_update(self, payload: Json) -> Json:
        """Number an update (``message``, ``callback_query``...) as Telegram would."""
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        self.saw(payload)
        return update

    def saw(self, payload: Json) -> None:
        """Learn from an update what Telegram would: who started the bot, files, taps.

        A person who writes in their private chat has started the bot (and unblocked it); the
        file ids in their message and the id of their button tap are Telegram's own.
        """
        message = payload.get("message") or payload.get("edited_message")
        if isinstance(message, dict):
            chat = message.get("chat", {})
            if chat.get("type") == "private":
                self.started.add(int(chat["id"]))
                self.blocked.discard(int(chat["id"]))
            for kind in FILE_KINDS:
                media = message.get(kind)
                for item in media if isinstance(media, list) else [media]:
                    if isinstance(item, dict) and "file_id" in item:
                        self.files[str(item["file_id"])] = kind
        query = payload.get("callback_query")
        if isinstance(query, dict):
            self.started.add(int(query["from"]["id"]))
            self._queries[str(query["id"])] = self.clock()

    def add_person(self, user_id: int, first_name: str, *, started: bool = True) -> None:
        """A person Telegram knows (who wrote to the bot before, unless ``started`` is false)."""
        self.users[user_id] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if started:
            self.started.add(user_id)

    def enqueue(self, update: Json) -> None:
        """Offer an update to ``getUpdates``."""
        self._updates.append(update)
        self._new_update.set()

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a ``getUpdates`` offset (or a webhook's answer)."""
        return len(self._updates)

    def next_pending(self) -> Json | None:
        """The oldest update not yet confirmed."""
        return self._updates[0] if self._updates else None

    def confirm(self, update_id: int) -> None:
        """Forget the oldest pending copy of an update the bot confirmed (a webhook answered it)."""
        for index, update in enumerate(self._updates):
            if update["update_id"] == update_id:
                del self._updates[index]
                return

    async def wait_for_update(self, within: float) -> bool:
        """Wait until an update is pending (or ``within`` seconds pass); return whether one is."""
        if not self._updates:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), within)
            except TimeoutError:
                return False
        return True

    # --- what the bot sent -------------------------------------------------------------------
    def chat_messages(self, chat_id: int) -> list[Json]:
        """Messages in a chat, oldest first (as edited since)."""
        return [self.messages[chat_id][key] for key in sorted(self.messages.get(chat_id, {}))]

    def calls_to(self, method: str) -> list[ApiCall]:
        """Every call of one method."""
        return [call for call in self.calls if call.method == method]

    def _chat(self, params: Json) -> int:
        """The chat a request is for, if the bot may write there (as Telegram decides)."""
        chat_id = self._known_chat(params)
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id > 0 and chat_id not in self.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat_id

    def _known_chat(self, params: Json) -> int:
        try:
            chat_id = int(params["chat_id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None
        if chat_id not in self.users:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _store(self, chat_id: int, message: Json) -> Json:
        self.messages.setdefault(chat_id, {})[message["message_id"]] = message
        for observer in self.observers:
            observer("sent", message)
        return message

    def _new_message(self, chat_id: int, params: Json, **content: Any) -> Json:
        user = self.users[chat_id]
        message: Json = {
            "message_id": self.next_message_id(),
            "date": now(),
            "chat": {"id": chat_id, "type": "private", "first_name": user["first_name"]},
            "from": self.bot_user(),
            **content,
        }
        markup = _markup(params)
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        elif markup and markup.get("remove_keyboard"):
            self.keyboards.pop(chat_id, None)
        stored = self._store(chat_id, message)
        if markup and "keyboard" in markup:
            self.keyboards[chat_id] = markup
            for observer in self.observers:  # under the message it came with
                observer("keyboard", {"chat": {"id": chat_id}, "keyboard": markup["keyboard"]})
        return stored

    def _existing(self, params: Json) -> tuple[int, Json]:
        chat_id = self._chat(params)
        message = self.messages.get(chat_id, {}).get(int(params["message_id"]))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat_id, message

    @staticmethod
    def bot_user() -> Json:
        """The bot as a Telegram user."""
        return {"id": BOT_ID, "is_bot": True, "first_name": "Qatysu", "username": BOT_USERNAME}

    # --- Bot API methods ---------------------------------------------------------------------
    async def api_getMe(self, params: Json) -> Json:
        """Describe the bot."""
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def api_getUpdates(self, params: Json) -> list[Json]:
        """Confirm updates below ``offset`` and return the rest, waiting up to ``timeout``."""
        if self.webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset", 0))
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            timeout = min(float(params.get("timeout", 0)), 1.0)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                return []
        return self._updates[: int(params.get("limit", 100))]

    async def api_setWebhook(self, params: Json) -> bool:
        """Remember the webhook."""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        return True

    async def api_deleteWebhook(self, params: Json) -> bool:
        """Forget the webhook."""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook = {"url": ""}
        return True

    async def api_getWebhookInfo(self, params: Json) -> Json:
        """Describe the webhook."""
        return {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates) if self.webhook["url"] else 0,
        }

    async def api_setMyCommands(self, params: Json) -> bool:
        """Store a command menu per scope and language."""
        scope = rules.decoded(params.get("scope")) or {"type": "default"}
        if scope.get("type") == "chat":
            self._chat({"chat_id": scope["chat_id"]})
        key = (json.dumps(scope, sort_keys=True), params.get("language_code", ""))
        self.commands[key] = list(rules.decoded(params["commands"]))
        return True

    async def api_deleteMyCommands(self, params: Json) -> bool:
        """Drop a command menu."""
        scope = rules.decoded(params.get("scope")) or {"type": "default"}
        self.commands.pop(
            (json.dumps(scope, sort_keys=True), params.get("language_code", "")), None
        )
        return True

    async def api_sendMessage(self, params: Json) -> Json:
        """Send text."""
        return self._new_message(self._chat(params), params, text=str(params["text"]))

    async def api_editMessageText(self, params: Json) -> Json:
        """Edit a message's text; its keyboard becomes the one given (none if none is)."""
        chat_id, message = self._existing(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        markup = _markup(params)
        if message["text"] == str(params["text"]) and message.get("reply_markup") == markup:
            raise ApiError(400, rules.NOT_MODIFIED)
        message["text"] = str(params["text"])
        return self._edited(chat_id, message, markup)

    async def api_editMessageReplyMarkup(self, params: Json) -> Json:
        """Replace or remove a message's keyboard."""
        chat_id, message = self._existing(params)
        markup = _markup(params)
        if message.get("reply_markup") == markup:
            raise ApiError(400, rules.NOT_MODIFIED)
        return self._edited(chat_id, message, markup)

    def _edited(self, chat_id: int, message: Json, markup: Json | None) -> Json:
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = now()
        return self._store(chat_id, message)

    async def api_deleteMessage(self, params: Json) -> bool:
        """Delete a message."""
        chat_id, message = self._existing(params)
        del self.messages[chat_id][message["message_id"]]
        return True

    async def api_answerCallbackQuery(self, params: Json) -> bool:
        """Answer a button tap: once, within the deadline, and only a tap that was made."""
        query_id = str(params.get("callback_query_id", ""))
        tapped = self._queries.pop(query_id, None)
        if tapped is None or self.clock() - tapped > self.callback_deadline:
            raise ApiError(400, rules.QUERY_TOO_OLD)
        self.callback_answers[query_id] = params
        return True

    async def api_sendChatAction(self, params: Json) -> bool:
        """Typing… indicators are accepted and forgotten."""
        self._chat(params)
        return True

    async def _media(self, params: Json, kind: str) -> Json:
        chat_id = self._chat(params)
        file_id = self._file_id(params.get(kind), kind)
        media: Json = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
        media.update(self._MEDIA_FIELDS.get(kind, {}))
        content: Json = {kind: [media] if kind == "photo" else media}
        if params.get("caption"):
            content["caption"] = params["caption"]
        return self._new_message(chat_id, params, **content)

    async def api_sendPhoto(self, params: Json) -> Json:
        """Send a photo."""
        return await self._media(params, "photo")

    async def api_sendDocument(self, params: Json) -> Json:
        """Send a document."""
        return await self._media(params, "document")

    async def api_sendLocation(self, params: Json) -> Json:
        """Send a map pin."""
        location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        return self._new_message(self._chat(params), params, location=location)

    async def api_getFile(self, params: Json) -> Json:
        """Describe a file a person sent (or the bot uploaded)."""
        if str(params.get("file_id")) not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": params["file_id"],
            "file_unique_id": "u",
            "file_path": f"files/{params['file_id']}",
        }

    # Fields the Bot API always sends for a kind of media (PTB requires them).
    _MEDIA_FIELDS: ClassVar[dict[str, Json]] = {
        "photo": {"width": 1280, "height": 960},
        "voice": {"duration": 1},
    }

    async def api_sendVoice(self, params: Json) -> Json:
        """Send a voice note."""
        return await self._media(params, "voice")

    async def api_sendMediaGroup(self, params: Json) -> list[Json]:
        """Send an album of photos: one message each, as Telegram does."""
        chat_id = self._chat(params)
        group = f"album-{self._next_message_id}"
        sent = []
        for item in rules.media_items(params):
            kind = str(item.get("type", "photo"))
            file_id = self._file_id(item["media"], kind)
            media = {"file_id": file_id, "file_unique_id": f"u-{file_id}"}
            media.update(self._MEDIA_FIELDS.get(kind, {}))
            content: Json = {kind: [media] if kind == "photo" else media, "media_group_id": group}
            if item.get("caption"):
                content["caption"] = item["caption"]
            sent.append(self._new_message(chat_id, {}, **content))
        return sent

    # --- group chats (the staff chat of digests) ---------------------------------------------
    def add_group(self, chat_id: int, title: str, *, forum: bool = False) -> None:
        """Make a group the bot is a member of (kept with the users); a forum has topics."""
        self.users[chat_id] = {"id": chat_id, "first_name": title, "title": title,
                               "type": "supergroup", "is_forum": forum, "topics": {}}  # fmt: skip

    async def api_getChat(self, params: Json) -> Json:
        """Describe a chat: a group made by :meth:`add_group`, or a person's private chat."""
        known = self.users[self._known_chat(params)]
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        chat: Json = {"id": known["id"], "accent_color_id": 0, "max_reaction_count": 11,
                      "accepted_gift_types": gifts}  # fmt: skip
        if known.get("type") == "supergroup":
            return {**chat, "type": "supergroup", "title": known["title"],
                    "is_forum": known["is_forum"]}  # fmt: skip
        return {**chat, "type": "private", "first_name": known["first_name"]}

    async def api_createForumTopic(self, params: Json) -> Json:
        """Open a topic in a forum group."""
        chat = self.users[self._chat(params)]
        if not chat.get("is_forum"):
            raise ApiError(400, "Bad Request: the chat is not a forum")
        thread_id = 1000 + len(chat["topics"])
        chat["topics"][thread_id] = str(params["name"])
        return {"message_thread_id": thread_id, "name": params["name"], "icon_color": 7322096}


def _markup(params: Json) -> Json | None:
    """A request's reply markup as an object; an empty inline keyboard is no keyboard."""
    markup = rules.decoded(params.get("reply_markup"))
    if not isinstance(markup, dict):
        return None
    if "inline_keyboard" in markup and not any(rules.inline_rows(markup)):
        return None
    return markup
