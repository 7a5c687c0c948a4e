"""The poll tallies a summary reads (kept as votes arrive, migration 0024) say what the votes
say: after new votes, changed ones, an erasure, deleted votes and polls, and a restart."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.reports.period import Period
from storage import people
from storage import polls as polls_repo
from storage import reports as repo
from storage.db import Database
from storage.polls import Ballot, CastResult
from tests.report_helpers import TELEGRAM_BASE, local, seed_region

pytestmark = pytest.mark.both_databases

ZONE = ZoneInfo("Asia/Almaty")
NOVEMBER = Period.month(2026, 11)
OPEN_POLL = 2  # the seed's multiple-choice poll, open through weeks 48-50


async def _tallies(db: Database) -> dict[tuple[int, str, int, int], int]:
    rows = await db.fetch_all(
        "SELECT poll_id, village_code, choices, verified, votes FROM poll_tallies"
    )
    return {(r[0], r[1], r[2], r[3]): r[4] for r in rows}


async def _counted(db: Database) -> dict[tuple[int, str, int, int], int]:
    """The same, counted from the votes themselves."""
    rows = await db.fetch_all(
        "SELECT poll_id, village_code, choices, verified, COUNT(*) FROM poll_votes "
        "GROUP BY poll_id, village_code, choices, verified"
    )
    return {(r[0], r[1], r[2], r[3]): r[4] for r in rows}


async def _report_votes(db: Database, codes: list[str]) -> dict[tuple[int, int], tuple[int, ...]]:
    """Per poll and option as the summary reads them: votes, verified votes, voters."""
    start, end = NOVEMBER.bounds(ZONE)
    return {
        (line.poll_id, line.position): (line.votes, line.verified_votes, line.voters)
        for line in await repo.poll_results(db, codes, start, end)
    }


async def _raw_votes(db: Database, codes: list[str]) -> dict[tuple[int, int], tuple[int, ...]]:
    """The same figures from the raw votes, option by option."""
    ticks: Counter[tuple[int, int]] = Counter()
    verified: Counter[tuple[int, int]] = Counter()
    voters: Counter[int] = Counter()
    for poll_id, village, choices, is_verified in await db.fetch_all(
        "SELECT poll_id, village_code, choices, verified FROM poll_votes"
    ):
        if village not in codes:
            continue
        voters[poll_id] += 1
        for position in range(10):
            if choices >> position & 1:
                ticks[(poll_id, position)] += 1
                verified[(poll_id, position)] += is_verified
    options = await db.fetch_all("SELECT poll_id, position FROM poll_options")
    return {
        (poll, position): (ticks[(poll, position)], verified[(poll, position)], voters[poll])
        for poll, position in options
    }


async def _assert_reconciled(db: Database, codes: list[str]) -> None:
    assert await _tallies(db) == await _counted(db)
    found = await _report_votes(db, codes)
    raw = await _raw_votes(db, codes)
    assert found == {key: raw[key] for key in found}
    assert sum(v[0] for v in found.values()) == sum(raw[key][0] for key in found)


async def test_tallies_follow_every_vote_erasure_deletion_and_a_restart(
    db: Database, tmp_path: Path
) -> None:
    seed = await seed_region(db)
    codes = list(seed.villages)
    await db.execute_write("UPDATE polls SET may_change = 1 WHERE id = ?", (OPEN_POLL,))
    assert await _tallies(db)  # the seed's votes were counted as they went in
    await _assert_reconciled(db, codes)

    poll = await polls_repo.get(db, OPEN_POLL)
    assert poll is not None
    voted = {person for poll_id, person, _ in seed.votes if poll_id == OPEN_POLL}
    fresh = [p for p in seed.people if p["id"] not in voted and p["telegram_id"]
             and p["village_code"] in poll.village_codes][:4]  # fmt: skip
    assert len(fresh) == 4
    at = local(2026, 11, 26, 12)
    for person, choices in zip(fresh, (1, 2, 3, 1), strict=True):  # new votes
        cast = await polls_repo.cast(
            db, Ballot(OPEN_POLL, person["id"], person["village_code"], choices, at)
        )
        assert cast.result is CastResult.RECORDED
    await _assert_reconciled(db, codes)

    changed = await polls_repo.cast(  # a vote changed: one tally down, another up
        db, Ballot(OPEN_POLL, fresh[0]["id"], fresh[0]["village_code"], 2, at)
    )
    assert changed.result is CastResult.CHANGED
    await db.execute_write(  # a vote marked verified after the fact (and moved)
        "UPDATE poll_votes SET verified = 1, village_code = ? WHERE poll_id = ? AND person_id = ?",
        (codes[1], OPEN_POLL, fresh[1]["id"]),
    )
    await _assert_reconciled(db, codes)

    assert await people.delete_personal_data(db, fresh[2]["telegram_id"])  # /deletedata
    assert fresh[2]["telegram_id"] >= TELEGRAM_BASE
    await _assert_reconciled(db, codes)  # the vote stays, counted as before

    await db.execute_write(
        "DELETE FROM poll_votes WHERE poll_id = ? AND person_id = ?", (OPEN_POLL, fresh[3]["id"])
    )
    await _assert_reconciled(db, codes)
    await db.execute_write("DELETE FROM polls WHERE id = 1")  # its votes go, and their tallies
    assert not [key for key in await _tallies(db) if key[0] == 1]
    await _assert_reconciled(db, codes)

    before = await _tallies(db)
    await db.close()
    reopened = db.twin()
    await reopened.open()
    try:
        assert await _tallies(reopened) == before
        await _assert_reconciled(reopened, codes)
    finally:
        await reopened.close()
        await db.open()  # the fixture closes it
