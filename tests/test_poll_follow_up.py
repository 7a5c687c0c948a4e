"""Staff record what was done after a poll; the summary's "You said, we did" shows it."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from bot.polls import service as polls
from bot.reports import summary
from bot.reports.period import Period, PeriodKind
from bot.simulator import Harness
from storage import polls as repo
from storage.db import utcnow
from storage.models import Scope, ScopeKind
from tests.conftest import OTHER_STAFF_ID, STAFF_ID
from tests.poll_helpers import MOLODEZHNY, announce, residents, services_of, vote

DONE = "Дорогу до школы заасфальтировали в мае"


async def test_staff_record_what_was_done_and_the_summary_says_it(
    bot: Harness, tmp_path: Path
) -> None:
    people = await residents(bot, MOLODEZHNY, range(600, 603), "ru")
    poll = await announce(bot)
    for person in people:
        await vote(person, poll, 0)
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    early = await staff.tap_data(f"v1:pst:done:{poll.id}")  # still open: nothing to record
    assert early is not None and early.get("show_alert") is True
    services = services_of(bot)
    assert await polls.close(services, poll.id, STAFF_ID) is not None
    await bot.broadcasts_finished()

    text_message = next(m for m in reversed(staff.messages) if "text" in m)  # not the chart
    await staff.tap_data(f"v1:pst:card:{poll.id}", text_message)
    assert "📝 Что сделано" in staff.button_labels()
    await staff.tap("📝 Что сделано")
    assert "Что акимат сделал по итогам опроса" in staff.last_text
    await staff.send("да")  # too short: asked again
    assert "Что акимат сделал по итогам опроса" in staff.last_text
    await staff.send(DONE)
    stored = await repo.follow_up(services.db, poll.id)
    assert stored is not None and stored.text == DONE and stored.by == STAFF_ID
    assert f"📝 Сделано ({services.i18n.get('ru').date(stored.at)}): {DONE}" in staff.last_text

    week = Period.containing(PeriodKind.WEEK, utcnow(), services.settings.zone)
    region = [Scope(ScopeKind.REGION, "krg")]
    files = await summary.build(
        services.db, services.i18n.get("ru"), region, week, tmp_path / "w.xlsx"
    )
    book = load_workbook(files.workbook, read_only=True)
    rows = list(book["Вы сказали — мы сделали"].iter_rows(values_only=True))
    said = [row for row in rows if row[0] == "Молодежный"]
    assert said and f"«{poll.question}» → {poll.options[0]} (100%)" in str(said[0][6])
    assert f"Сделано: {DONE}" in str(said[0][6])


async def test_a_follow_up_outside_the_staff_area_is_refused(bot: Harness) -> None:
    poll = await announce(bot)
    services = services_of(bot)
    assert await polls.close(services, poll.id, STAFF_ID) is not None
    await bot.broadcasts_finished()
    other = bot.user(OTHER_STAFF_ID, "Асель", "ru")  # staff of Beineu, far from Molodezhny
    await other.send("/menu")
    answer = await other.tap_data(f"v1:pst:done:{poll.id}")
    assert answer is not None and answer.get("show_alert") is True
    await other.send("Сделали, но не у вас")
    assert await repo.follow_up(services.db, poll.id) is None
