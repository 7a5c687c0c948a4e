"""An in-process Telegram Bot API: answers the methods Qatysu uses and records every call.

Plugged in through PTB's request seam (``build_application(settings, request=sim)``), it runs
the real ``Application``, handlers, JobQueue and request layer without a network.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

Json = dict[str, Any]
BOT_ID = 7_000_000_001
BOT_USERNAME = "qatysu_bot"


class ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


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

    @property
    def ok(self) -> bool:
        """Whether the Bot API accepted the call."""
        return self.status == 200


def now() -> int:
    """Unix time, as Telegram stamps messages."""
    return int(time.time())


SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendLocation", "sendVoice", "sendMediaGroup"}
)


class Throttle:
    """Telegram's flood limits: 429 past ``overall`` sends per second, or one per chat."""

    def __init__(self, overall: int = 30, per_chat: int = 1, retry_after: int = 1) -> None:
        self.overall = overall
        self.per_chat = per_chat
        self.retry_after = retry_after
        self.refused = 0
        self._recent: deque[float] = deque()
        self._chat_recent: dict[int, deque[float]] = {}

    def check(self, chat_id: int) -> None:
        """Count one send, or refuse it with a 429 as Telegram would."""
        now = time.monotonic()
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        chat = self._chat_recent.setdefault(chat_id, deque())
        while chat and chat[0] <= now - 1.0:
            chat.popleft()
        if len(self._recent) >= self.overall or len(chat) >= self.per_chat:
            self.refused += 1
            raise ApiError(
                429, f"Too Many Requests: retry after {self.retry_after}", self.retry_after
            )
        self._recent.append(now)
        chat.append(now)


class BotApiSimulator(BaseRequest):
    """The Bot API as seen by one bot: chats, messages, updates, command menus."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.messages: dict[int, dict[int, Json]] = {}  # chat id -> message id -> message
        self.users: dict[int, Json] = {}
        self.blocked: set[int] = set()
        self.commands: dict[tuple[str, str], list[Json]] = {}
        self.callback_answers: dict[str, Json] = {}
        self.webhook: Json = {"url": ""}
        self.observers: list[Callable[[str, Json], None]] = []
        self._updates: list[Json] = []
        self._next_update_id = 1
        self._next_message_id = 1
        self._new_update = asyncio.Event()
        self.fault: Callable[[str, Json], Awaitable[None]] | None = None
        self.throttle: Throttle | None = None
        self.latency = 0.0  # seconds each answer takes, as Telegram's round trip would

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
            if self.throttle is not None and name in SEND_METHODS:
                self.throttle.check(int(params["chat_id"]))
            handler = getattr(self, f"api_{name}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params)
        except ApiError as error:
            body: Json = {"ok": False, "error_code": error.code, "description": error.description}
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            call.status = error.code
            return error.code, json.dumps(body).encode()
        except Unreachable:
            call.status = -1
            raise
        call.status = 200
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- updates from people -----------------------------------------------------------------
    def next_message_id(self) -> int:
        """Allocate a message id."""
        self._next_message_id += 1
        return self._next_message_id

    def make_update(self, payload: Json) -> Json:
        """Number an update (``message``, ``callback_query``...) as Telegram would."""
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        return update

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
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
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
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return self._store(chat_id, message)

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
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat":
            self._chat({"chat_id": scope["chat_id"]})
        key = (json.dumps(scope, sort_keys=True), params.get("language_code", ""))
        self.commands[key] = list(params["commands"])
        return True

    async def api_deleteMyCommands(self, params: Json) -> bool:
        """Drop a command menu."""
        scope = params.get("scope") or {"type": "default"}
        self.commands.pop(
            (json.dumps(scope, sort_keys=True), params.get("language_code", "")), None
        )
        return True

    async def api_sendMessage(self, params: Json) -> Json:
        """Send text."""
        text = str(params["text"])
        if not 1 <= len(text) <= 4096:
            raise ApiError(400, "Bad Request: message text is empty or too long")
        return self._new_message(self._chat(params), params, text=text)

    async def api_editMessageText(self, params: Json) -> Json:
        """Edit a message's text (and keyboard)."""
        chat_id, message = self._existing(params)
        markup = params.get("reply_markup")
        if message.get("text") == params["text"] and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message["text"] = params["text"]
        message["edit_date"] = now()
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return self._store(chat_id, message)

    async def api_editMessageReplyMarkup(self, params: Json) -> Json:
        """Replace or remove a message's keyboard."""
        chat_id, message = self._existing(params)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
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
        """Record the answer to a button tap."""
        self.callback_answers[str(params["callback_query_id"])] = params
        return True

    async def api_sendChatAction(self, params: Json) -> bool:
        """Typing… indicators are accepted and forgotten."""
        self._chat(params)
        return True

    async def _media(self, params: Json, kind: str) -> Json:
        chat_id = self._chat(params)
        value = params.get(kind)
        file_id = value if isinstance(value, str) and not value.startswith("attach://") else None
        media: Json = {
            "file_id": file_id or f"sim-{kind}-{self._next_message_id}",
            "file_unique_id": "u",
        }
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
        """Describe a file a person sent."""
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
        media = params["media"]
        items = json.loads(media) if isinstance(media, str) else media
        sent = []
        for item in items:
            photo = {"file_id": item["media"], "file_unique_id": "u", **self._MEDIA_FIELDS["photo"]}
            sent.append(self._new_message(chat_id, {}, photo=[photo]))
        return sent

    # --- group chats (the staff chat of digests) ---------------------------------------------
    def add_group(self, chat_id: int, title: str, *, forum: bool = False) -> None:
        """Make a group the bot is a member of (kept with the users); a forum has topics."""
        self.users[chat_id] = {"id": chat_id, "first_name": title, "title": title,
                               "type": "supergroup", "is_forum": forum, "topics": {}}  # fmt: skip

    async def api_getChat(self, params: Json) -> Json:
        """Describe a chat: a group made by :meth:`add_group`, or a person's private chat."""
        known = self.users[self._chat(params)]
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
