"""Meetings in the weekly summary and the staff digest: by kind, attendance, decisions, and the
questions asked in advance answered on time (by the end of the meeting's day)."""

from __future__ import annotations

from bot.appeals.service import submit_hearing_question
from bot.reports import data as report_data
from bot.reports import digest, sections
from bot.reports.week import Week
from bot.simulator import Harness
from storage import hearings, meetings, people, territory
from storage.hearings import NewHearing
from storage.meetings import AssemblyRecord, ItemResult
from tests.conftest import STAFF_ID
from tests.meeting_helpers import MOLODEZHNY, join, services_of
from tests.report_helpers import local

W48 = Week(2026, 48)  # 23-29 November 2026
WEDNESDAY = local(2026, 11, 25, 18)


async def meeting(bot: Harness, kind: str, items: tuple[str, ...] = ()) -> hearings.Hearing:
    new = NewHearing("Topic", WEDNESDAY, "Club", "Agenda", (MOLODEZHNY,), STAFF_ID, kind=kind,
                     items=items)  # fmt: skip
    return await hearings.create(services_of(bot).db, new)


async def ask(bot: Harness, user_id: int, hearing: hearings.Hearing, theme: str) -> None:
    person = await people.get_by_telegram_id(services_of(bot).db, user_id)
    assert person is not None
    await submit_hearing_question(
        services_of(bot), person, hearing.id, MOLODEZHNY, f"A question about {theme} {hearing.id}",
        theme=theme, starts_at=hearing.starts_at, now=local(2026, 11, 20, 10),
    )  # fmt: skip


async def seed_week(bot: Harness) -> None:
    """A week of one village: every kind of meeting, questions answered on time and late."""
    db = services_of(bot).db
    for user_id in (101, 102, 103):
        await join(bot, user_id, MOLODEZHNY, "en")
    on_time, late, cancelled = [await meeting(bot, "report") for _ in range(3)]
    await ask(bot, 101, on_time, "roads")
    await ask(bot, 102, on_time, "water")
    await ask(bot, 103, late, "roads")
    await ask(bot, 101, cancelled, "roads")
    for held, answered_at in ((on_time, local(2026, 11, 25, 21)), (late, local(2026, 11, 27, 9))):
        await hearings.conclude(db, held.id, 40, "The akim reported on the year.")
        for theme in ("roads", "water"):
            await meetings.save_answer(db, held.id, theme, "An answer.", STAFF_ID)
        await meetings.publish_answers(db, held.id, STAFF_ID, answered_at)
    await meetings.cancel(db, cancelled.id, "Illness", local(2026, 11, 24, 9))
    assembly = await meeting(bot, "assembly", ("Priorities", "Market"))
    record = AssemblyRecord(
        attendance=25, members_total=5, members_present=4,
        results=(ItemResult("Approve", 4, 0, 0), ItemResult("Keep it", 1, 2, 1)),
        decisions="1. Priorities: Approve\n2. Market: Keep it", protocol=("doc-1", "document"),
    )  # fmt: skip
    assert await meetings.conclude_assembly(db, assembly.id, record)
    gathering = await meeting(bot, "gathering")
    await hearings.conclude(db, gathering.id, 30, "Delegates elected.")
    postponed = await meeting(bot, "hearing")
    await meetings.postpone(db, postponed.id, local(2026, 11, 28, 11), "Flood", WEDNESDAY.date())


async def test_the_summary_counts_meetings_by_kind(bot: Harness) -> None:
    await seed_week(bot)
    db = services_of(bot).db
    village = await territory.get_village(db, MOLODEZHNY)
    assert village is not None
    tr = services_of(bot).i18n.get("en")
    data = await report_data.load(db, [village], W48, tr.zone)
    table = sections.meetings(tr, data)
    assert table is not None and table.key == "meetings"
    assert table.headers == [
        "Kind of meeting", "Meetings", "Held", "Cancelled", "Postponed", "Attended",
        "Decisions", "Assembly items adopted", "Questions", "Answered on time",
        "Answered on time, %",
    ]  # fmt: skip
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["Akim's reporting meeting"] == [3, 2, 1, 0, 80, 2, 0, 4, 2, 50.0]
    assert rows["Local community assembly"] == [1, 1, 0, 0, 25, 2, 1, 0, 0, None]
    assert rows["Separate village gathering"] == [1, 1, 0, 0, 30, 1, 0, 0, 0, None]
    assert rows["Public hearing"] == [1, 0, 0, 1, 0, 0, 0, 0, 0, None]
    assert rows["Total"] == [6, 4, 1, 1, 135, 5, 1, 4, 2, 50.0]
    assert "meetings" in [t.key for t in sections.tables(tr, data)]


async def test_the_digest_tells_each_village_its_meetings(bot: Harness) -> None:
    await seed_week(bot)
    db = services_of(bot).db
    village = await territory.get_village(db, MOLODEZHNY)
    assert village is not None
    tr = services_of(bot).i18n.get("ru")
    data = await report_data.load(db, [village], W48, tr.zone)
    (news,) = digest.news_by_village(data, [])
    block = digest.village_block(tr, news)
    assert (
        "🗣 Мероприятия: Публичные слушания 1, Собрание местного сообщества 1, "
        "Раздельный сход жителей села 1, Отчётная встреча акима с населением 3 · "
        "присутствовало: 135 · решений: 5"
    ) in block
    assert "❓ Вопросов заранее: 4, отвечено в срок: 2" in block


async def test_public_hearings_alone_keep_to_their_own_sheet(bot: Harness) -> None:
    await join(bot, 101, MOLODEZHNY, "en")
    await meeting(bot, "hearing")
    db = services_of(bot).db
    village = await territory.get_village(db, MOLODEZHNY)
    assert village is not None
    tr = services_of(bot).i18n.get("en")
    data = await report_data.load(db, [village], W48, tr.zone)
    assert len(data.meetings) == 1 and sections.meetings(tr, data) is None
