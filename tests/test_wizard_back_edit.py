"""Back on every step and Edit at the preview of the staff's wizards (issue 18 item 2)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.simulator import Harness, SimUser
from storage import hearings
from storage import polls as polls_repo
from storage.db import utcnow
from tests.conftest import STAFF_ID, make_settings
from tests.hearing_helpers import ALMATY
from tests.poll_helpers import MOLODEZHNY, db_of, residents

BACK, KEEP = "« Назад", "⏭ Оставить как есть"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Staff walk a whole wizard back and forth in a second: the flood guard (for people) is off."""
    return make_settings(tmp_path, flood_updates=0)


def now_line(person: SimUser) -> str:
    """The "Now: …" line of the step just asked ('' when the field is empty)."""
    lines = [line for line in person.last_text.splitlines() if line.startswith("Сейчас: ")]
    return lines[-1].removeprefix("Сейчас: ") if lines else ""


async def start_hearing(bot: Harness) -> tuple[SimUser, str]:
    """Staff at the place step of /newhearing (topic, tomorrow, 18:00 entered)."""
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    tomorrow = f"{utcnow().astimezone(ALMATY) + timedelta(days=1):%Y%m%d}"
    await staff.send("/newhearing")
    await staff.send("Благоустройство парка")
    await staff.tap_data(f"v1:hn:day:{tomorrow}")
    await staff.tap("18:00")
    return staff, tomorrow


