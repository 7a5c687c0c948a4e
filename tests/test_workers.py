"""CPU-heavy work runs in the worker process; each result chart is drawn once and never reused
for other counts."""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest

from bot import workers
from bot.i18n import I18n
from bot.polls import chart as poll_chart
from bot.polls import service as polls
from bot.reports import summary
from bot.reports.summary import write_summary
from bot.reports.week import Week
from bot.simulator import Harness
from bot.workers import WorkerPool
from storage import polls as repo
from storage.db import utcnow
from storage.models import Scope, ScopeKind
from storage.polls import Poll
from tests.conftest import STAFF_ID
from tests.poll_helpers import MOLODEZHNY, announce, db_of, residents, services_of, vote

T = TypeVar("T")
LANGUAGES = ("kk", "ru", "en")
# Seconds to wait for results with charts: the worker yields the CPU to everything else, and on
# a machine busy with other work a chart can take long.
PATIENCE = 120.0


class Submitted:
    """Every call handed to the worker process, counted in the serving process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[Callable[..., Any], tuple[object, ...]]] = []
        self._run = workers.run
        monkeypatch.setattr(workers, "run", self.run)

    async def run(self, function: Callable[..., T], *args: object) -> T:
        self.calls.append((function, args))
        return await self._run(function, *args)

    def charts(self) -> list[tuple[poll_chart.Picture, Path]]:
        """The result charts the worker was asked to draw: what each shows, and its file."""
        drawn = []
        for function, args in self.calls:
            if function is poll_chart.draw:
                shown, path = args
                assert isinstance(shown, poll_chart.Picture) and isinstance(path, Path)
                drawn.append((shown, path))
        return drawn

    def charts_per_poll_and_language(self) -> Counter[tuple[int, str]]:
        """How many charts were drawn for each poll and language."""
        return Counter(_poll_and_language(path) for _, path in self.charts())


def _poll_and_language(path: Path) -> tuple[int, str]:
    _, poll_id, language, _ = path.name.split("-")
    return int(poll_id), language


def uploads(bot: Harness, chat_ids: set[int]) -> list[bytes]:
    """The picture files uploaded with photos to these chats (a file id sends no bytes)."""
    return [
        call.files["photo"]
        for call in bot.sim.calls_to("sendPhoto")
        if call.ok and call.params["chat_id"] in chat_ids and "photo" in call.files
    ]


def photos_to(bot: Harness, chat_id: int, question: str) -> int:
    """Photos with ``question`` in their caption that reached ``chat_id``."""
    return sum(
        1
        for call in bot.sim.calls_to("sendPhoto")
        if call.ok and call.params["chat_id"] == chat_id and question in call.params["caption"]
    )


async def test_the_worker_runs_apart_and_comes_back_after_dying_or_idling() -> None:
    pool = WorkerPool(idle_seconds=0.2)
    try:
        worker = await pool.run(os.getpid)
        assert worker != os.getpid()
        with pytest.raises(BrokenProcessPool):
            await pool.run(os._exit, 3)  # killed, out of memory, ...
        assert await pool.run(os.getpid) not in {worker, os.getpid()}
        deadline = asyncio.get_running_loop().time() + 10
        while pool.started:  # let go after a quiet spell
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)
        assert await pool.run(abs, -2) == 2  # and started again when needed
    finally:
        await pool.shutdown()
    assert not pool.started


def priority() -> tuple[int, int]:
    """This process's session and niceness (called in the worker)."""
    return os.getsid(0), os.nice(0)


async def test_the_worker_yields_the_cpu_in_a_session_of_its_own() -> None:
    pool = WorkerPool()
    try:
        session, niceness = await pool.run(priority)
    finally:
        await pool.shutdown()
    assert session != os.getsid(0)
    assert niceness >= os.nice(0) + workers.NICENESS or niceness == 19


