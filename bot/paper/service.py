"""Papers for the notice board, from what is stored: a hearing, a poll, a village's invitation.

Every paper is in Kazakh and Russian, one page per language for notices, with the village's QR
code: the one-tap deep link tagged ``-qr``, so that staff see how many joined from paper. A hearing
or poll of several villages gets one set of pages per village, each with that village's code.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from bot import workers
from bot.i18n import I18n, Translator
from bot.paper.layout import Block, Sheet, write_pdf
from bot.share import village_link
from storage import hearings, polls, territory
from storage.db import Database
from storage.hearings import Hearing
from storage.models import Village
from storage.polls import Poll

# The state languages: Kazakh, and Russian used officially beside it.
PAPER_LANGUAGES = ("kk", "ru")
PAPER_SOURCE = "qr"


class PaperNotFoundError(LookupError):
    """The hearing, poll or village asked for does not exist."""


def papers_folder(database: Path) -> Path:
    """Where printed papers are written: next to the database."""
    return database.parent / "papers"


async def _villages(
    db: Database, codes: tuple[str, ...], only: Collection[str] | None
) -> list[Village]:
    """The villages of ``codes`` (those in ``only``, when given), in their stored order."""
    wanted = [code for code in codes if only is None or code in only]
    found = [await territory.get_village(db, code) for code in wanted]
    return [village for village in found if village is not None]


def _qr_caption(tr: Translator, village: Village) -> str:
    return tr.t("paper.qr_caption", village=village.names.get(tr.language))


def hearing_sheet(tr: Translator, hearing: Hearing, village: Village, link: str) -> Sheet:
    """The notice of a hearing for one village, in ``tr``'s language (staff's version in it,
    when they added one)."""
    hearing = hearing.read_in(tr.language)
    return Sheet(
        title=(
            tr.t("paper.hearing.title")
            if hearing.kind == "hearing"
            else tr.t(f"meeting.kind.{hearing.kind}").upper()
        ),
        subtitle=hearing.topic,
        blocks=(
            Block(tr.t("paper.when"), tr.datetime(hearing.starts_at)),
            Block(tr.t("paper.place"), hearing.place),
            Block(tr.t("paper.village"), village.names.get(tr.language)),
            Block(tr.t("paper.agenda"), hearing.agenda),
        ),
        footer=tr.t("paper.hearing.footer"),
        qr=link,
        qr_caption=_qr_caption(tr, village),
    )


def poll_sheet(tr: Translator, poll: Poll, village: Village, link: str) -> Sheet:
    """The notice of a poll for one village: the question, the options, the close, the QR code."""
    poll = poll.read_in(tr.language)
    options = "\n".join(f"{number}. {option}" for number, option in enumerate(poll.options, 1))
    return Sheet(
        title=tr.t("paper.poll.title"),
        subtitle=poll.question,
        blocks=(
            Block(tr.t("paper.options"), options),
            Block(tr.t("paper.poll.closes"), tr.datetime(poll.closes_at)),
            Block(tr.t("paper.village"), village.names.get(tr.language)),
        ),
        footer=tr.t("paper.poll.footer"),
        qr=link,
        qr_caption=_qr_caption(tr, village),
    )


def ballot_sheet(tr: Translator, poll: Poll, village: Village) -> Sheet:
    """A paper ballot with the poll's options, to tick at a meeting."""
    poll = poll.read_in(tr.language)
    return Sheet(
        title=tr.t("paper.ballot.title"),
        subtitle=poll.question,
        blocks=(
            Block(tr.t("paper.village"), village.names.get(tr.language)),
            Block(tr.t("paper.ballot.how"), tr.nt("paper.ballot.choices", poll.max_choices)),
        ),
        boxes=poll.options,
    )


def tally_sheet(tr: Translator, poll: Poll, village: Village) -> Sheet:
    """The tally sheet: the fields of the paper-vote protocol, to fill in and sign."""
    poll = poll.read_in(tr.language)
    blank = "________________"
    rows = (
        (tr.t("paper.tally.option"), tr.t("paper.tally.votes")),
        *((f"{number}. {option}", "") for number, option in enumerate(poll.options, 1)),
    )
    return Sheet(
        title=tr.t("paper.tally.title"),
        subtitle=poll.question,
        blocks=(
            Block(tr.t("paper.village"), village.names.get(tr.language)),
            Block(tr.t("paper.tally.date"), blank),
            Block(tr.t("paper.place"), blank),
            Block(tr.t("paper.tally.present"), blank),
        ),
        table=rows,
        widths=(0.75, 0.25),
        footer=tr.t("paper.tally.signatures"),
    )


def invitation_sheet(tr: Translator, village: Village, link: str) -> Sheet:
    """An invitation to follow the village's affairs in Qatysu."""
    return Sheet(
        title=tr.t("paper.village.title"),
        subtitle=village.names.get(tr.language),
        blocks=(Block(tr.t("paper.village.what"), tr.t("paper.village.text")),),
        qr=link,
        qr_caption=_qr_caption(tr, village),
    )


class Papers:
    """Builds the PDFs; the drawing runs in the worker process."""

    def __init__(self, db: Database, i18n: I18n, bot_username: str | None, folder: Path) -> None:
        self._db = db
        self._i18n = i18n
        self._bot_username = bot_username
        self._folder = folder

    def _translators(self) -> list[Translator]:
        return [self._i18n.get(language) for language in PAPER_LANGUAGES]

    def _link(self, village: Village) -> str:
        return village_link(self._bot_username, village.code, PAPER_SOURCE)

    async def _write(self, name: str, sheets: list[Sheet]) -> Path:
        return Path(await workers.run(write_pdf, str(self._folder / name), sheets))

    async def hearing(self, hearing_id: int, only: Collection[str] | None = None) -> Path:
        """The notice of a hearing, for each of its villages (or those in ``only``)."""
        hearing = await hearings.get(self._db, hearing_id)
        if hearing is None:
            raise PaperNotFoundError(f"hearing {hearing_id}")
        sheets = [
            hearing_sheet(tr, hearing, village, self._link(village))
            for village in await _villages(self._db, hearing.village_codes, only)
            for tr in self._translators()
        ]
        return await self._write(f"hearing-{hearing.id}.pdf", sheets)

    async def poll(self, poll_id: int, only: Collection[str] | None = None) -> Path:
        """A poll's notice, ballot and tally sheet per village (all, or those in ``only``)."""
        poll = await polls.get(self._db, poll_id)
        if poll is None:
            raise PaperNotFoundError(f"poll {poll_id}")
        sheets = []
        for village in await _villages(self._db, poll.village_codes, only):
            for tr in self._translators():
                sheets += [
                    poll_sheet(tr, poll, village, self._link(village)),
                    ballot_sheet(tr, poll, village),
                    tally_sheet(tr, poll, village),
                ]
        return await self._write(f"poll-{poll.id}.pdf", sheets)

    async def village(self, code: str) -> Path:
        """An invitation to join, with the village's QR code, in Kazakh and Russian."""
        village = await territory.get_village(self._db, code)
        if village is None:
            raise PaperNotFoundError(f"village {code}")
        sheets = [invitation_sheet(tr, village, self._link(village)) for tr in self._translators()]
        return await self._write(f"village-{village.code}.pdf", sheets)
