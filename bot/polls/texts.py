"""How a poll reads: the announcement with its buttons, a resident's vote, the results.

Buttons carry the poll id and a bit set of options: ``v1:poll:v:<poll>:<choices>`` votes,
``v1:poll:t:<poll>:<choices>`` shows a multiple-choice selection before the vote. The same
buttons go to every resident of a language (the broadcast engine renders once per language).
"""

from __future__ import annotations

import functools

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.callbacks import Feature
from bot.i18n import Translator, button_label
from storage.models import Names
from storage.polls import Poll, Results, VillageTally, positions

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
    """One line per option: votes and share, paper votes named apart."""
    poll = poll.read_in(tr.language)
    lines = []
    for position, option in enumerate(poll.options):
        values = {
            "number": position + 1,
            "option": clip(option, width),
            "votes": tr.number(results.totals[position]),
            "percent": tr.percent(results.share(position)),
        }
        if results.paper[position]:
            lines.append(
                tr.t("poll.result_line_paper", paper=tr.number(results.paper[position]), **values)
            )
        else:
            lines.append(tr.t("poll.result_line", **values))
    return lines


def _turnout(tr: Translator, tally: VillageTally | Results) -> str:
    return tr.percent(Results.turnout(tally.voters, tally.registered))


def results_text(tr: Translator, poll: Poll, results: Results, names: dict[str, Names]) -> str:
    """The results as published (a photo caption: at most 1,024 characters)."""
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
        if results.paper_votes:
            lines.append(tr.nt("poll.paper_total", results.paper_votes))
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
