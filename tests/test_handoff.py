"""The right body: staff hand an item to another body of its district (the resident gets its
contacts in their language), advise a formal appeal on eOtinish (the link, then the text to
copy), and record its eOtinish number (history, /my, the summary)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.bodies import service as bodies
from bot.i18n import I18n
from bot.reports import summary
from bot.reports.period import Period
from bot.simulator import Harness
from storage import appeals as repo
from storage import bodies as bodies_repo
from storage.appeals import Status
from storage.db import utcnow
from storage.models import Scope, ScopeKind
from tests.appeal_helpers import BEINEU, file_complaint, latest, resident, services, staff_member
from tests.conftest import OTHER_STAFF_ID, STAFF_ID

WATER_RU = "Нет воды в колонке на улице Садовой уже три дня"
POWER = {
    "kk": ("Электр желілері компаниясы (үлгі)", "Осакаровка кенті, Пристанционная көшесі, 2 (үлгі)",
           "Электр желілері, тіректер, сымдар, жарықтың сөнуі"),
    "ru": ("Электросетевая компания (пример)", "пос. Осакаровка, ул. Пристанционная, 2 (пример)",
           "Электросети, опоры, провода, отключения света"),
    "en": ("Electricity network company (sample)", "Osakarovka, 2 Pristantsionnaya St (sample)",
           "Power lines, poles, wires, power cuts"),
}  # fmt: skip
HANDED = {
    "kk": "бұл мәселемен басқа ұйым айналысады, әкімдік өтінішіңізді соған жолдады.",
    "ru": "этим занимается другая организация, акимат передал ей ваше обращение.",
    "en": "this is handled by another body, and the akimat has passed it on to them.",
}


async def with_bodies(bot: Harness) -> None:
    await bodies.import_file(services(bot).db, bodies.sample_file())


async def power_id(bot: Harness, district: str = "krg-osakarovka") -> int:
    body = await bodies_repo.find(services(bot).db, district, "power")
    assert body is not None
    return body.id


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
async def test_the_resident_gets_the_bodys_contacts_in_their_language(
    bot: Harness, language: str
) -> None:
    await with_bodies(bot)
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    person = await resident(bot, 1101, "Айгерім", language)
    await file_complaint(person, "Көшедегі электр сымы үзіліп жерде жатыр", category="⚡")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    await staff.tap("↪️ Передать")
    await staff.tap("🏢 Другая организация")
    assert (
        staff.last_text
        == f"Какой организации передать #{appeal.number}? Житель получит её контакты."
    )
    await staff.tap("Электросетевая компания")
    assert "📞 +7 (72149) 4-00-01" in staff.last_text
    await staff.tap("↪️ Передать без комментария")
    assert staff.last_text.startswith(f"🏢 #{appeal.number}: житель получил контакты")
    name, address, handles = POWER[language]
    text = person.last_text
    assert HANDED[language] in text.splitlines()[0]
    assert f"🏢 {name}\n📞 +7 (72149) 4-00-01\n📍 {address}\n" in text
    assert text.endswith(handles)
    stored = await repo.get(services(bot).db, appeal.id)
    assert stored is not None and stored.status is Status.ANSWERED
    event = (await repo.history(services(bot).db, appeal.id))[-1]
    assert (event.action, event.target) == ("handed_off", f"body:{await power_id(bot)}")


async def test_a_rejection_names_the_body_and_the_comment(bot: Harness) -> None:
    await with_bodies(bot)
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, "Водопровод на Садовой прорвало, течёт по улице", category="💧")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    await staff.tap("⛔ Отклонить")
    await staff.tap("🏢 Вопрос другой организации")  # leaves the typing of a reason
    await staff.tap("Водоканал района (пример)")
    await staff.send("Аварийная служба водоканала работает круглосуточно")
    assert ivan.last_text.startswith(
        f"⛔ Жалоба #{appeal.number} · 💧 Водоснабжение: вопрос не входит в компетенцию акимата."
    )
    assert "🏢 Водоканал района (пример)\n📞 +7 (72149) 4-00-02" in ivan.last_text
    assert ivan.last_text.endswith(
        "Комментарий акимата: Аварийная служба водоканала работает круглосуточно"
    )
    stored = await repo.get(services(bot).db, appeal.id)
    assert stored is not None and stored.status is Status.REJECTED
    await ivan.send("/my")
    await ivan.tap(f"#{appeal.number}")
    assert "— отклонено, вопрос решает другая организация: Водоканал района (пример)" in (
        ivan.last_text
    )


async def test_a_formal_appeal_sends_the_link_then_the_text_to_copy(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    await staff.tap("📄 Нужно официальное обращение")
    assert "https://eotinish.kz" in staff.last_text
    await staff.tap("📤 Отправить ссылку и текст")
    first, second = ivan.texts[-2:]
    assert first.startswith(f"📄 Жалоба #{appeal.number} · 🛣 Дороги: по этому вопросу нужно")
    assert "Подайте его через eOtinish: https://eotinish.kz" in first
    assert second == WATER_RU  # alone, to copy
    stored = await repo.get(services(bot).db, appeal.id)
    assert stored is not None and stored.status is Status.ANSWERED


async def test_the_text_to_copy_fits_a_telegram_message(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    long_text = "Очень длинная жалоба. " * 250  # as if stored by an older, looser intake
    await services(bot).db.execute_write(
        "UPDATE appeals SET text = ? WHERE id = ?", (long_text, appeal.id)
    )
    await staff.tap_data(f"v1:inb:frmgo:{appeal.id}")
    assert len(ivan.last_text) <= 4096 and ivan.last_text.endswith("…")


async def test_the_registration_number_shows_in_history_my_and_the_summary(
    bot: Harness, tmp_path: Path
) -> None:
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:frmgo:{appeal.id}")
    await staff.tap("📂 Открыть")
    await staff.tap("🔢 Номер eOtinish")
    await staff.send("!!")
    assert staff.last_text.startswith("Это не похоже на регистрационный номер")
    await staff.send("ЖТ-Т-2026-00012345")
    assert staff.last_text == (
        f"🔢 #{appeal.number}: записан номер eOtinish № ЖТ-Т-2026-00012345, житель уведомлён."
    )
    assert ivan.last_text.endswith("зарегистрировано в eOtinish под № ЖТ-Т-2026-00012345.")
    await staff.tap("📂 Открыть")
    assert "eOtinish: № ЖТ-Т-2026-00012345" in staff.last_text
    assert "— записан регистрационный номер eOtinish (Ерлан)\n   «ЖТ-Т-2026-00012345»" in (
        staff.last_text
    )
    await ivan.send("/my")
    await ivan.tap(f"#{appeal.number}")
    assert "eOtinish: № ЖТ-Т-2026-00012345" in ivan.last_text

    db = services(bot).db
    settings = services(bot).settings
    tr = I18n("en", settings.zone).get("en")
    now = utcnow().astimezone(settings.zone)
    week = Period.parse(f"{now.isocalendar().year}-W{now.isocalendar().week:02d}")
    files = await summary.build_here(
        db, tr, [Scope(ScopeKind.DISTRICT, "krg-osakarovka")], week, tmp_path / "s.xlsx"
    )
    book = load_workbook(files.workbook, read_only=True)
    rows = [list(row) for row in book["Complaints sent on"].iter_rows(values_only=True)]
    book.close()
    assert rows[0] == ["Number", "Village", "District", "Kind", "Category", "Status",
                       "Other body", "Formal appeal advised", "eOtinish No."]  # fmt: skip
    assert rows[1] == [f"#{appeal.number}", "Osakarovka", "Osakarovka District", "Complaint",
                       "Roads", "Answered", None, "yes", "ЖТ-Т-2026-00012345"]  # fmt: skip
    sheet_csv = next(p for p in files.csv_files if "handed_on" in p.name)
    with sheet_csv.open(encoding="utf-8-sig") as file:
        lines = list(csv.reader(file, delimiter=";"))
    assert lines[1][-1] == "ЖТ-Т-2026-00012345" and lines[1][0] == f"#{appeal.number}"


async def test_staff_cannot_use_another_districts_body_or_an_item_out_of_scope(
    bot: Harness,
) -> None:
    await with_bodies(bot)
    osakarovka_body = await power_id(bot)
    other = await staff_member(bot, OTHER_STAFF_ID, "Бейнеу", "ru")  # staff of Beineu village
    person = await resident(bot, 1201, "Айдос", "kk", BEINEU)
    await file_complaint(person, "Бейнеуде электр сымы үзілді, жарық жоқ", category="⚡")
    own = await latest(bot)
    refused = "Извините, это село не относится к вашей территории."
    answer = await other.tap_data(f"v1:inb:hbs:{own.id}:f:{osakarovka_body}")  # not its district
    assert answer is not None and answer["text"] == refused
    await other.tap_data(f"v1:inb:hbl:{own.id}:f:0")
    assert other.last_text.startswith("В справочнике пока нет других организаций этого района")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    theirs = await latest(bot)
    for data in (f"v1:inb:hbs:{theirs.id}:f:{osakarovka_body}", f"v1:inb:hbl:{theirs.id}:r:0",
                 f"v1:inb:frmgo:{theirs.id}", f"v1:inb:eot:{theirs.id}"):  # fmt: skip
        answer = await other.tap_data(data)
        assert answer is not None and answer["text"] == refused, data
    await other.send("ЖТ-Т-2026-00012345")  # no number was asked for
    for item in (own, theirs):
        assert [e.action for e in await repo.history(services(bot).db, item.id)] == ["created"]
    assert ivan.last_text.startswith("✅")


async def test_a_removed_body_is_not_offered_but_history_still_names_it(bot: Harness) -> None:
    await with_bodies(bot)
    staff = await staff_member(bot, STAFF_ID, "Ерлан", "ru")
    ivan = await resident(bot, 1102, "Иван", "ru")
    await file_complaint(ivan, WATER_RU)
    first = await latest(bot)
    await staff.tap_data(f"v1:inb:hbs:{first.id}:f:{await power_id(bot)}")
    await staff.tap("↪️ Передать без комментария")
    body = await bodies_repo.get(services(bot).db, await power_id(bot))
    assert body is not None
    await bodies.remove(services(bot).db, body)
    await file_complaint(ivan, "Фонарь на улице Садовой не горит неделю")
    second = await latest(bot)
    answer = await staff.tap_data(f"v1:inb:hbs:{second.id}:f:{body.id}")
    assert answer is not None and answer["show_alert"] is True
    await staff.tap_data(f"v1:inb:open:{first.id}")
    assert "— передано другой организации: Электросетевая компания (пример)" in staff.last_text


async def test_the_complaints_first_screen_says_it_is_not_a_formal_appeal(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Иван", "ru")
    await ivan.send("/complaint")
    assert ivan.last_text.splitlines()[-1] == (
        "📌 Qatysu — прямая связь с акиматом, а не официальное обращение; официальное подаётся "
        "через eOtinish (eotinish.kz)."
    )
