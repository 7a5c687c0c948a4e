"""How each kind of meeting reads: its own words in the notice, the quorum, the decisions and the
answers, in the reader's language.

A meeting's kind names it on its own line (never inside a sentence), so that Kazakh and Russian
need no case or gender agreement with a placeholder. A public hearing keeps the texts it had
before meetings had kinds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.i18n import Translator
from storage.hearings import KINDS, Hearing
from storage.meetings import Answer, Item

HEARING, ASSEMBLY, GATHERING, REPORT = KINDS
MAX_MESSAGE = 4000  # under Telegram's 4,096
ITEM_TITLE_MAX, DECISION_MAX, ANSWER_MAX = 150, 300, 800
MAX_ITEMS = 8  # agenda items of an assembly, each voted on


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def kind_name(tr: Translator, kind: str) -> str:
    """The kind's name, as a label: «Local community assembly»."""
    return tr.t(f"meeting.kind.{kind}")


def heading(tr: Translator, kind: str) -> str:
    """The kind's heading line with its sign: «🤝 Local community assembly»."""
    return tr.t(f"meeting.title.{kind}")


def state_key(hearing: Hearing, state: str) -> str:
    """The key of «This hearing (meeting) is cancelled / held / started» for its kind."""
    return f"hearing.is_{state}" if hearing.kind == HEARING else f"meeting.is_{state}"


def quorum(members: int) -> int:
    """Members who must be present for an assembly to decide: more than half of them."""
    return members // 2 + 1 if members else 0


def adopted(item: Item, present: int) -> bool:
    """An item is adopted when more than half of the members present voted for it."""
    return item.votes_for is not None and item.votes_for * 2 > present


def quorum_line(tr: Translator, members: int) -> str:
    """«👥 Members: 12 · quorum: 7», or that no members are listed yet."""
    if not members:
        return tr.t("meeting.no_members")
    return tr.t(
        "meeting.quorum_line",
        members=tr.nt("meeting.members", members),
        quorum=tr.number(quorum(members)),
    )


def card(tr: Translator, hearing: Hearing, villages: str, members: int) -> str:
    """The notice residents get, in the kind's own words (an assembly's with its quorum), in
    their language's version of what staff typed, else the first."""
    hearing = hearing.read_in(tr.language)
    values = {
        "topic": hearing.topic,
        "when": tr.datetime(hearing.starts_at),
        "place": hearing.place,
        "villages": villages,
        "agenda": hearing.agenda,
    }
    if hearing.kind == HEARING:
        return tr.t("hearing.card", **values)
    if hearing.kind == ASSEMBLY:
        values["quorum"] = quorum_line(tr, members)
    return tr.t(f"meeting.card.{hearing.kind}", **values)


def _reason_lines(tr: Translator, reason: str | None, first: bool) -> list[str]:
    lines = [tr.t("meeting.reason", reason=reason)] if reason else []
    if first:
        lines.append(tr.t("meeting.told_first"))
    return lines


def cancelled(tr: Translator, hearing: Hearing, reason: str | None, *, first: bool = False) -> str:
    """The notice that a meeting will not take place, with the reason."""
    hearing = hearing.read_in(tr.language)
    if hearing.kind == HEARING and not reason:
        head = tr.t("hearing.cancelled", topic=hearing.topic, when=tr.datetime(hearing.starts_at))
    else:
        head = tr.t(
            "meeting.cancelled", kind=kind_name(tr, hearing.kind), topic=hearing.topic,
            when=tr.datetime(hearing.starts_at),
        )  # fmt: skip
    return "\n".join([head, *_reason_lines(tr, reason, first)])


def postponed(
    tr: Translator, hearing: Hearing, was: datetime, reason: str | None, *, first: bool = False
) -> str:
    """The notice that a meeting moved to a new time, with the old one and the reason."""
    hearing = hearing.read_in(tr.language)
    head = tr.t(
        "meeting.postponed", kind=kind_name(tr, hearing.kind), topic=hearing.topic,
        when=tr.datetime(hearing.starts_at), was=tr.datetime(was), place=hearing.place,
    )  # fmt: skip
    return "\n".join([head, *_reason_lines(tr, reason, first)])


