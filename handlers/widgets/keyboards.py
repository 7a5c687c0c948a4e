"""Keyboards shared by several features: inline ones, and the reply menu under the input field.

The reply menu is the one keyboard that stays: large buttons for what residents do most, in
their language (sent again when it changes). A press sends the button's text, which
:class:`Pressed` recognises in any language; :func:`reply_menu` is the one place that builds it
(staff menus grow here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from telegram.ext import filters

from bot import callbacks
from bot.callbacks import Feature
from bot.i18n import LANGUAGE_NAMES, I18n, Translator, sort_key
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


def staff_rows(tr: Translator, roles: frozenset[Role]) -> list[list[InlineKeyboardButton]]:
    """The actions of staff and coordinators, first in their menu (none needs a home village)."""

    def item(name: str) -> InlineKeyboardButton:
        return button(tr.t(f"menu.{name}"), Feature.MENU, name)

    rows = []
    if Role.STAFF in roles:
        rows += [[item("newhearing"), item("notice")], [item("newpoll"), item("inbox")]]
    last = [item("residents")] if Role.STAFF in roles or Role.COORDINATOR in roles else []
    if Role.COORDINATOR in roles:
        last.append(item("summary"))
    if last:
        rows.append(last)
    if Role.STAFF in roles:
        rows.append([item("behalf")])  # for a resident without Telegram
    return rows


def main_menu(
    tr: Translator, roles: frozenset[Role], resident: bool = True
) -> InlineKeyboardMarkup:
    """The main menu: staff's and coordinators' actions first, then a resident's (``resident``:
    the person has a village; staff without one get their area's hearings and polls instead)."""

    def item(name: str) -> InlineKeyboardButton:
        return button(tr.t(f"menu.{name}"), Feature.MENU, name)

    rows = staff_rows(tr, roles)
    if resident or not roles:
        rows += [
            [item("complaint"), item("suggestion")],
            [item("hearings"), item("polls")],
            [item("budget"), item("my")],
        ]
    elif Role.STAFF in roles:
        rows.append([item("hearings"), item("polls")])
    rows += [[item("village"), item("language")], [item("mydata"), item("help")]]
    return InlineKeyboardMarkup(rows)


# The reply menu's rows, by action; each button's label is ``menu.<action>``.
REPLY_ROWS = (("complaint", "hearings"), ("polls", "my"), ("open",))
REPLY_ACTIONS = tuple(action for row in REPLY_ROWS for action in row)
_PRESS_MAX = 40  # a press is a label, never a long text


def reply_menu(tr: Translator, roles: frozenset[Role] = frozenset()) -> ReplyKeyboardMarkup:
    """The keyboard under the input field: Complaint · Hearings · Polls · My appeals; Menu.

    Not resized: the buttons take the height of the phone's keyboard, large enough for an old
    phone and a thumb. ``roles`` is for the staff's own rows (not yet: residents' for all).
    """
    rows = [[KeyboardButton(tr.t(f"menu.{action}")) for action in row] for row in REPLY_ROWS]
    return ReplyKeyboardMarkup(rows, is_persistent=True, resize_keyboard=False)


class Pressed(filters.MessageFilter):
    """A press of a reply-menu button: its label in any of the three languages; or, for a
    keyboard sent before its labels were reworded, the same icon and a short text."""

    def __init__(self, i18n: I18n, *actions: str) -> None:
        super().__init__(name=f"Pressed{actions}")
        wanted = actions or REPLY_ACTIONS
        self._labels: dict[str, str] = {}
        self._icons: dict[str, str] = {}
        for action in wanted:
            for language in LANGUAGES:
                label = i18n.get(language).t(f"menu.{action}")
                self._labels[label.strip()] = action
                icon = label.split(maxsplit=1)[0]
                if icon != label and not icon.isalnum():
                    self._icons[icon] = action

    def action_of(self, text: str | None) -> str | None:
        """The action of a pressed label, or None for any other text."""
        shown = (text or "").strip()
        if not shown or len(shown) > _PRESS_MAX:
            return None
        if shown in self._labels:
            return self._labels[shown]
        icon, _, rest = shown.partition(" ")
        return self._icons.get(icon) if rest and len(rest) <= _PRESS_MAX // 2 else None

    def filter(self, message: Message) -> bool:
        """Whether ``message`` is such a press."""
        return self.action_of(message.text) is not None
