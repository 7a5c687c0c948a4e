"""Logging set-up; secrets (the bot token) are cut out of every record; people are pseudonyms.

A log line names a person by :func:`who`: the short form of their pseudonymous key
(:mod:`bot.identity`), never their Telegram id or name. The composition root hands the keys'
identity over (:func:`use_identity`), as it sets up the log itself.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.identity import Identity

REDACTED = "[REDACTED]"
_pseudonyms: list[Identity] = []  # the identity log lines use: the latest application's


def use_identity(identity: Identity) -> None:
    """Name people in log lines by their keys under ``identity``."""
    _pseudonyms[:] = [identity]


def who(telegram_id: int | None) -> str:
    """A person as a log line names them: ``p:<short key>`` (``p:?`` before any identity)."""
    if telegram_id is None:
        return "p:-"
    if not _pseudonyms:
        return "p:?"
    return "p:" + _pseudonyms[0].short_key(telegram_id)


class RedactSecrets(logging.Filter):
    """Replace each secret in a record's message and traceback."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        record.msg = self._clean(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        return True


def setup_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> logging.Handler:
    """Log to stderr with secrets redacted; quiet the HTTP client, whose lines carry URLs."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return handler
