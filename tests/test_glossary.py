"""The glossary's core terms, used the same way in every catalog (rules: locales/glossary.toml)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.test_locales import ENGLISH, messages

ROOT = Path(__file__).resolve().parent.parent
RULES: dict[str, Any] = tomllib.loads((ROOT / "locales" / "glossary.toml").read_text("utf-8"))
TERMS: list[dict[str, Any]] = RULES["term"]
FORBIDDEN: list[dict[str, Any]] = RULES["forbidden"]
PLACEHOLDER = re.compile(r"\{\w*\}")


def text_of(forms: tuple[str, ...]) -> str:
    return PLACEHOLDER.sub(" ", " ".join(forms))


def found(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("term", TERMS, ids=[t["name"] for t in TERMS])
def test_a_term_named_in_english_takes_the_glossary_word(
    term: dict[str, Any], language: str
) -> None:
    texts = messages(language)
    missing = [
        key
        for key, forms in ENGLISH.items()
        if found(term["en"], text_of(forms))
        and key not in term.get("except", [])
        and not found(term[language], text_of(texts[key]))
    ]
    assert missing == [], f"{term['name']}: {language} does not say «{term[language]}» in {missing}"


RULE_IDS = [f"{r['language']}:{r['pattern']}" for r in FORBIDDEN]


@pytest.mark.parametrize("rule", FORBIDDEN, ids=RULE_IDS)
def test_no_form_the_glossary_forbids(rule: dict[str, Any]) -> None:
    keys = rule.get("keys")
    offending = [
        key
        for key, forms in messages(rule["language"]).items()
        if (keys is None or key in keys) and found(rule["pattern"], text_of(forms))
    ]
    assert offending == [], f"{rule['why']}: {offending}"


def test_the_rules_would_catch_the_reviewed_mistakes() -> None:
    """The rules match what the review found, so a rule cannot silently match nothing."""
    samples = {
        ("ru", "вашу зону"), ("ru", "Бумажные голоса"), ("ru", "20 симв."),
        ("kk", "қолтаңбасы"), ("kk", "Су жабдықтау"), ("kk", "Әкімшілерге"),
        ("kk", "Белсенділік:"), ("en", "Telegram id"),
    }  # fmt: skip
    for language, sample in samples:
        assert any(r["language"] == language and found(r["pattern"], sample) for r in FORBIDDEN), (
            sample
        )
    assert not any(found(r["pattern"], "жүйе әкімшісі") for r in FORBIDDEN if r["language"] == "kk")
