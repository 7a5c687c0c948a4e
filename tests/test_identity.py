"""The pseudonymous identity: keyed hashes under a secret kept apart from the database."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.identity import Identity, IdentityError, load_identity, secret_path, short
from bot.settings import SettingsError
from tests.conftest import make_settings


def test_secret_file_is_made_once_private_and_beside_the_database(tmp_path: Path) -> None:
    database = tmp_path / "data" / "qatysu.db"
    first = load_identity(None, database)
    path = secret_path(database)
    assert path == tmp_path / "data" / "qatysu.db.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_identity(None, database)
    assert first.person_key(42) == again.person_key(42)  # stable across starts
    assert len(path.read_bytes()) == 64  # 256 random bits, hex


def test_the_setting_wins_and_another_secret_gives_other_keys(tmp_path: Path) -> None:
    database = tmp_path / "qatysu.db"
    from_setting = load_identity(SecretStr("s" * 40), database)
    assert not secret_path(database).exists()  # nothing written when the setting is used
    assert from_setting.person_key(42) == Identity(b"s" * 40).person_key(42)
    assert from_setting.person_key(42) != Identity(b"t" * 40).person_key(42)


def test_keys_are_hmac_and_kept_apart_by_purpose() -> None:
    identity = Identity(b"k" * 32)
    key = identity.person_key(77001234567)
    assert len(key) == 64 and "77001234567" not in key
    assert identity.keyed_hash("phone", "77001234567") != key
    assert identity.keyed_hash("person", "77001234567") == key
    assert short(key) == key[:10] == identity.short_key(77001234567)
    assert "k" * 32 not in repr(identity)


def test_an_emptied_secret_file_is_refused_not_replaced(tmp_path: Path) -> None:
    database = tmp_path / "qatysu.db"
    load_identity(None, database)
    secret_path(database).write_bytes(b"")
    with pytest.raises(IdentityError, match="restore it from a backup"):
        load_identity(None, database)


def test_a_short_identity_secret_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="at least 32"):
        make_settings(tmp_path, identity_secret="short")
    assert issubclass(IdentityError, SettingsError)
