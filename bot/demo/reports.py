"""The demo's last scenes: the staff digest on Monday morning, the coordinator's summary, and the
open data of the week."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from bot.reports import data as report_data
from bot.reports import delivery, summary
from bot.reports.opendata import write_open_data
from bot.reports.period import Period, PeriodKind
from bot.reports.scope import villages_of
from bot.simulator import Harness
from storage.db import utcnow
from storage.models import Scope, ScopeKind

if TYPE_CHECKING:
    from bot.demo import Transcript

STAFF_ID = 5001
COORDINATOR_ID = 5002


def next_monday_morning(now: datetime, harness: Harness) -> datetime:
    """09:05 local next Monday: the digest of the demo's week is due then."""
    zone = harness.settings.zone
    week = Period.containing(PeriodKind.WEEK, now, zone).shifted(1)
    return datetime.combine(week.first, time(9, 5), tzinfo=zone)


async def play_reports(harness: Harness, transcript: Transcript, folder: Path) -> None:
    """Staff get the digest of the week; the coordinator downloads the summary; files saved."""
    services = harness.app.bot_data.services
    assert services is not None
    transcript.names[COORDINATOR_ID] = "Дина (үйлестіруші)"
    coordinator = harness.user(COORDINATOR_ID, "Дина", "kk")
    monday = next_monday_morning(utcnow(), harness)
    week = Period.containing(PeriodKind.WEEK, utcnow(), services.settings.zone)

    transcript.scene("Next Monday, 09:00: each staff member gets the digest of their villages")
    await delivery.send_digests(services, harness.app.bot, monday)
    staff_chat = harness.sim.chat_messages(STAFF_ID)
    digest = [m["text"] for m in staff_chat if str(m.get("text", "")).startswith("📊")]
    (folder / "staff-digest.txt").write_text("\n\n".join(digest) + "\n", encoding="utf-8")

    transcript.scene("The coordinator asks for the weekly summary of the region")
    await coordinator.send("/language")
    await coordinator.tap("Қазақша")
    await coordinator.send("/summary")
    sent = len(harness.sim.calls_to("sendDocument"))
    await coordinator.tap("Осы апта")
    await harness.wait_until(lambda: len(harness.sim.calls_to("sendDocument")) >= sent + 2, 60)
    await harness.wait_until(lambda: bool(harness.sim.calls_to("sendMediaGroup")), 30)

    tr = services.i18n.get("kk")
    files = await summary.build_for_scope(
        services.db, tr, Scope(ScopeKind.REGION, "krg"), week, folder
    )
    names = ", ".join(path.name for path in files.all)
    transcript.lines.append(f"  (weekly summary files written: {names})")
    region = await villages_of(services.db, [Scope(ScopeKind.REGION, "krg")])
    figures = await report_data.load(services.db, region, week, services.settings.zone)
    opened = write_open_data(figures, folder / "open-data")
    transcript.lines.append(
        "  (open data for the akimat's website: "
        + ", ".join(f"open-data/{p.name}" for p in opened)
        + ")"
    )
