"""Callback data: built and parsed in one place, versioned, validated on the way in.

Format: ``v1:<feature>:<action>[:<arg>...]``; every part is ``[A-Za-z0-9_-]`` and the whole fits
Telegram's 64-byte limit. A client can send any bytes as callback data, so :func:`parse` trusts
nothing: handlers receive a :class:`Callback` or nothing at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum, unique

VERSION = "v1"
MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@unique
class Feature(StrEnum):
    """The feature part of every button's data, one code per feature (stored in messages that
    residents still hold: a code never changes)."""

    MENU = "menu"  # handlers.menu and the menu's buttons everywhere
    ONBOARDING = "ob"  # handlers.onboarding
    LANGUAGE = "lang"  # handlers.language
    PRIVACY = "priv"  # handlers.privacy
    RESIDENTS = "res"  # handlers.residents
    DIALOG = "dlg"  # handlers.widgets.dialogs: resume, start over, leave
    COMPLAINT = "cmp"  # handlers.appeals.intake
    MINE = "my"  # handlers.appeals.mine: a resident's own items
    INBOX = "inb"  # handlers.appeals.inbox, inbox_typing, inbox_place: the staff's inbox
    POLL = "poll"  # handlers.polls.vote: residents vote
    POLL_STAFF = "pst"  # handlers.polls.manage
    NEW_POLL = "npl"  # handlers.polls.create
    HEARING = "hr"  # handlers.hearings.resident
    HEARING_STAFF = "ha"  # handlers.hearings.manage
    NEW_HEARING = "hn"  # handlers.hearings.create
    MEETING = "mt"  # handlers.meetings: an assembly's members and record, questions and answers
    NOTICE = "ntc"  # handlers.notices: staff notices to residents
    NOTICE_REVIEW = "nta"  # handlers.notice_review: approve, reject, withdraw a large notice
    BROADCAST = "bc"  # bot.broadcast.engine: the progress message's stop button
    REPORT = "rep"  # handlers.reports, bot.reports.delivery
    PAPER = "ppr"  # handlers.paper: print and share a hearing or a poll
    VILLAGE = "vil"  # handlers.village: a move of village asked, confirmed, decided by staff
    VERIFY = "ver"  # handlers.verification: a resident asks to be verified; staff's /verify
    BUDGET = "bdg"  # handlers.budget.resident, ballot: a cycle's page, proposals, the ballot
    BUDGET_STAFF = "bst"  # handlers.budget.manage, staff: screening, protocols, progress
    NEW_BUDGET = "nbg"  # handlers.budget.create
    BUDGET_PROPOSAL = "bpr"  # handlers.budget.propose: a resident's proposal dialog
    BEHALF = "obh"  # handlers.behalf: staff entering items and attendance for a resident
    CORRECTION = "cor"  # handlers.corrections: staff correct a published hearing, poll, notice


class CallbackDataError(ValueError):
    """Callback data that this version of the bot did not build."""


@dataclass(frozen=True, slots=True)
class Callback:
    """A parsed button tap."""

    feature: str
    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int) -> str:
        """Return argument ``index``, raising :class:`CallbackDataError` when it is absent."""
        if index >= len(self.args):
            raise CallbackDataError("missing argument")
        return self.args[index]

    def int_arg(self, index: int) -> int:
        """Return argument ``index`` as a non-negative integer."""
        value = self.arg(index)
        if not value.isdigit() or len(value) > 12:
            raise CallbackDataError("not a number")
        return int(value)


def build(feature: str, action: str, *args: str | int) -> str:
    """Return callback data for a button; raise ValueError when it would be invalid."""
    parts = [VERSION, feature, action, *(str(arg) for arg in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"invalid callback part {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: object) -> Callback:
    """Parse callback data built by :func:`build`; raise :class:`CallbackDataError` otherwise."""
    if not isinstance(data, str) or not data or len(data.encode()) > MAX_BYTES:
        raise CallbackDataError("not callback data of this bot")
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != VERSION or not all(_PART.match(p) for p in parts):
        raise CallbackDataError("not callback data of this bot")
    return Callback(feature=parts[1], action=parts[2], args=tuple(parts[3:]))


def matches(feature: str, *actions: str) -> Callable[[object], bool]:
    """Return a ``CallbackQueryHandler`` pattern accepting valid data of ``feature``."""

    def check(data: object) -> bool:
        try:
            parsed = parse(data)
        except CallbackDataError:
            return False
        return parsed.feature == feature and (not actions or parsed.action in actions)

    return check
