"""A stable pseudonymous identity: keyed hashes of the Telegram user id (and of phone numbers).

What one person may do once (vote in a poll, answer a hearing, send appeals within a daily limit)
is tied to ``person_key(telegram_id)``, an HMAC-SHA256 under a server secret that is kept apart
from the database. Erasing a person's data (``/deletedata``) removes their Telegram id and
name, but the key rows stay: the same account, back again, gets the same key, and so neither a
second vote in the same poll nor fresh limits. Without the secret a key cannot be turned back
into an id (nor tried against one).

The secret is ``IDENTITY_SECRET`` when set, else a file created at first start with mode 0600
next to the database (``<database>.secret``). Losing it gives everyone new keys: everyone could
vote again in open polls and every limit starts afresh. Back it up apart from the database.
The secret is never logged; :func:`short` gives the form of a key that logs carry.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from bot.settings import SettingsError
from storage import identity as identity_repo
from storage.db import Database, utcnow

_LOGGER = logging.getLogger(__name__)
SECRET_BYTES = 32  # 256 bits, the size of the HMAC-SHA256 block's useful key
SECRET_MIN_CHARS = 32  # IDENTITY_SECRET: long enough not to be guessed
SECRET_SUFFIX = ".secret"
SHORT_CHARS = 10  # a key's short form in logs: 40 bits, enough to tell people apart
PERSON = "person"  # the purpose of a person's key (a Telegram user id)
CHECK = "check"  # the purpose of the secret's fingerprint


class IdentityError(SettingsError):
    """The secret cannot be read or made; the message is one line that says what to do."""


class Identity:
    """Keyed hashes under one server secret."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise IdentityError("the identity secret is too short (at least 16 bytes)")
        self._secret = secret

    def __repr__(self) -> str:
        return "Identity(<secret>)"

    def keyed_hash(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 of ``value`` for ``purpose`` (e.g. ``"phone"``), as 64 hex characters.

        The purpose keeps the hashes of different kinds apart: a phone number and a user id
        with the same digits give different keys.
        """
        message = purpose.encode() + b"\x00" + value.encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def person_key(self, telegram_id: int) -> str:
        """The stable pseudonymous key of a Telegram user."""
        return self.keyed_hash(PERSON, str(telegram_id))

    def short_key(self, telegram_id: int) -> str:
        """The short form of a user's key, as logs carry it."""
        return short(self.person_key(telegram_id))

    @property
    def fingerprint(self) -> str:
        """Tells secrets apart without giving one away (stored in the database)."""
        return self.keyed_hash(CHECK, "qatysu")[:16]


async def check_secret(identity: Identity, db: Database, where: str) -> None:
    """Refuse a secret other than the one the database's keys were made with.

    The first start stores the secret's fingerprint. A start with another secret (the file
    lost, ``IDENTITY_SECRET`` changed, a database restored without its secret) would give every
    resident a new key, and so a second vote in open polls: it ends in one line instead.
    ``where`` says where the secret came from.
    """
    stored = await identity_repo.claim_fingerprint(db, identity.fingerprint, utcnow())
    if not hmac.compare_digest(stored, identity.fingerprint):
        raise IdentityError(
            f"the identity secret ({where}) is not the one this database's keys were made with: "
            "restore it from the backup (a new one would let everyone vote again in open polls)"
        )


def short(key: str) -> str:
    """The short form of a key (for logs): enough to follow one person, not to find them."""
    return key[:SHORT_CHARS]


def secret_path(database_path: Path) -> Path:
    """Where the secret file lives: beside the database, ``<database>.secret``."""
    return database_path.with_name(database_path.name + SECRET_SUFFIX)


def secret_source(secret: SecretStr | None, database_path: Path) -> str:
    """Where the secret comes from, as an error names it."""
    return "IDENTITY_SECRET" if secret is not None else str(secret_path(database_path))


def load_identity(secret: SecretStr | None, database_path: Path) -> Identity:
    """The identity under ``IDENTITY_SECRET``, or under the secret file (made at first start).

    An in-memory database (tests) gets a fresh random secret: it lives as long as the data.
    """
    if secret is not None:
        return Identity(secret.get_secret_value().encode())
    if str(database_path) == ":memory:":
        return Identity(secrets.token_bytes(SECRET_BYTES))
    return Identity(_read_or_create(secret_path(database_path)))


def _read_or_create(path: Path) -> bytes:
    """Read the secret file, or create it (0600, exclusively: two starts agree on one)."""
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(SECRET_BYTES).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)  # another process made it first
    except OSError as error:
        raise IdentityError(f"cannot create the identity secret {path}: {error.strerror}") from None
    with os.fdopen(fd, "wb") as file:
        file.write(value)
        file.flush()
        os.fsync(file.fileno())
    _LOGGER.info("Created the identity secret %s: back it up apart from the database", path)
    return value


def _read(path: Path) -> bytes:
    """The secret in ``path``; raise :class:`IdentityError` when it is unusable."""
    try:
        value = path.read_bytes().strip()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise IdentityError(f"cannot read the identity secret {path}: {error.strerror}") from None
    if len(value) < SECRET_MIN_CHARS:
        raise IdentityError(
            f"the identity secret {path} is empty or too short: restore it from a backup "
            "(a new one would let everyone vote again in open polls)"
        )
    return value
