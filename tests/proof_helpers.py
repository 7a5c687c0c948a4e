"""The bot as a real process (``python -m bot run``) against the simulator over HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bot.settings import Settings
from bot.simulator.http import SimServer

TOKEN = "7000000001:OFFLINEofflineOFFLINEofflineOFFLINE"
SECRET = "proof-secret_123-proof-secret_456-789"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def spawn(args: list[str], cwd: Path, log: Path | None, env: dict[str, str] | None = None) -> Any:
    """Start a process with its output appended to ``log`` (or dropped)."""
    out = log.open("ab") if log is not None else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
        _STARTED.append(process)
        return process
    finally:
        if log is not None:
            out.close()  # type: ignore[union-attr]


def bot_env(api_url: str, settings: Settings, **extra: object) -> dict[str, str]:
    """The environment of ``python -m bot run`` against the simulator at ``api_url``.

    This machine's environment, less any Qatysu setting, plus the test's settings.
    """
    names = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in names}
    env.update(
        BOT_TOKEN=TOKEN,
        DATABASE_PATH=str(settings.database_path),
        BOT_API_BASE_URL=f"{api_url}/bot",
        BOT_API_BASE_FILE_URL=f"{api_url}/file/bot",
        ADMIN_IDS=",".join(str(i) for i in settings.admin_ids),
        CHAT_BURST=str(settings.chat_burst),
        CHAT_RATE=str(settings.chat_rate),
        STAFF_NOTICE_WINDOW_SECONDS=str(settings.staff_notice_window_seconds),
        PYTHONPATH=str(ROOT),
        PYTHONOPTIMIZE="2",  # as the Docker image runs it (python -OO)
    )
    if settings.database_url is not None:
        env["DATABASE_URL"] = settings.database_url.get_secret_value()
    env.update({key.upper(): str(value) for key, value in extra.items()})
    return env


_STARTED: list[subprocess.Popen[bytes]] = []


def kill_leftovers() -> None:
    """SIGKILL every process a test started and left running (a test that failed midway)."""
    while _STARTED:
        process = _STARTED.pop()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


class BotProcess:
    """``python -m bot run`` in a subprocess; its log goes to a file next to the database."""

    def __init__(
        self, server: SimServer, settings: Settings, name: str = "bot", **extra: object
    ) -> None:
        self.server = server
        self.settings = settings
        server.sim.match_time_scale(settings)
        self.env = bot_env(server.url, settings, **extra)
        self.cwd = settings.database_path.parent
        self.log_path = self.cwd / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def webhook(self) -> bool:
        """Whether it runs in webhook mode."""
        return bool(self.env.get("WEBHOOK_URL"))

    async def start(self, within: float = 30.0) -> BotProcess:
        """Start the process and wait until it takes updates."""
        first_call = len(self.server.sim.calls)
        command = [sys.executable, "-m", "bot", "run"]
        self.process = spawn(command, self.cwd, self.log_path, self.env)
        self.starts += 1
        ready_on = "setWebhook" if self.webhook else "getUpdates"
        deadline = time.monotonic() + within
        while not any(c.method == ready_on for c in self.server.sim.calls[first_call:]):
            self._check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not start:\n{self.log()}")
            await asyncio.sleep(0.05)
        if self.webhook:
            port = int(self.env["WEBHOOK_PORT"])
            while not _listening(port):
                self._check_alive()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the webhook server did not listen:\n{self.log()}")
                await asyncio.sleep(0.05)
        return self

    async def start_standby(self, within: float = 30.0) -> BotProcess:
        """Start the process beside an active one (PostgreSQL): wait until it waits as standby."""
        command = [sys.executable, "-m", "bot", "run"]
        self.process = spawn(command, self.cwd, self.log_path, self.env)
        self.starts += 1
        deadline = time.monotonic() + within
        while "Standby: waiting for the lead" not in self.log():
            self._check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"the bot did not wait as a standby:\n{self.log()}")
            await asyncio.sleep(0.05)
        return self

    def _check_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"the bot exited with {self.process.returncode}:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: nothing is flushed, only what was committed survives."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    async def stop(self, within: float = 20.0) -> int:
        """SIGTERM, as a service manager stops it; return the exit code."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + within
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                self.process.kill()
                self.process.wait(timeout=10)
                raise TimeoutError(f"the bot did not stop on SIGTERM:\n{self.log()}")
            await asyncio.sleep(0.05)
        code = self.process.returncode
        self.process = None
        return code

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        """What the bot logged (the tail)."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")[-6000:]

    async def __aenter__(self) -> BotProcess:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        if self.process is not None:
            if exc[0] is None:
                await self.stop()
            else:
                self.kill()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def query(settings: Settings, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """Read the bot's database from the test (another connection, as another process would)."""
    db = settings.database()
    await db.open()
    try:
        return list(await db.fetch_all(sql, params))
    finally:
        await db.close()


async def add_residents(
    server: SimServer, settings: Settings, ids: range, village: str, language: str = "ru"
) -> None:
    """Residents who joined earlier: stored in the database and known to the simulator."""
    from storage import people

    db = settings.database()
    await db.open()
    try:
        for user_id in ids:
            await people.ensure_person(db, user_id, f"R{user_id}")
            await people.set_language(db, user_id, language)
            await people.set_village(db, user_id, village)
            server.sim.add_person(user_id, "R")  # they wrote to the bot when they joined
    finally:
        await db.close()


def received_by(server: SimServer, ids: range, marker: str) -> dict[int, int]:
    """Per resident, how many messages containing ``marker`` reached them."""
    counts = dict.fromkeys(ids, 0)
    for call in server.sim.calls:
        chat = call.params.get("chat_id")
        if call.ok and call.method == "sendMessage" and chat in counts:
            counts[chat] += marker in str(call.params.get("text"))
    return counts


async def run_bot(env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """``python -m bot run`` to its end (the event loop keeps serving the simulator meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
