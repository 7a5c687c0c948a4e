"""Paper votes are meeting protocols bounded by the meeting; results are drawn at the close."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from bot.polls import service as polls
from bot.simulator import Harness, SimUser
from storage import polls as repo
from storage import protocols as protocols_repo
from storage.db import utcnow
from storage.protocols import NewProtocol
from tests.conftest import STAFF_ID
from tests.poll_helpers import (
    MOLODEZHNY,
    announce,
    db_of,
    enter_protocol,
    residents,
    services_of,
    vote,
)


def today(bot: Harness) -> date:
    """Today where the akimat is (meetings are dated in the configured zone)."""
    return utcnow().astimezone(services_of(bot).settings.zone).date()


async def open_paper_votes(bot: Harness, poll_id: int) -> SimUser:
    """Staff open the poll's card and tap Paper votes (one village in the poll)."""
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/start")
    await staff.tap_data(f"v1:pst:card:{poll_id}")
    await staff.tap("📝 Paper votes")
    return staff


async def test_inflated_paper_votes_are_refused(bot: Harness) -> None:
    """The attack: 100,000 votes per option from one staff member. Each bound holds."""
    await db_of(bot).execute_write(
        "UPDATE villages SET population = 40 WHERE code = ?", (MOLODEZHNY,)
    )
    poll = await announce(bot)
    staff = await open_paper_votes(bot, poll.id)
    await staff.tap_data("v1:pst:pday:0", staff.messages[-1])
    await staff.send("Club")
    await staff.send("100000")
    assert staff.last_text == (
        "100,000 present is more than the village's population (40). Please check the protocol."
    )
    await staff.send("30")
    await staff.send("100000 0 0")
    assert staff.last_text.startswith("Option 1 has 100,000 votes, but only 30 residents")
    await staff.send("20 20 0")  # one choice each: 40 marks from 30 residents
    assert staff.last_text.startswith("40 votes in all, but 30 residents present could cast")
    assert await protocols_repo.of_poll(db_of(bot), poll.id) == []
    await staff.send("20 5 0")
    await staff.tap("💾 Save")
    (stored,) = await protocols_repo.of_poll(db_of(bot), poll.id)
    assert (stored.present, stored.votes, stored.place) == (30, (20, 5, 0), "Club")
    assert stored.entered_by == STAFF_ID and stored.met_on == today(bot)

    # Past the dialog, the service and then the database refuse the same.
    inflated = NewProtocol(
        poll_id=poll.id, village_code=MOLODEZHNY, met_on=utcnow().date(), place="Club",
        present=30, votes=(100_000, 0, 0), entered_by=STAFF_ID, supersedes=stored.id,
        reason="more came",
    )  # fmt: skip
    problem = await polls.record_protocol(services_of(bot), inflated)
    assert problem is not None and problem[0] == "protocol.over_present"
    with pytest.raises(sqlite3.IntegrityError, match="more votes than residents present"):
        await protocols_repo.record(db_of(bot), inflated, utcnow())
    results = await repo.results(db_of(bot), poll)
    assert results.paper == (20, 5, 0)


async def test_a_correction_supersedes_the_protocol_and_nothing_is_overwritten(
    bot: Harness,
) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [301])
    poll = await announce(bot)
    await vote(ivan, poll, 2)
    staff = await open_paper_votes(bot, poll.id)
    await enter_protocol(staff, "School hall", 8, "5 1 0")
    assert staff.texts[-2] == "📋 Protocol saved: Molodezhny. Its votes count in the results."
    first = await protocols_repo.standing(db_of(bot), poll.id, MOLODEZHNY)
    assert first is not None

    await staff.tap("📝 Paper votes")
    assert "This village already has a protocol" in staff.texts[-2]
    assert staff.last_text.startswith("Why is the protocol corrected?")
    await staff.send("no")  # too short to be a reason
    assert staff.last_text.startswith("Why is the protocol corrected?")
    await enter_protocol(staff, "School hall", 8, "4 1 0", reason="Two ballots were one person's")
    assert staff.texts[-2].startswith("📋 Correction saved: Molodezhny. It supersedes")
    card = staff.last_text
    assert f"🗄 #{first.id} Molodezhny" in card and f"superseded by #{first.id + 1}" in card
    assert f"📋 #{first.id + 1} Molodezhny" in card
    assert f"corrects #{first.id}: Two ballots were one person's" in card
    assert "entered by Erlan" in card

    old, new = await protocols_repo.of_poll(db_of(bot), poll.id)
    assert (old.votes, old.superseded_by, old.standing) == ((5, 1, 0), new.id, False)
    assert (new.votes, new.supersedes, new.standing) == ((4, 1, 0), old.id, True)
    assert (await repo.results(db_of(bot), poll)).paper == (4, 1, 0)
    for statement in (
        "UPDATE poll_protocols SET present = 80",
        "UPDATE poll_protocol_votes SET votes = 80",
        "DELETE FROM poll_protocols",
        "DELETE FROM poll_protocol_votes",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="never"):
            await db_of(bot).execute_write(statement)

    assert await polls.close(services_of(bot), poll.id, STAFF_ID) is not None
    await bot.broadcasts_finished()
    today = services_of(bot).i18n.get("ru").date(utcnow())
    caption = next(c.params["caption"] for c in bot.sim.calls_to("sendPhoto")
                   if c.params["chat_id"] == ivan.id)  # fmt: skip
    assert "1. Дорога до школы — 4 (66,7%), на бумаге: 4" in caption
    assert f"📋 Молодежный, собрание {today}, School hall: присутствовали 8" in caption


