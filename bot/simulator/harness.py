"""Run the real Application against the simulator: for tests, the demo and benchmarks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType

from telegram import Update

from bot.app import build_application
from bot.context import QatysuApp
from bot.settings import Settings
from bot.simulator.api import BotApiSimulator, Json
from bot.simulator.people import SimUser
from storage import broadcasts


class Harness:
    """One bot process (which can crash and restart) talking to one simulated Telegram.

    ``direct`` delivery hands each update to ``Application.process_update`` and returns when it
    was handled; ``polling`` serves it through ``getUpdates`` to PTB's real Updater. The
    simulator is strict (see :class:`~bot.simulator.api.BotApiSimulator`); ``latency`` is the
    seconds each Bot API answer takes.
    """

    def __init__(self, settings: Settings, *, polling: bool = False, latency: float = 0.0) -> None:
        self.settings = settings
        self.sim = BotApiSimulator(latency=latency)
        self.sim.match_time_scale(settings)
        self.polling = polling
        self._app: QatysuApp | None = None

    @property
    def app(self) -> QatysuApp:
        """The running application."""
        if self._app is None:
            raise RuntimeError("the bot is not running")
        return self._app

    async def start(self) -> QatysuApp:
        """Build and start the bot as ``run`` would."""
        app = build_application(self.settings, request=self.sim)
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        if self.polling:
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
        await app.start()
        self._app = app
        return app

    async def stop(self) -> None:
        """Stop gracefully, as on SIGTERM."""
        app = self.app
        if app.updater and app.updater.running:
            await app.updater.stop()
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
        self._app = None

    async def crash(self) -> None:
        """Die abruptly: nothing is flushed, only what was committed survives."""
        app = self.app
        if app.updater and app.updater.running:
            await app.updater.stop()
        services = app.bot_data.services
        assert services is not None
        services.engine.kill()
        await app.stop()
        await services.db.close()
        self._app = None

    async def restart(self, *, crash: bool = False) -> QatysuApp:
        """Stop (or crash) and start again on the same database."""
        await (self.crash() if crash else self.stop())
        return await self.start()

    async def deliver(self, update: Json) -> None:
        """Hand one update to the bot and wait until it was handled."""
        if self.polling:
            self.sim.enqueue(update)
            await self.wait_until(lambda: self.sim.pending_updates == 0)
            await self.app.update_queue.join()
            return
        await self.app.process_update(Update.de_json(update, self.app.bot))

    async def wait_until(self, condition: Callable[[], bool], within: float = 5.0) -> None:
        """Wait for ``condition`` (polling mode and background work)."""
        deadline = asyncio.get_running_loop().time() + within
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(0.01)

    async def broadcasts_finished(self, within: float = 15.0) -> None:
        """Wait until no broadcast is still sending."""
        services = self.app.bot_data.services
        assert services is not None
        deadline = asyncio.get_running_loop().time() + within
        while not services.engine.idle or await broadcasts.sending(services.db):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("broadcasts still sending")
            await asyncio.sleep(0.02)

    def user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None = "kk",
        *,
        started: bool = False,
        username: str | None = None,
    ) -> SimUser:
        """A person who will write to the bot (``started``: who already did, before the test)."""
        return SimUser(
            self.sim, self.deliver, user_id, first_name, language_code, started=started,
            username=username,
        )  # fmt: skip

    async def __aenter__(self) -> Harness:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._app is not None:
            await self.stop()
