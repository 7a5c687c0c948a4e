"""Voting within the budget: the running total, the limit, changes, one ballot per person."""

from __future__ import annotations

import asyncio

import pytest

from bot.simulator import Harness, SimUser
from storage.budget import BallotKind, Cycle, Electorate, Phase
from tests.budget_helpers import (
    BOTAKARA,
    DUBOVKA,
    KOKTOBE,
    ZHANAAUL,
    accept_all,
    ballot_message,
    begin,
    bot,
    okrug_staff,
    open_cycle,
    projects,
    propose,
    resident,
    stored_ballots,
    tick_and_vote,
)

pytestmark = pytest.mark.both_databases

__all__ = ["bot"]  # the fixture


async def voting(bot: Harness, costs: tuple[str, ...], **options: object) -> Cycle:
    """A cycle in its voting phase with projects of these costs (proposed by one resident)."""
    await okrug_staff(bot)
    proposer = await resident(bot, 1299, DUBOVKA, "ru")
    cycle = await open_cycle(bot, **options)  # type: ignore[arg-type]
    for number, cost in enumerate(costs, 1):
        await propose(proposer, cycle, f"Проект {number}", cost)
    await accept_all(bot, cycle)
    return await begin(bot, cycle, Phase.VOTING)


def vote_label(person: SimUser, cycle: Cycle) -> str:
    return str(ballot_message(person, cycle)["reply_markup"]["inline_keyboard"][-1][0]["text"])


async def test_a_resident_ticks_projects_and_sees_the_total_against_the_budget(
    bot: Harness,
) -> None:
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    dana = await resident(bot, 1203, ZHANAAUL, "en")
    marat = await resident(bot, 1201, DUBOVKA, "kk")
    cycle = await voting(bot, ("1,2 млн", "3 млн", "900 тыс"))
    assert "1. Проект 1 — 1,2 млн ₸\n2. Проект 2 — 3 млн ₸\n3. Проект 3 — 900 тыс. ₸" in (
        olga.last_text
    )
    assert olga.last_text.endswith("Выбрано: 0 / 5 млн ₸")
    await olga.tap("Проект 1")
    await olga.tap("Проект 2")
    assert olga.last_text.endswith("Выбрано: 4,2 / 5 млн ₸")
    assert vote_label(olga, cycle) == "✅ Голосовать"
    assert olga.button_labels()[:2] == ["☑️ 1. Проект 1 · 1,2 млн ₸", "☑️ 2. Проект 2 · 3 млн ₸"]
    await dana.tap("Проект 2")
    await dana.tap("Проект 3")
    assert dana.last_text.endswith("Chosen: 3.9 / 5 mln ₸")
    await marat.tap("Проект 1")
    assert marat.last_text.endswith("Таңдалды: 1,2 / 5 млн ₸")
    assert await stored_ballots(bot, cycle) == []  # ticks store nothing


async def test_a_ballot_over_the_budget_is_refused(bot: Harness) -> None:
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await voting(bot, ("3 млн", "2,5 млн"))
    await olga.tap("Проект 1")
    answer = await olga.tap("Проект 2")
    assert answer is not None and answer["show_alert"]
    assert answer["text"] == (
        "Не помещается в бюджет: 5,5 / 5 млн ₸. Сначала снимите отметку с другого проекта."
    )
    assert olga.last_text.endswith("Выбрано: 3 / 5 млн ₸")  # the ballot stays as it was
    message = ballot_message(olga, cycle)
    answer = await olga.tap_data(f"v1:bdg:c:{cycle.id}:3", message)  # forged: both projects
    assert answer is not None and answer["text"].startswith("Не помещается в бюджет: 5,5 / 5")
    assert await stored_ballots(bot, cycle) == []


