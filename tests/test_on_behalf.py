"""For a resident without Telegram: staff file items and hearing attendance on their behalf
(issue 18 item 4)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.reports import sections
from bot.reports.data import load
from bot.reports.period import Period
from bot.settings import Settings
from bot.simulator import Harness, SimUser
from storage import appeals as appeals_repo
from storage import behalf as repo
from storage import hearings as hearings_repo
from storage import reports as reports_repo
from storage import territory
from storage.db import to_db_time, utcnow
from tests.appeal_helpers import OSAKAROVKA, latest, resident, services, staff_member
from tests.conftest import OTHER_STAFF_ID, STAFF_ID, make_settings
from tests.hearing_helpers import announce_hearing
from tests.test_erasure import every_value

NAME, PHONE_TYPED, WORDS = (
    "Бибигуль Ахметова",
    "8 701 555 12 34",
    "На улице Абая нет света третий день",
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Staff here tap and type faster than the flood guard allows: the guard is off."""
    return make_settings(tmp_path, flood_updates=0)


async def file_for_resident(staff: SimUser, *, phone: str | None = PHONE_TYPED) -> None:
    """/behalf in Russian: complaint, Osakarovka, name, phone, a phone call, roads, words."""
    await staff.send("/behalf")
    await staff.tap("📝 Жалоба")
    await staff.tap("Осакаровка")
    await staff.send(NAME)
    if phone is None:
        await staff.tap("Нет телефона")
    else:
        await staff.send(phone)
    await staff.tap("📞 Звонок")
    await staff.tap("🛣")
    await staff.send(WORDS)


async def test_an_on_behalf_complaint_carries_channel_audit_and_counts_by_channel(
    bot: Harness,
) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    await file_for_resident(staff)
    preview = staff.last_text
    assert preview.startswith("Проверьте жалобу за жителя:\nЖитель: Бибигуль Ахметова\n")
    assert "Телефон: +7 701 555 1234" in preview and "Канал: 📞 Звонок" in preview
    assert [b["text"] for b in staff.buttons()] == ["✅ Сохранить", "⬅️ Назад", "✖️ Отмена"]
    await staff.tap("✅ Сохранить")
    assert staff.last_text.startswith("✅ Внесено за жителя Бибигуль Ахметова: Жалоба #")
    appeal = await latest(bot)
    entry = await repo.entry_of(services(bot).db, appeal.id)
    assert entry is not None and (entry.channel, entry.entered_by) == ("phone", STAFF_ID)
    assert entry.phone == "+77015551234" and not entry.claimed
    assert appeal.village_code == OSAKAROVKA and appeal.resident_telegram_id is None

    await staff.tap("Открыть")  # the card, as the inbox shows it
    card = staff.last_text
    assert "✍️ Внесено: Ерлан, за жителя Бибигуль Ахметова, канал: 📞 Звонок" in card
    assert "📞 Телефон: +7 701 555 1234" in card
    assert "Отправитель: Бибигуль Ахметова" in card
    assert "↪️ У жителя нет Telegram" in card
    history = await appeals_repo.history(services(bot).db, appeal.id)
    assert [e.action for e in history] == ["created", "entered"]
    assert history[1].actor_id == STAFF_ID

    # Reports count every item by channel: this one by phone, a resident's by Telegram.
    ivan = await resident(bot, 401, "Иван", "ru")
    await ivan.send("/complaint")
    await ivan.tap("🛣")
    await ivan.send("Яма на дороге у школы")
    await ivan.tap("▶")
    await ivan.tap("✅")
    counts = await reports_repo.appeals_by_channel(
        services(bot).db, [OSAKAROVKA], utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    )
    assert counts == {OSAKAROVKA: {"phone": 1, "telegram": 1}}
    village = await territory.get_village(services(bot).db, OSAKAROVKA)
    assert village is not None
    today = utcnow().date()
    week = Period.week(*today.isocalendar()[:2])
    data = await load(services(bot).db, [village], week, services(bot).settings.zone)
    for language, telegram in (("en", "Telegram"), ("ru", "Telegram"), ("kk", "Telegram")):
        table = sections.by_channel(services(bot).i18n.get(language), data)
        assert table is not None and table.key == "channels"
        assert table.column(telegram)[-1] == 1
    table = sections.by_channel(services(bot).i18n.get("en"), data)
    assert table is not None
    assert table.title == "Items by channel" and table.column("Phone call") == [1, 1]


