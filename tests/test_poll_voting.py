"""Voting: one resident, one vote, only in their own village's open polls."""

from __future__ import annotations

import asyncio

import pytest

from bot.simulator import Harness
from storage import people
from storage import polls as repo
from tests.poll_helpers import (
    MOLODEZHNY,
    NURA,
    OSAKAROVKA,
    announce,
    db_of,
    poll_message,
    residents,
    stored_votes,
    vote,
)

pytestmark = pytest.mark.both_databases


async def test_residents_get_the_poll_in_their_language_and_see_their_vote(bot: Harness) -> None:
    (aigerim,) = await residents(bot, MOLODEZHNY, [101], "kk")
    (ivan,) = await residents(bot, MOLODEZHNY, [102], "ru")
    poll = await announce(bot)
    assert aigerim.last_text.startswith("🗳 Әкімдіктің сауалнамасы\n\nЧто ремонтировать")
    assert "Бір нұсқаны басыңыз." in aigerim.last_text
    assert ivan.last_text.startswith("🗳 Опрос акимата\n\n")
    assert ivan.button_labels() == ["1. Дорога до школы", "2. Водопровод", "3. Крыша школы"]

    answer = await ivan.tap("Водопровод")
    assert answer is not None and answer["text"] == "✅ Ваш голос учтён."
    shown = poll_message_text = ivan.messages[-1]["text"]
    assert "✅ Ваш голос: Водопровод" in shown
    assert "Спасибо! Ваш голос учтён, изменить его нельзя." in poll_message_text
    assert "reply_markup" not in ivan.messages[-1]  # a final vote: no more buttons
    answer = await aigerim.tap("Крыша школы")
    assert answer is not None and answer["text"] == "✅ Дауысыңыз есептелді."
    assert "✅ Сіздің дауысыңыз: Крыша школы" in aigerim.last_text
    person = await people.get_by_telegram_id(db_of(bot), 102)
    assert person is not None
    assert (person.id, 0b010) in await stored_votes(bot, poll)


async def test_a_double_tap_gives_one_vote(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [102])
    poll = await announce(bot)
    message = poll_message(ivan, poll)
    first = await ivan.tap_data(f"v1:poll:v:{poll.id}:1", message)
    second = await ivan.tap_data(f"v1:poll:v:{poll.id}:1", message)
    assert first is not None and first["text"] == "✅ Ваш голос учтён."
    assert second is not None and second["text"] == "Ваш голос уже учтён."
    assert len(await stored_votes(bot, poll)) == 1


async def test_concurrent_taps_give_one_vote_each(bot: Harness) -> None:
    voters = await residents(bot, MOLODEZHNY, range(200, 230))
    poll = await announce(bot)
    taps = []
    for person in voters:  # every resident taps three times at once, on different options
        message = poll_message(person, poll)
        taps += [person.tap_data(f"v1:poll:v:{poll.id}:{1 << n}", message) for n in range(3)]
    answers = await asyncio.gather(*taps)
    votes = await stored_votes(bot, poll)
    assert len(votes) == 30
    counted = [a for a in answers if a is not None and a["text"] == "✅ Ваш голос учтён."]
    assert len(counted) == 30  # one counted tap per resident; the others refused politely
    refused = [a for a in answers if a is not None and a.get("show_alert")]
    assert len(refused) == 60
    assert all(a["text"].startswith("Вы уже проголосовали: ") for a in refused)


async def test_a_vote_cannot_change_when_the_poll_says_so(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [102])
    poll = await announce(bot, may_change=False)
    await vote(ivan, poll, 0)
    message = ivan.messages[-1]  # the poll, now showing the vote and no buttons
    answer = await ivan.tap_data(f"v1:poll:v:{poll.id}:2", message)
    assert answer is not None and answer["show_alert"]
    assert answer["text"] == (
        "Вы уже проголосовали: Дорога до школы. В этом опросе голос изменить нельзя."
    )
    assert [choices for _, choices in await stored_votes(bot, poll)] == [0b001]


async def test_a_vote_changes_until_the_close_when_allowed(bot: Harness) -> None:
    (dana,) = await residents(bot, MOLODEZHNY, [103], "en")
    poll = await announce(bot, may_change=True)
    await vote(dana, poll, 0)
    assert "You can change it until voting closes." in dana.last_text
    assert dana.button_labels()[0] == "✅ 1. Дорога до школы"  # the choice is marked
    answer = await dana.tap("Крыша школы")
    assert answer is not None and answer["text"] == "✅ Your vote is changed."
    assert "✅ Your vote: Крыша школы" in dana.last_text
    assert [choices for _, choices in await stored_votes(bot, poll)] == [0b100]


