"""Every message in every language: present, translated, same placeholders, right plurals."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.i18n import I18n
from bot.settings import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLURALS = {"kk": 2, "ru": 3, "en": 2}


DOMAINS = sorted(p.stem for p in (ROOT / "locales" / "en" / "LC_MESSAGES").glob("*.po"))


def catalog(language: str, domain: str) -> Catalog:
    with (ROOT / "locales" / language / "LC_MESSAGES" / f"{domain}.po").open("rb") as source:
        return read_po(source, locale=language)


def messages(language: str) -> dict[str, tuple[str, ...]]:
    """Every message of every catalog of ``language``; an id in two catalogs fails."""
    found: dict[str, tuple[str, ...]] = {}
    for domain in DOMAINS:
        for message in catalog(language, domain):
            if not message.id:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            assert key not in found, f"{key} is in two catalogs"
            forms = message.string if isinstance(message.string, tuple) else (message.string,)
            found[key] = tuple(forms)
    return found


def keys_used_in_code() -> set[str]:
    pattern = re.compile(r"""\b(?:t|nt)\(\s*f?["']([a-z_]+\.[a-z_.]+)["']""")
    used = set()
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return used


ENGLISH = messages("en")


def plain(text: str) -> str:
    """Babel writes CLDR's no-break spaces; compare with ordinary ones."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_catalog(language: str) -> None:
    folder = ROOT / "locales" / language / "LC_MESSAGES"
    assert sorted(p.stem for p in folder.glob("*.po")) == DOMAINS


@pytest.mark.parametrize("language", LANGUAGES)
def test_locale_has_every_message_translated(language: str) -> None:
    found = messages(language)
    assert set(found) == set(ENGLISH), set(found) ^ set(ENGLISH)
    empty = [key for key, forms in found.items() if not all(form.strip() for form in forms)]
    assert empty == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match_the_english_text(language: str) -> None:
    for key, forms in messages(language).items():
        expected = set(PLACEHOLDER.findall(" ".join(ENGLISH[key])))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == expected, (language, key, form)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_plural_messages_have_every_form_of_the_language(language: str, domain: str) -> None:
    assert catalog(language, domain).num_plurals == PLURALS[language]
    plural_keys = [m.id[0] for m in catalog(language, domain) if m.id and not isinstance(m.id, str)]
    found = messages(language)
    for key in plural_keys:
        assert len(found[key]) == PLURALS[language], key


def test_plural_messages_exist() -> None:
    assert any(len(forms) > 1 for forms in messages("ru").values())


def test_every_key_used_in_code_exists() -> None:
    used = keys_used_in_code()
    assert used, "the key scanner found nothing"
    missing = {key for key in used if key not in ENGLISH and not key.endswith(".")}
    assert missing == set()


def test_russian_plurals_follow_the_number() -> None:
    tr = I18n("kk", ZoneInfo("Asia/Almaty")).get("ru")
    counts = {n: plain(tr.nt("residents.count", n)) for n in (1, 3, 5, 11, 21, 1000)}
    assert counts == {
        1: "1 житель", 3: "3 жителя", 5: "5 жителей", 11: "11 жителей", 21: "21 житель",
        1000: "1 000 жителей",
    }  # fmt: skip


def test_dates_are_local_to_the_language_and_zone() -> None:
    i18n = I18n("kk", ZoneInfo("Asia/Almaty"))
    moment = datetime(2026, 11, 29, 19, 30, tzinfo=UTC)  # 00:30 on the 30th in Almaty (UTC+5)
    assert plain(i18n.get("ru").datetime(moment)) == "30 ноября 2026 г. в 00:30"
    assert plain(i18n.get("kk").datetime(moment)) == "2026 ж. 30 қараша, сағат 00:30"
    assert plain(i18n.get("en").datetime(moment)) == "November 30, 2026, 00:30"
    assert plain(i18n.get("kk").percent(0.255)) == "25,5%"
    assert plain(i18n.get("en").number(12345)) == "12,345"


def test_names_sort_in_alphabet_order() -> None:
    from bot.i18n import sort_key

    names = [
        "Шығыс Қазақстан облысы",
        "Қарағанды облысы",
        "Маңғыстау облысы",
        "Ақсу",
        "Ақ Су",
        "Карагайлы",
    ]
    assert sorted(names, key=sort_key) == [
        "Ақ Су", "Ақсу", "Карагайлы",
        "Қарағанды облысы", "Маңғыстау облысы", "Шығыс Қазақстан облысы",
    ]  # fmt: skip