async def test_the_answer_is_marked_to_pass_on_and_moves_to_my_when_the_resident_joins(
    bot: Harness,
) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    await file_for_resident(staff)
    await staff.tap("✅ Сохранить")
    appeal = await latest(bot)
    before = len(bot.sim.calls_to("sendMessage"))
    await staff.tap_data(f"v1:inb:ans:{appeal.id}")
    assert staff.last_text == (
        f"Напишите текст для #{appeal.number}: ответ, комментарий или причину.\n📞 У жителя нет "
        "Telegram: ничего не отправится; после сохранения передайте ответ по телефону или лично."
    )
    await staff.send("Бригада выедет завтра утром")
    assert staff.last_text == (
        f"📞 #{appeal.number}: сохранено, но не отправлено: у жителя Бибигуль Ахметова нет "
        "Telegram. Передайте по телефону (+7 701 555 1234) или лично."
    )
    sent = bot.sim.calls_to("sendMessage")[before:]
    assert {call.params["chat_id"] for call in sent} == {STAFF_ID}  # nobody else by Telegram
    history = await appeals_repo.history(services(bot).db, appeal.id)
    assert [e.action for e in history][-2:] == ["answered", "pass_on"]
    await staff.tap("Открыть")
    assert "📞 передать по телефону или лично" in staff.last_text

    # She joins Qatysu and shares that very phone: the item is hers, the answers reach her.
    bibigul = await resident(bot, 402, "Бибигуль", "ru")
    bibigul.phone_number = "77015551234"
    await bibigul.send("/mydata")
    await bibigul.tap("✅")
    await bibigul.press("📱")
    assert any(t.startswith("📋 1 обращение, внесённое за вас акиматом") for t in bibigul.texts)
    await bibigul.send("/my")
    assert any(f"#{appeal.number}" in b["text"] for b in bibigul.buttons())
    entry = await repo.entry_of(services(bot).db, appeal.id)
    assert entry is not None and entry.claimed and entry.name is None and entry.phone is None
    await staff.tap_data(f"v1:inb:res:{appeal.id}")
    await staff.send("Свет дали, проверьте, пожалуйста")
    assert any("Свет дали" in t for t in bibigul.texts)


async def test_staff_cannot_file_for_a_village_outside_their_scope(bot: Harness) -> None:
    beineu = await staff_member(bot, OTHER_STAFF_ID, "Айгерим", "en")
    await beineu.send("/behalf")
    await beineu.tap("📝 Complaint")
    assert "Osakarovka" not in beineu.button_labels()
    answer = await beineu.tap_data(f"v1:obh:v:{OSAKAROVKA}")  # forged
    assert answer is not None and answer["text"] == "Sorry, this village is outside your area."
    await beineu.send("Aisulu Nurova")  # still at the village step: the name is not taken
    assert await repo.entry_of(services(bot).db, 1) is None
    row = await services(bot).db.fetch_one("SELECT COUNT(*) FROM appeal_behalf")
    assert row is not None and row[0] == 0


async def test_back_keeps_what_was_entered_and_staff_without_a_village_are_offered_it(
    bot: Harness,
) -> None:
    staff = await staff_member(bot, STAFF_ID, "Erlan", "en")
    await staff.send("/complaint")
    assert "You have no village of your own." in staff.last_text
    await staff.tap("✍️ For a resident")
    await staff.tap("💡 Suggestion")
    await staff.tap("Osakarovka")
    await staff.send("Aisulu Nurova")
    await staff.tap("⬅️ Back")
    assert staff.last_text == "Type the resident's first name and surname."
    await staff.send("Aisulu Nurova")
    await staff.tap("No phone")
    await staff.tap("👥 At a meeting")
    await staff.tap("⬅️ Back")  # the category step: back to the channel
    await staff.tap("📄 On paper")
    await staff.tap("🗑 Waste")
    await staff.send("A bench by the bus stop, please")
    assert "Phone: —" in staff.last_text and "Came by: 📄 On paper" in staff.last_text
    assert staff.last_text.startswith("Check the suggestion filed for a resident:")
    await staff.tap("✅ Save")
    entry = await repo.entry_of(services(bot).db, (await latest(bot)).id)
    assert entry is not None and (entry.channel, entry.name, entry.phone) == (
        "paper", "Aisulu Nurova", None,
    )  # fmt: skip


