"""The Bot API simulator over real HTTP (aiohttp), for end-to-end runs of the unchanged bot.

``SimServer`` serves a :class:`~bot.simulator.api.BotApiSimulator` at
``http://127.0.0.1:PORT/bot<token>/<method>``, reading JSON, form and multipart bodies as
the bot's transport (``bot/transport.py``) and PTB's ``HTTPXRequest`` send them, and answering
with Telegram's JSON (errors included, with ``parameters.retry_after``). Point the bot at it
with ``BOT_API_BASE_URL=<server.base_url>``.
In webhook mode (after ``setWebhook``) it POSTs each update to the bot's URL with the
``X-Telegram-Bot-Api-Secret-Token`` header it was given, in order, until the bot accepts it.

Tests hold the server in process (``server.sim``, ``server.person(...)``, ``server.settle()``);
``python -m bot.simulator serve`` exposes the same through a small JSON control API under
``/_sim/`` (see :func:`control_routes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from bot.simulator.api import ApiError, BotApiSimulator, Json, Outage, Unreachable
from bot.simulator.people import SimUser

_LOGGER = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Parameters Telegram reads as strings: never JSON-decoded ("123" stays text).
STRING_FIELDS = frozenset(
    {
        "text", "caption", "callback_query_id", "url", "secret_token", "file_id", "photo",
        "document", "voice", "audio", "video", "sticker", "animation", "language_code",
        "parse_mode", "emoji", "title", "description", "short_description", "name",
        "question", "ip_address", "inline_message_id", "business_connection_id",
    }
)  # fmt: skip
WEBHOOK_TRIES = 600  # per update, about two minutes, then the update is dropped (logged)
WEBHOOK_RETRY_SECONDS = 0.2


def decode_params(raw: dict[str, Any]) -> Json:
    """Turn form fields (strings, JSON for anything else) into Bot API parameters."""
    params: Json = {}
    for key, value in raw.items():
        if key in STRING_FIELDS or not isinstance(value, str):
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


class SimServer:
    """One simulated Telegram on a local port, with the bot's chats, calls and faults."""

    def __init__(
        self,
        sim: BotApiSimulator | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
    ) -> None:
        self.sim = sim or BotApiSimulator()
        self.host = host
        self.port = port
        self.token = token  # when set, other tokens get 401 as from Telegram
        self.webhook_answers: list[int] = []  # HTTP statuses the bot's webhook answered
        self._runner: web.AppRunner | None = None
        self._pusher: asyncio.Task[None] | None = None
        self._client: ClientSession | None = None
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._chat_activity: dict[int, float] = {}  # chat id -> when the bot last called for it

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The value for ``BOT_API_BASE_URL``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """The value for ``BOT_API_BASE_FILE_URL``."""
        return f"{self.url}/file/bot"

    def build_app(self) -> web.Application:
        """The aiohttp application: the Bot API and the control API."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        app.router.add_routes(control_routes(self))
        return app

    async def start(self) -> SimServer:
        """Listen (on a free port when ``port`` is 0) and start pushing webhook updates."""
        self._runner = web.AppRunner(self.build_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]
        self._client = ClientSession(timeout=ClientTimeout(total=30))
        self._pusher = asyncio.create_task(self._push_webhook(), name="sim-webhook")
        return self

    async def stop(self) -> None:
        """Stop listening and pushing."""
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
            self._pusher = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- people and waiting --------------------------------------------------------------
    def person(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "kk",
        *,
        started: bool = False,
    ) -> SimUser:
        """A person whose every update is delivered, then waited on until the bot is quiet."""

        async def deliver(update: Json) -> None:
            since = time.monotonic()
            await self.deliver(update)
            await self.settle_chat(user_id, since)

        return SimUser(self.sim, deliver, user_id, first_name, language_code, started=started)

    async def deliver(self, update: Json) -> None:
        """Offer an update: to ``getUpdates``, or pushed to the webhook when one is set."""
        self._last_activity = time.monotonic()
        self.sim.enqueue(update)

    async def settle(self, quiet: float = 0.3, within: float = 20.0) -> None:
        """Wait until every update was taken and the bot made no call for ``quiet`` seconds."""
        deadline = time.monotonic() + within
        while True:
            now = time.monotonic()
            if (
                self.sim.pending_updates == 0
                and self._in_flight == 0
                and now - self._last_activity >= quiet
            ):
                return
            if now > deadline:
                recent = [c.method for c in self.sim.calls[-5:]]
                raise TimeoutError(
                    f"the bot did not settle: {self.sim.pending_updates} updates pending, "
                    f"{self._in_flight} requests in flight, last calls {recent}"
                )
            await asyncio.sleep(0.05)

    async def settle_chat(
        self, chat_id: int, since: float, quiet: float = 0.3, within: float = 20.0
    ) -> None:
        """Wait until the bot answered in a chat (after ``since``) and went quiet there.

        Other chats may stay busy (a broadcast); an update that draws no answer at all is
        taken as handled once nothing happened in the chat for two seconds.
        """
        deadline = time.monotonic() + within
        while True:
            now = time.monotonic()
            last = self._chat_activity.get(chat_id, 0.0)
            taken = self.sim.pending_updates == 0
            if taken and last > since and now - last >= quiet:
                return
            if taken and last <= since and now - since >= 2.0:
                return
            if now > deadline:
                raise TimeoutError(f"the bot did not answer in chat {chat_id}")
            await asyncio.sleep(0.05)

    def _touch(self, params: Json) -> None:
        now = self._last_activity = time.monotonic()
        chat = params.get("chat_id")
        query_id = str(params.get("callback_query_id", ""))
        if chat is None and query_id.startswith("cq-"):
            chat = query_id.split("-")[1]  # SimUser numbers its taps cq-<user>-<n>
        with contextlib.suppress(TypeError, ValueError):
            self._chat_activity[int(chat)] = now  # type: ignore[arg-type]

    async def wait_until(self, condition: Any, within: float = 20.0, what: str = "") -> None:
        """Wait until ``condition()`` holds."""
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met in {within}s: {what}")
            await asyncio.sleep(0.05)

    def outage(self, seconds: float, modes: tuple[str, ...], **options: Any) -> Outage:
        """Make calls fail for ``seconds`` (see :class:`~bot.simulator.api.Outage`)."""
        fault = Outage(seconds, modes, **options)
        self.sim.fault = fault
        return fault

    # --- the Bot API ---------------------------------------------------------------------
    async def _read_params(self, request: web.Request) -> tuple[Json, dict[str, bytes]]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
            return raw, files
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value.file.read()
                else:
                    raw[key] = value
        return decode_params(raw), files

    async def _bot_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if self.token is not None and request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        polling = method == "getUpdates"  # a long poll that finds nothing is not activity
        self._in_flight += not polling
        if not polling:
            self._last_activity = time.monotonic()
        try:
            try:
                params, files = await self._read_params(request)
            except ValueError:
                return _error(ApiError(400, "Bad Request: can't parse request body"))
            try:
                status, body = await self.sim.answer(method, params, files)
            except Unreachable as gone:
                await asyncio.sleep(gone.hang)
                if request.transport is not None:
                    request.transport.abort()  # the client sees a reset or its own timeout
                raise web.HTTPServiceUnavailable() from None  # never reaches the client
            if method != "getUpdates" or body != b'{"ok": true, "result": []}':
                self._touch(params)
            return web.Response(status=status, body=body, content_type="application/json")
        finally:
            self._in_flight -= not polling

    async def _file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        return web.Response(body=f"simulated file {path}".encode(), content_type="image/jpeg")

    # --- webhook delivery ----------------------------------------------------------------
    async def _push_webhook(self) -> None:
        """POST pending updates to the webhook, oldest first, each until the bot takes it."""
        tries = 0
        while True:
            if not self.sim.webhook["url"] or not await self.sim.wait_for_update(0.2):
                await asyncio.sleep(0.05 if not self.sim.webhook["url"] else 0)
                continue
            update = self.sim.next_pending()
            if update is None:
                continue
            status = await self._post_update(update)
            if status == 200 or tries >= WEBHOOK_TRIES:
                if status != 200:
                    _LOGGER.warning("Dropped update %s: the webhook never took it", update)
                self.sim.confirm(update["update_id"])
                tries = 0
                continue
            tries += 1
            await asyncio.sleep(WEBHOOK_RETRY_SECONDS)

    async def _post_update(self, update: Json) -> int:
        assert self._client is not None
        webhook = self.sim.webhook
        headers = {"Content-Type": "application/json"}
        if webhook.get("secret_token"):
            headers[SECRET_HEADER] = str(webhook["secret_token"])
        self._in_flight += 1
        try:
            async with self._client.post(
                str(webhook["url"]), data=json.dumps(update), headers=headers
            ) as response:
                self.webhook_answers.append(response.status)
                return response.status
        except (ClientError, TimeoutError) as error:
            _LOGGER.debug("Webhook not reached: %s", error)
            return 0
        finally:
            self._in_flight -= 1
            self._last_activity = time.monotonic()


def _error(error: ApiError) -> web.Response:
    body: Json = {"ok": False, "error_code": error.code, "description": error.description}
    return web.Response(status=error.code, text=json.dumps(body), content_type="application/json")


# --- the control API ---------------------------------------------------------------------------
def control_routes(server: SimServer) -> list[web.RouteDef]:
    """``/_sim/``: act as a person, read a chat or the calls, set faults, wait for the bot.

    - ``POST /_sim/people/{id}`` ``{"first_name", "language_code"}``: a person exists
    - ``POST /_sim/people/{id}/send`` ``{"text"}``; ``/tap`` ``{"label"}`` or ``{"data"}``;
      ``/location`` ``{"latitude", "longitude"}``; ``/photo`` ``{"caption"}``; ``/sticker``;
      ``/document``: the person acts; the answer comes once the bot is quiet
    - ``GET /_sim/people/{id}/chat``: the chat as the person sees it, and its buttons
    - ``POST /_sim/updates``: deliver a raw update (numbered if it has no ``update_id``)
    - ``GET /_sim/calls?method=``: the calls the bot made
    - ``POST /_sim/fault`` ``{"seconds", "modes", "methods", "retry_after", "hang"}``;
      ``DELETE /_sim/fault``
    - ``GET /_sim/state``: webhook, pending updates, number of calls
    """
    people: dict[int, SimUser] = {}

    def who(request: web.Request) -> SimUser:
        user_id = int(request.match_info["id"])
        if user_id not in people:
            people[user_id] = server.person(user_id, f"User{user_id}", "kk")
        return people[user_id]

    async def body(request: web.Request) -> Json:
        if not request.can_read_body:
            return {}
        data = await request.json()
        return data if isinstance(data, dict) else {}

    async def create(request: web.Request) -> web.Response:
        data = await body(request)
        user_id = int(request.match_info["id"])
        people[user_id] = server.person(
            user_id, str(data.get("first_name", f"User{user_id}")), data.get("language_code")
        )
        return web.json_response({"ok": True})

    async def act(request: web.Request) -> web.Response:
        person, data, action = who(request), await body(request), request.match_info["action"]
        answer: Json | None = None
        if action == "send":
            await person.send(str(data["text"]))
        elif action == "tap":
            answer = (
                await person.tap(str(data["label"]))
                if "label" in data
                else await person.tap_data(str(data["data"]))
            )
        elif action == "location":
            await person.share_location(float(data["latitude"]), float(data["longitude"]))
        elif action == "photo":
            await person.send_photo(data.get("caption"))
        elif action == "sticker":
            await person.send_sticker()
        elif action == "document":
            await person.send_document()
        else:
            raise web.HTTPNotFound(text=f"no action {action!r}")
        return web.json_response({"ok": True, "answer": answer, "last_text": person.last_text})

    async def chat(request: web.Request) -> web.Response:
        person = who(request)
        return web.json_response(
            {
                "messages": person.messages,
                "texts": person.texts,
                "buttons": person.button_labels(),
                "keyboard": [button["text"] for button in person.reply_keyboard],
            }
        )

    async def raw_update(request: web.Request) -> web.Response:
        update = await body(request)
        if "update_id" not in update:
            update = server.sim.make_update(update)
        await server.deliver(update)
        await server.settle()
        return web.json_response({"ok": True, "update_id": update["update_id"]})

    async def calls(request: web.Request) -> web.Response:
        method = request.query.get("method")
        found = [
            {"method": c.method, "params": c.params, "status": c.status}
            for c in server.sim.calls
            if method is None or c.method == method
        ]
        return web.json_response({"calls": found})

    async def set_fault(request: web.Request) -> web.Response:
        data = await body(request)
        methods = data.get("methods")
        try:
            server.outage(
                float(data.get("seconds", 5)),
                tuple(data.get("modes", ("429", "502", "timeout", "reset"))),
                methods=frozenset(methods) if methods else None,
                retry_after=int(data.get("retry_after", 1)),
                hang=float(data.get("hang", 6.0)),
            )
        except ValueError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.json_response({"ok": True})

    async def clear_fault(request: web.Request) -> web.Response:
        server.sim.fault = None
        return web.json_response({"ok": True})

    async def state(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "webhook": server.sim.webhook.get("url", ""),
                "pending_updates": server.sim.pending_updates,
                "calls": len(server.sim.calls),
            }
        )

    return [
        web.post("/_sim/people/{id}", create),
        web.post("/_sim/people/{id}/{action}", act),
        web.get("/_sim/people/{id}/chat", chat),
        web.post("/_sim/updates", raw_update),
        web.get("/_sim/calls", calls),
        web.post("/_sim/fault", set_fault),
        web.delete("/_sim/fault", clear_fault),
        web.get("/_sim/state", state),
    ]


async def serve(
    host: str,
    port: int,
    token: str | None = None,
    *,
    latency: float = 0.0,
    flood_limits: bool = True,
) -> None:
    """Run a server until cancelled (``python -m bot.simulator serve``)."""
    sim = BotApiSimulator(latency=latency, flood_limits=flood_limits)
    async with SimServer(sim, host=host, port=port, token=token) as server:
        print(f"Bot API simulator on {server.url}: BOT_API_BASE_URL={server.base_url}", flush=True)
        await asyncio.Event().wait()