async def test_hearing_back_on_every_step_keeps_every_field(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    staff, _ = await start_hearing(bot)
    await staff.send("Дом культуры")
    await staff.tap_data("v1:hn:nopin")
    await staff.send("1. Парк")
    await staff.tap("Молодежный")
    await staff.tap("Готово ›")
    assert "Так это увидят жители" in staff.last_text
    # Back from the preview, step by step, to the topic: every field shown as it was.
    await staff.tap(BACK)
    assert staff.last_text.startswith("Выберите сёла (выбрано: 1 село)")
    await staff.tap(BACK)
    assert now_line(staff) == "1. Парк"
    await staff.tap(BACK)
    assert staff.last_text.startswith("Отправьте точку на карте")  # the pin: none dropped
    await staff.send("назад")  # typed, as a types-only person would
    assert now_line(staff) == "Дом культуры"
    await staff.tap(BACK)
    assert "18:00" in now_line(staff)
    await staff.tap(BACK)
    assert now_line(staff)  # the day
    await staff.tap(BACK)
    assert now_line(staff) == "Благоустройство парка"
    assert BACK not in staff.button_labels()  # the first step of /newhearing
    # Forward again without retyping: the topic changes, everything else is kept.
    await staff.send("Благоустройство сквера")
    for _ in range(3):  # the day, the time, the place
        await staff.tap(KEEP)
    await staff.tap_data("v1:hn:nopin")
    await staff.tap(KEEP)  # the agenda
    await staff.tap("Готово ›")
    await staff.tap("📤 Отправить")
    await bot.broadcasts_finished()
    row = await db_of(bot).fetch_one("SELECT MAX(id) FROM hearings")
    assert row is not None
    stored = await hearings.get(db_of(bot), row[0])
    assert stored is not None
    assert (stored.topic, stored.place, stored.agenda) == (
        "Благоустройство сквера", "Дом культуры", "1. Парк",
    )  # fmt: skip
    assert stored.starts_at.astimezone(ALMATY).hour == 18
    assert stored.village_codes == (MOLODEZHNY,)


async def test_hearing_edit_at_the_preview_asks_one_field(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    staff, _ = await start_hearing(bot)
    await staff.send("Дом культуры")
    await staff.tap_data("v1:hn:nopin")
    await staff.send("1. Парк")
    await staff.tap("Молодежный")
    await staff.tap("Готово ›")
    await staff.tap("✏️ Место")
    assert now_line(staff) == "Дом культуры"
    await staff.send("Школа №2")
    await staff.tap_data("v1:hn:nopin")  # the place's pin, then the preview again
    assert "Так это увидят жители" in staff.last_text
    card = staff.texts[-2]
    assert "Школа №2" in card and "Благоустройство парка" in card and "18:00" in card
    await staff.tap("✏️ Повестка")
    await staff.tap(BACK)  # Back while editing: the preview, unchanged
    assert "Так это увидят жители" in staff.last_text
    assert "1. Парк" in staff.texts[-2]
    await staff.tap("📤 Отправить")
    await bot.broadcasts_finished()
    assert "Школа №2" in bot.user(101, "R101", "ru").last_text


async def make_poll_to_preview(staff: SimUser) -> None:
    await staff.send("/newpoll")
    await staff.send("Что чинить первым?")
    await staff.send("Дорога\nВодопровод\nКрыша школы")
    await staff.tap_data("v1:npl:kind:1")
    await staff.tap("Молодежный")
    await staff.tap("Готово ›")
    await staff.tap_data("v1:npl:who:0")
    await staff.tap_data("v1:npl:in:3")
    await staff.tap_data("v1:npl:chg:0")
    await staff.tap_data("v1:npl:show:0")


async def test_poll_back_on_every_step_and_keep_forward(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await make_poll_to_preview(staff)
    preview = staff.last_text
    seen = []
    for _ in range(7):  # show, change, closing, who, villages, kind, options
        await staff.tap(BACK)
        seen.append(staff.last_text.split("\n", 1)[0])
    assert staff.last_text.endswith("Сейчас: Дорога\nВодопровод\nКрыша школы")
    await staff.tap(BACK)
    assert now_line(staff) == "Что чинить первым?"
    assert len(set(seen)) == 7  # a different step each time
    await staff.send("Что чинить в первую очередь?")
    await staff.tap(KEEP)  # options
    await staff.tap(KEEP)  # one choice
    await staff.tap("Готово ›")
    for _ in range(4):  # who, closing, change, show
        await staff.tap(KEEP)
    assert staff.last_text == preview
    await staff.tap("📤 Опубликовать")
    await bot.broadcasts_finished()
    row = await db_of(bot).fetch_one("SELECT MAX(id) FROM polls")
    assert row is not None
    poll = await polls_repo.get(db_of(bot), row[0])
    assert poll is not None
    assert poll.question == "Что чинить в первую очередь?"
    assert poll.options == ("Дорога", "Водопровод", "Крыша школы")
    assert poll.village_codes == (MOLODEZHNY,)


async def test_poll_edit_at_the_preview_keeps_the_other_fields(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await make_poll_to_preview(staff)
    closing = [line for line in staff.last_text.splitlines() if "Голосование до" in line]
    await staff.tap("✏️ Варианты")
    await staff.send("Дорога\nВодопровод")
    summary = staff.last_text
    assert [line for line in summary.splitlines() if "Голосование до" in line] == closing
    assert "Водопровод" in staff.texts[-2] and "Крыша школы" not in staff.texts[-2]
    await staff.tap("✏️ Окончание")
    await staff.tap_data("v1:npl:in:7")
    assert "Что чинить первым?" in staff.texts[-2]
    await staff.tap("📤 Опубликовать")
    await bot.broadcasts_finished()
    row = await db_of(bot).fetch_one("SELECT MAX(id) FROM polls")
    assert row is not None
    poll = await polls_repo.get(db_of(bot), row[0])
    assert poll is not None
    assert poll.options == ("Дорога", "Водопровод")
    assert poll.closes_at - utcnow() > timedelta(days=6)


async def test_notice_back_and_edit_keep_the_other_fields(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/broadcast")
    await staff.send("Завтра не будет воды.")
    await staff.tap("Молодежный")
    await staff.tap(BACK)  # the villages' Back: the text again
    assert now_line(staff) == "Завтра не будет воды."
    await staff.tap(KEEP)
    assert staff.last_text.startswith("Выберите сёла (выбрано: 1 село)")
    await staff.tap("Готово ›")
    await staff.tap("✏️ Текст или файл")
    await staff.send("Завтра с 10:00 не будет воды.")
    assert staff.last_text.startswith("Отправить это объявление 2 жителям?\nСёла: Молодежный")
    await staff.tap(BACK)
    await staff.tap("Готово ›")
    await staff.tap("📤 Отправить")
    await bot.broadcasts_finished()
    assert bot.user(101, "R101", "ru").last_text.endswith("Завтра с 10:00 не будет воды.")