async def test_an_approval_ballot_takes_up_to_k_projects(bot: Harness) -> None:
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await voting(
        bot, ("1 млн", "1 млн", "1 млн"), ballot=BallotKind.APPROVAL, max_choices=2
    )
    assert "Выберите не больше 2 проектов, которые поддерживаете." in olga.last_text
    await olga.tap("Проект 1")
    await olga.tap("Проект 2")
    assert olga.last_text.endswith("Выбрано проектов: 2 из 2")
    answer = await olga.tap("Проект 3")
    assert answer is not None and answer["text"] == "Можно выбрать не больше 2 проектов."
    answer = await olga.tap_data(f"v1:bdg:c:{cycle.id}:7", ballot_message(olga, cycle))
    assert answer is not None and answer["text"] == "Можно выбрать не больше 2 проектов."
    answer = await tick_and_vote(olga, cycle)
    assert answer is not None and answer["text"] == "✅ Ваш бюллетень принят."
    assert [choices for _, choices in await stored_ballots(bot, cycle)] == [0b011]


async def test_a_ballot_changes_until_the_close_and_not_after(bot: Harness) -> None:
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await voting(bot, ("1 млн", "2 млн"))
    answer = await tick_and_vote(olga, cycle, "1")
    assert answer is not None and answer["text"] == "✅ Ваш бюллетень принят."
    assert "✅ Ваш бюллетень: проекты 1" in olga.last_text
    answer = await tick_and_vote(olga, cycle)  # the same again
    assert answer is not None and answer["text"] == "Ваш бюллетень уже такой."
    answer = await tick_and_vote(olga, cycle, "1", "2")  # untick 1, tick 2
    assert answer is not None and answer["text"] == "✅ Ваш бюллетень изменён."
    assert "✅ Ваш бюллетень: проекты 2" in olga.last_text
    assert [choices for _, choices in await stored_ballots(bot, cycle)] == [0b10]
    answer = await tick_and_vote(olga, cycle)
    empty = await olga.tap_data(f"v1:bdg:c:{cycle.id}:0", ballot_message(olga, cycle))
    assert empty is not None and empty["text"] == "Выберите хотя бы один проект."
    await begin(bot, cycle, Phase.RESULTS)
    answer = await olga.tap_data(f"v1:bdg:c:{cycle.id}:1", ballot_message(olga, cycle))
    assert answer is not None and answer["text"] == "Голосование по этому бюджету закрыто."
    assert [choices for _, choices in await stored_ballots(bot, cycle)] == [0b10]


async def test_one_ballot_per_person_whatever_the_taps(bot: Harness) -> None:
    voters = [await resident(bot, 1300 + n, KOKTOBE, "ru") for n in range(20)]
    cycle = await voting(bot, ("1 млн", "1 млн", "1 млн"))
    taps = []
    for person in voters:  # each taps Vote three times at once, with other selections
        message = ballot_message(person, cycle)
        taps += [person.tap_data(f"v1:bdg:c:{cycle.id}:{1 << n}", message) for n in range(3)]
    answers = await asyncio.gather(*taps)
    assert len(await stored_ballots(bot, cycle)) == 20
    first = [a for a in answers if a is not None and a["text"] == "✅ Ваш бюллетень принят."]
    assert len(first) == 20  # the others changed it: one ballot each, as it last stood


async def test_erasing_ones_data_does_not_give_a_second_ballot(bot: Harness) -> None:
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await voting(bot, ("1 млн", "2 млн"))
    await tick_and_vote(olga, cycle, "1")
    (kept,) = await stored_ballots(bot, cycle)
    await olga.send("/deletedata")
    await olga.tap("Да, удалить")
    await olga.send(f"/start v_{KOKTOBE}")
    await olga.send("/budget")
    await olga.tap("Бюджет 2027")
    await olga.tap("🗳 Голосовать")
    assert "✅ Ваш бюллетень: проекты 1" in olga.last_text  # the same person's ballot
    answer = await tick_and_vote(olga, cycle, "1", "2")
    assert answer is not None and answer["text"] == "✅ Ваш бюллетень изменён."
    assert await stored_ballots(bot, cycle) == [(kept[0], 0b10)]


