"""One person, one vote, in their own village: each attack of issue 13 (part A), played and failed.

Erase and rejoin, village hopping (within a district and across districts and regions), another
village's link, limits reset by erasing, outsiders answering a hearing, endless extensions.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.appeals import service as appeals
from bot.appeals.deadlines import check_deadlines
from bot.settings import Settings
from bot.simulator import Harness, SimUser
from storage import appeals as appeals_repo
from storage import hearings, people
from storage.db import to_db_time, utcnow
from storage.hearings import NewHearing
from tests.appeal_helpers import file_complaint, latest, staff_member
from tests.conftest import OTHER_STAFF_ID, STAFF_ID, database_settings
from tests.poll_helpers import (
    MOLODEZHNY,
    NURA,
    OSAKAROVKA,
    announce,
    db_of,
    residents,
    services_of,
    stored_votes,
    vote,
)

BEINEU = "mng-beineu-beineu"  # another region
PLACES = "SELECT person_key, village_code, village_moved_at FROM people WHERE id = ?"


@pytest.fixture
def settings(tmp_path: Path, database_kind: str, request: pytest.FixtureRequest) -> Settings:
    """Two appeals a day, so that the limit is quickly reached; no flood guard (tests type fast)."""
    return database_settings(tmp_path, database_kind, request, appeals_per_day=2, flood_updates=0)


async def person_row(bot: Harness, user: SimUser) -> int:
    person = await people.get_by_telegram_id(db_of(bot), user.id)
    assert person is not None
    return person.id


async def move(user: SimUser, village: str) -> None:
    """Open another village's link and confirm the move."""
    await user.send(f"/start v_{village}")
    await user.tap("✅ Да, переехать")


async def village_of(bot: Harness, user: SimUser) -> str | None:
    person = await people.get_by_telegram_id(db_of(bot), user.id)
    assert person is not None
    return person.village_code


async def erase(user: SimUser) -> None:
    await user.send("/deletedata")
    await user.tap("Да, удалить")


# --- erase and rejoin --------------------------------------------------------------------------
async def test_erasing_and_rejoining_gives_no_second_vote(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [7101])
    poll = await announce(bot)
    await vote(ivan, poll, 0)
    row = await person_row(bot, ivan)
    await erase(ivan)
    await ivan.send(f"/start v_{MOLODEZHNY}")  # the village's QR code, as a newcomer would
    assert await person_row(bot, ivan) == row  # the same row, found again by the key
    answer = await ivan.tap_data(f"v1:poll:v:{poll.id}:{1 << 2}")
    assert answer is not None and answer["text"].startswith("Вы уже проголосовали")
    assert await stored_votes(bot, poll) == [(row, 1)]  # one vote, the first
    count = await db_of(bot).fetch_one("SELECT COUNT(*) FROM people")
    assert count is not None and count[0] == 2  # the resident and the staff member, no new row


async def test_erasing_keeps_the_village_and_its_move_limit(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [7102])
    await move(ivan, OSAKAROVKA)
    await erase(ivan)
    await ivan.send(f"/start v_{NURA}")
    assert ivan.last_text.startswith("Ваше село в Qatysu: Осакаровка")  # still bound
    await ivan.tap("✅ Да, переехать")
    assert ivan.last_text.startswith("Вы недавно уже меняли село")
    assert await village_of(bot, ivan) == OSAKAROVKA


async def test_erasing_does_not_reset_the_daily_limit_nor_the_repeat_check(bot: Harness) -> None:
    ivan = bot.user(7103, "Иван", "ru")
    await ivan.send(f"/start v_{OSAKAROVKA}")
    await file_complaint(ivan, "Яма на дороге у моста, опасно ездить")
    await erase(ivan)
    await ivan.send(f"/start v_{OSAKAROVKA}")
    await ivan.send("/complaint")
    await ivan.tap("🛣")
    await ivan.send("Яма на дороге у моста, опасно ездить!")  # the same text
    assert ivan.last_text.startswith("Вы уже отправляли этот текст за последние 24 часа.")
    await ivan.send("/cancel")
    await file_complaint(ivan, "Нет света на улице Абая третий день")
    await erase(ivan)
    await ivan.send(f"/start v_{OSAKAROVKA}")
    await ivan.send("/complaint")
    assert ivan.last_text == "Вы достигли дневного лимита обращений (2). Попробуйте завтра."
    row = await db_of(bot).fetch_one("SELECT COUNT(*) FROM appeals")
    assert row is not None and row[0] == 2  # APPEALS_PER_DAY=2, erasing or not


