"""Typed settings read from the environment and an optional ``.env`` file."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:
    from storage.db import Database

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")

_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Anyone who knows the webhook secret can pose as any user: long enough not to be guessed.
WEBHOOK_SECRET_MIN = 32
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
IDENTITY_SECRET_MIN = 32
_OFFSET_RE = re.compile(r"^(\d{1,4})([hm])$")
_SCHEDULE_RE = re.compile(r"^(daily|[a-z]{3}(?:,[a-z]{3})*) +([01]\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line that names it."""


class Settings(BaseSettings):
    """Everything Qatysu reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    database_path: Path = Path("./data/qatysu.db")
    # postgresql://user@host/db selects PostgreSQL (storage/pg.py); the files kept beside the
    # database (identity secret, charts, papers) stay under DATABASE_PATH's folder.
    database_url: SecretStr | None = None
    timezone: str = "Asia/Almaty"
    default_language: Language = "kk"
    bot_api_base_url: str = "https://api.telegram.org/bot"
    bot_api_base_file_url: str = "https://api.telegram.org/file/bot"
    bot_username: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    # Behind a reverse proxy on this machine; a container sets 0.0.0.0 (its port is published).
    webhook_listen: str = "127.0.0.1"
    # A request declaring a larger body is refused (413) before it is read; updates are small.
    webhook_max_body: int = Field(default=1024 * 1024, ge=1024)
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    invite_valid_days: int = Field(default=7, ge=1, le=90)
    broadcast_rate: float = Field(default=29.0, gt=0)
    paid_broadcast: bool = False
    paid_broadcast_rate: float = Field(default=1000.0, gt=0)
    broadcast_lease_seconds: float = Field(default=30.0, gt=0)
    # A notice to at least this many residents waits for a second staff member or a
    # coordinator of its villages to approve it; 0 turns approval off.
    broadcast_approval_min: int = Field(default=0, ge=0)
    # Notices (/broadcast) one staff member may send, or ask approval for, per local day.
    broadcasts_per_day: int = Field(default=5, ge=1, le=1000)
    # Telegram's limits as the pacer mirrors them for every message: sends_per_second for all
    # chats together; per chat a burst of chat_burst, then chat_rate per second.
    sends_per_second: int = Field(default=30, ge=2)
    chat_burst: int = Field(default=3, ge=1)
    chat_rate: float = Field(default=1.0, gt=0)
    # New items reaching one staff member within this many seconds go as one message.
    staff_notice_window_seconds: float = Field(default=3.0, gt=0, le=300)
    hearing_reminders: Annotated[list[timedelta], NoDecode] = Field(
        default_factory=lambda: [timedelta(hours=24), timedelta(hours=2)]
    )
    appeals_per_day: int = Field(default=5, ge=1, le=100)
    # Projects one resident may propose in one budget cycle.
    budget_proposals_per_resident: int = Field(default=3, ge=1, le=20)
    flood_updates: int = Field(default=20, ge=0)  # 0 turns the flood guard off
    flood_window_seconds: float = Field(default=10.0, gt=0)
    concurrent_updates: int = Field(default=32, ge=1, le=1024)  # chats handled at once
    poll_reminder: timedelta = timedelta(hours=24)
    public_holidays: Annotated[list[date], NoDecode] = Field(default_factory=list)
    digest_schedule: str = "mon 09:00"
    summary_schedule: str = "mon 09:00"
    staff_chat_id: int | None = None
    # A dialog nobody touched for this long is forgotten: its step, its draft.
    dialog_timeout_hours: float = Field(default=24.0, gt=0)
    # A finished broadcast keeps one outbox row per recipient this long, then only its counts.
    outbox_retention_days: int = Field(default=30, ge=1)
    # The key of the pseudonymous identities (bot/identity.py); unset: <database>.secret.
    identity_secret: SecretStr | None = None
    # A resident moves to another village at most once in this many days (staff may allow more).
    village_change_days: int = Field(default=30, ge=1, le=3650)
    # An item's due date is extended at most this many times, by this many working days in all.
    max_extensions: int = Field(default=1, ge=0, le=10)
    max_extension_workdays: int = Field(default=10, ge=0, le=120)
    # Drafts and dialog states are never kept longer than this, whatever DIALOG_TIMEOUT_HOURS says.
    draft_retention_days: int = Field(default=30, ge=1, le=3650)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("does not look like a token from @BotFather (digits:letters)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone, e.g. Asia/Almaty") from None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://\S+$", value):
            raise ValueError("must be an http(s) URL")
        return value or None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        text = value.get_secret_value() if value is not None else ""
        if value is not None and not _SECRET_RE.match(text):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        if info.data.get("webhook_url") and len(text) < WEBHOOK_SECRET_MIN:
            raise ValueError(
                f"webhook mode (WEBHOOK_URL) needs at least {WEBHOOK_SECRET_MIN} characters "
                f"of A-Z, a-z, 0-9, _ and -; make one with: {MAKE_SECRET}"
            )
        return value

    @field_validator("identity_secret")
    @classmethod
    def _identity_secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < IDENTITY_SECRET_MIN:
            raise ValueError(
                f"must be at least {IDENTITY_SECRET_MIN} characters; make one with: {MAKE_SECRET}"
            )
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.lstrip("-").isdigit() for part in parts):
                raise ValueError("must be Telegram user ids separated by commas, e.g. 1234,5678")
            return [int(part) for part in parts]
        return value

    @field_validator("hearing_reminders", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        offsets = []
        for part in filter(None, (p.strip() for p in value.split(","))):
            match = _OFFSET_RE.match(part)
            if not match:
                raise ValueError("must be offsets like 24h,2h,30m separated by commas")
            amount, unit = int(match.group(1)), match.group(2)
            offsets.append(timedelta(hours=amount) if unit == "h" else timedelta(minutes=amount))
        return offsets

    @field_validator("poll_reminder", mode="before")
    @classmethod
    def _one_offset(cls, value: object) -> object:
        if not isinstance(value, str) or value.strip().startswith("P"):
            return value  # a timedelta, seconds, or ISO 8601 (PT24H)
        match = _OFFSET_RE.match(value.strip())
        if not match:
            raise ValueError("must be a time before the close like 24h or 90m")
        amount, unit = int(match.group(1)), match.group(2)
        return timedelta(hours=amount) if unit == "h" else timedelta(minutes=amount)

    @property
    def broadcast_pace(self) -> float:
        """Messages per second a broadcast may send."""
        return self.paid_broadcast_rate if self.paid_broadcast else self.broadcast_rate

    @field_validator("public_holidays", mode="before")
    @classmethod
    def _comma_separated_dates(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return [
                    date.fromisoformat(part.strip()) for part in value.split(",") if part.strip()
                ]
            except ValueError:
                raise ValueError(
                    "must be dates separated by commas, e.g. 2026-05-27,2026-05-28"
                ) from None
        return value

    @field_validator("digest_schedule", "summary_schedule")
    @classmethod
    def _schedule_shape(cls, value: str) -> str:
        value = " ".join(value.strip().lower().split())
        if value == "off":
            return value
        match = _SCHEDULE_RE.match(value)
        days = match.group(1).split(",") if match else []
        if not match or not all(day in WEEKDAYS or day == "daily" for day in days):
            raise ValueError("must be days and a local time like 'mon 09:00', 'mon,thu 08:30', "
                             "'daily 18:00', or 'off'")  # fmt: skip
        return value

    @property
    def dialog_timeout(self) -> timedelta:
        """How long an untouched dialog is kept."""
        return timedelta(hours=self.dialog_timeout_hours)

    @property
    def draft_retention(self) -> timedelta:
        """The longest a draft or a dialog's state is kept."""
        return timedelta(days=self.draft_retention_days)

    @property
    def village_change_interval(self) -> timedelta:
        """How long after a move the next one needs staff."""
        return timedelta(days=self.village_change_days)

    @property
    def outbox_retention(self) -> timedelta:
        """How long a finished broadcast keeps its outbox rows."""
        return timedelta(days=self.outbox_retention_days)

    @property
    def zone(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    def database(self) -> Database:
        """The database these settings name (not opened): PostgreSQL or SQLite."""
        from storage.db import Database, is_postgres

        url = self.database_url.get_secret_value() if self.database_url is not None else None
        if url is None or not is_postgres(url):
            return Database(self.database_path)  # storage.pg and asyncpg (3 MB) not loaded
        from storage.pg import database_for

        return database_for(self.database_path, url)

    def token(self) -> str:
        """Return the bot token, or raise a one-line error naming ``BOT_TOKEN``."""
        if self.bot_token is None:
            raise SettingsError(
                "BOT_TOKEN is not set: create a bot with @BotFather in Telegram, then put its "
                "token in the environment or in .env as BOT_TOKEN=123456:ABC..."
            )
        return self.bot_token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning a validation failure into a one-line :class:`SettingsError`."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name} is invalid: {reason}") from None