async def test_charts_drawn_once_per_language(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 residents in three languages, staff and residents viewing, a crash, a late publication."""
    people = []
    for offset, language in enumerate(LANGUAGES):
        start = 300 + 10 * offset
        people += await residents(bot, MOLODEZHNY, range(start, start + 10), language)
    closed = await announce(bot, question="Где поставить остановку?")
    late = await announce(bot, question="Когда открыть клуб?")
    for person, option in zip(people, [0, 1, 2, 0, 0] * 6, strict=True):
        await vote(person, closed, option)
        await vote(person, late, 1 - option % 2)
    submitted = Submitted(monkeypatch)
    services = services_of(bot)
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    kazakh, english = people[0], people[-1]

    assert await polls.close(services, closed.id, STAFF_ID) is not None
    # While the results broadcast draws its charts, staff and residents look at the results.
    await asyncio.gather(
        staff.tap_data(f"v1:pst:res:{closed.id}"),
        kazakh.tap_data(f"v1:poll:res:{closed.id}"),
        english.tap_data(f"v1:poll:res:{closed.id}"),
        staff.tap_data(f"v1:pst:res:{closed.id}"),
    )
    await repo.close(db_of(bot), late.id, utcnow(), STAFF_ID)  # closed, then the bot died
    await bot.restart(crash=True)  # the first broadcast resumes, the second is published now
    await bot.wait_until(lambda: all(photos_to(bot, p.id, late.question) for p in people), PATIENCE)
    await bot.broadcasts_finished(PATIENCE)
    for poll in (closed, late):
        await staff.tap_data(f"v1:pst:res:{poll.id}")
        await kazakh.tap_data(f"v1:poll:res:{poll.id}")
    await bot.restart()
    await staff.tap_data(f"v1:pst:res:{closed.id}")

    for poll in (closed, late):
        assert all(photos_to(bot, p.id, poll.question) >= 1 for p in people)
        assert photos_to(bot, STAFF_ID, poll.question) >= 2
    expected = {(poll.id, language): 1 for poll in (closed, late) for language in LANGUAGES}
    assert submitted.charts_per_poll_and_language() == expected


async def test_an_open_polls_chart_is_never_sent_as_its_final_one(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A chart of the counts so far (a summary of the week, a forged tap) stays theirs."""
    people = await residents(bot, MOLODEZHNY, range(400, 410), "ru")
    poll = await announce(bot)
    await vote(people[0], poll, 0)
    submitted = Submitted(monkeypatch)
    services = services_of(bot)
    charts = polls.chart_folder(services)
    this_week = Week.containing(utcnow(), services.settings.zone)
    region = [Scope(ScopeKind.REGION, "krg")]
    interim = await summary.build(services.db, services.i18n.get("ru"), region, this_week,
                                  tmp_path / "open.xlsx")  # fmt: skip
    (early,) = charts.glob(f"poll-{poll.id}-ru-*.png")  # the summary drew 1 : 0 : 0 there
    assert (tmp_path / f"open-poll-{poll.id}.png").read_bytes() == early.read_bytes()
    assert interim.charts[-1].name == f"open-poll-{poll.id}.png"
    await bot.user(STAFF_ID, "Ерлан", "ru").tap_data(f"v1:pst:res:{poll.id}")  # forged

    for person in people[1:]:
        await vote(person, poll, 2)
    assert await polls.close(services, poll.id, STAFF_ID) is not None
    await bot.broadcasts_finished(PATIENCE)

    (final,) = [path for path in charts.glob(f"poll-{poll.id}-ru-*.png") if path != early]
    sent = uploads(bot, {person.id for person in people})
    assert sent and all(picture == final.read_bytes() for picture in sent)
    assert early.read_bytes() not in sent
    (shown,) = [shown for shown, path in submitted.charts() if path == final]
    assert (shown.bot, shown.paper) == ((1, 0, 9), (0, 0, 0))
    assert shown.values == ("1 (10%)", "0 (0%)", "9 (90%)")


async def test_the_summary_shows_the_result_chart_residents_got(
    bot: Harness, tmp_path: Path
) -> None:
    people = await residents(bot, MOLODEZHNY, range(500, 504), "ru")
    poll: Poll = await announce(bot)
    for person, option in zip(people, (0, 1, 1, 2), strict=True):
        await vote(person, poll, option)
    services = services_of(bot)
    assert await polls.close(services, poll.id, STAFF_ID) is not None
    await bot.broadcasts_finished(PATIENCE)
    charts = polls.chart_folder(services)
    (published,) = charts.glob(f"poll-{poll.id}-ru-*.png")
    week = Week.containing(utcnow(), services.settings.zone)
    region = [Scope(ScopeKind.REGION, "krg")]
    files = await summary.build(services.db, services.i18n.get("ru"), region, week,
                                tmp_path / "w.xlsx")  # fmt: skip
    assert (tmp_path / f"w-poll-{poll.id}.png") in files.charts
    assert (tmp_path / f"w-poll-{poll.id}.png").read_bytes() == published.read_bytes()
    assert list(charts.glob(f"poll-{poll.id}-*.png")) == [published]  # none drawn anew


async def test_summary_files_are_written_by_the_worker(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    submitted = Submitted(monkeypatch)
    coordinator = bot.user(5003, "Дина", "ru")
    await coordinator.send("/summary")
    await coordinator.tap("Прошлая неделя")
    await bot.wait_until(lambda: len(bot.sim.calls_to("sendDocument")) >= 2, within=PATIENCE)
    assert [function for function, _ in submitted.calls] == [write_summary]
    workbook = bot.sim.calls_to("sendDocument")[0]
    assert next(iter(workbook.files.values()))[:2] == b"PK"  # an xlsx is a zip


async def test_a_day_old_chart_of_other_counts_is_removed_when_the_poll_is_drawn_again(
    tmp_path: Path,
) -> None:
    tr = I18n("ru", ZoneInfo("Asia/Almaty")).get("ru")
    first = poll_chart.picture(tr, "Где остановка?", ["У школы", "У клуба"], [1, 0], [0, 0])
    second = poll_chart.picture(tr, "Где остановка?", ["У школы", "У клуба"], [1, 9], [0, 0])
    old = await poll_chart.cached(poll_chart.path_of(tmp_path, 7, "ru", first), first)
    other_poll = poll_chart.path_of(tmp_path, 77, "ru", first)
    await poll_chart.cached(other_poll, first)
    day_ago = time.time() - poll_chart.STALE_AFTER - 60
    for path in (old, other_poll):
        os.utime(path, (day_ago, day_ago))
    new = await poll_chart.cached(poll_chart.path_of(tmp_path, 7, "ru", second), second)
    assert new != old and new.is_file()
    assert not old.exists() and other_poll.exists()  # only the same poll's, in its language
    fresh = poll_chart.path_of(tmp_path, 7, "ru", first)
    assert await poll_chart.cached(fresh, first) == fresh and fresh.is_file()  # drawn again
    assert new.is_file()  # not a day old: kept