# --- village hopping ---------------------------------------------------------------------------
async def test_a_move_after_a_poll_opened_gives_no_vote_there(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [7104])
    here = await announce(bot, villages=(MOLODEZHNY,))
    there = await announce(bot, villages=(OSAKAROVKA,), question="Где поставить фонари?")
    await vote(ivan, here, 0)
    await move(ivan, OSAKAROVKA)  # within the district: the first move is free
    assert await village_of(bot, ivan) == OSAKAROVKA
    answer = await ivan.tap_data(f"v1:poll:v:{there.id}:1")
    assert answer is not None and answer["text"].startswith("Вы переехали в это село после начала")
    assert await stored_votes(bot, there) == []


async def test_hopping_back_and_across_districts_and_regions_is_refused(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [7105])
    await move(ivan, OSAKAROVKA)
    for village in (MOLODEZHNY, NURA, BEINEU):  # same district, another district, region
        await move(ivan, village)
        assert ivan.last_text.startswith("Вы недавно уже меняли село"), village
        assert await village_of(bot, ivan) == OSAKAROVKA
    # After VILLAGE_CHANGE_DAYS the next move is the resident's own again.
    moved = to_db_time(utcnow() - timedelta(days=31))
    await db_of(bot).execute_write(
        "UPDATE people SET village_moved_at = ? WHERE id = ?", (moved, await person_row(bot, ivan))
    )
    await move(ivan, NURA)
    assert await village_of(bot, ivan) == NURA


async def test_a_poll_of_two_villages_counts_a_mover_once(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [7106])
    poll = await announce(bot, villages=(MOLODEZHNY, OSAKAROVKA), may_change=True)
    await vote(ivan, poll, 0)
    await move(ivan, OSAKAROVKA)
    answer = await ivan.tap_data(f"v1:poll:v:{poll.id}:2")
    assert answer is not None and answer["text"].startswith("Вы переехали в это село после начала")
    row = await person_row(bot, ivan)
    assert await stored_votes(bot, poll) == [(row, 1)]
    votes = await db_of(bot).fetch_all("SELECT village_code FROM poll_votes")
    assert [v[0] for v in votes] == [MOLODEZHNY]


async def test_someone_joining_after_a_poll_opened_may_vote(bot: Harness) -> None:
    poll = await announce(bot)
    (dana,) = await residents(bot, MOLODEZHNY, [7107])
    answer = await dana.tap_data(f"v1:poll:v:{poll.id}:1")
    assert answer is not None and answer["text"] == "✅ Ваш голос учтён."


async def test_a_move_before_the_poll_opened_votes_there(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [7108])
    await move(ivan, OSAKAROVKA)
    earlier = to_db_time(utcnow() - timedelta(minutes=1))  # times are stored to the second
    await db_of(bot).execute_write(
        "UPDATE people SET village_moved_at = ?, village_set_at = ? WHERE id = ?",
        (earlier, earlier, await person_row(bot, ivan)),
    )
    poll = await announce(bot, villages=(OSAKAROVKA,))
    answer = await ivan.tap_data(f"v1:poll:v:{poll.id}:1")
    assert answer is not None and answer["text"] == "✅ Ваш голос учтён."


# --- another village's link --------------------------------------------------------------------
async def test_another_villages_link_asks_first_and_changes_nothing_on_no(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [7109])
    await ivan.send(f"/start v_{NURA}")  # a link posted in a village chat
    assert ivan.last_text.startswith("Ваше село в Qatysu: Молодежный")
    assert "Новое село: Нура" in ivan.last_text
    assert ivan.button_labels() == ["✅ Да, переехать", "✖ Нет, остаюсь"]
    assert await village_of(bot, ivan) == MOLODEZHNY  # nothing moved before the answer
    await ivan.tap("✖ Нет, остаюсь")
    assert ivan.last_text == "Ничего не изменилось: ваше село — Молодежный."
    assert await village_of(bot, ivan) == MOLODEZHNY


