"""Staff digests, the staff chat, coordinators' /summary and scheduled summary, restarts."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import callbacks
from bot.context import Services
from bot.reports import data as report_data
from bot.reports import delivery, digest
from bot.reports.week import Week
from bot.settings import load_settings
from bot.simulator import Harness, SimUser
from storage import hearings as hearings_repo
from storage import people, territory
from storage.db import utcnow
from storage.hearings import NewHearing
from tests.conftest import COORDINATOR_ID, OTHER_STAFF_ID, STAFF_ID, make_settings, seed
from tests.report_helpers import SECRET_PHONE, SECRET_TEXT, local, seed_region

MONDAY_0905 = local(2026, 11, 30, 9, 5)  # the digest of 2026-W48 is due
W48 = Week(2026, 48)


def services(bot: Harness) -> Services:
    found = bot.app.bot_data.services
    assert found is not None
    return found


async def tap(bot: Harness, user: SimUser, data: str) -> dict[str, object]:
    """Tap a button whose handler runs in the background; return the answer to the tap."""
    answered = len(bot.sim.calls_to("answerCallbackQuery"))
    await user.tap_data(data)
    await bot.wait_until(lambda: len(bot.sim.calls_to("answerCallbackQuery")) > answered)
    return bot.sim.calls_to("answerCallbackQuery")[answered].params


def texts_to(bot: Harness, chat_id: int) -> list[str]:
    return [str(c.params["text"]) for c in bot.sim.calls_to("sendMessage")
            if int(c.params["chat_id"]) == chat_id]  # fmt: skip


async def osakarovka_names(bot: Harness, language: str) -> tuple[set[str], set[str]]:
    """Names of the villages of Osakarovka District, and of every other village."""
    every = await territory.list_villages(services(bot).db)
    inside = {v.names.get(language) for v in every if v.district_code == "krg-osakarovka"}
    return inside, {v.names.get(language) for v in every} - inside


async def test_staff_get_a_digest_of_only_their_villages(bot: Harness) -> None:
    await seed_region(services(bot).db)
    bot.user(STAFF_ID, "Ерлан", "kk", started=True)
    bot.user(OTHER_STAFF_ID, "Асель", "kk", started=True)
    result = await delivery.send_digests(services(bot), bot.app.bot, MONDAY_0905)
    assert result.sent == 2 and result.failed == 0
    inside, outside = await osakarovka_names(bot, "kk")
    district = "\n".join(texts_to(bot, STAFF_ID))
    assert "23–29 қар." in district and "жаңа шағым" in district
    assert any(f"🏡 {name} (" in district for name in inside)
    assert not any(f"🏡 {name} (" in district for name in outside)
    beineu = "\n".join(texts_to(bot, OTHER_STAFF_ID))
    assert "🏡 Бейнеу (" in beineu or "Бейнеу" in beineu
    assert not any(f"🏡 {name} (" in beineu for name in inside)
    for text in (district, beineu):
        assert SECRET_PHONE not in text and SECRET_TEXT not in text
    last = bot.sim.calls_to("sendMessage")[-1]
    assert "reply_markup" in last.params  # the button to the full workbook


async def test_digest_reads_well_in_each_language(bot: Harness) -> None:
    db = services(bot).db
    await seed_region(db)
    village = await territory.get_village(db, "krg-osakarovka-osakarovka")
    assert village is not None
    hearing = await hearings_repo.create(db, NewHearing(
        topic="Бюджет 2027", starts_at=MONDAY_0905 + timedelta(days=2), place="Клуб",
        agenda="1", village_codes=(village.code,), created_by=STAFF_ID,
    ))  # fmt: skip
    for person_id in (1, 2, 3):
        await hearings_repo.toggle_rsvp(db, hearing.id, person_id)
    data = await report_data.load(db, [village], W48, services(bot).settings.zone)
    figures = data.villages[0]
    figures.complaints, figures.departed = 1, 2  # as the digest should say them
    from storage.reports import AppealTally

    news = [digest.VillageNews(figures, [AppealTally(village.code, "complaint", "water", "new", 1)],
                               [_line(hearing)], [])]  # fmt: skip
    expected = {
        "kk": ["📊 Ауылдарыңыздың апталық шолуы, 2026 ж. 23–29 қар.",
               "🏡 Осакаровка (Осакаров ауданы)", "📨 1 жаңа шағым: Сумен жабдықтау 1",
               "қазіргі мәртебесі: Жаңа 1", "3 адам қатысады", "2 шықты"],
        "ru": ["📊 Сводка по вашим сёлам, 23—29 нояб. 2026 г.",
               "🏡 Осакаровка (Осакаровский район)", "📨 1 новая жалоба: Водоснабжение 1",
               "статус сейчас: Новое 1", "«Бюджет 2027»: придут 3 человека", "выбыло 2"],
        "en": ["📊 Digest of your villages, Nov 23\u2009–\u200929, 2026",
               "🏡 Osakarovka (Osakarovka District)", "📨 1 new complaint: Water supply 1",
               "status now: New 1", "«Бюджет 2027»: 3 will come", "2 left"],
    }  # fmt: skip
    for language, phrases in expected.items():
        text = "\n".join(digest.render(services(bot).i18n.get(language), data, news))
        plain = text.replace("\u202f", " ").replace("\xa0", " ")
        for phrase in phrases:
            assert phrase in plain, (language, phrase, plain)


def _line(hearing: hearings_repo.Hearing) -> object:
    from storage.reports import HearingLine

    return HearingLine(hearing.id, hearing.topic, hearing.starts_at, "scheduled",
                       hearing.village_codes, 3, 0, None, None)  # fmt: skip


def test_long_digests_are_split_between_villages_under_telegrams_limit() -> None:
    blocks = [f"🏡 Village {i}\n" + "x" * 900 for i in range(12)]
    messages = digest.split(["title", *blocks])
    assert len(messages) > 2
    assert all(len(message) <= 4096 for message in messages)
    assert sum(message.count("🏡 Village") for message in messages) == 12
    assert all(message.startswith(("title", "🏡")) for message in messages)


async def test_missed_digest_goes_out_at_start_the_same_day_only(bot: Harness) -> None:
    await seed_region(services(bot).db)
    bot.user(STAFF_ID, "Ерлан", "kk", started=True)
    tuesday = local(2026, 12, 1, 10, 0)
    assert await delivery.catch_up(services(bot), bot.app.bot, tuesday) == []  # a day late
    early = local(2026, 11, 30, 8, 30)  # Monday, before 09:00
    assert await delivery.catch_up(services(bot), bot.app.bot, early) == []
    assert texts_to(bot, STAFF_ID) == []
    results = await delivery.catch_up(services(bot), bot.app.bot, local(2026, 11, 30, 15, 0))
    assert results[0].sent == 1  # the bot was down at 09:00; it is still Monday
    assert texts_to(bot, STAFF_ID) != []


async def test_no_duplicate_digest_after_a_restart(bot: Harness) -> None:
    await seed_region(services(bot).db)
    bot.user(STAFF_ID, "Ерлан", "kk", started=True)
    await delivery.send_digests(services(bot), bot.app.bot, MONDAY_0905)
    sent = len(texts_to(bot, STAFF_ID))
    assert sent >= 1
    await bot.restart(crash=True)
    again = await delivery.send_digests(
        services(bot), bot.app.bot, MONDAY_0905 + timedelta(hours=1)
    )
    assert again.sent == 0 and again.already == 2
    assert len(texts_to(bot, STAFF_ID)) == sent
    rows = await services(bot).db.fetch_all("SELECT * FROM report_deliveries WHERE kind = 'digest'")
    assert len(rows) == 2 and {row["outcome"] for row in rows} == {"sent", "failed"}


async def test_schedules_are_rebuilt_at_start(bot: Harness) -> None:
    jobs = {job.name for job in bot.app.job_queue.jobs()} if bot.app.job_queue else set()
    assert {"staff-digest", "weekly-summary", "reports-catch-up"} <= jobs
    plan = delivery.Schedule.parse("mon,thu 08:30")
    assert plan is not None and plan.ptb_days == (1, 4) and plan.at.hour == 8
    assert delivery.Schedule.parse("off") is None


def test_a_malformed_schedule_stops_start_up_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import SettingsError

    monkeypatch.setenv("DIGEST_SCHEDULE", "monday at nine")
    with pytest.raises(SettingsError, match="DIGEST_SCHEDULE"):
        load_settings(_env_file=None)
    monkeypatch.setenv("DIGEST_SCHEDULE", "Mon,Thu  08:30")
    assert load_settings(_env_file=None).digest_schedule == "mon,thu 08:30"


async def test_staff_chat_gets_one_message_per_village_in_its_own_topic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "GROUP_INTERVAL", 0)
    settings = make_settings(tmp_path, staff_chat_id=-100500)
    await seed(settings)
    async with Harness(settings) as bot:
        bot.sim.add_group(-100500, "Әкімдік", forum=True)
        await seed_region(services(bot).db)
        await delivery.send_digests(services(bot), bot.app.bot, MONDAY_0905)
        posts = [c for c in bot.sim.calls_to("sendMessage") if c.params["chat_id"] == -100500]
        topics = bot.sim.calls_to("createForumTopic")
        assert posts and len(posts) == len(topics)
        assert all(str(c.params["text"]).count("🏡") == 1 for c in posts)
        assert {c.params["message_thread_id"] for c in posts} == set(range(1000, 1000 + len(posts)))
        await bot.restart()
        await delivery.send_digests(services(bot), bot.app.bot, MONDAY_0905 + timedelta(days=7))
        assert len(bot.sim.calls_to("createForumTopic")) == len(topics)  # topics remembered


async def test_coordinator_gets_the_summary_of_a_chosen_week(bot: Harness) -> None:
    await seed_region(services(bot).db)
    coordinator = bot.user(COORDINATOR_ID, "Дина", "ru")
    await coordinator.send("/language")
    await coordinator.tap("Русский")
    await coordinator.send("/summary")
    labels = coordinator.button_labels()
    assert len(labels) == 4 and labels[0].startswith("Эта неделя · ")
    assert labels[2].startswith("2 недели назад · ")
    await coordinator.tap("Прошлая неделя")
    await bot.wait_until(lambda: len(bot.sim.calls_to("sendDocument")) >= 2, within=30)
    workbook, archive = bot.sim.calls_to("sendDocument")[:2]
    last_week = Week.containing(utcnow(), services(bot).settings.zone).shifted(-1)
    week = last_week.label(services(bot).i18n.get("ru"))  # «48-я неделя (23—29 нояб. 2026 г.)»
    assert workbook.params["caption"] == f"📊 Недельная сводка, {week}: Карагандинская область"
    book = load_workbook(io.BytesIO(next(iter(workbook.files.values()))), read_only=True)
    assert book.sheetnames[0] == "Обзор"
    assert archive.files and workbook.files


async def test_summary_is_refused_to_a_resident_and_to_another_region(bot: Harness) -> None:
    resident = bot.user(1001, "Айгерім", "kk")
    await resident.send("/start v_krg-osakarovka-osakarovka")
    await resident.send("/summary")
    assert resident.last_text == "Кешіріңіз, бұл тек үйлестірушілерге арналған."
    week = Week.containing(utcnow(), services(bot).settings.zone)
    answer = await tap(bot, resident, callbacks.build("rep", "sum", week.token, "region", "krg"))
    assert answer["text"] == "Кешіріңіз, бұл тек үйлестірушілерге арналған."
    coordinator = bot.user(COORDINATOR_ID, "Дина", "kk")
    await coordinator.send("/language")
    await coordinator.tap("Қазақша")
    await coordinator.send("/summary")
    assert len(coordinator.button_labels()) == 4
    forged = await tap(bot, coordinator, callbacks.build("rep", "sum", week.token, "region", "mng"))
    assert forged["show_alert"] is True
    assert "құзыретіңізге кірмейді" in str(forged["text"])
    future = await tap(
        bot, coordinator, callbacks.build("rep", "sum", week.shifted(2).token, "region", "krg")
    )
    assert future["show_alert"] is True
    assert bot.sim.calls_to("sendDocument") == []


async def test_scheduled_summary_reaches_each_coordinator_once(bot: Harness) -> None:
    await seed_region(services(bot).db)
    bot.user(COORDINATOR_ID, "Дина", "kk", started=True)
    first = await delivery.send_summaries(services(bot), bot.app.bot, MONDAY_0905)
    assert first.sent == 1
    documents = bot.sim.calls_to("sendDocument")
    assert [c.params["chat_id"] for c in documents] == [COORDINATOR_ID, COORDINATOR_ID]
    assert "48-апта (2026\u202fж. 23–29 қар.)" in str(documents[0].params["caption"])
    assert bot.sim.calls_to("sendMediaGroup")  # the charts
    again = await delivery.send_summaries(services(bot), bot.app.bot, MONDAY_0905)
    assert again.sent == 0 and again.already == 1
    assert len(bot.sim.calls_to("sendDocument")) == 2


async def test_staff_digest_button_sends_the_workbook_of_their_area(bot: Harness) -> None:
    await seed_region(services(bot).db)
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    await staff.send("/language")
    await staff.tap("Қазақша")
    other = bot.user(1001, "Айгерім", "kk")
    await other.send("/start v_krg-osakarovka-osakarovka")
    week = Week.containing(utcnow(), services(bot).settings.zone).shifted(-1)
    await tap(bot, staff, callbacks.build("rep", "area", week.token))
    await bot.wait_until(lambda: bool(bot.sim.calls_to("sendDocument")), within=30)
    document = bot.sim.calls_to("sendDocument")[0]
    book = load_workbook(io.BytesIO(next(iter(document.files.values()))), read_only=True)
    villages = [row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    inside, _ = await osakarovka_names(bot, "kk")
    assert set(villages[:-1]) == inside and villages[-1] == "Барлығы"
    refused = await tap(bot, other, callbacks.build("rep", "area", week.token))
    assert (
        refused is not None
        and refused["text"] == "Кешіріңіз, бұл тек әкімдік қызметкерлеріне арналған."
    )


async def test_resident_rows_carry_no_identity_in_the_digest(bot: Harness) -> None:
    await seed_region(services(bot).db)
    bot.user(STAFF_ID, "Ерлан", "kk", started=True)
    person = await people.get_by_telegram_id(services(bot).db, 880_000_001)
    assert person is not None and person.first_name is not None
    await delivery.send_digests(services(bot), bot.app.bot, MONDAY_0905)
    text = "\n".join(texts_to(bot, STAFF_ID))
    assert person.first_name.split()[0] not in text and "880000001" not in text