async def test_two_staff_correcting_at_once_cannot_both_supersede(bot: Harness) -> None:
    poll = await announce(bot)
    services = services_of(bot)
    first = NewProtocol(poll.id, MOLODEZHNY, utcnow().date(), "Club", 10, (3, 3, 3), STAFF_ID)
    assert await polls.record_protocol(services, first) is None
    (standing,) = await protocols_repo.of_poll(db_of(bot), poll.id)
    again = NewProtocol(poll.id, MOLODEZHNY, utcnow().date(), "Club", 10, (1, 1, 1), STAFF_ID)
    assert await polls.record_protocol(services, again) == ("protocol.moved_on", {})
    fix = NewProtocol(poll.id, MOLODEZHNY, utcnow().date(), "Club", 10, (3, 3, 2), STAFF_ID,
                      supersedes=standing.id, reason="a recount")  # fmt: skip
    assert await polls.record_protocol(services, fix) is None
    assert await polls.record_protocol(services, fix) == ("protocol.moved_on", {})
    assert len(await protocols_repo.of_poll(db_of(bot), poll.id)) == 2


async def test_a_forged_early_results_tap_does_not_change_the_published_results(
    bot: Harness,
) -> None:
    """The attack: staff's "results" tap forged on an open poll, to fix the chart at 1:0:0."""
    people = await residents(bot, MOLODEZHNY, range(310, 320), "ru")
    poll = await announce(bot)
    await vote(people[0], poll, 0)
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    charts = polls.chart_folder(services_of(bot))

    answer = await staff.tap_data(f"v1:pst:res:{poll.id}")  # forged: no such button yet
    assert answer is not None and answer["text"].startswith("Итоги подводятся один раз")
    assert staff.last_text.startswith("🔴 Текущий подсчёт: опрос ещё идёт. Это не итог")
    assert "1. Дорога до школы — 1 (100%)" in staff.last_text
    assert not bot.sim.calls_to("sendPhoto")
    assert not list(charts.glob(f"poll-{poll.id}-*.png"))  # nothing drawn, nothing kept
    answer = await people[0].tap_data(f"v1:poll:res:{poll.id}")
    assert answer is not None and "после завершения" in answer["text"]

    for person in people[1:]:
        await vote(person, poll, 2)
    assert await polls.close(services_of(bot), poll.id, STAFF_ID) is not None
    await bot.broadcasts_finished()
    published = [c for c in bot.sim.calls_to("sendPhoto") if c.params["chat_id"] == people[0].id]
    assert len(published) == 1
    caption = published[0].params["caption"]
    assert "1. Дорога до школы — 1 (10%)" in caption and "3. Крыша школы — 9 (90%)" in caption
    (chart,) = charts.glob(f"poll-{poll.id}-ru-*.png")

    # Asked again later, the results are those drawn at the close, whatever the rows say now.
    await db_of(bot).execute_write(
        "UPDATE poll_votes SET choices = 1 WHERE poll_id = ?", (poll.id,)
    )
    await staff.tap_data(f"v1:pst:res:{poll.id}")
    again = bot.sim.calls_to("sendPhoto")[-1]
    assert again.params["chat_id"] == STAFF_ID and again.params["caption"] == caption
    assert list(charts.glob(f"poll-{poll.id}-ru-*.png")) == [chart]


async def test_a_protocol_in_progress_survives_a_restart_and_continues(bot: Harness) -> None:
    poll = await announce(bot)
    staff = await open_paper_votes(bot, poll.id)
    await staff.tap_data("v1:pst:pday:1", staff.messages[-1])  # yesterday
    await staff.send("Club")
    await bot.restart(crash=True)
    await staff.send("/newpoll")  # another dialog: finish this one first
    await staff.tap("Continue")
    assert staff.last_text == "How many residents were present? Send one whole number."
    await staff.send("12")
    await staff.send("7 3 2")
    await staff.tap("💾 Save")
    (stored,) = await protocols_repo.of_poll(db_of(bot), poll.id)
    assert (stored.place, stored.present, stored.votes) == ("Club", 12, (7, 3, 2))
    assert (today(bot) - stored.met_on).days == 1


async def test_a_meeting_in_the_future_is_refused_by_the_service(bot: Harness) -> None:
    poll = await announce(bot)
    ahead = today(bot) + timedelta(days=2)
    new = NewProtocol(poll.id, MOLODEZHNY, ahead, "Club", 10, (3, 3, 3), STAFF_ID)
    assert await polls.record_protocol(services_of(bot), new) == ("protocol.day_bad", {})
    staff = await open_paper_votes(bot, poll.id)
    await staff.send(ahead.strftime("%d.%m.%Y"))
    assert staff.last_text.startswith("Please type the meeting's date as DD.MM.YYYY")
    assert await protocols_repo.of_poll(db_of(bot), poll.id) == []