async def test_the_own_villages_link_changes_nothing(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [7110])
    await ivan.send(f"/start v_{MOLODEZHNY}")
    assert "Ваше село: Молодежный" in ivan.last_text
    row = await db_of(bot).fetch_one(PLACES, (await person_row(bot, ivan),))
    assert row is not None and row["village_moved_at"] is None


async def test_a_move_asked_in_kazakh_and_english(bot: Harness) -> None:
    (aigerim,) = await residents(bot, MOLODEZHNY, [7111], "kk")
    await aigerim.send(f"/start v_{OSAKAROVKA}")
    assert aigerim.last_text.startswith("Qatysu-дағы ауылыңыз: Молодежный")
    assert aigerim.button_labels()[0] == "✅ Иә, көшемін"
    (john,) = await residents(bot, MOLODEZHNY, [7112], "en")
    await john.send(f"/start v_{OSAKAROVKA}")
    assert john.last_text.startswith("Your village in Qatysu: Molodezhny")
    assert john.button_labels()[1] == "✖ No, I'll stay"


# --- staff confirm a move that came too soon ---------------------------------------------------
async def test_staff_of_the_new_village_confirm_a_move_scope_checked(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    other = await staff_member(bot, OTHER_STAFF_ID, "Айбек", "ru")
    (ivan,) = await residents(bot, NURA, [7113])
    await move(ivan, OSAKAROVKA)
    await move(ivan, MOLODEZHNY)
    assert ivan.last_text.startswith("Вы недавно уже меняли село")
    await ivan.tap("📨 Попросить акимат подтвердить")
    assert ivan.last_text.startswith("📨 Запрос отправлен сотрудникам акимата (Молодежный)")
    assert staff.last_text.startswith("🏠 Запрос на переезд: R7113 просит сменить село Осакаровка")
    request = await people.pending_move(db_of(bot), await person_row(bot, ivan))
    assert request is not None
    for forger in (other, ivan):  # staff of another region; the resident himself
        answer = await forger.tap_data(f"v1:vil:ok:{request.id}")
        assert answer is not None and answer["text"].startswith("Извините"), answer
    assert await village_of(bot, ivan) == OSAKAROVKA
    await staff.tap("✅ Подтвердить")
    assert staff.last_text == "✅ Переезд в село Молодежный подтверждён; житель уведомлён."
    assert ivan.last_text == "✅ Акимат подтвердил переезд: ваше село теперь — Молодежный."
    assert await village_of(bot, ivan) == MOLODEZHNY
    answer = await staff.tap_data(f"v1:vil:no:{request.id}")  # a second decision
    assert answer is not None and answer["text"] == "По этому запросу уже принято решение."
    assert await village_of(bot, ivan) == MOLODEZHNY


async def test_staff_refuse_a_move(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    (ivan,) = await residents(bot, NURA, [7114])
    await move(ivan, OSAKAROVKA)
    await move(ivan, MOLODEZHNY)
    await ivan.tap("📨 Попросить акимат подтвердить")
    await staff.tap("✖ Отказать")
    assert ivan.last_text.startswith("Акимат не подтвердил переезд в село Молодежный")
    assert await village_of(bot, ivan) == OSAKAROVKA


async def test_no_staff_to_ask_is_said(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [7115])
    await move(ivan, OSAKAROVKA)
    await move(ivan, NURA)  # no akimat staff of Nura in Qatysu
    await ivan.tap("📨 Попросить акимат подтвердить")
    assert ivan.last_text.startswith("Акимат (Нура) ещё не подключён к Qatysu")


# --- hearings: only residents of its villages and staff of the area ---------------------------
async def make_hearing(bot: Harness) -> int:
    new = NewHearing(
        topic="Бюджет села 2027", starts_at=utcnow() + timedelta(days=2), place="Дом культуры",
        agenda="1. Дороги", village_codes=(MOLODEZHNY,), created_by=STAFF_ID,
    )  # fmt: skip
    return (await hearings.create(db_of(bot), new)).id


async def test_an_outsider_cannot_say_i_will_come_nor_ask(bot: Harness) -> None:
    hearing_id = await make_hearing(bot)
    (outsider,) = await residents(bot, BEINEU, [7116])
    await outsider.send(f"/start h_{hearing_id}")  # a shared link
    answer = await outsider.tap("✋ Приду")
    assert answer is not None
    assert answer["text"].startswith("Отвечать на эти слушания и задавать вопросы могут только")
    assert "Молодежный" in answer["text"]
    answer = await outsider.tap("❓ Задать вопрос")
    assert answer is not None and answer["text"].startswith("Отвечать на эти слушания")
    await outsider.send("Почему не ремонтируют дорогу у школы?")
    assert await hearings.rsvp_count(db_of(bot), hearing_id) == 0
    assert await hearings.question_count(db_of(bot), hearing_id) == 0


async def test_residents_and_staff_of_the_area_answer_a_hearing(bot: Harness) -> None:
    hearing_id = await make_hearing(bot)
    (ivan,) = await residents(bot, MOLODEZHNY, [7117])
    await ivan.send(f"/start h_{hearing_id}")
    answer = await ivan.tap("✋ Приду")
    assert answer is not None and answer["text"].startswith("✅")
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    await staff.send(f"/start h_{hearing_id}")
    answer = await staff.tap("✋ Приду")
    assert answer is not None and answer["text"].startswith("✅")
    other = await staff_member(bot, OTHER_STAFF_ID, "Айбек", "ru")  # staff of another region
    await other.send(f"/start h_{hearing_id}")
    answer = await other.tap("✋ Приду")
    assert answer is not None and answer["text"].startswith("Отвечать на эти слушания")
    assert await hearings.rsvp_count(db_of(bot), hearing_id) == 2


async def test_a_resident_who_moved_away_can_take_back_but_not_answer_again(bot: Harness) -> None:
    hearing_id = await make_hearing(bot)
    (ivan,) = await residents(bot, MOLODEZHNY, [7118])
    await ivan.send(f"/start h_{hearing_id}")
    card = ivan.messages[-1]
    await ivan.tap("✋ Приду")
    await move(ivan, NURA)
    answer = await ivan.tap_data(f"v1:hr:go:{hearing_id}", card)  # taking it back is free
    assert answer is not None and answer["text"].startswith("Ваш ответ отменён")
    assert await hearings.rsvp_count(db_of(bot), hearing_id) == 0
    answer = await ivan.tap_data(f"v1:hr:go:{hearing_id}", card)
    assert answer is not None and answer["text"].startswith("Отвечать на эти слушания")
    assert await hearings.rsvp_count(db_of(bot), hearing_id) == 0


# --- deadline extensions -----------------------------------------------------------------------
async def test_extensions_are_bounded_and_the_item_still_escalates(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = bot.user(7119, "Иван", "ru")
    await ivan.send(f"/start v_{OSAKAROVKA}")
    await file_complaint(ivan, "Яма на дороге у моста, опасно ездить")
    appeal = await latest(bot)
    await staff.tap("📂 Открыть")
    await staff.tap("⏳ Продлить срок")
    offered = [label.split()[0] for label in staff.button_labels() if label.startswith("+")]
    assert offered == ["+5", "+10"]  # +15 would pass MAX_EXTENSION_WORKDAYS (10)
    await staff.tap("+10")
    await staff.send("Ждём подрядчика")
    assert ivan.last_text.endswith("Ждём подрядчика")  # the resident is told the reason
    extended = await appeals_repo.get(db_of(bot), appeal.id)
    assert extended is not None and extended.extensions == 1 and extended.extended_days == 10
    await staff.tap("📂 Открыть")
    answer = await staff.tap("⏳ Продлить срок")
    assert answer is not None and answer["text"].startswith(f"#{appeal.number} больше нельзя")
    for days in (5, 10, 15):  # forged taps of the extension buttons
        answer = await staff.tap_data(f"v1:inb:extd:{appeal.id}:{days}")
        assert answer is not None and "больше нельзя продлить" in answer["text"]
    again = await appeals_repo.get(db_of(bot), appeal.id)
    assert again is not None and again.due_on == extended.due_on
    services = services_of(bot)
    assert await appeals.extend(services, bot.app.bot, again, STAFF_ID, 5, "ещё") is None
    # The final due date passes: the item escalates as any other.
    after = utcnow().replace(hour=4) + timedelta(days=(extended.due_on - utcnow().date()).days + 1)
    result = await check_deadlines(services, bot.app.bot, after)
    assert result.overdue == 1
    history = await appeals_repo.history(db_of(bot), appeal.id)
    assert [e.action for e in history][-2:] == ["extended", "escalated"]
