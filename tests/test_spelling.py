"""Spelling of the kk and ru catalogs: every word known to hunspell or reviewed by a person.

With hunspell and its kk_KZ / ru_RU dictionaries installed (Debian: hunspell hunspell-kk
hunspell-ru) the words are checked against the dictionaries; everywhere, CI included, every word
must be in the committed snapshot ``locales/spelling/<lang>-checked.txt`` that
``python -m locales.spelling --update`` writes, so a new word fails until someone checks it.
"""

from __future__ import annotations

import pytest

from locales import spelling

LANGUAGES = spelling.LANGUAGES


def needs_hunspell(language: str) -> None:
    if not spelling.hunspell_ready(language):
        pytest.skip(
            f"hunspell with the {spelling.DICTIONARIES[language]} dictionary is not installed "
            "(apt-get install hunspell hunspell-kk hunspell-ru); the snapshot test still runs"
        )


def test_words_are_taken_from_texts_not_from_placeholders_commands_or_endings() -> None:
    text = "📷 {count} фото: Qatysu-ға /cancel 2-ден 10-ға, Абай к-сі, по-русски, 20 МБ-тан."
    assert spelling.words_of(text) == ["фото", "Qatysu", "Абай", "к-сі", "по-русски", "МБ"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_word_of_the_catalog_was_checked(language: str) -> None:
    unchecked = spelling.catalog_words(language) - spelling.checked(language)
    assert not unchecked, (
        f"words not checked yet: {sorted(unchecked)}; run `python -m locales.spelling --update` "
        f"where hunspell is installed, and list correct words it does not know in "
        f"locales/spelling/{language}.txt"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_word_is_not_in_the_snapshot(language: str) -> None:
    typo = {"kk": "Қатысамынн", "ru": "Пришлитте"}[language]
    assert (spelling.catalog_words(language) | {typo}) - spelling.checked(language) == {typo}


@pytest.mark.parametrize("language", LANGUAGES)
def test_reviewed_words_are_still_used(language: str) -> None:
    words = spelling.catalog_words(language)
    used = words | {part for word in words for part in word.split("-")}
    assert spelling.reviewed(language) - used == set(), "drop these from the reviewed list"


@pytest.mark.parametrize("language", LANGUAGES)
def test_hunspell_knows_or_a_person_reviewed_every_word(language: str) -> None:
    needs_hunspell(language)
    words = spelling.catalog_words(language) | spelling.checked(language)
    unknown = spelling.unknown_to_hunspell(language, words) - spelling.reviewed(language)
    assert not unknown, (
        f"misspelled, or correct and to be listed in locales/spelling/{language}.txt: "
        f"{sorted(unknown)}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_hunspell_catches_a_misspelling(language: str) -> None:
    needs_hunspell(language)
    right, wrong = {"kk": ("ауыл", "ауылл"), "ru": ("село", "сило")}[language]
    assert spelling.unknown_to_hunspell(language, [right, wrong]) == {wrong}
