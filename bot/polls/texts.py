"""How a poll reads: the announcement with its buttons, a resident's vote, the results.

Buttons carry the poll id and a bit set of options: ``v1:poll:v:<poll>:<choices>`` votes,
``v1:poll:t:<poll>:<choices>`` shows a multiple-choice selection before the vote. The same
buttons go to every resident of a language (the broadcast engine renders once per language).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.callbacks import Feature
from bot.i18n import Translator, button_label
from storage.models import Names
from storage.polls import Poll, Results, VillageTally, positions
from storage.protocols import NewProtocol, Protocol

FEATURE = Feature.POLL
MAX_CAPTION = 1024


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def choice_names(poll: Poll, choices: int) -> str:
    """The options of a bit set, as the resident reads them."""
    return ", ".join(poll.options[p] for p in positions(choices) if p < len(poll.options))


@functools.lru_cache(maxsize=256)
def announcement(tr: Translator, poll: Poll) -> str:
    """The poll as residents first read it (a poll never changes: cached per language)."""
    poll = poll.read_in(tr.language)
    lines = [tr.t("poll.header"), "", poll.question, ""]
    lines += [f"{number}. {option}" for number, option in enumerate(poll.options, 1)]
    how = tr.t("poll.how_single") if poll.single else tr.nt("poll.how_multiple", poll.max_choices)
    lines += ["", how, tr.t("poll.closes", when=tr.datetime(poll.closes_at))]
    if poll.verified_only:
        lines.append(tr.t("poll.verified_only_note"))
    return "\n".join(lines)


def keyboard(tr: Translator, poll: Poll, selected: int = 0) -> InlineKeyboardMarkup:
    """One button per option; a multiple-choice poll adds the Vote button."""
    poll = poll.read_in(tr.language)
    rows = []
    for position, option in enumerate(poll.options):
        mark = 1 << position
        label = f"{position + 1}. {option}"
        if poll.single:
            prefix = "✅ " if selected & mark else ""
            data = callbacks.build(FEATURE, "v", poll.id, mark)
        else:
            prefix = "☑️ " if selected & mark else "⬜ "
            data = callbacks.build(FEATURE, "t", poll.id, selected ^ mark)
        rows.append([InlineKeyboardButton(button_label(prefix + label), callback_data=data)])
    if not poll.single:
        vote = callbacks.build(FEATURE, "v", poll.id, selected)
        rows.append([InlineKeyboardButton(tr.t("poll.vote_button"), callback_data=vote)])
    return InlineKeyboardMarkup(rows)


def with_vote(tr: Translator, poll: Poll, choices: int, results: Results | None) -> str:
    """The poll as the resident sees it after voting: their choice, and results if shown."""
    poll = poll.read_in(tr.language)
    lines = [announcement(tr, poll), "", tr.t("poll.your_vote", choice=choice_names(poll, choices))]
    lines.append(tr.t("poll.may_change" if poll.may_change else "poll.final"))
    if results is not None:
        lines += ["", tr.t("poll.results_now"), *option_lines(tr, poll, results)]
    else:
        lines.append(tr.t("poll.results_after"))
    return "\n".join(lines)


def option_lines(tr: Translator, poll: Poll, results: Results, width: int = 200) -> list[str]:
    """One line per option: votes and share; verified residents' votes and paper votes apart.

    Where any voter was verified, each line says how many of its votes in the bot came from
    verified residents and how many from others.
    """
    poll = poll.read_in(tr.language)
    lines = []
    split = results.verified_voters > 0 or poll.verified_only
    for position, option in enumerate(poll.options):
        values = {
            "number": position + 1,
            "option": clip(option, width),
            "votes": tr.number(results.totals[position]),
            "percent": tr.percent(results.share(position)),
        }
        if results.paper[position]:
            line = tr.t(
                "poll.result_line_paper", paper=tr.number(results.paper[position]), **values
            )
        else:
            line = tr.t("poll.result_line", **values)
        if split:
            line += tr.t(
                "poll.result_verified_apart",
                verified=tr.number(results.verified[position]),
                unverified=tr.number(results.unverified[position]),
            )
        lines.append(line)
    return lines


def _meeting(tr: Translator, protocol: Protocol | NewProtocol, village: str) -> str:
    """Where and when a protocol's meeting was, and how many were present."""
    if protocol.met_on is None or protocol.present is None:
        return tr.t("protocol.legacy", village=village)
    return tr.t(
        "protocol.meeting", village=village, date=tr.date(protocol.met_on),
        place=protocol.place or "", present=tr.number(protocol.present),
    )  # fmt: skip


