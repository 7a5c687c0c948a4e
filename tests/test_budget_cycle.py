"""A budget cycle: opened by staff for their okrug, its phases at their dates, proposals."""

from __future__ import annotations

from datetime import timedelta

from bot.budget import jobs as budget_jobs
from bot.simulator import Harness
from storage import budget as repo
from storage import roles as roles_repo
from storage.budget import Phase
from storage.db import to_db_time, utcnow
from storage.models import Role, Scope, ScopeKind
from tests.budget_helpers import (
    BOTAKARA,
    DUBOVKA,
    KOKTOBE,
    OKRUG,
    OKRUG_VILLAGES,
    VILLAGE_STAFF,
    ZHANAAUL,
    accept_all,
    begin,
    bot,
    okrug_staff,
    open_cycle,
    projects,
    propose,
    resident,
    services_of,
)

__all__ = ["bot"]  # the fixture


async def test_okrug_staff_open_a_budget_by_buttons_and_each_resident_hears_it(
    bot: Harness,
) -> None:
    staff = await okrug_staff(bot)
    marat = await resident(bot, 1201, DUBOVKA, "kk")
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    dana = await resident(bot, 1203, ZHANAAUL, "en")
    beside = await resident(bot, 1204, BOTAKARA, "ru")
    await staff.send("/newbudget")
    assert staff.last_text.startswith("💰 Новый бюджет участия.")
    labels = staff.button_labels()
    assert labels[0] == "🏘 Дубовский сельский округ (пример), все 4 села"
    assert "Ботакара" not in labels  # not of the okrug's staff
    await staff.tap("🏘")
    await staff.send("Бюджет участия 2027")
    await staff.send("5 млн")
    await staff.tap("⚖️ Равные доли")
    await staff.tap("💰 Проекты в пределах бюджета")
    await staff.tap("👥")
    await staff.tap("14 + 7 + 14 + 14")
    preview = staff.texts[-2]
    assert preview.startswith("💰 Бюджет участия: акимат ждёт ваши проекты")
    assert "Правило: метод равных долей." in preview
    assert staff.last_text == "Объявить этот бюджет 3 жителям (4 села)?"
    await staff.tap("📤 Объявить")
    await bot.broadcasts_finished()

    (cycle,) = await repo.in_villages(services_of(bot).db, list(OKRUG_VILLAGES), 5)
    assert (cycle.scope_kind, cycle.scope_code, cycle.amount, cycle.rule) == (
        "okrug", OKRUG, 5_000_000, "mes",
    )  # fmt: skip
    assert set(cycle.village_codes) == set(OKRUG_VILLAGES)
    zone = services_of(bot).settings.zone
    local = [cycle.starts(p).astimezone(zone) for p in (Phase.SCREENING, Phase.VOTING)]
    assert [(t.hour, t.minute) for t in local] == [(20, 0), (20, 0)]
    assert (local[1].date() - local[0].date()).days == 7
    assert marat.last_text.startswith("💰 Қатысу бюджеті: әкімдік сіздің жобаларыңызды күтеді")
    assert "Бюджеті: 5 млн ₸" in marat.last_text
    assert olga.last_text.startswith("💰 Бюджет участия: акимат ждёт")
    assert dana.last_text.startswith("💰 Participatory budget: the akimat asks for your projects")
    assert "Budget: 5 mln ₸" in dana.last_text
    assert dana.button_labels() == ["💡 Propose a project", "📋 The budget's page"]
    assert not any("Бюджет участия" in text for text in beside.texts)
    # The next phase change waits on the job queue, at its date.
    assert bot.app.job_queue is not None
    (job,) = bot.app.job_queue.get_jobs_by_name(f"budget-{cycle.id}")
    assert job.next_t is not None and job.next_t == cycle.screening_at


async def test_staff_open_budgets_only_for_their_own_area(bot: Harness) -> None:
    await roles_repo.grant(services_of(bot).db, VILLAGE_STAFF, Role.STAFF,
                           Scope(ScopeKind.VILLAGE, DUBOVKA), "test")  # fmt: skip
    village_staff = bot.user(VILLAGE_STAFF, "Нурлан", "ru", started=True)
    await village_staff.send("/newbudget")
    assert village_staff.button_labels() == ["Дубовка"]  # one village: not the whole okrug
    answer = await village_staff.tap_data(f"v1:nbg:pl:o:{OKRUG}")
    assert answer is not None and answer["show_alert"]
    assert answer["text"].startswith("Извините")
    ivan = await resident(bot, 1205, DUBOVKA, "ru")
    await ivan.send("/newbudget")
    assert ivan.last_text == "Извините, это доступно только сотрудникам акимата."


