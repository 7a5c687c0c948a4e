"""The demo's verification scenes: a resident verified by staff, then a poll for verified
residents only, which another resident is refused with guidance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.simulator import Harness

if TYPE_CHECKING:
    from bot.demo import Transcript

STAFF_ID = 5001


async def play_verification(harness: Harness, transcript: Transcript) -> None:
    """Ivan shares his phone and staff confirm him; a verified-only poll takes his vote alone."""
    staff = harness.user(STAFF_ID, "Ерлан", "kk")
    ivan = harness.user(1002, "Иван", "ru")
    dana = harness.user(1003, "Dana", "ru")
    ivan.phone_number = "77017654321"

    transcript.scene("Ivan asks to be confirmed as a resident of Osakarovka, by his own phone")
    await ivan.send("/mydata")
    await ivan.tap("✅ Подтвердить, что живу здесь")
    await ivan.press("📱 Отправить мой номер")
    await ivan.send("ул. Шоссейная, 12")

    transcript.scene("Staff check the household register and confirm him")
    await staff.tap("🪪 Өтініштерді ашу")
    await staff.tap("✅ Растау")
    await ivan.send("/mydata")

    transcript.scene("Staff ask only verified residents; Dana, not verified, is told how")
    await staff.send("/newpoll")
    await staff.send("Ауыл клубына қандай жабдық алайық?")
    await staff.send("Дыбыс жүйесі\nПроектор")
    await staff.tap("Бір нұсқа")
    await staff.tap("Осакаровка")
    await staff.tap("Дайын ›")
    await staff.tap("Тек расталған тұрғындар")
    await staff.tap("20:00")
    await staff.tap("Жоқ, алғашқы дауыс түпкілікті")
    await staff.tap("Сауалнама жабылған соң")
    await staff.tap("📤 Жариялау")
    await harness.broadcasts_finished()
    await ivan.tap("Проектор")
    await dana.tap("Дыбыс жүйесі")
