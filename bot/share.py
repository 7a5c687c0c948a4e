"""Village links tagged by channel; "Share" texts that stand alone in WhatsApp or a village chat.

WhatsApp reaches far more Kazakhstanis than Telegram, and a notice board more than either. A
link to the bot carries the channel it was handed out on (``v_<code>-wa``, ``v_<code>-qr``), so
that staff see in ``/residents`` how many joined from each. A share text says what, when, where
and the agenda (or the result) in Kazakh and Russian, then the links, one per village.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot import invites
from bot.i18n import I18n, Translator
from storage import people, territory
from storage.db import Database
from storage.hearings import Hearing
from storage.models import Village
from storage.polls import Poll, Results

# Channel tags on village links; a link without one counts as "link".
SOURCES = ("qr", "wa")
UNTAGGED = "link"
SHARE_SOURCE = "wa"
SHARE_LANGUAGES = ("kk", "ru")
MAX_LINKS = 12
MAX_TEXT = 4096  # one Telegram message


async def resolve_village_link(db: Database, payload: str) -> tuple[str, str]:
    """Split ``<code>`` or ``<code>-<tag>`` into the village code and the channel.

    A village code may itself contain ``-``: the whole payload wins when it is a village.
    """
    code, _, tag = payload.rpartition("-")
    if tag in SOURCES and code and await territory.get_village(db, payload) is None:
        return code, tag
    return payload, UNTAGGED


async def note_source(db: Database, telegram_id: int, source: str) -> None:
    """Remember the channel of a resident's first village link."""
    await people.note_source(db, telegram_id, source)


def village_link(bot_username: str | None, village_code: str, source: str) -> str:
    """The deep link that binds a resident to a village, tagged with where they found it."""
    return invites.deep_link(bot_username, f"v_{village_code}-{source}")


def _join_lines(i18n: I18n, villages: Sequence[Village], bot_username: str | None) -> list[str]:
    """The heading in both languages, then one link per village with its names in both."""
    heading = " / ".join(i18n.get(language).t("share.join") for language in SHARE_LANGUAGES)
    lines = [heading]
    for village in villages[:MAX_LINKS]:
        names = dict.fromkeys(village.names.get(language) for language in SHARE_LANGUAGES)
        link = village_link(bot_username, village.code, SHARE_SOURCE)
        lines.append(f"{' / '.join(names)}: {link}")
    return lines


def hearing_text(tr: Translator, hearing: Hearing) -> str:
    """A hearing in one language: what, when, where, the agenda, and the outcome once held."""
    hearing = hearing.read_in(tr.language)
    lines = [
        (
            tr.t("share.hearing", topic=hearing.topic)
            if hearing.kind == "hearing"
            else f"{tr.t(f'meeting.title.{hearing.kind}')}: {hearing.topic}"
        ),
        tr.t("share.when", when=tr.datetime(hearing.starts_at)),
        tr.t("share.place", place=hearing.place),
        tr.t("share.agenda", agenda=hearing.agenda),
    ]
    if hearing.status == "cancelled":
        lines.append(tr.t("share.cancelled"))
    if hearing.status == "held" and hearing.decisions:
        lines.append(tr.t("share.decisions", decisions=hearing.decisions))
    return "\n".join(lines)


def poll_text(tr: Translator, poll: Poll, results: Results | None) -> str:
    """A poll in one language: the question, the options, the close; the result once closed."""
    poll = poll.read_in(tr.language)
    lines = [tr.t("share.poll", question=poll.question)]
    if results is None:
        lines += [f"{number}. {option}" for number, option in enumerate(poll.options, 1)]
        lines.append(tr.t("share.closes", when=tr.datetime(poll.closes_at)))
    else:
        lines += [
            tr.t("share.result_line", option=option, votes=tr.number(votes))
            for option, votes in zip(poll.options, results.totals, strict=True)
        ]
        lines.append(tr.t("share.closed", when=tr.datetime(poll.closed_at or poll.closes_at)))
    return "\n".join(lines)


def bilingual(
    i18n: I18n,
    write: Callable[[Translator], str],
    villages: Sequence[Village],
    bot_username: str | None,
) -> str:
    """The text in Kazakh, then in Russian, then the village links: one message to copy."""
    blocks = [write(i18n.get(language)) for language in SHARE_LANGUAGES]
    text = "\n\n".join([*blocks, "\n".join(_join_lines(i18n, villages, bot_username))])
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
