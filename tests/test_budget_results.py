"""Results by the published rule, paper protocols, the assembly's files, implementation updates."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from bot.budget import export, service
from bot.reports import data as report_data
from bot.reports import sections
from bot.reports.period import Period, PeriodKind
from bot.simulator import Harness, SimUser
from storage import budget as repo
from storage import territory
from storage.budget import Cycle, Phase
from storage.db import utcnow
from tests.budget_helpers import (
    DUBOVKA,
    KARAOZEK,
    KOKTOBE,
    accept_all,
    begin,
    bot,
    okrug_staff,
    open_cycle,
    projects,
    propose,
    resident,
    services_of,
    tick_and_vote,
)

__all__ = ["bot"]  # the fixture


async def two_villages(bot: Harness, rule: str) -> tuple[Cycle, SimUser, list[SimUser]]:
    """Dubovka's 6 voters want projects 1 and 2, Koktobe's 4 want 3; each costs half the budget.

    Greedy funds 1 and 2 (6 votes each); Equal Shares gives Koktobe its share: 1 and 3.
    """
    staff = await okrug_staff(bot)
    big = [await resident(bot, 1400 + n, DUBOVKA, "ru") for n in range(6)]
    small = [await resident(bot, 1500 + n, KOKTOBE, "kk") for n in range(4)]
    cycle = await open_cycle(bot, amount=5_000_000, rule=rule)
    for title in ("Дорога", "Водопровод"):
        await propose(big[0], cycle, title, "2,5 млн")
    await propose(small[0], cycle, "Мектеп шатыры", "2,5 млн")
    await accept_all(bot, cycle)
    cycle = await begin(bot, cycle, Phase.VOTING)
    for person in big:
        await tick_and_vote(person, cycle, "1", "2")
    for person in small:
        await tick_and_vote(person, cycle, "3")
    return cycle, staff, big + small


async def test_greedy_funds_by_votes_while_the_money_lasts(bot: Harness) -> None:
    cycle, staff, voters = await two_villages(bot, "greedy")
    cycle = await begin(bot, cycle, Phase.RESULTS)
    assert [p.number for p in await projects(bot, cycle) if p.funded] == [1, 2]
    results = bot.sim.calls_to("sendPhoto")
    caption = next(c.params["caption"] for c in results if c.params["chat_id"] == voters[0].id)
    assert "Профинансировано: 2 проекта на 5 / 5 млн ₸" in caption
    assert "✅ 1. Дорога — 2,5 млн ₸, 6 голосов" in caption
    assert "Не прошли:\n▫️ 3. Мектеп шатыры (4 голоса)" in caption
    kazakh = next(c.params["caption"] for c in results if c.params["chat_id"] == voters[-1].id)
    assert "Қаржыландырылды: 2 жоба, 5 / 5 млн ₸" in kazakh
    assert any(c.params["chat_id"] == staff.id for c in results)  # staff get them too


async def test_equal_shares_gives_the_smaller_village_its_share(bot: Harness) -> None:
    cycle, _, voters = await two_villages(bot, "mes")
    cycle = await begin(bot, cycle, Phase.RESULTS)
    assert sorted(p.number for p in await projects(bot, cycle) if p.funded) == [1, 3]
    assert "метод равных долей" in voters[0].last_text
    assert "✅ 3. Мектеп шатыры — 2,5 млн ₸, 4 голоса" in voters[0].last_text
    # The results are decided once, however often the close is asked for.
    assert not await service.close(services_of(bot), cycle)
    sent = [c for c in bot.sim.calls_to("sendPhoto") if c.params["chat_id"] == voters[0].id]
    assert len(sent) == 1


async def test_paper_protocols_merge_with_the_bot_under_greedy(bot: Harness) -> None:
    staff = await okrug_staff(bot)
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await open_cycle(bot, amount=5_000_000)
    await propose(olga, cycle, "Освещение", "3 млн")
    await propose(olga, cycle, "Площадка", "3 млн")
    await accept_all(bot, cycle)
    cycle = await begin(bot, cycle, Phase.VOTING)
    await tick_and_vote(olga, cycle, "1")  # the bot alone would fund project 1
    await services_of(bot).db.execute_write(
        "UPDATE villages SET population = 40 WHERE code = ?", (KARAOZEK,)
    )
    await staff.tap_data(f"v1:bst:card:{cycle.id}")
    await staff.tap("📝 Бумажный протокол")
    await staff.tap("Караозек")
    assert staff.last_text == "Караозек (пример): сколько жителей было на собрании? (население: 40)"
    await staff.send("45")
    assert staff.last_text.startswith("Присутствовало (45) больше, чем живёт в селе (40)?")
    await staff.send("30")
    await staff.send("5 31")
    assert staff.last_text.startswith(
        "У проекта не может быть больше голосов, чем присутствовавших жителей (30)."
    )
    await staff.send("5 25")
    assert staff.texts[-2].startswith(
        "✅ Протокол села Караозек (пример) сохранён: присутствовало 30"
    )
    # A correction replaces the village's protocol.
    await staff.tap("📝 Бумажный протокол")
    await staff.tap("Караозек")
    await staff.send("30")
    await staff.send("4 26")
    cycle = await begin(bot, cycle, Phase.RESULTS)
    assert [p.number for p in await projects(bot, cycle) if p.funded] == [2]
    assert cycle.results is not None
    assert (cycle.results["voters"], cycle.results["paper_ballots"]) == (1, 30)
    assert "Бюллетеней: 1 в боте, 30 на бумаге" in olga.last_text
    assert "✅ 2. Площадка — 3 млн ₸, 26 голосов" in olga.last_text
    # Once voting closed no protocol is taken.
    answer = await staff.tap_data(f"v1:bst:proto:{cycle.id}")
    assert answer is not None and answer["text"] == "Голосование по этому бюджету закрыто."


async def test_under_equal_shares_each_paper_ballot_is_recorded(bot: Harness) -> None:
    staff = await okrug_staff(bot)
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await open_cycle(bot, amount=5_000_000, rule="mes")
    for title in ("Освещение", "Площадка", "Клуб"):
        await propose(olga, cycle, title, "2,5 млн")
    await accept_all(bot, cycle)
    cycle = await begin(bot, cycle, Phase.VOTING)
    await tick_and_vote(olga, cycle, "1", "2")
    await staff.tap_data(f"v1:bst:proto:{cycle.id}")
    await staff.tap("Караозек")
    await staff.send("2")
    assert staff.last_text.startswith("Метод равных долей учитывает каждый бюллетень")
    await staff.send("3\n3\n1")
    assert staff.last_text.startswith("Бюллетеней больше, чем присутствовавших жителей (2).")
    await staff.send("1 2 3")
    assert staff.last_text.startswith("Один из бюллетеней превышает бюджет")
    await staff.send("3\n9")
    assert staff.last_text.startswith("В каждой строке — номера из 3 проектов бюллетеня")
    await staff.send("3\n3")
    assert staff.texts[-2].startswith("✅ Протокол села Караозек (пример) сохранён")
    cycle = await begin(bot, cycle, Phase.RESULTS)
    # One voter for 1 and 2 in the bot, two papers for 3: each third of the voters buys a share.
    assert sorted(p.number for p in await projects(bot, cycle) if p.funded) == [1, 3]
    assert cycle.results is not None and cycle.results["paper_ballots"] == 2


async def test_the_assembly_gets_a_workbook_and_a_printable_pdf(bot: Harness) -> None:
    cycle, staff, _ = await two_villages(bot, "greedy")
    cycle = await begin(bot, cycle, Phase.RESULTS)
    await staff.tap_data(f"v1:bst:card:{cycle.id}")
    await staff.tap("📥 Excel для собрания")
    await bot.wait_until(lambda: bool(bot.sim.calls_to("sendDocument")))
    folder = export.folder_of(bot.settings.database_path)
    book = load_workbook(folder / f"budget-{cycle.id}-ru.xlsx")
    rows = [list(row) for row in book["Проекты"].iter_rows(values_only=True)]
    assert rows[0][:3] == ["№", "Проект", "Село"]
    assert rows[1] == [1, "Дорога", "Дубовка", 2_500_000, 2_500_000, "✅ принят, 2,5 млн ₸", 6,
                       0, 6, "да"]  # fmt: skip
    assert rows[3][1] == "Мектеп шатыры" and rows[3][-1] == "нет"
    summary = dict(book["Сводка"].iter_rows(values_only=True))
    assert summary["Сумма"] == 5_000_000 and summary["Профинансировано"] == 5_000_000
    await staff.tap("📄 PDF для печати")
    await bot.wait_until(lambda: len(bot.sim.calls_to("sendDocument")) == 2)
    pdf = (folder / f"budget-{cycle.id}.pdf").read_bytes()
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert "Қатысу бюджеті: қорытынды" in pages[0] and "Бюджет участия: итоги" in pages[-1]
    assert "1. Дорога" in pages[-1] and "Мектеп шатыры" in pages[-1]


async def test_implementation_updates_reach_those_who_voted_for_the_project(
    bot: Harness,
) -> None:
    cycle, staff, voters = await two_villages(bot, "greedy")
    cycle = await begin(bot, cycle, Phase.RESULTS)
    road = next(p for p in await projects(bot, cycle) if p.number == 1)
    answer = await staff.tap_data(f"v1:bst:up:{road.id}:started")  # not before implementation
    assert answer is not None and answer["text"] == "Сейчас этот отчёт по проекту добавить нельзя."
    cycle = await begin(bot, cycle, Phase.IMPLEMENTATION)
    await staff.tap_data(f"v1:bst:card:{cycle.id}")
    await staff.tap("🏗 Ход проектов")
    await staff.tap("1. Дорога")
    await staff.tap("🚧 Работы начались")
    await staff.send_photo("Асфальт кладут на улице Мира.")
    assert staff.last_text == "✅ Отправляется тем, кто голосовал за проект."
    await bot.broadcasts_finished()
    told = [c for c in bot.sim.calls_to("sendPhoto") if "Асфальт" in str(c.params.get("caption"))]
    assert sorted(c.params["chat_id"] for c in told) == sorted(p.id for p in voters[:6])
    caption = str(told[0].params["caption"])
    assert caption.startswith(
        "🏗 Проект №1 «Дорога», за который вы голосовали (бюджет «Бюджет 2027»):"
    )
    assert "\n🚧 Работы начались\n\nАсфальт кладут на улице Мира." in caption
    assert not any("Асфальт" in text for text in voters[-1].texts)  # voted for project 3 only
    # The cycle's page shows it; a cancelled project takes no more reports.
    await voters[0].send("/budget")
    await voters[0].tap("Бюджет 2027")
    assert "✅ 1. Дорога — 2,5 млн ₸, 6 голосов · 🚧 Работы начались" in voters[0].last_text
    pipes = next(p for p in await projects(bot, cycle) if p.number == 2)
    await staff.tap_data(f"v1:bst:up:{pipes.id}:cancelled")
    await staff.send("Подрядчик не найден.")
    await bot.broadcasts_finished()
    assert voters[0].last_text.endswith("⛔ Отменён\n\nПодрядчик не найден.")
    stored = await repo.project(services_of(bot).db, pipes.id)
    assert stored is not None and stored.progress_reason == "Подрядчик не найден."
    answer = await staff.tap_data(f"v1:bst:up:{pipes.id}:started")
    assert answer is not None and answer["text"] == "Сейчас этот отчёт по проекту добавить нельзя."
    # The weekly summary of the okrug has a Projects sheet: what was funded, where it stands.
    db = services_of(bot).db
    zone = services_of(bot).settings.zone
    villages = await territory.list_villages(db, okrug_code="krg-bukhar-dubovka-okrug")
    figures = await report_data.load(
        db, villages, Period.containing(PeriodKind.WEEK, utcnow(), zone), zone
    )
    tr = services_of(bot).i18n.get("ru")
    (sheet,) = [t for t in sections.tables(tr, figures) if t.key == "projects"]
    assert sheet.title == "Проекты бюджета участия"
    assert [row[2:6] for row in sheet.rows] == [
        ["1. Дорога", 2_500_000, 6, "Работы начались"],
        ["2. Водопровод", 2_500_000, 6, "Отменён"],
    ]
    assert sheet.rows[0][6] is not None  # the date of the latest report
    elsewhere = await territory.list_villages(db, okrug_code=None, district_code="krg-osakarovka")
    other = await report_data.load(
        db, elsewhere, Period.containing(PeriodKind.WEEK, utcnow(), zone), zone
    )
    assert "projects" not in [t.key for t in sections.tables(tr, other)]


async def test_staff_of_another_area_cannot_touch_the_cycle(bot: Harness) -> None:
    cycle, _, voters = await two_villages(bot, "greedy")
    other = bot.user(5001, "Ерлан", "ru", started=True)  # staff of Osakarovka District
    await other.send("/start")
    road = next(p for p in await projects(bot, cycle) if p.number == 1)
    for data in (f"v1:bst:card:{cycle.id}", f"v1:bst:proto:{cycle.id}", f"v1:bst:acc:{road.id}",
                 f"v1:bst:xlsx:{cycle.id}", f"v1:bst:up:{road.id}:started"):  # fmt: skip
        answer = await other.tap_data(data)
        assert answer is not None and answer["show_alert"], data
        assert answer["text"].startswith("Извините"), data
    answer = await voters[0].tap_data(f"v1:bst:card:{cycle.id}")  # a resident
    assert (
        answer is not None
        and answer["text"] == "Извините, это доступно только сотрудникам акимата."
    )


async def test_results_a_crash_kept_from_going_out_are_sent_at_start(bot: Harness) -> None:
    cycle, _, voters = await two_villages(bot, "greedy")
    tally = await repo.tally(services_of(bot).db, cycle)
    outcome, results = service.results_of(cycle, await projects(bot, cycle), tally)
    assert await repo.close_voting(services_of(bot).db, cycle.id, results, outcome.funded)
    await bot.restart(crash=True)  # as if the bot died between the close and the results
    await bot.wait_until(lambda: "итоги" in voters[0].last_text, within=15)
    await bot.broadcasts_finished()
    assert sum("итоги" in text for text in voters[0].texts) == 1
