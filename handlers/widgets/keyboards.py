"""Keyboards shared by several features."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.callbacks import Feature
from bot.i18n import LANGUAGE_NAMES, Translator, sort_key
from bot.settings import LANGUAGES
from storage.models import Role

PAGE_SIZE = 8
Choice = tuple[str, str]  # (label, callback data)


def button(label: str, feature: str, action: str, *args: str | int) -> InlineKeyboardButton:
    """An inline button whose callback data is built by :mod:`bot.callbacks`."""
    return InlineKeyboardButton(label, callback_data=callbacks.build(feature, action, *args))


def by_name(choices: Iterable[Choice]) -> list[Choice]:
    """Sort choices by their label as a reader of Kazakh or Russian expects."""
    return sorted(choices, key=lambda choice: sort_key(choice[0]))


def page_count(total: int) -> int:
    """How many pages ``total`` items take."""
    return max(1, -(-total // PAGE_SIZE))


def paged(
    tr: Translator,
    choices: Sequence[Choice],
    page: int,
    page_data: Callable[[int], str],
    back: Choice | None = None,
) -> InlineKeyboardMarkup:
    """One choice per row, :data:`PAGE_SIZE` per page, with page arrows and a back button."""
    pages = page_count(len(choices))
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    rows = [
        [InlineKeyboardButton(label, callback_data=data)]
        for label, data in choices[start : start + PAGE_SIZE]
    ]
    arrows = []
    if page > 0:
        arrows.append(
            InlineKeyboardButton(tr.t("button.prev_page"), callback_data=page_data(page - 1))
        )
    if page < pages - 1:
        arrows.append(
            InlineKeyboardButton(tr.t("button.next_page"), callback_data=page_data(page + 1))
        )
    if arrows:
        rows.append(arrows)
    if back is not None:
        rows.append([InlineKeyboardButton(back[0], callback_data=back[1])])
    return InlineKeyboardMarkup(rows)


def languages(feature: str, action: str, preferred: str | None = None) -> InlineKeyboardMarkup:
    """The three languages, each in its own name; ``preferred`` first, with a tick."""
    order = sorted(LANGUAGES, key=lambda code: code != preferred)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    ("✓ " if code == preferred else "") + LANGUAGE_NAMES[code],
                    callback_data=callbacks.build(feature, action, code),
                )
            ]
            for code in order
        ]
    )


def main_menu(tr: Translator, roles: frozenset[Role]) -> InlineKeyboardMarkup:
    """The main menu: what a resident does, then what this person's roles add."""

    def item(name: str) -> InlineKeyboardButton:
        return button(tr.t(f"menu.{name}"), Feature.MENU, name)

    rows = [
        [item("complaint"), item("suggestion")],
        [item("hearings"), item("polls")],
        [item("budget"), item("my")],
        [item("village"), item("language")],
        [item("mydata"), item("help")],
    ]
    if Role.STAFF in roles:
        rows.append([item("inbox")])
    if Role.STAFF in roles or Role.COORDINATOR in roles:
        rows.append([item("residents")])
    return InlineKeyboardMarkup(rows)