async def test_hearing_attendance_by_count_and_by_name_shows_in_its_figures(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Erlan", "en")
    hearing = await announce_hearing(bot, staff, "Osakarovka")

    async def enter(how: str, typed: str, channel: str) -> None:
        await staff.send("/behalf")
        await staff.tap("🏛")
        await staff.tap_data(f"v1:obh:h:{hearing.id}")
        await staff.tap("Osakarovka")
        await staff.tap(how)
        await staff.send(typed)
        await staff.tap(channel)
        await staff.tap("✅ Save")

    await enter("🔢 By count", "5", "👥 At a meeting")
    await enter("👤 By name", "Asan Beisenov\nUsen Kairatov", "📞 Phone call")
    assert staff.last_text == "✅ Saved. Entered for residents without Telegram: coming 7, came 0."
    db = services(bot).db
    assert await hearings_repo.rsvp_count(db, hearing.id) == 7
    # After its start: attendance, counted in the hearing's figures and the reports.
    await db.execute_write(
        "UPDATE hearings SET starts_at = ? WHERE id = ?",
        (to_db_time(utcnow() - timedelta(hours=2)), hearing.id),
    )
    await enter("🔢 By count", "12", "👥 At a meeting")
    figures = await repo.hearing_figures(db, hearing.id)
    assert (figures.coming, figures.attended) == (7, 12)
    assert figures.names == ("Asan Beisenov", "Usen Kairatov")
    await staff.tap_data(f"v1:ha:open:{hearing.id}")
    assert "Entered for residents without Telegram: coming 7, came 12" in staff.last_text
    lines = await reports_repo.hearings_between(
        db, [OSAKAROVKA], utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    )
    assert [(line.coming, line.attendance) for line in lines] == [(7, 12)]

    other = await staff_member(bot, OTHER_STAFF_ID, "Aigerim", "en")
    answer = await other.tap_data(f"v1:obh:hnames:{hearing.id}")  # forged, another region
    assert answer is not None and answer["show_alert"] is True
    answer = await staff.tap("🗑 Erase the names entered")
    assert answer is not None and answer["text"] == "🗑 2 names erased; the counts stay."
    cells = await every_value(db)
    assert not [c for c in cells if isinstance(c[2], str) and "Beisenov" in c[2]]
    figures = await repo.hearing_figures(db, hearing.id)
    assert (figures.coming, figures.attended, figures.names) == (7, 12, ())


async def test_staff_erase_an_on_behalf_item_name_phone_and_words(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    await file_for_resident(staff)
    await staff.tap("✅ Сохранить")
    appeal = await latest(bot)
    secrets = ["Бибигуль", "Ахметова", "5551234", "555 12 34", "улице Абая"]
    assert any(value for _, _, value in await every_value(services(bot).db)
               if isinstance(value, str) and "Бибигуль" in value)  # fmt: skip
    await staff.tap("Открыть")
    other = await staff_member(bot, OTHER_STAFF_ID, "Айгерим", "ru")
    answer = await other.tap_data(f"v1:obh:erase:{appeal.id}")  # forged, another region
    assert answer is not None and answer["show_alert"] is True
    answer = await staff.tap("🗑 Стереть")
    assert answer is not None and answer["text"].startswith("🗑 Стёрто")
    cells = await every_value(services(bot).db)
    found = [
        (table, column)
        for table, column, value in cells
        if isinstance(value, str) and any(secret in value for secret in secrets)
    ]
    assert found == []
    stored = await appeals_repo.get(services(bot).db, appeal.id)
    assert stored is not None and stored.redacted and stored.category == "roads"


async def test_a_hand_off_or_formal_appeal_for_a_resident_without_telegram_is_passed_on(
    bot: Harness,
) -> None:
    """Handing an on-behalf item to another body, or advising a formal appeal, sends nothing
    by Telegram: staff are told to pass the body's contacts or the link on by phone."""
    from bot.bodies import service as bodies

    await bodies.import_file(services(bot).db, bodies.sample_file())
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    await file_for_resident(staff)
    await staff.tap("✅ Сохранить")
    first = await latest(bot)
    await staff.tap_data(f"v1:inb:open:{first.id}")
    await staff.tap("↪️ Передать")
    await staff.tap("🏢 Другая организация")
    await staff.tap("Электросетевая компания")
    await staff.tap("↪️ Передать без комментария")
    assert staff.last_text.startswith(f"📞 #{first.number}: сохранено, но не отправлено")
    assert "+7 701 555 1234" in staff.last_text

    await file_for_resident(staff, phone=None)
    await staff.tap("✅ Сохранить")
    second = await latest(bot)
    await staff.tap_data(f"v1:inb:open:{second.id}")
    await staff.tap("📄 Нужно официальное обращение")
    await staff.tap("📤 Отправить ссылку и текст")
    assert f"#{second.number}" in staff.last_text and "лично" in staff.last_text
    for appeal in (first, second):
        actions = [e.action for e in await appeals_repo.history(services(bot).db, appeal.id)]
        assert actions[-1] == "pass_on"