async def test_proposals_come_in_their_phase_from_residents_within_the_limit(
    bot: Harness,
) -> None:
    await okrug_staff(bot)
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    beside = await resident(bot, 1204, BOTAKARA, "ru")
    cycle = await open_cycle(bot)
    await olga.tap_data(f"v1:bdg:prop:{cycle.id}")
    assert "Вы можете предложить ещё 3 проекта." in olga.texts[-2]
    await olga.send("Уличное освещение")
    await olga.send("Фонари на улице Абая, темно зимой.")
    await olga.send("сто тысяч")
    assert olga.last_text.startswith("Отправьте сумму в тенге")
    await olga.send("6 млн")
    assert olga.last_text == "Это больше всего бюджета (5 млн ₸). Отправьте меньшую сумму."
    await olga.send("1 200 000")
    await olga.tap("⏭")
    await olga.share_location(50.1, 73.2)
    assert "📍 с местом на карте" in olga.last_text
    await olga.tap("📤 Отправить")
    assert olga.last_text.startswith("✅ Ваше предложение зарегистрировано как проект №1.")
    await propose(olga, cycle, "Детская площадка", "2 млн")
    await propose(olga, cycle, "Ремонт клуба", "800 тыс")
    answer = await olga.tap_data(f"v1:bdg:prop:{cycle.id}")  # a fourth: over the limit
    assert answer is not None
    assert answer["text"] == "Вы уже предложили 3 проекта — больше одному жителю нельзя."
    stored = await projects(bot, cycle)
    assert [(p.number, p.title, p.cost) for p in stored] == [
        (1, "Уличное освещение", 1_200_000), (2, "Детская площадка", 2_000_000),
        (3, "Ремонт клуба", 800_000),
    ]  # fmt: skip
    assert (stored[0].latitude, stored[0].longitude) == (50.1, 73.2)
    answer = await beside.tap_data(f"v1:bdg:prop:{cycle.id}", olga.messages[0])  # forwarded
    assert answer is not None and answer["text"].startswith("Извините, этот бюджет только")
    # Residents see the list.
    await beside.send("/budget")
    assert beside.last_text == "У вашего села пока нет бюджета участия в Qatysu."
    marat = await resident(bot, 1201, DUBOVKA, "kk")
    await marat.send("/budget")
    await marat.tap("Бюджет 2027")
    await marat.tap("📋 Ұсыныстар")
    assert "1. Уличное освещение — 1,2 млн ₸\n    ⏳ әкімдіктің қарауында" in marat.last_text
    # Once screening begins, proposals are closed, whatever the buttons say.
    cycle = await begin(bot, cycle, Phase.SCREENING)
    answer = await marat.tap_data(f"v1:bdg:prop:{cycle.id}")
    assert answer is not None and answer["text"] == "Бұл бюджетке ұсыныстар енді қабылданбайды."


async def test_staff_screen_proposals_and_each_proposer_is_told(bot: Harness) -> None:
    staff = await okrug_staff(bot)
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    marat = await resident(bot, 1201, DUBOVKA, "kk")
    cycle = await open_cycle(bot)
    await propose(olga, cycle, "Уличное освещение", "1 млн")
    await propose(marat, cycle, "Көше жарығы", "900 мың")
    await propose(marat, cycle, "Казино", "2 млн")
    cycle = await begin(bot, cycle, Phase.SCREENING)
    assert "из них не рассмотрено 3" in staff.last_text  # told that proposals closed
    await staff.tap("🛠 Открыть")
    await staff.tap("🔎 Рассмотреть предложения")
    await staff.tap("1. Уличное освещение")
    await staff.tap("✏️ Принять с другой стоимостью")
    await staff.send("1,5 млн")
    assert staff.texts[-1] == "Готово: проект №1 рассмотрен, автору сообщено."
    await staff.tap("🔎 Рассмотреть предложения")
    await staff.tap("2. Көше жарығы")
    await staff.tap("🔗 Объединить")
    await staff.tap("1. Уличное освещение")
    await staff.tap("🔎 Рассмотреть предложения")
    await staff.tap("3. Казино")
    await staff.tap("❌ Отклонить")
    await staff.send("Не относится к полномочиям акимата.")
    await bot.broadcasts_finished()
    assert olga.last_text.startswith(
        "✅ Ваш проект №1 «Уличное освещение» принят к голосованию по бюджету «Бюджет 2027», "
        "стоимость 1,5 млн ₸."
    )
    assert "№2 «Көше жарығы» жобаңыз дәл соны ұсынатын №1 жобамен біріктірілді" in marat.texts[-2]
    assert marat.last_text.endswith("Әкімдіктің себебі: Не относится к полномочиям акимата.")
    stored = {p.number: p for p in await projects(bot, cycle)}
    assert (stored[1].status, stored[1].final_cost) == ("accepted", 1_500_000)
    assert (stored[2].status, stored[2].merged_into) == ("merged", stored[1].id)
    assert (stored[3].status, stored[3].reason) == (
        "rejected",
        "Не относится к полномочиям акимата.",
    )
    # The reason is published on the list.
    await olga.tap_data(f"v1:bdg:list:{cycle.id}:0")
    assert "❌ не вынесен на голосование: Не относится к полномочиям акимата." in olga.last_text
    # A decision is taken once; after voting begins nothing is screened.
    answer = await staff.tap_data(f"v1:bst:acc:{stored[3].id}")
    assert answer is not None and answer["text"] == "Это предложение уже рассмотрено."
    cycle = await begin(bot, cycle, Phase.VOTING)
    late = await repo.project(services_of(bot).db, stored[1].id)
    assert late is not None and late.position == 0
    answer = await staff.tap_data(f"v1:bst:acc:{stored[1].id}")
    assert answer is not None and answer["text"] == "Рассмотрение окончено: началось голосование."