async def test_forged_and_stale_ballots_are_refused_politely(bot: Harness) -> None:
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    beside = await resident(bot, 1204, BOTAKARA, "ru")
    stranger = bot.user(1205, "Гость", "ru")
    await stranger.send("/start")
    cycle = await voting(bot, ("1 млн", "2 млн"))
    forwarded = ballot_message(olga, cycle)
    answer = await beside.tap_data(f"v1:bdg:c:{cycle.id}:1", forwarded)
    assert answer is not None and answer["text"] == (
        "Извините, этот бюджет только для жителей: Дубовский сельский округ (пример)."
    )
    answer = await beside.tap_data(f"v1:bdg:t:{cycle.id}:1", forwarded)
    assert answer is not None and answer["text"].startswith("Извините, этот бюджет только")
    answer = await stranger.tap_data(f"v1:bdg:c:{cycle.id}:1", forwarded)
    assert answer is not None and answer["text"] == "Сначала выберите своё село: /village"
    for data in (f"v1:bdg:c:{cycle.id}:4", f"v1:bdg:t:{cycle.id}:1024", "v1:bdg:c:999:1",
                 f"v1:bdg:c:{cycle.id}:x", f"v1:bdg:c:{cycle.id}", "v1:bdg:t:999:1"):  # fmt: skip
        answer = await olga.tap_data(data, forwarded)
        assert answer is not None and answer["show_alert"], data
        assert answer["text"] == "Эта кнопка устарела. Отправьте /start.", data
    assert await stored_ballots(bot, cycle) == []


async def test_erasing_ones_data_keeps_the_ballot_and_erases_what_one_wrote(bot: Harness) -> None:
    await okrug_staff(bot)
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    cycle = await open_cycle(bot)
    await olga.tap_data(f"v1:bdg:prop:{cycle.id}")
    await olga.send("Освещение у дома 5")
    await olga.send("Темно у моего дома, звоните 87011234567")
    await olga.send("1 млн")
    await olga.send_photo()
    await olga.share_location(50.11111, 73.22222)
    await olga.tap("📤 Отправить")
    await accept_all(bot, cycle)
    cycle = await begin(bot, cycle, Phase.VOTING)
    await tick_and_vote(olga, cycle, "1")
    await olga.send("/mydata")
    assert "Бюджеты участия, в которых вы голосовали (1):\n• Бюджет 2027" in olga.last_text
    assert "Предложенные вами проекты (1; остаются в списке бюджета):\n• №1 Освещение" in (
        olga.last_text
    )
    await olga.send("/deletedata")
    await olga.tap("Да, удалить")
    (project,) = await projects(bot, cycle)
    assert (project.title, project.description, project.photo) == ("Освещение у дома 5", "", None)
    assert (project.latitude, project.longitude) == (None, None)
    assert len(await stored_ballots(bot, cycle)) == 1  # the ballot stays, under the key


async def test_a_budget_of_verified_residents_takes_them_alone_and_says_how_to_join(
    bot: Harness,
) -> None:
    staff = await okrug_staff(bot)
    olga = await resident(bot, 1202, KOKTOBE, "ru")
    ivan = await resident(bot, 1203, KOKTOBE, "ru")
    olga.phone_number = "77011234567"
    await olga.send("/mydata")
    await olga.tap("✅ Подтвердить")
    await olga.press("📱")
    await olga.send("ул. Ленина, 5")
    await staff.send("/verify")
    await staff.tap("✅ Подтвердить")
    cycle = await open_cycle(bot, electorate=Electorate.VERIFIED)
    assert "Участвуют: только подтверждённые жители его сёл." in ivan.last_text
    answer = await ivan.tap_data(f"v1:bdg:prop:{cycle.id}")
    assert answer is not None and answer["text"].startswith(
        "В этом бюджете участвуют только подтверждённые жители"
    )
    assert ivan.last_text.startswith("Чтобы предлагать проекты и голосовать в бюджете")
    assert ivan.button_labels() == ["✅ Подтвердить, что живу здесь"]
    await propose(olga, cycle, "Освещение", "1 млн")
    await accept_all(bot, cycle)
    cycle = await begin(bot, cycle, Phase.VOTING)
    answer = await ivan.tap_data(f"v1:bdg:c:{cycle.id}:1", ballot_message(ivan, cycle))
    assert answer is not None and answer["text"].startswith(
        "В этом бюджете участвуют только подтверждённые жители"
    )
    answer = await tick_and_vote(olga, cycle, "1")
    assert answer is not None and answer["text"] == "✅ Ваш бюллетень принят."
    assert len(await stored_ballots(bot, cycle)) == 1
