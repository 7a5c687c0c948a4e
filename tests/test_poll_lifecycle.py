"""A poll's life: created by staff, paper votes, closed on time or early, results, reminder."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.polls import service as polls
from bot.simulator import Harness
from storage import polls as repo
from storage.db import to_db_time, utcnow
from tests.conftest import OTHER_STAFF_ID, STAFF_ID, make_settings, seed
from tests.poll_helpers import (
    MOLODEZHNY,
    NURA,
    OSAKAROVKA,
    announce,
    db_of,
    received,
    residents,
    services_of,
    stored_votes,
    vote,
)


async def test_staff_create_a_poll_step_by_step_and_residents_get_it(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [102])
    (olga,) = await residents(bot, OSAKAROVKA, [104])
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/newpoll")
    assert staff.last_text.startswith("🗳 Новый опрос. Пришлите вопрос")
    await staff.send("x" * 301)
    assert (
        staff.last_text == "Вопрос слишком длинный (символов: 301, максимум: 300). Сократите его."
    )
    await staff.send("Что ремонтировать в первую очередь?")
    await staff.send("Дорога")
    assert staff.last_text.startswith("Вариантов должно быть от 2 до 10")
    await staff.send("Дорога\nводопровод\nВодопровод")
    assert staff.last_text == "Вариант «Водопровод» повторяется."
    await staff.send("Дорога до школы\nВодопровод\n\nКрыша школы")
    await staff.tap("Несколько вариантов")
    await staff.tap("2")
    assert all("Бейнеу" not in label for label in staff.button_labels())
    await staff.tap("Молодежный")
    await staff.tap("Готово ›")
    assert staff.last_text.startswith("Кто может голосовать?")
    await staff.tap("Все жители сёл")
    assert staff.last_text.startswith("Когда завершится голосование?")
    await staff.send("01.01.2020 20:00")
    assert staff.last_text.startswith("Укажите дату и время в будущем")
    await bot.restart(crash=True)  # the dialog survives a crash mid-way
    closing = (utcnow() + timedelta(days=30)).astimezone(services_of(bot).settings.zone)
    await staff.send(closing.strftime("%d.%m.%Y 18:30"))
    assert staff.last_text == "Могут ли жители изменить свой голос до завершения голосования?"
    await staff.tap("Да, могут")
    await staff.tap("Только после завершения")
    assert staff.texts[-2].startswith("🗳 Опрос акимата\n\nЧто ремонтировать в первую очередь?")
    assert staff.last_text.startswith(
        "Отправить этот опрос 1 жителю?\nСёла: Молодежный\n"
        "Каждый житель выбирает до 2 вариантов\nЗавершение: "
    )
    assert staff.last_text.endswith(
        "18:30\nГолос можно изменить до завершения\nИтоги публикуются после завершения\n"
        "Кто голосует: жители сёл"
    )
    await staff.tap("📤 Опубликовать")
    await bot.broadcasts_finished()
    assert "Отметьте не больше 2 вариантов" in ivan.last_text
    assert all("Что ремонтировать" not in text for text in olga.texts)
    (poll,) = await repo.open_polls(db_of(bot))
    assert (poll.options, poll.max_choices, poll.may_change, poll.results_early) == (
        ("Дорога до школы", "Водопровод", "Крыша школы"), 2, True, False,
    )  # fmt: skip
    assert poll.verified_only is False
    assert staff.last_text.startswith("✅ Рассылка завершена. Доставлено: 1 из 1.")
    jobs = {job.name for job in bot.app.job_queue.jobs()}  # type: ignore[union-attr]
    assert {f"poll-close-{poll.id}", f"poll-remind-{poll.id}"} <= jobs


async def test_staff_cannot_choose_villages_outside_their_scope(bot: Harness) -> None:
    resident = bot.user(102, "Иван", "ru")
    await resident.send("/newpoll")
    assert resident.last_text == "Извините, это доступно только сотрудникам акимата."
    staff = bot.user(STAFF_ID, "Ерлан", "en")
    await staff.send("/newpoll")
    await staff.send("Question?")
    await staff.send("Yes\nNo")
    await staff.tap("One option")
    answer = await staff.tap_data("v1:npl:vt:mng-beineu-beineu:0")
    assert answer is not None and answer["text"] == "Sorry, this village is outside your area."


async def close_with_paper_votes(bot: Harness) -> None:
    """Three residents vote 0, 0, 1 of four; staff add paper votes 5, 1, 0; the poll closes."""
    voters = await residents(bot, MOLODEZHNY, [101, 102, 103, 104])
    for language, person in zip(("kk", "ru", "en"), voters, strict=False):
        await person.send("/language")
        await person.tap({"kk": "Қазақша", "ru": "Русский", "en": "English"}[language])
    poll = await announce(bot)
    for person, option in zip(voters, (0, 0, 1), strict=False):
        await vote(person, poll, option)
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/polls")  # staff without a village: their area's polls at once
    await staff.tap("🟢 Что ремонтировать")
    assert "Проголосовали в боте: 3 · голосов на бумаге: 0" in staff.last_text
    await staff.tap("📝 Голоса на бумаге")
    assert staff.last_text.startswith("📝 Протокол голосования на бумаге. Когда было собрание?")
    await staff.tap_data("v1:pst:pday:0", staff.messages[-1])  # today
    await staff.send("Школа")
    await staff.send("6")
    assert staff.last_text.startswith("Голоса на бумаге, село Молодежный, присутствовали 6.")
    await staff.send("5 1")
    assert staff.last_text == "Пришлите 3 целых числа, по одному в строке, в порядке вариантов."
    await staff.send("5\n1\n0")
    assert staff.last_text.startswith("📝 Проверьте протокол перед сохранением")
    await staff.tap("💾 Сохранить")
    assert staff.texts[-2] == "📋 Протокол сохранён: Молодежный. Его голоса учтены в итогах."
    assert "Проголосовали в боте: 3 · голосов на бумаге: 6" in staff.last_text
    await staff.tap("⏹ Завершить сейчас")
    answer = await staff.tap("⏹ Да, завершить")
    assert answer is not None and answer["text"] == "Опрос завершён, итоги отправляются."
    await bot.broadcasts_finished()


async def test_results_with_turnout_and_paper_votes_in_each_language(bot: Harness) -> None:
    await close_with_paper_votes(bot)
    today = services_of(bot).i18n.get("ru").date(utcnow())
    results = {
        user_id: next(
            call.params["caption"]
            for call in bot.sim.calls_to("sendPhoto")
            if call.params["chat_id"] == user_id
        )
        for user_id in (101, 102, 103, 104, STAFF_ID)
    }
    assert results[102] == (
        "📊 Итоги опроса\nЧто ремонтировать в первую очередь?\n\n"
        "1. Дорога до школы — 7 (77,8%), на бумаге: 5\n"
        "2. Водопровод — 2 (22,2%), на бумаге: 1\n"
        "3. Крыша школы — 0 (0%)\n\n"
        "Явка: 3 из 4 жителей (75%)\n"
        "На бумаге: 6 голосов (учтены выше)\n"
        f"📋 Молодежный, собрание {today}, Школа: присутствовали 6"
    )
    assert results[101].startswith("📊 Сауалнама нәтижелері\n")
    assert "Қатысу деңгейі: 4 тұрғыннан 3 адам дауыс берді (75%)" in results[101]
    assert "Қағазбен: 6 дауыс (жоғарыда есептелген)" in results[101]
    assert "1. Дорога до школы — 7 (77.8%), on paper: 5" in results[103]
    assert "Turnout: 3 of 4 residents (75%)" in results[103]
    assert "Что ремонтировать в первую очередь?" in results[STAFF_ID]  # staff get them too
    stored = await repo.results(db_of(bot), (await repo.get(db_of(bot), 1)))  # type: ignore[arg-type]
    assert (stored.bot, stored.paper, stored.voters, stored.registered) == (
        (2, 1, 0), (5, 1, 0), 3, 4,
    )  # fmt: skip


async def test_the_results_chart_is_a_png_per_language(bot: Harness, tmp_path: Path) -> None:
    await close_with_paper_votes(bot)
    charts = services_of(bot).settings.database_path.parent / "charts"
    for language in ("kk", "ru", "en"):
        (chart,) = charts.glob(f"poll-1-{language}-*.png")  # named after what it shows
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert chart.stat().st_size > 5_000
    sent = [c for c in bot.sim.calls_to("sendPhoto") if c.params["chat_id"] == 102]
    assert len(sent) == 1 and sent[0].ok


async def test_a_poll_closes_at_its_time_and_publishes_once(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [102])
    poll = await announce(bot, closes_in=timedelta(seconds=1.5))
    await vote(ivan, poll, 2)
    await bot.wait_until(lambda: received(bot, 102, "Итоги опроса") == 1, within=10)
    current = await repo.get(db_of(bot), poll.id)
    assert current is not None and current.status == "closed"
    assert await polls.close(services_of(bot), poll.id) is None  # a second close does nothing
    await bot.broadcasts_finished()
    assert received(bot, 102, "Итоги опроса") == 1


async def test_a_close_missed_while_down_happens_at_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    async with Harness(settings) as bot:
        (ivan, _olga) = await residents(bot, MOLODEZHNY, [102, 104])
        poll = await announce(bot, closes_in=timedelta(hours=2))
        await vote(ivan, poll, 0)
        await bot.crash()
        db = settings.database()  # while the bot is down, the closing time passes
        await db.open()
        await db.execute_write(
            "UPDATE polls SET closes_at = ? WHERE id = ?",
            (to_db_time(utcnow() - timedelta(minutes=5)), poll.id),
        )
        await db.close()
        await bot.start()
        await bot.wait_until(
            lambda: [received(bot, u, "Итоги опроса") for u in (102, 104)] == [1, 1], within=10
        )
        await bot.broadcasts_finished()  # recorded as sent, so a crash now sends nothing again
        assert "Явка: 1 из 2 жителей (50%)" in ivan.last_text
        await bot.restart(crash=True)
        await bot.broadcasts_finished()
        assert received(bot, 102, "Итоги опроса") == 1  # not published again


async def test_results_lost_in_a_crash_after_closing_are_published_at_start(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    await seed(settings)
    async with Harness(settings) as bot:
        await residents(bot, MOLODEZHNY, [102])
        poll = await announce(bot)
        await repo.close(db_of(bot), poll.id, utcnow(), STAFF_ID)  # closed, then the bot died
        await bot.restart(crash=True)
        await bot.wait_until(lambda: received(bot, 102, "Итоги опроса") == 1, within=10)


async def test_the_reminder_goes_once_and_only_to_non_voters(bot: Harness) -> None:
    (ivan, olga, _dana) = await residents(bot, MOLODEZHNY, [102, 104, 106])
    await residents(bot, NURA, [105])
    poll = await announce(bot)
    await vote(ivan, poll, 0)
    services = services_of(bot)
    assert await polls.remind(services, poll.id) == 2
    assert await polls.remind(services, poll.id) == 0  # claimed: never twice
    await bot.broadcasts_finished()
    reminder = "⏰ Напоминание: вы ещё не проголосовали."
    assert [received(bot, uid, reminder) for uid in (102, 104, 106, 105)] == [0, 1, 1, 0]
    assert olga.last_text.startswith(reminder) and olga.button_labels()[0] == "1. Дорога до школы"
    await vote(olga, poll, 1)  # the reminder's buttons vote too
    assert len(await stored_votes(bot, poll)) == 2


async def test_the_reminder_is_scheduled_before_the_close(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, poll_reminder=timedelta(seconds=2))
    await seed(settings)
    async with Harness(settings) as bot:
        await residents(bot, MOLODEZHNY, [102])
        poll = await announce(bot, closes_in=timedelta(seconds=3.5))  # times are in seconds
        assert poll.reminded is False
        await bot.wait_until(lambda: received(bot, 102, "⏰ Напоминание") == 1, within=5)
        await bot.wait_until(lambda: received(bot, 102, "Итоги опроса") == 1, within=10)
        assert received(bot, 102, "⏰ Напоминание") == 1


async def test_staff_scope_for_paper_votes_and_closing(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, [102])
    poll = await announce(bot, villages=(MOLODEZHNY, OSAKAROVKA))
    outsider = bot.user(OTHER_STAFF_ID, "Айдос", "ru")
    await outsider.send("/start")
    for data in (f"v1:pst:paper:{poll.id}", f"v1:pst:closeok:{poll.id}", f"v1:pst:card:{poll.id}"):
        answer = await outsider.tap_data(data)
        assert (
            answer is not None
            and answer["text"] == "Извините, это село не относится к вашей территории."
        )
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.tap_data(f"v1:pst:paper:{poll.id}")
    assert staff.last_text == "Для какого села ввести голоса на бумаге?"
    answer = await staff.tap_data(f"v1:pst:pv:{poll.id}:{NURA}")
    assert (
        answer is not None
        and answer["text"] == "Извините, это село не относится к вашей территории."
    )
    resident = bot.user(102, "R102", "ru")
    answer = await resident.tap_data(f"v1:pst:closeok:{poll.id}")
    assert answer is not None and "только сотрудникам" in answer["text"]
    current = await repo.get(db_of(bot), poll.id)
    assert current is not None and current.status == "open"


async def test_residents_see_their_polls_with_their_vote_and_closed_results(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [102])
    first = await announce(bot, question="Первый вопрос?")
    await announce(bot, question="Второй вопрос?")
    await announce(bot, question="Чужой вопрос?", villages=(OSAKAROVKA,))
    await vote(ivan, first, 1)
    await polls.close(services_of(bot), first.id, by=STAFF_ID)
    await bot.broadcasts_finished()
    await ivan.send("/polls")
    assert ivan.last_text == "🗳 Опросы села Молодежный:"
    assert ivan.button_labels() == ["🗳 Второй вопрос?", "📊 Первый вопрос?"]
    await ivan.tap("📊 Первый вопрос?")
    assert ivan.last_text.startswith("📊 Итоги опроса\nПервый вопрос?")
    await ivan.send("/polls")
    await ivan.tap("🗳 Второй вопрос?")
    assert ivan.last_text.startswith("🗳 Опрос акимата\n\nВторой вопрос?")
