"""Filters for typed answers at a dialog's step (see :mod:`bot.typed` for what they mean)."""

from __future__ import annotations

from telegram import Message
from telegram.ext import filters

from bot import typed
from bot.typed import Word


class Words(filters.MessageFilter):
    """A message that is one of ``words`` (in any of the three languages)."""

    def __init__(self, *words: Word) -> None:
        super().__init__(name=f"Words{tuple(str(w) for w in words)}")
        self.words = words

    def filter(self, message: Message) -> bool:
        """Whether the whole message is one of the words."""
        return typed.word(message.text) in self.words


class Numbers(filters.MessageFilter):
    """A message of option numbers only («2», «1, 3»)."""

    def filter(self, message: Message) -> bool:
        """Whether the whole message is numbers."""
        return typed.numbers(message.text) is not None


NUMBERS = Numbers(name="Numbers")