async def test_screening_ends_when_voting_begins(bot: Harness) -> None:
    staff = await okrug_staff(bot)
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await open_cycle(bot)
    await propose(olga, cycle, "Освещение", "1 млн")
    await propose(olga, cycle, "Площадка", "2 млн")
    first, second = await projects(bot, cycle)
    await staff.tap_data(f"v1:bst:acc:{first.id}")
    cycle = await begin(bot, cycle, Phase.VOTING)
    answer = await staff.tap_data(f"v1:bst:acc:{second.id}")
    assert answer is not None and answer["text"] == "Рассмотрение окончено: началось голосование."
    ballot = olga.last_text
    assert "1. Освещение — 1 млн ₸" in ballot and "Площадка" not in ballot  # not screened: left out


async def test_a_cycle_with_nothing_accepted_is_cancelled_and_its_author_told(
    bot: Harness,
) -> None:
    staff = await okrug_staff(bot)
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await open_cycle(bot)
    await propose(olga, cycle, "Освещение", "1 млн")
    cycle = await begin(bot, cycle, Phase.VOTING)
    assert cycle.phase is Phase.CANCELLED
    assert staff.last_text.startswith("💰 Голосование по бюджету «Бюджет 2027» не открылось")
    assert not any(text.startswith("🗳 Бюджет участия: голосование") for text in olga.texts)


async def test_the_next_phase_begins_at_its_time_through_the_job_queue(bot: Harness) -> None:
    staff = await okrug_staff(bot)
    cycle = await open_cycle(bot)
    soon = utcnow() + timedelta(seconds=1)
    await services_of(bot).db.execute_write(
        "UPDATE budget_cycles SET screening_at = ? WHERE id = ?", (to_db_time(soon), cycle.id)
    )
    stored = await repo.get(services_of(bot).db, cycle.id)
    assert stored is not None and bot.app.job_queue is not None
    budget_jobs.schedule(bot.app.job_queue, stored)
    await bot.wait_until(lambda: staff.last_text.startswith("💰 Приём предложений"))
    changed = await repo.get(services_of(bot).db, cycle.id)
    assert changed is not None and changed.phase is Phase.SCREENING
    (job,) = bot.app.job_queue.get_jobs_by_name(f"budget-{cycle.id}")
    assert job.next_t == changed.voting_at  # and the one after is waiting


async def test_a_phase_change_missed_while_the_bot_was_down_happens_at_start(
    bot: Harness,
) -> None:
    await okrug_staff(bot)
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await open_cycle(bot)
    await propose(olga, cycle, "Освещение", "1 млн")
    await accept_all(bot, cycle)
    await bot.stop()
    db = bot.settings.database()
    await db.open()
    now = utcnow()
    await db.execute_write(
        "UPDATE budget_cycles SET opened_at = ?, screening_at = ?, voting_at = ? WHERE id = ?",
        (to_db_time(now - timedelta(hours=3)), to_db_time(now - timedelta(hours=2)),
         to_db_time(now - timedelta(hours=1)), cycle.id),
    )  # fmt: skip
    await db.close()
    await bot.start()
    await bot.wait_until(lambda: olga.last_text.startswith("🗳 Бюджет участия: голосование"))
    stored = await repo.get(services_of(bot).db, cycle.id)
    assert stored is not None and stored.phase is Phase.VOTING
