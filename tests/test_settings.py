"""Settings: clear one-line errors, and the token never shows."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.logs import REDACTED, RedactSecrets
from bot.settings import SettingsError, load_settings

TOKEN = "123456789:AAFakeTokenFakeTokenFakeTokenFakeToken1"


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m bot`` in an empty folder with a clean environment."""
    ours = {"BOT_TOKEN", "DATABASE_PATH", "TIMEZONE", "DEFAULT_LANGUAGE", "ADMIN_IDS"}
    clean = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_run_without_token_names_bot_token_in_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0] and "@BotFather" in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_time_zone_is_named_without_traceback(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", BOT_TOKEN=TOKEN, TIMEZONE="Mars/Olympus")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "qatysu: TIMEZONE is invalid: 'Mars/Olympus' is not a known time zone, e.g. Asia/Almaty"
    )


def test_malformed_token_is_rejected_without_echoing_it(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", BOT_TOKEN="not-a-token-secret-value")
    assert result.returncode == 2
    assert "BOT_TOKEN is invalid" in result.stderr
    assert "not-a-token-secret-value" not in result.stderr


def test_settings_are_read_from_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nADMIN_IDS=1, 2\nDEFAULT_LANGUAGE=ru\n")
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "ADMIN_IDS", "DEFAULT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.admin_ids == [1, 2]
    assert settings.default_language == "ru"
    assert settings.token() == TOKEN
    assert TOKEN not in repr(settings)


def test_malformed_admin_ids_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "12,abc")
    with pytest.raises(SettingsError, match=r"^ADMIN_IDS is invalid"):
        load_settings(_env_file=None)


def test_default_time_zone_is_almaty() -> None:
    settings = load_settings(_env_file=None)
    assert settings.timezone == "Asia/Almaty"
    assert datetime(2026, 11, 29, 7, tzinfo=UTC).astimezone(settings.zone).hour == 12


def test_token_is_redacted_from_log_lines_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets([TOKEN]))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getUpdates failed", TOKEN)
        try:
            raise RuntimeError(f"connect to https://api.telegram.org/bot{TOKEN}/getMe")
        except RuntimeError:
            logger.exception("network down")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert TOKEN not in output
    assert output.count(REDACTED) == 2
