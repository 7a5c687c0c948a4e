"""Deadlines: 15 working days, reminders before, escalation after, each notice once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.appeals import service as appeals
from bot.appeals.deadlines import check_deadlines
from bot.appeals.workdays import WorkCalendar
from bot.settings import SettingsError, load_settings
from bot.simulator import Harness
from storage import appeals as repo
from storage import people
from storage import roles as roles_repo
from storage.appeals import Appeal
from storage.models import Role, Scope, ScopeKind
from tests.appeal_helpers import file_complaint, latest, resident, services, staff_member
from tests.conftest import STAFF_ID

VILLAGE_STAFF_ID = 6001
REGION_STAFF_ID = 6002


def test_a_deadline_skips_weekends() -> None:
    calendar = WorkCalendar()
    friday = date(2026, 11, 27)
    assert calendar.add_working_days(friday, 1) == date(2026, 11, 30)  # Monday
    assert calendar.add_working_days(friday, 5) == date(2026, 12, 4)


def test_a_deadline_skips_fixed_and_configured_holidays() -> None:
    calendar = WorkCalendar()
    # Filed Tuesday 1 December: Independence Day (Wednesday 16 December) is not counted.
    assert calendar.due_date(date(2026, 12, 1)) == date(2026, 12, 23)
    # Nauryz, 21-23 March, and a configured Kurban ait on 27 May.
    assert calendar.add_working_days(date(2026, 3, 20), 1) == date(2026, 3, 24)
    with_ait = WorkCalendar([date(2026, 5, 27)])
    assert with_ait.add_working_days(date(2026, 5, 26), 1) == date(2026, 5, 28)
    assert WorkCalendar().add_working_days(date(2026, 5, 26), 1) == date(2026, 5, 27)


def test_public_holidays_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_HOLIDAYS", "2026-05-27, 2026-03-09")
    settings = load_settings(_env_file=None)
    assert settings.public_holidays == [date(2026, 5, 27), date(2026, 3, 9)]
    monkeypatch.setenv("PUBLIC_HOLIDAYS", "27.05.2026")
    with pytest.raises(SettingsError, match="PUBLIC_HOLIDAYS is invalid"):
        load_settings(_env_file=None)


async def test_the_due_date_counts_from_the_local_day_of_filing(bot: Harness) -> None:
    await resident(bot, 1102, "Иван", "ru")
    person = await people.get_by_telegram_id(services(bot).db, 1102)
    assert person is not None
    # 20:00 UTC on Thursday 3 December is 01:00 on Friday 4 December in Almaty.
    filed = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    draft = appeals.IntakeDraft(category="roads", text="Яма на дороге у моста, опасно ездить")
    appeal = await appeals.submit(services(bot), bot.app.bot, person, draft, now=filed)
    # From Friday 4 December: 15 working days, skipping weekends and 16 December.
    assert appeal.due_on == date(2026, 12, 28)
    assert appeal.number == "2026-00001"


async def set_due(bot: Harness, appeal_id: int, due: date) -> None:
    await services(bot).db.execute_write(
        "UPDATE appeals SET due_on = ? WHERE id = ?", (due.isoformat(), appeal_id)
    )


def at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC) - timedelta(hours=5)


async def test_staff_hear_of_items_due_within_two_days_once(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    appeal = await latest(bot)
    today = appeals.local_today(services(bot))
    await set_due(bot, appeal.id, today + timedelta(days=2))
    before = len(staff.texts)
    result = await check_deadlines(services(bot), bot.app.bot, at_nine(today))
    assert (result.due_soon, result.overdue) == (1, 0)
    assert staff.last_text.startswith("⏰ Срок ответа истекает в течение 2 дней: 1 обращение")
    assert f"#{appeal.number} · 🛣 Дороги · срок " in staff.last_text
    again = await check_deadlines(services(bot), bot.app.bot, at_nine(today))
    assert (again.due_soon, again.overdue) == (0, 0)
    assert len(staff.texts) == before + 1


async def test_overdue_items_go_up_to_district_staff_once_and_are_marked(bot: Harness) -> None:
    db = services(bot).db
    await roles_repo.grant(
        db, VILLAGE_STAFF_ID, Role.STAFF, Scope(ScopeKind.VILLAGE, "krg-osakarovka-osakarovka"), "t"
    )
    village_staff = await staff_member(bot, VILLAGE_STAFF_ID, "Асель", "kk")
    district_staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    appeal = await latest(bot)
    today = appeals.local_today(services(bot))
    await set_due(bot, appeal.id, today - timedelta(days=1))
    village_before = len(village_staff.texts)
    result = await check_deadlines(services(bot), bot.app.bot, at_nine(today))
    assert result.overdue == 1
    assert district_staff.last_text.startswith("🚨 Просрочено в вашем районе: 1 обращение")
    assert len(village_staff.texts) == village_before  # escalation goes up, not sideways
    events = [e.action for e in await repo.history(db, appeal.id)]
    assert events == ["created", "escalated"]
    sent = len(bot.sim.calls_to("sendMessage"))
    await check_deadlines(services(bot), bot.app.bot, at_nine(today + timedelta(days=1)))
    assert len(bot.sim.calls_to("sendMessage")) == sent  # never twice
    await district_staff.send("/inbox")
    assert "⏰ Просрочено (1)" in district_staff.button_labels()
    await district_staff.tap("⏰ Просрочено (1)")
    overdue = district_staff.button_labels()[0]
    assert overdue.startswith("⚠️") and f"#{appeal.number}" in overdue
    await ivan.send("/my")
    assert "⏰ Просрочено" in ivan.button_labels()[0]


async def test_escalation_goes_to_region_staff_where_a_district_has_none(bot: Harness) -> None:
    db = services(bot).db
    await roles_repo.grant(db, REGION_STAFF_ID, Role.STAFF, Scope(ScopeKind.REGION, "krg"), "t")
    region_staff = await staff_member(bot, REGION_STAFF_ID, "Region", "en")
    dana = await resident(bot, 1103, "Dana", "en", village="krg-nura-nura")
    await file_complaint(dana, "No water in the pump on Lenin street")
    appeal = await latest(bot)
    today = appeals.local_today(services(bot))
    await set_due(bot, appeal.id, today - timedelta(days=3))
    await check_deadlines(services(bot), bot.app.bot, at_nine(today))
    assert region_staff.last_text.startswith("🚨 Overdue in your district: 1 item")


async def test_an_extension_rearms_the_reminders(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    appeal = await latest(bot)
    today = appeals.local_today(services(bot))
    await set_due(bot, appeal.id, today + timedelta(days=1))
    await check_deadlines(services(bot), bot.app.bot, at_nine(today))
    await staff.tap_data(f"v1:inb:extd:{appeal.id}:5")
    await staff.send("Ждём подрядчика")
    extended = await repo.get(services(bot).db, appeal.id)
    assert extended is not None and extended.due_on > today + timedelta(days=5)
    await set_due(bot, appeal.id, today + timedelta(days=2))
    result = await check_deadlines(services(bot), bot.app.bot, at_nine(today))
    assert result.due_soon == 1


async def test_the_check_runs_daily_and_catches_up_soon_after_start(bot: Harness) -> None:
    assert bot.app.job_queue is not None
    jobs = {job.name: job for job in bot.app.job_queue.jobs()}
    daily = jobs["appeal-deadlines"]
    assert daily.next_t is not None
    local = daily.next_t.astimezone(bot.settings.zone)
    assert (local.hour, local.minute) == (9, 0)
    assert "appeal-deadlines-catch-up" in jobs


async def test_a_daily_check_reads_again_only_items_it_has_not_flagged(bot: Harness) -> None:
    db = services(bot).db
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Нет воды в колонке на улице Ленина")
    appeal = await latest(bot)
    today = appeals.local_today(services(bot))
    await set_due(bot, appeal.id, today + timedelta(days=1))
    within = today + timedelta(days=2)

    def ids(found: list[Appeal]) -> list[int]:
        return [item.id for item in found]

    assert ids(await repo.unanswered_due_by(db, within, unflagged_on=today)) == [appeal.id]
    await check_deadlines(services(bot), bot.app.bot, at_nine(today))
    assert await repo.unanswered_due_by(db, within, unflagged_on=today) == []  # flagged
    assert ids(await repo.unanswered_due_by(db, within)) == [appeal.id]  # and still open
    later = today + timedelta(days=3)  # now overdue: a notice of the other kind is due
    found = await repo.unanswered_due_by(db, later + timedelta(days=2), unflagged_on=later)
    assert ids(found) == [appeal.id]
