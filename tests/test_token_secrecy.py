"""No path prints the bot token or the webhook secret: settings, errors, logs, tracebacks.

(A token refused at start or revoked while running ends in one line: tests/test_bot_api_link.py.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.error import InvalidToken

from bot import botapi, cli
from bot.settings import SettingsError, load_settings
from bot.simulator.http import SimServer
from tests.conftest import make_settings, seed
from tests.proof_helpers import SECRET, TOKEN, BotProcess, free_port, kill_leftovers

SECRET_PART = TOKEN.partition(":")[2]


@pytest.fixture(autouse=True)
def _restored() -> Iterator[None]:
    """``main`` sets up logging for the whole process: give the next test its own back."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    kill_leftovers()


def test_settings_never_show_the_token_or_the_secret() -> None:
    settings = load_settings(bot_token=TOKEN, webhook_url="https://x.kz/h", webhook_secret=SECRET)
    for shown in (repr(settings), str(settings), settings.model_dump_json(),
                  repr(settings.model_dump())):  # fmt: skip
        assert SECRET_PART not in shown and SECRET not in shown
    for bad in ({"bot_token": "123:" + SECRET_PART[:10]},
                {"webhook_url": "https://x.kz/h", "webhook_secret": SECRET[:20]}):  # fmt: skip
        with pytest.raises(SettingsError) as caught:
            load_settings(**bad)
        assert SECRET_PART[:10] not in str(caught.value) and SECRET[:20] not in str(caught.value)


def test_an_unexpected_error_while_running_is_logged_without_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def reachable(settings: object) -> None:
        """The Bot API answered getMe."""

    def fail(app: object, settings: object, health: str = "ok") -> None:
        try:  # as PTB words it, then something else goes wrong while handling it
            raise InvalidToken(f"The token `{TOKEN}` was rejected by the server.")
        except InvalidToken as error:
            raise RuntimeError(f"POST http://127.0.0.1/bot{TOKEN}/setWebhook failed") from error

    monkeypatch.setattr(botapi, "check", reachable)
    monkeypatch.setattr(cli, "_serve", fail)
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "q.db"))
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    assert cli.main(["run"]) == cli.EXIT_CRASHED
    out, err = capsys.readouterr()
    assert "The bot stopped on an error" in err and "Traceback" in err
    assert "/bot[REDACTED]/setWebhook" in err  # the traceback is there, the token is not
    assert SECRET_PART not in out + err


@pytest.mark.slow
async def test_a_webhook_at_a_path_holding_the_token_logs_neither(tmp_path: Path) -> None:
    """PTB's examples put the token in the webhook's path: it must not reach the log either."""
    settings = make_settings(tmp_path)
    await seed(settings)
    port = free_port()
    async with SimServer(token=TOKEN) as server:
        bot = BotProcess(
            server, settings, WEBHOOK_URL=f"http://127.0.0.1:{port}/{TOKEN}",
            WEBHOOK_SECRET=SECRET, WEBHOOK_PORT=port,
        )  # fmt: skip
        await bot.start()
        resident = server.person(1101, "Айгерім", "kk")
        await resident.send("/start")
        assert resident.texts and set(server.webhook_answers) == {200}
        assert await bot.stop() == 0
    log = bot.log()
    assert "Application.stop() complete" in log
    assert SECRET_PART not in log and SECRET not in log
