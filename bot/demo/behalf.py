"""The demo's resident without Telegram: the okrug akimat's specialist files a complaint an
elderly villager made by phone, answers it (to be passed on by phone), and adds three elderly
residents who will come to the okrug's hearing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.simulator import Harness

if TYPE_CHECKING:
    from bot.demo import Transcript

OKRUG_STAFF_ID = 5003  # the okrug akimat's specialist (bot.demo.okrugs), no village of her own


async def play_behalf(harness: Harness, transcript: Transcript) -> None:
    """Zaure apa, 78, calls the okrug akimat: no coal delivered; she has no smartphone."""
    specialist = harness.user(OKRUG_STAFF_ID, "Сәуле", "kk")

    transcript.scene(
        "Thursday: Zaure apa (78, no smartphone) phones the okrug akimat; the specialist, who "
        "has no village of her own, files the complaint for her"
    )
    await specialist.send("/complaint")
    await specialist.tap("✍️ Тұрғын атынан")
    await specialist.tap("📝 Шағым")
    await specialist.tap("Қараөзек (үлгі)")
    await specialist.send("Зәуре Мұқанова")
    await specialist.send("8 705 111 22 33")
    await specialist.tap("📞 Телефон қоңырауы")
    await specialist.tap("🔥")
    await specialist.send("Қыстық көмір әлі жеткізілмеді, үйде суық")
    await specialist.tap("✅ Сақтау")

    transcript.scene("She answers it: the inbox marks it to be passed on by phone")
    await specialist.tap("📂")
    await specialist.tap("💬")
    await specialist.send("Көмір бейсенбі күні жеткізіледі")
    await specialist.tap("📂")

    transcript.scene("Three elderly residents will come to the okrug's hearing: entered by count")
    await specialist.send("/behalf")
    await specialist.tap("🏛")
    await specialist.tap("Округтің 2027")
    await specialist.tap("Дубовка")
    await specialist.tap("🔢 Санымен")
    await specialist.send("3")
    await specialist.tap("📞 Телефон қоңырауы")
    await specialist.tap("✅ Сақтау")
