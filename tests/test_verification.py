"""Verified residents: their own phone shared, checked by the register or the village's staff."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.polls import service as polls
from bot.settings import Settings
from bot.simulator import Harness, SimUser
from storage import people
from storage import polls as polls_repo
from storage import verifications as repo
from storage.db import to_db_time, utcnow
from storage.verifications import Status
from tests.conftest import OTHER_STAFF_ID, STAFF_ID, use_database
from tests.poll_helpers import (
    MOLODEZHNY,
    OSAKAROVKA,
    announce,
    db_of,
    residents,
    services_of,
    vote,
)

pytestmark = pytest.mark.both_databases

NURA = "krg-nura-nura"


async def share_phone(person: SimUser, of: SimUser | None = None) -> None:
    """From /mydata: the button, then "share my phone" (or, with ``of``, someone's card)."""
    await person.send("/mydata")
    await person.tap("✅")
    if of is None:
        await person.press("📱")
    else:
        await person.share_contact(of)


async def requests_of(bot: Harness, person: SimUser) -> list[repo.Verification]:
    found = await people.get_by_telegram_id(db_of(bot), person.id)
    assert found is not None
    rows = await db_of(bot).fetch_all(
        "SELECT id FROM verifications WHERE person_id = ? ORDER BY id", (found.id,)
    )
    return [v for row in rows if (v := await repo.get(db_of(bot), row[0])) is not None]


async def test_own_contact_is_accepted_and_staff_verify_the_resident(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [401], "ru")
    ivan.phone_number = "77011234567"
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/start")
    await ivan.send("/mydata")
    assert "Подтверждённый житель: нет" in ivan.last_text
    await ivan.tap("✅ Подтвердить, что живу здесь")
    assert ivan.last_text.startswith("Чтобы подтвердить, что вы живёте в селе Молодежный")
    assert [b["text"] for b in ivan.reply_keyboard] == ["📱 Отправить мой номер", "✖️ Отмена"]
    assert ivan.reply_keyboard[0]["request_contact"] is True
    await ivan.press("📱 Отправить мой номер")
    assert ivan.last_text.startswith("Спасибо. На какой улице")
    assert ivan.reply_keyboard[0]["text"] == "📝 Жалоба"  # the reply menu is back
    await ivan.send("ул. Ленина, 5")
    assert ivan.last_text.startswith("📨 Заявка отправлена сотрудникам акимата села Молодежный")
    assert staff.last_text == (
        "🪪 Житель села Молодежный просит подтверждения. Проверьте заявку: /verify"
    )

    await staff.send("/verify")
    assert staff.last_text.startswith("🪪 Подтверждение жителя (ожидают: 1)\nИмя: R401\n")
    await staff.tap("⏭ Следующая")  # the only one: it stays, and no edit is refused
    assert staff.last_text.startswith("🪪 Подтверждение жителя (ожидают: 1)\nИмя: R401\n")
    assert all(call.ok for call in bot.sim.calls_to("editMessageText"))
    assert "Телефон: +7 701 123 4567\nСело: Молодежный\nУлица: ул. Ленина, 5\n" in staff.last_text
    answer = await staff.tap("✅ Подтвердить")
    assert answer is not None and answer["text"] == "✅ Подтверждено. Житель уведомлён."
    assert staff.last_text == "🪪 Заявок на подтверждение жителей в ваших сёлах нет."
    assert ivan.last_text.startswith("✅ Акимат подтвердил, что вы живёте в селе Молодежный.")
    await ivan.send("/mydata")
    assert "Подтверждённый житель: да, подтверждён акиматом" in ivan.last_text
    assert not ivan.buttons(ivan.messages[-1])  # nothing left to ask
    (request,) = await requests_of(bot, ivan)
    assert (request.status, request.method, request.decided_by) == (
        Status.VERIFIED, "staff", STAFF_ID,
    )  # fmt: skip
    assert (request.phone, request.name, request.street) == (None, None, None)  # erased


async def test_someone_elses_contact_is_refused(bot: Harness) -> None:
    ivan, olga = await residents(bot, MOLODEZHNY, [402, 403], "ru")
    await share_phone(ivan, of=olga)
    assert ivan.last_text.startswith("Это не ваш номер.")
    assert ivan.reply_keyboard[0]["request_contact"] is True  # asked again
    assert await requests_of(bot, ivan) == []
    await ivan.press("✖️ Отмена")
    assert ivan.last_text == "Отменено. Ничего не изменено."
    assert ivan.reply_keyboard[0]["text"] == "📝 Жалоба"  # the reply menu instead of the phone
    assert await requests_of(bot, ivan) == []


async def test_a_foreign_number_is_refused(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [404], "ru")
    ivan.phone_number = "79161234567"  # Russia's +7 9xx
    await share_phone(ivan)
    assert ivan.last_text.startswith("Подтвердить жителя может только казахстанский номер")
    assert await requests_of(bot, ivan) == []


async def import_phones(settings: Settings, village: str, lines: str, tmp: Path) -> str:
    """Run ``qatysu residents import-phones`` beside the running bot; return what it printed."""
    source = tmp / "register.csv"
    source.write_text(lines, encoding="utf-8")
    code = await asyncio.to_thread(
        main, ["residents", "import-phones", str(source), "--village", village]
    )
    assert code == 0
    return source.name


async def test_an_imported_phone_verifies_at_once(
    bot: Harness,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_database(monkeypatch, settings)
    register = "ФИО;Телефон\nИванов И.;8 (701) 555-44-33\nПетрова;+7 702 111 22 33\nх;12345678\n"
    await import_phones(settings, MOLODEZHNY, register, tmp_path)
    out = capsys.readouterr().out
    assert "2 phone numbers of krg-osakarovka-molodezhny stored as keyed hashes (2 new)" in out
    assert "1 lines without a valid Kazakhstan number: 4" in out
    stored = await db_of(bot).fetch_all("SELECT * FROM register_phones")
    assert len(stored) == 2 and all(len(row["phone_hash"]) == 64 for row in stored)
    if settings.database_url is None:  # SQLite's file: PostgreSQL's storage is not one file
        database = settings.database_path.read_bytes()
        for digits in (b"7015554433", b"7021112233"):  # the numbers are nowhere in the database
            assert digits not in database

    ivan, elsewhere = await residents(bot, MOLODEZHNY, [405], "ru") + await residents(
        bot, OSAKAROVKA, [406], "ru"
    )
    ivan.phone_number = "77015554433"
    elsewhere.phone_number = "77021112233"  # listed, but in Molodezhny's register
    await share_phone(ivan)
    assert ivan.last_text == (
        "✅ Ваш номер есть в похозяйственной книге села Молодежный: "
        "теперь вы подтверждённый житель."
    )
    (request,) = await requests_of(bot, ivan)
    assert (request.status, request.method, request.phone) == (Status.VERIFIED, "register", None)
    await share_phone(elsewhere)
    assert elsewhere.last_text.startswith("Спасибо. На какой улице")  # staff will check


async def test_one_phone_verifies_one_account(
    bot: Harness, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_database(monkeypatch, settings)
    await import_phones(settings, MOLODEZHNY, "+77015554433\n", tmp_path)
    first, second, third, fourth = await residents(bot, MOLODEZHNY, [407, 408, 409, 410], "ru")
    first.phone_number = second.phone_number = "77015554433"  # a number moved to a new account
    await share_phone(first)
    assert first.last_text.startswith("✅ Ваш номер есть в похозяйственной книге")
    await share_phone(second)
    assert second.last_text.startswith("Этот номер уже подтверждает другой аккаунт")
    assert await requests_of(bot, second) == []

    # Two requests for staff with one number: the second approval is refused.
    third.phone_number = fourth.phone_number = "77057778899"
    for person in (third, fourth):
        await share_phone(person)
        await person.send("ул. Абая, 1")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/verify")
    assert "(ожидают: 2)" in staff.last_text and "Имя: R409" in staff.last_text
    await staff.tap("✅ Подтвердить")
    assert "Имя: R410" in staff.last_text
    answer = await staff.tap("✅ Подтвердить")
    assert answer is not None and answer["text"].startswith("Этот номер уже подтверждает")
    assert [r.status for r in await requests_of(bot, fourth)] == [Status.PENDING]


async def test_staff_scope_is_checked_on_every_tap(bot: Harness) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [411], "ru")
    await share_phone(ivan)
    await ivan.send("ул. Ленина, 5")
    (request,) = await requests_of(bot, ivan)
    outsider = bot.user(OTHER_STAFF_ID, "Айдос", "ru")
    await outsider.send("/verify")
    assert outsider.last_text == "🪪 Заявок на подтверждение жителей в ваших сёлах нет."
    for data in (f"v1:ver:ok:{request.id}", f"v1:ver:why:{request.id}:other_village",
                 f"v1:ver:type:{request.id}", f"v1:ver:no:{request.id}"):  # fmt: skip
        answer = await outsider.tap_data(data)
        assert (
            answer is not None
            and answer["text"] == "Извините, это село не относится к вашей территории."
        )
    answer = await ivan.tap_data(f"v1:ver:ok:{request.id}")  # a resident forging staff's tap
    assert answer is not None and "только сотрудникам" in answer["text"]
    assert [r.status for r in await requests_of(bot, ivan)] == [Status.PENDING]


async def test_a_rejection_tells_the_resident_why_in_their_language(bot: Harness) -> None:
    aigul, ivan = await residents(bot, MOLODEZHNY, [412, 413], "kk")
    for person in (aigul, ivan):
        await share_phone(person)
        await person.send("Абай көшесі, 3")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/verify")
    await staff.tap("❌ Отклонить")
    assert staff.last_text == "Почему заявка отклонена? Жителю сообщат причину."
    answer = await staff.tap("Нет в похозяйственной книге")
    assert answer is not None and answer["text"].startswith("❌ Отклонено.")
    assert aigul.last_text == (
        "Әкімдік сіздің Молодежный ауылында тұратыныңызды растамады. "
        "Себебі: Шаруашылық кітабында жоқ. /mydata арқылы қайта сұрай аласыз."
    )
    await staff.tap("❌ Отклонить")
    await staff.tap("✍️ Другая причина…")
    await staff.send("Дом 3 снесён в 2024 году")
    assert staff.texts[-2].startswith("❌ Отклонено.")
    assert "Себебі: Дом 3 снесён в 2024 году." in ivan.last_text
    await aigul.send("/mydata")
    assert "Расталған тұрғын: жоқ; әкімдік өтінішті қабылдамады (Шаруашылық кітабында жоқ)" in (
        aigul.last_text
    )
    assert aigul.buttons(aigul.messages[-1])  # may ask again


async def test_moving_drops_and_erasing_erases_the_verification(bot: Harness) -> None:
    ivan, olga = await residents(bot, MOLODEZHNY, [414, 415], "ru")
    await share_phone(olga)
    await olga.send("ул. Ленина, 7")
    (pending,) = await requests_of(bot, olga)
    assert pending.phone is not None
    await olga.send("/deletedata")
    await olga.tap("Да")
    row = await db_of(bot).fetch_one(
        "SELECT status, phone, name, street FROM verifications WHERE id = ?", (pending.id,)
    )
    assert row is not None and tuple(row) == ("erased", None, None, None)

    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await share_phone(ivan)
    await ivan.send("ул. Ленина, 5")
    await staff.send("/verify")
    await staff.tap("✅ Подтвердить")
    assert [r.status for r in await requests_of(bot, ivan)] == [Status.VERIFIED]
    await ivan.send(f"/start v_{OSAKAROVKA}")  # another village's link, and the move confirmed
    await ivan.tap("✅ Да, переехать")
    assert [r.status for r in await requests_of(bot, ivan)] == [Status.DROPPED]
    await ivan.send("/mydata")
    assert "Подтверждённый житель: нет" in ivan.last_text
    await share_phone(ivan)  # verified again, in Osakarovka
    await ivan.send("ул. Садовая, 1")
    await staff.send("/verify")
    await staff.tap("✅ Подтвердить")
    await ivan.send(f"/start v_{MOLODEZHNY}")  # moving back so soon: staff are asked
    await ivan.tap("✅ Да, переехать")
    await ivan.tap("📨 Попросить акимат подтвердить")
    await staff.tap("✅ Подтвердить")  # the move, confirmed by staff
    assert ivan.last_text == "✅ Акимат подтвердил переезд: ваше село теперь — Молодежный."
    assert [r.status for r in await requests_of(bot, ivan)] == [Status.DROPPED, Status.DROPPED]


async def joined_an_hour_ago(bot: Harness, *persons: SimUser) -> None:
    """Residents bound to their village well before a poll opens (times are kept to the second,
    and a verified-only poll takes nobody who joined after it opened)."""
    earlier = to_db_time(utcnow() - timedelta(hours=1))
    for person in persons:
        await db_of(bot).execute_write(
            "UPDATE people SET village_set_at = ? WHERE telegram_id = ?", (earlier, person.id)
        )


async def test_a_verified_only_poll_refuses_the_unverified_with_guidance(bot: Harness) -> None:
    ivan, olga = await residents(bot, MOLODEZHNY, [416, 417], "ru")
    await joined_an_hour_ago(bot, ivan, olga)
    await share_phone(olga)
    await olga.send("ул. Ленина, 5")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/verify")
    await staff.tap("✅ Подтвердить")

    await staff.send("/newpoll")
    await staff.send("Что ремонтировать?")
    await staff.send("Дорогу\nКрышу")
    await staff.tap("Один вариант")
    await staff.tap("Молодежный")
    await staff.tap("Готово ›")
    await staff.tap("Только подтверждённые жители")
    await staff.tap_data("v1:npl:in:3", staff.messages[-1])
    await staff.tap("Нет, голос окончательный")
    await staff.tap("Только после завершения")
    assert staff.last_text.endswith("Кто голосует: только подтверждённые жители")
    await staff.tap("📤 Опубликовать")
    await bot.broadcasts_finished()
    (poll,) = await polls_repo.open_polls(db_of(bot))
    assert poll.verified_only is True
    assert "Голосуют только подтверждённые жители" in ivan.texts[-1]

    answer = await vote(ivan, poll, 0)
    assert answer is not None and answer["text"].startswith(
        "В этом опросе голосуют только подтверждённые жители, а вы ещё не подтверждены."
    )
    assert ivan.last_text.startswith("Чтобы голосовать в опросах для подтверждённых жителей")
    assert ivan.button_labels() == ["✅ Подтвердить, что живу здесь"]
    await ivan.tap("✅ Подтвердить, что живу здесь")  # the guidance leads into the dialog
    assert ivan.reply_keyboard[0]["request_contact"] is True
    answer = await vote(olga, poll, 1)
    assert answer is not None and answer["text"] == "✅ Ваш голос учтён."
    rows = await db_of(bot).fetch_all("SELECT person_id, verified FROM poll_votes")
    assert [row["verified"] for row in rows] == [1]


async def test_results_show_verified_and_unverified_votes_apart(bot: Harness) -> None:
    people_ = await residents(bot, MOLODEZHNY, [418, 419, 420], "ru")
    await share_phone(people_[0])
    await people_[0].send("ул. Ленина, 5")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/verify")
    await staff.tap("✅ Подтвердить")
    poll = await announce(bot)
    for person, option in zip(people_, (0, 0, 1), strict=True):
        await vote(person, poll, option)
    assert await polls.close(services_of(bot), poll.id, STAFF_ID) is not None
    await bot.broadcasts_finished()
    caption = next(c.params["caption"] for c in bot.sim.calls_to("sendPhoto")
                   if c.params["chat_id"] == people_[2].id)  # fmt: skip
    assert "1. Дорога до школы — 2 (66,7%); в боте: подтверждённых 1, неподтверждённых 1" in caption
    assert "2. Водопровод — 1 (33,3%); в боте: подтверждённых 0, неподтверждённых 1" in caption
    assert "Из 3 жителей, проголосовавших в боте, подтверждённых: 1" in caption


async def test_a_verified_only_poll_takes_no_one_who_joined_after_it_opened(
    bot: Harness, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its electorate is who lived there when it opened: joining and being verified later,
    even at once by the register, gives no vote in it (one who joined before does vote)."""
    use_database(monkeypatch, settings)
    await import_phones(settings, MOLODEZHNY, "+77015554433\n+77015554434\n", tmp_path)
    (early,) = await residents(bot, MOLODEZHNY, [421], "ru")
    await joined_an_hour_ago(bot, early)
    poll = await announce(bot, max_choices=2)
    await db_of(bot).execute_write("UPDATE polls SET verified_only = 1 WHERE id = ?", (poll.id,))
    answer = await early.tap_data(f"v1:poll:t:{poll.id}:1", early.messages[-1])  # a tick
    assert answer is not None and answer["text"].startswith("В этом опросе голосуют только")
    early.phone_number = "77015554433"
    await share_phone(early)
    (late,) = await residents(bot, MOLODEZHNY, [422], "ru")
    late.phone_number = "77015554434"
    await share_phone(late)
    assert late.last_text.startswith("✅ Ваш номер есть в похозяйственной книге")
    answer = await late.tap_data(f"v1:poll:v:{poll.id}:1", late.messages[-1])
    assert answer is not None and "до вашей регистрации" in answer["text"]
    answer = await early.tap_data(f"v1:poll:v:{poll.id}:1", early.messages[-1])
    assert answer is not None and answer["text"] == "✅ Ваш голос учтён."


async def test_staff_do_not_confirm_themselves_and_hear_of_a_resident_once_a_day(
    bot: Harness,
) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send(f"/start v_{MOLODEZHNY}")  # staff live in a village too
    await share_phone(staff)
    await staff.send("ул. Абая, 2")
    await staff.send("/verify")
    assert "Имя: Ерлан" in staff.last_text
    answer = await staff.tap("✅ Подтвердить")
    assert answer is not None and answer["text"].startswith("Это ваша собственная заявка")
    assert [r.status for r in await requests_of(bot, staff)] == [Status.PENDING]
    assert all(call.ok for call in bot.sim.calls_to("editMessageText"))  # the card stays

    (ivan,) = await residents(bot, MOLODEZHNY, [423], "ru")
    for street in ("ул. Ленина, 5", "ул. Ленина, 7", "ул. Ленина, 9"):  # asking again and again
        await share_phone(ivan)
        await ivan.send(street)
    told = [t for t in staff.texts if t.startswith("🪪 Житель села Молодежный просит")]
    assert len(told) == 2  # the staff member's own request, and Ivan's first
    statuses = [r.status for r in await requests_of(bot, ivan)]
    assert statuses == [Status.DROPPED, Status.DROPPED, Status.PENDING]  # the last one waits


async def test_the_request_survives_a_restart_and_is_re_entered_by_its_button(
    bot: Harness,
) -> None:
    (ivan,) = await residents(bot, MOLODEZHNY, [424], "ru")
    await ivan.send("/mydata")
    await ivan.tap("✅")
    await ivan.send("/mydata")
    await ivan.tap("✅")  # its own button again: nothing entered yet, so it starts over
    assert ivan.last_text.startswith("Чтобы подтвердить, что вы живёте в селе Молодежный")
    await ivan.press("📱")
    await bot.restart(crash=True)
    await ivan.send("ул. Ленина, 5")
    assert ivan.last_text.startswith("📨 Заявка отправлена")
    (request,) = await requests_of(bot, ivan)
    assert (request.status, request.street) == (Status.PENDING, "ул. Ленина, 5")