async def test_residents_of_other_villages_cannot_vote_even_with_forged_data(
    bot: Harness,
) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [102])
    (olga,) = await residents(bot, OSAKAROVKA, [104])
    (nurlan,) = await residents(bot, NURA, [105], "kk")
    poll = await announce(bot)
    assert all("Опрос акимата" not in text for text in olga.texts)
    # Ivan forwards the poll: Olga taps its buttons (the same callback data).
    forwarded = poll_message(ivan, poll)
    answer = await olga.tap_data(f"v1:poll:v:{poll.id}:1", forwarded)
    assert answer is not None and answer["show_alert"]
    assert answer["text"] == (
        "Извините, этот опрос только для жителей сёл: Молодежный. "
        "Голосовать можно в опросах своего села."
    )
    answer = await nurlan.tap_data(f"v1:poll:v:{poll.id}:2")
    assert answer is not None and answer["text"].startswith("Кешіріңіз, бұл сауалнама тек")
    # Nonsense and out-of-range data are answered politely too.
    for data in (f"v1:poll:v:{poll.id}:1024", f"v1:poll:v:{poll.id}:8", "v1:poll:v:999:1",
                 f"v1:poll:v:{poll.id}:x", f"v1:poll:v:{poll.id}"):  # fmt: skip
        answer = await ivan.tap_data(data, forwarded)
        assert answer is not None and answer["text"] == "Эта кнопка устарела. Отправьте /start."
    assert await stored_votes(bot, poll) == []


async def test_a_resident_who_moved_village_is_refused(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [102])
    poll = await announce(bot)
    await ivan.send(f"/start v_{OSAKAROVKA}")  # moved to Osakarovka
    await ivan.tap("✅ Да, переехать")
    answer = await vote(ivan, poll, 1)
    assert answer is not None and answer["text"].startswith("Извините, этот опрос только")
    assert await stored_votes(bot, poll) == []


async def test_a_closed_poll_refuses_votes(bot: Harness) -> None:
    (ivan, olga) = await residents(bot, MOLODEZHNY, [102, 104])
    poll = await announce(bot)
    await vote(olga, poll, 0)
    await repo.close(db_of(bot), poll.id, poll.created_at, None)
    answer = await vote(ivan, poll, 1)
    assert answer is not None and answer["text"] == "Этот опрос завершён."
    assert len(await stored_votes(bot, poll)) == 1


async def test_multiple_choice_ticks_options_then_votes_within_the_maximum(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [102])
    poll = await announce(bot, max_choices=2)
    assert "Отметьте не больше 2 вариантов и нажмите «✅ Проголосовать»." in ivan.last_text
    answer = await ivan.tap("✅ Проголосовать")
    assert answer is not None and answer["text"] == "Выберите хотя бы один вариант."
    await ivan.tap("Дорога до школы")
    await ivan.tap("Крыша школы")
    assert ivan.button_labels()[:3] == [
        "☑️ 1. Дорога до школы", "⬜ 2. Водопровод", "☑️ 3. Крыша школы",
    ]  # fmt: skip
    answer = await ivan.tap("Водопровод")
    assert answer is not None and answer["text"] == "Можно выбрать не больше 2 вариантов."
    assert await stored_votes(bot, poll) == []  # ticking stores nothing
    await ivan.tap("✅ Проголосовать")
    assert "✅ Ваш голос: Дорога до школы, Крыша школы" in ivan.last_text
    forged = await ivan.tap_data(f"v1:poll:v:{poll.id}:7")
    assert forged is not None and forged["show_alert"]
    assert [choices for _, choices in await stored_votes(bot, poll)] == [0b101]


async def test_results_right_after_voting_when_the_poll_shows_them(bot: Harness) -> None:
    (ivan, olga) = await residents(bot, MOLODEZHNY, [102, 104])
    poll = await announce(bot, results_early=True)
    await vote(olga, poll, 1)
    await vote(ivan, poll, 1)
    assert "Текущие результаты:\n1. Дорога до школы — 0 (0%)\n2. Водопровод — 2 (100%)" in (
        ivan.last_text
    )
