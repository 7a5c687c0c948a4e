"""``python -m bot demo``: a scripted week of residents and staff, offline, with a transcript."""

from __future__ import annotations

import logging
import tempfile
import textwrap
from pathlib import Path

from bot.bodies import service as directory
from bot.demo.behalf import play_behalf
from bot.demo.bodies import play_bodies
from bot.demo.budget import play_budget
from bot.demo.complaints import play_complaints
from bot.demo.hearings import play_hearings
from bot.demo.meetings import play_assembly, play_report_meeting
from bot.demo.okrugs import OKRUG, OKRUG_STAFF_ID, play_okrug
from bot.demo.polls import play_polls
from bot.demo.reports import play_reports
from bot.demo.typing import joins_and_complains
from bot.demo.verification import play_verification
from bot.settings import Settings
from bot.simulator import Harness
from bot.simulator.api import Json
from bot.territory import import_territory, sample_file
from storage import roles as roles_repo
from storage.models import Role, Scope, ScopeKind

STAFF_ID = 5001
COORDINATOR_ID = 5002


class Transcript:
    """Collects what each person typed and tapped and what the bot showed them."""

    def __init__(self, names: dict[int, str]) -> None:
        self.names = names
        self.lines: list[str] = []

    def scene(self, title: str) -> None:
        """Start a new scene."""
        self.lines += ["", f"=== {title} ==="]

    def observe(self, event: str, message: Json) -> None:
        """Record one event of the simulator."""
        who = self.names.get(message["chat"]["id"], str(message["chat"]["id"]))
        if event == "received":
            self.lines.append(f"{who} ▸ {message.get('text', '[' + self._kind(message) + ']')}")
        elif event == "tapped":
            self.lines.append(f"{who} ▸ taps [{message['text']}]")
        elif event == "keyboard":  # the keyboard under the input field
            for row in message["keyboard"]:
                self.lines.append("        ⌨ " + " ".join(f"[{b['text']}]" for b in row))
        else:
            verb = "✎" if "edit_date" in message else "◂"
            body = message.get("text") or message.get("caption") or f"[{self._kind(message)}]"
            head = f"  bot → {who} {verb} "
            self.lines.append(head + textwrap.indent(body, " " * 8).lstrip())
            rows = message.get("reply_markup", {}).get("inline_keyboard", [])
            for row in rows:
                self.lines.append("        " + " ".join(f"[{b['text']}]" for b in row))

    @staticmethod
    def _kind(message: Json) -> str:
        return next(
            (
                k
                for k in ("photo", "voice", "location", "document", "sticker", "contact")
                if k in message
            ),
            "?",
        )

    def text(self) -> str:
        """The whole transcript."""
        return "\n".join(self.lines).strip() + "\n"


async def _prepare(settings: Settings) -> None:
    db = settings.database()
    await db.open()
    try:
        await import_territory(db, sample_file())
        await directory.import_file(
            db, directory.sample_file()
        )  # sample data: the demo's districts
        await roles_repo.grant(
            db, STAFF_ID, Role.STAFF, Scope(ScopeKind.DISTRICT, "krg-osakarovka"), "demo"
        )
        await roles_repo.grant(
            db, COORDINATOR_ID, Role.COORDINATOR, Scope(ScopeKind.REGION, "krg"), "demo"
        )
        await roles_repo.grant(  # the akimat of a rural okrug: its four villages
            db, OKRUG_STAFF_ID, Role.STAFF, Scope(ScopeKind.OKRUG, OKRUG), "demo"
        )
    finally:
        await db.close()


async def run_demo(out: Path | None = None) -> Path:
    """Play the scenario, print the transcript, and return the folder of its files."""
    logging.basicConfig(level=logging.ERROR)  # the transcript is the output
    folder = out or Path(tempfile.mkdtemp(prefix="qatysu-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "qatysu-demo.db"
    for stale in folder.glob("qatysu-demo.db*"):
        stale.unlink()
    # The scripted people tap at machine speed; the flood guard is for humans, so it is off, and
    # the pacer's one message a second per chat (Telegram's) runs twenty times faster. A
    # DATABASE_URL in the environment plays it on that PostgreSQL database (an empty one).
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_path=db_path, bot_token=None, flood_updates=0, chat_rate=20.0
    )
    await _prepare(settings)
    names = {1001: "Айгерім", 1002: "Иван", 1003: "Dana", STAFF_ID: "Ерлан (әкімдік)"}
    transcript = Transcript(names)
    async with Harness(settings) as harness:
        harness.sim.observers.append(transcript.observe)
        aigerim = harness.user(1001, "Айгерім", "kk")
        ivan = harness.user(1002, "Иван", "ru")
        dana = harness.user(1003, "Dana", "en")
        staff = harness.user(STAFF_ID, "Ерлан", "kk")

        transcript.scene("Monday: Aigerim joins in Kazakh, by buttons")
        await aigerim.send("/start")
        await aigerim.tap("Қазақша")
        await aigerim.tap("Қарағанды облысы")
        await aigerim.tap("Осакаров ауданы")
        await aigerim.tap("Молодежный")

        transcript.scene("Monday: Ivan scans the QR code on the akimat's notice board")
        await ivan.send("/start v_krg-osakarovka-osakarovka")

        transcript.scene("Tuesday: Dana joins in English, then switches to Russian")
        await dana.send("/start")
        await dana.tap("English")
        await dana.tap("Karaganda Region")
        await dana.tap("Osakarovka District")
        await dana.tap("Osakarovka")
        await dana.send("/language")
        await dana.tap("Русский")

        transcript.scene(
            "Tuesday: another village's link, posted in a chat, reaches Ivan: asked first, he stays"
        )
        await ivan.send("/start v_krg-nura-nura")
        await ivan.tap("✖ Нет, остаюсь")

        await joins_and_complains(harness, transcript)

        transcript.scene(
            "Wednesday: a resident tries a staff command; staff look at their villages"
        )
        await ivan.send("/residents")
        await staff.send("/residents")
        await staff.tap("Осакаров ауданы")

        await play_hearings(harness, transcript)
        await play_okrug(harness, transcript)
        await play_behalf(harness, transcript)  # a phone complaint for an elderly resident
        await play_bodies(harness, transcript)  # an item handed to the network company
        await play_report_meeting(harness, transcript)

        transcript.scene("Saturday: Aigerim checks and deletes her data")
        await aigerim.send("/mydata")
        await aigerim.send("/deletedata")
        await aigerim.tap("Иә, жою")

        await play_complaints(harness, transcript)
        await play_polls(harness, transcript, folder)
        await play_verification(harness, transcript)
        await play_budget(harness, transcript)
        await play_assembly(harness, transcript)

        await play_reports(harness, transcript, folder)

    text = transcript.text()
    (folder / "transcript.txt").write_text(text, encoding="utf-8")
    print(text)
    print(
        f"Demo files are in {folder}: transcript.txt, qatysu-demo.db, staff-digest.txt, "
        "the weekly summary (qatysu-*.xlsx, its CSV files and charts), "
        "papers/ (the notice-board PDF of the hearing), budget/ (the okrug budget's workbook "
        "and PDF for the community assembly)"
    )
    return folder