def _votes(tr: Translator, votes: Sequence[int]) -> str:
    return " · ".join(tr.number(count) for count in votes)


def protocol_entry(tr: Translator, protocol: Protocol, village: str, entered_by: str) -> str:
    """A protocol in the staff's list: the meeting, the votes, who entered it, what it corrects."""
    mark = "📋" if protocol.standing else "🗄"
    lines = [
        f"{mark} #{protocol.id} {_meeting(tr, protocol, village)}: {_votes(tr, protocol.votes)}",
        tr.t("protocol.entered", who=entered_by, when=tr.datetime(protocol.entered_at)),
    ]
    if protocol.supersedes is not None:
        lines.append(tr.t("protocol.corrects", id=protocol.supersedes, reason=protocol.reason))
    if protocol.superseded_by is not None:
        lines.append(tr.t("protocol.superseded", id=protocol.superseded_by))
    return "\n".join(lines)


def protocol_card(tr: Translator, poll: Poll, protocol: Protocol, village: str) -> str:
    """A village's standing protocol, shown before staff enter a correction."""
    lines = [tr.t("protocol.standing_header"), _meeting(tr, protocol, village)]
    lines += [
        f"{n}. {clip(option, 60)} — {tr.number(count)}"
        for n, (option, count) in enumerate(zip(poll.options, protocol.votes, strict=False), 1)
    ]
    return "\n".join(lines)


def new_protocol_text(tr: Translator, poll: Poll, protocol: NewProtocol, village: str) -> str:
    """A protocol as staff confirm it, before it is stored for good."""
    lines = [tr.t("protocol.confirm_header"), _meeting(tr, protocol, village)]
    lines += [
        f"{n}. {clip(option, 60)} — {tr.number(count)}"
        for n, (option, count) in enumerate(zip(poll.options, protocol.votes, strict=True), 1)
    ]
    if protocol.supersedes is not None:
        lines += ["", tr.t("protocol.corrects", id=protocol.supersedes, reason=protocol.reason)]
    lines += ["", tr.t("protocol.confirm_footer")]
    return "\n".join(lines)


def _turnout(tr: Translator, tally: VillageTally | Results) -> str:
    return tr.percent(Results.turnout(tally.voters, tally.registered))


def results_text(
    tr: Translator,
    poll: Poll,
    results: Results,
    names: dict[str, Names],
    protocols: Sequence[Protocol] = (),
) -> str:
    """The results as published (a photo caption: at most 1,024 characters).

    Verified residents' votes are counted apart, and the meetings whose protocols gave the
    paper votes are listed.
    """
    poll = poll.read_in(tr.language)
    for question, width in ((200, 80), (120, 40), (80, 25)):
        lines = [tr.t("poll.results_header"), clip(poll.question, question), ""]
        lines += option_lines(tr, poll, results, width)
        if not results.votes:
            lines.append(tr.t("poll.no_votes"))
        lines += [
            "",
            tr.nt(
                "poll.turnout",
                results.registered,
                voters=tr.number(results.voters),
                percent=_turnout(tr, results),
            ),
        ]
        if results.verified_voters or poll.verified_only:
            lines.append(
                tr.nt(
                    "poll.verified_voters",
                    results.voters,
                    verified=tr.number(results.verified_voters),
                )
            )
        if results.paper_votes:
            lines.append(tr.nt("poll.paper_total", results.paper_votes))
        for protocol in protocols[:6]:
            name = names.get(protocol.village_code)
            village = name.get(tr.language) if name else protocol.village_code
            lines.append("📋 " + _meeting(tr, protocol, village))
        if len(results.villages) > 1:
            for tally in results.villages[:12]:
                name = names.get(tally.village_code)
                lines.append(
                    tr.t(
                        "poll.village_turnout",
                        village=name.get(tr.language) if name else tally.village_code,
                        voters=tr.number(tally.voters),
                        residents=tr.number(tally.registered),
                        percent=_turnout(tr, tally),
                    )
                )
        text = "\n".join(lines)
        if len(text) <= MAX_CAPTION:
            return text
    return clip(text, MAX_CAPTION)
