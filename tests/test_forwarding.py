"""Forwarding an item: with a note for the staff it reaches; refused, with the reason, where
nobody in Qatysu works items (it would reach no one)."""

from __future__ import annotations

from bot.simulator import Harness
from storage import appeals as repo
from storage import roles as roles_repo
from storage.appeals import Status
from storage.models import Role, Scope, ScopeKind
from tests.appeal_helpers import (
    BEINEU,
    OSAKAROVKA,
    file_complaint,
    latest,
    resident,
    services,
    staff_member,
    staff_told,
)
from tests.conftest import OTHER_STAFF_ID, STAFF_ID

MOLODEZHNY = "krg-osakarovka-molodezhny"
VILLAGE_STAFF_ID, MOLODEZHNY_STAFF_ID = 6001, 6002
NOTE = "Колонка на улице Садовой, это ваш участок"
OUT_OF_SCOPE = "Извините, это село не относится к вашей территории."
WATER_RU = "Нет воды в колонке на улице Садовой уже три дня"


async def village_staff(bot: Harness, user_id: int, village: str, name: str, lang: str) -> None:
    db = services(bot).db
    await roles_repo.grant(db, user_id, Role.STAFF, Scope(ScopeKind.VILLAGE, village), "t")
    await staff_member(bot, user_id, name, lang)


async def test_a_note_reaches_the_target_staff_and_stays_in_the_history(bot: Harness) -> None:
    await village_staff(bot, VILLAGE_STAFF_ID, OSAKAROVKA, "Асель", "ru")
    await village_staff(bot, MOLODEZHNY_STAFF_ID, MOLODEZHNY, "Болат", "kk")
    sender = bot.user(VILLAGE_STAFF_ID, "Асель", "ru")
    receiver = bot.user(MOLODEZHNY_STAFF_ID, "Болат", "kk")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    await sender.tap_data(f"v1:inb:open:{appeal.id}")
    await sender.tap("↪️ Передать")
    await sender.tap("Молодежный")
    assert sender.last_text.startswith(f"↪️ Передать #{appeal.number} — Молодежный.\nНапишите")
    await sender.send(NOTE)
    assert sender.last_text == f"↪️ #{appeal.number} передано."
    await staff_told(bot)
    assert receiver.last_text.startswith(f"📥 Жаңа: Шағым #{appeal.number}")
    assert f"✉️ Асель ескертпесі: «{NOTE}»" in receiver.last_text
    await receiver.tap("📂")
    assert f"— жолданды: Молодежный (Асель)\n   «{NOTE}»" in receiver.last_text
    events = await repo.history(services(bot).db, appeal.id)
    assert (events[-1].action, events[-1].target, events[-1].note) == (
        "forwarded", f"village:{MOLODEZHNY}", NOTE,
    )  # fmt: skip
    assert ivan.last_text.endswith("передано на рассмотрение — Молодежный.")
    await ivan.send("/my")
    await ivan.tap(f"#{appeal.number}")
    assert "— передано: Молодежный" in ivan.last_text and NOTE not in ivan.last_text


async def test_forwarding_without_a_note_still_reaches_the_staff(bot: Harness) -> None:
    await village_staff(bot, VILLAGE_STAFF_ID, OSAKAROVKA, "Асель", "ru")
    sender = bot.user(VILLAGE_STAFF_ID, "Асель", "ru")
    district = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    await sender.tap_data(f"v1:inb:fwdd:{appeal.id}")
    await sender.tap("↪️ Передать без примечания")
    await staff_told(bot)
    assert district.last_text.startswith(f"📥 Новое: Жалоба #{appeal.number}")
    assert "✉️" not in district.last_text
    stored = await repo.get(services(bot).db, appeal.id)
    assert stored is not None and stored.level == "district"


async def test_an_unstaffed_village_or_district_is_refused_and_nothing_changes(
    bot: Harness,
) -> None:
    staff = await staff_member(bot, OTHER_STAFF_ID, "Бейнеу", "ru")  # staff of Beineu village
    person = await resident(bot, 1201, "Айдос", "kk", BEINEU)
    await file_complaint(person, "Бейнеуде су құбыры жарылды, көше су болып жатыр")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    await staff.tap("↪️ Передать")
    await staff.tap("Боранкул")  # a village of the district nobody in Qatysu serves
    assert staff.last_text == (
        f"⛔ #{appeal.number} нельзя передать — Боранкул: там пока никто не работает с "
        "обращениями в Qatysu (нет сотрудников села, округа или района). Обращение остаётся у "
        "вас: можно передать его другой организации или ответить."
    )
    assert staff.button_labels() == ["« Назад"]
    await staff.tap("« Назад")
    await staff.tap("🏛 Акимат района")  # nor the district
    assert staff.last_text.startswith(f"⛔ #{appeal.number} нельзя передать — акимат района")
    forged = await staff.tap_data("v1:inb:hgo")  # no note step was opened
    assert forged is not None
    await staff.send("Передайте, пожалуйста")  # nor is this a note
    stored = await repo.get(services(bot).db, appeal.id)
    assert stored is not None
    assert (stored.handler_village_code, stored.level, stored.status) == (
        BEINEU, "village", Status.NEW,
    )  # fmt: skip
    assert [e.action for e in await repo.history(services(bot).db, appeal.id)] == ["created"]
    assert person.last_text.startswith("✅ Шағымыңыз")  # the resident was told nothing more


async def test_the_refusal_is_in_the_staff_members_language(bot: Harness) -> None:
    staff = await staff_member(bot, OTHER_STAFF_ID, "Beineu", "en")
    person = await resident(bot, 1201, "Айдос", "kk", BEINEU)
    await file_complaint(person, "Бейнеуде су құбыры жарылды, көше су болып жатыр")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:fwdv:{appeal.id}:mng-beineu-borankul")
    assert staff.last_text.startswith(
        f"⛔ #{appeal.number} cannot go to Borankul: nobody there works items in Qatysu yet"
    )
    await staff_member(bot, OTHER_STAFF_ID, "Beineu", "kk")
    await staff.tap_data(f"v1:inb:fwdv:{appeal.id}:mng-beineu-borankul")
    assert staff.last_text.startswith(f"⛔ #{appeal.number} жолдау мүмкін емес — Боранқұл:")


async def test_forged_forwards_are_refused(bot: Harness) -> None:
    other = await staff_member(bot, OTHER_STAFF_ID, "Бейнеу", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    answer = await other.tap_data(f"v1:inb:fwdv:{appeal.id}:{MOLODEZHNY}")  # not their item
    assert answer is not None and answer["text"] == OUT_OF_SCOPE
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    answer = await staff.tap_data(f"v1:inb:fwdv:{appeal.id}:mng-beineu-borankul")  # elsewhere
    assert answer is not None and answer["text"] == "Эта кнопка устарела. Отправьте /start."
    assert [e.action for e in await repo.history(services(bot).db, appeal.id)] == ["created"]