def reminder(tr: Translator, hearing: Hearing) -> str:
    """The reminder to those who will come."""
    hearing = hearing.read_in(tr.language)
    values = {"topic": hearing.topic, "when": tr.datetime(hearing.starts_at)}
    if hearing.kind == HEARING:
        return tr.t("hearing.reminder", place=hearing.place, **values)
    return tr.t("meeting.reminder", kind=kind_name(tr, hearing.kind), place=hearing.place, **values)


def outcome(tr: Translator, hearing: Hearing, items: Sequence[Item] = ()) -> str:
    """What a meeting decided: an assembly item by item with its votes, others as staff wrote
    (in the reader's language, when staff added that version)."""
    hearing = hearing.read_in(tr.language)
    values = {"topic": hearing.topic, "when": tr.date(hearing.starts_at)}
    attendance = tr.number(hearing.attendance or 0)
    if hearing.kind == ASSEMBLY:
        return _assembly_outcome(tr, hearing, items)
    if hearing.kind == HEARING:
        return tr.t(
            "hearing.outcome", attendance=attendance, decisions=hearing.decisions or "", **values
        )
    return clip(
        tr.t(
            f"meeting.outcome.{hearing.kind}", attendance=attendance,
            decisions=hearing.decisions or "", **values,
        ),
        MAX_MESSAGE,
    )  # fmt: skip


def item_lines(tr: Translator, items: Sequence[Item], present: int) -> list[str]:
    """Each agenda item: its decision, adopted or not, and the votes."""
    lines = []
    for item in items:
        mark = "meeting.item_adopted" if adopted(item, present) else "meeting.item_not_adopted"
        lines += [
            f"{item.position}. {clip(item.title, ITEM_TITLE_MAX)}",
            tr.t(mark, decision=clip(item.decision or "—", DECISION_MAX)),
            tr.t(
                "meeting.item_votes", yes=tr.number(item.votes_for or 0),
                no=tr.number(item.votes_against or 0),
                abstained=tr.number(item.votes_abstained or 0),
            ),
        ]  # fmt: skip
    return lines


def _assembly_outcome(tr: Translator, hearing: Hearing, items: Sequence[Item]) -> str:
    members = hearing.members_total or 0
    present = hearing.members_present or 0
    values = {
        "topic": hearing.topic,
        "when": tr.date(hearing.starts_at),
        "present": tr.number(present),
        "members": tr.number(members),
        "quorum": tr.number(quorum(members)),
    }
    if present < quorum(members):
        return tr.t("meeting.outcome.no_quorum", **values)
    head = tr.t("meeting.outcome.assembly", attendance=tr.number(hearing.attendance or 0), **values)
    return clip("\n".join([head, "", *item_lines(tr, items, present)]), MAX_MESSAGE)


def protocol_caption(tr: Translator, hearing: Hearing) -> str:
    """The caption of the signed protocol sent to residents."""
    hearing = hearing.read_in(tr.language)
    return tr.t(
        "meeting.protocol_caption", kind=kind_name(tr, hearing.kind), topic=hearing.topic,
        when=tr.date(hearing.starts_at),
    )  # fmt: skip


def theme_name(tr: Translator, theme: str) -> str:
    """A theme of questions: a category of the inbox, with its sign."""
    return tr.t(f"appeal.category.{theme}")


def answers(
    tr: Translator, hearing: Hearing, given: Mapping[str, Answer], counts: Mapping[str, int]
) -> str:
    """The one message of answers to the questions asked before a meeting, theme by theme."""
    hearing = hearing.read_in(tr.language)
    lines = [
        tr.t(
            "meeting.answers", kind=kind_name(tr, hearing.kind), topic=hearing.topic,
            when=tr.date(hearing.starts_at),
        )
    ]  # fmt: skip
    for theme, answer in given.items():
        asked = tr.nt("meeting.questions_count", counts.get(theme, 0))
        lines += ["", f"{theme_name(tr, theme)} · {asked}", clip(answer.text, ANSWER_MAX)]
    return clip("\n".join(lines), MAX_MESSAGE)


def questions_closed(tr: Translator, hearing: Hearing, reason: str | None) -> str:
    """To those who asked before a cancelled meeting: their question is closed, and why."""
    hearing = hearing.read_in(tr.language)
    text = tr.t(
        "meeting.questions_closed", kind=kind_name(tr, hearing.kind), topic=hearing.topic,
        when=tr.datetime(hearing.starts_at),
    )  # fmt: skip
    return "\n".join([text, *_reason_lines(tr, reason, False)])
