"""Translations (gettext catalogs in ``locales/``) and locale-aware formatting (Babel)."""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_interval, format_skeleton
from babel.numbers import format_decimal, format_percent

from bot.settings import LANGUAGES
from storage.models import Person

DOMAIN = "qatysu"
LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
# Characters of a button label that a narrow phone shows whole; longer labels are cut.
BUTTON_WIDTH = 30
# The Kazakh Cyrillic alphabet; Russian's letters stand in it in their own order.
_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_ORDER = {letter: index for index, letter in enumerate(_ALPHABET)}


def sort_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort names as a Kazakh or Russian reader expects (Қ after К, not after Я)."""
    return tuple(
        (1, _ORDER[ch]) if ch in _ORDER else (2 if ch.isalpha() else 0, ch)
        for ch in name.casefold()
    )


def button_label(text: str, width: int = BUTTON_WIDTH) -> str:
    """``text`` fitted to a button: cut at a word boundary, the cut marked with «…»."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    if text[width - 1] != " " and " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:·-–—") + "…"


def catalog_path(language: str) -> Traversable:
    """Return the folder holding ``language``'s catalog."""
    return resources.files("locales") / language / "LC_MESSAGES"


def _not_older(compiled: Traversable, source: Traversable) -> bool:
    """Whether a built catalog is at least as new as its source (both may be in a zip)."""
    if not isinstance(compiled, Path) or not isinstance(source, Path) or not source.exists():
        return True
    return compiled.stat().st_mtime >= source.stat().st_mtime


def _load(language: str) -> gettext.GNUTranslations:
    """Load the compiled catalog, or compile the ``.po`` in memory when none is up to date."""
    folder = catalog_path(language)
    compiled, source_file = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if compiled.is_file() and _not_older(compiled, source_file):
        return gettext.GNUTranslations(io.BytesIO(compiled.read_bytes()))
    from babel.messages.mofile import write_mo  # only without a built catalog (not in Docker)
    from babel.messages.pofile import read_po

    with source_file.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """Texts, numbers and dates in one person's language and the configured time zone."""

    def __init__(self, language: str, catalog: gettext.GNUTranslations, zone: ZoneInfo) -> None:
        self.language = language
        self._catalog = catalog
        self.zone = zone

    def t(self, key: str, /, **values: Any) -> str:
        """Return the text for ``key`` with ``{placeholders}`` filled in."""
        text = self._catalog.gettext(key)
        return text.format(**values) if values else text

    def nt(self, key: str, count: int, /, **values: Any) -> str:
        """Return the plural form of ``key`` for ``count``; ``{count}`` is formatted too."""
        text = self._catalog.ngettext(key, key, count)
        return text.format(count=self.number(count), **values)

    def number(self, value: float) -> str:
        """Format a number the way this language writes it."""
        return str(format_decimal(value, locale=self.language))

    def percent(self, value: float) -> str:
        """Format a fraction (0.25) as a percentage."""
        return str(format_percent(value, locale=self.language, format="#,##0.#%"))

    def date_range(self, start: date, end: date, *, short: bool = False) -> str:
        """Two days as one span, the year once: «23—29 нояб. 2026 г.», «2026 ж. 23–29 қар.»;
        ``short`` for a button: digits, no year («31.08 – 06.09»)."""
        skeleton = "dM" if short else "yMMMd"
        return str(format_interval(start, end, skeleton, locale=self.language))

    def short_date(self, value: date | datetime) -> str:
        """A day and a month for a button, e.g. «28 қар.», «28 нояб.», «Nov 28»."""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return str(format_skeleton("MMMd", value, locale=self.language))

    def date(self, value: date | datetime) -> str:
        """Format a date, e.g. «28 қараша 2026» or «28 ноября 2026 г.»."""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return str(format_date(value, format="long", locale=self.language))

    def short_datetime(self, value: datetime) -> str:
        """A moment for a button, e.g. «28 нояб., 18:00»."""
        return f"{self.short_date(value)}, {self._clock(value)}"

    def _clock(self, value: datetime) -> str:
        return str(format_datetime(value, format="HH:mm", tzinfo=self.zone, locale=self.language))

    def datetime(self, value: datetime) -> str:
        """Format a moment in the zone for running text, e.g. «28 ноября 2026 г. в 18:00»."""
        return self.t("format.datetime", date=self.date(value), time=self._clock(value))


class I18n:
    """All catalogs, loaded once at start."""

    def __init__(self, default_language: str, zone: ZoneInfo) -> None:
        self.default_language = default_language
        self.zone = zone
        self._translators: dict[str, Translator] = {
            language: Translator(language, _load(language), zone) for language in LANGUAGES
        }

    def get(self, language: str | None) -> Translator:
        """Return the translator for ``language`` (the default one when unknown)."""
        if language in self._translators:
            return self._translators[language]
        return self._translators[self.default_language]

    def for_person(self, stored: str | None, telegram_code: str | None) -> Translator:
        """Return the translator :meth:`resolve` picks."""
        return self.get(self.resolve(stored, telegram_code))

    def of(self, person: Person | None) -> Translator:
        """The translator of a stored person: chosen language, else the app's, else default."""
        return self.get(person.preferred_language if person is not None else None)

    def resolve(self, stored: str | None, telegram_code: str | None) -> str:
        """Pick the language: stored choice, then the Telegram client's, then the default."""
        if stored in self._translators:
            return stored
        return app_language(telegram_code) or self.default_language


def app_language(telegram_code: str | None) -> str | None:
    """The language of a Telegram app's ``language_code`` ("ru-RU"), when one the bot speaks."""
    client = (telegram_code or "").split("-")[0].lower()
    return client if client in LANGUAGES else None
