"""The demo's rural okrug: residents choose their village through it, and the okrug akimat's
specialist, who serves its four villages, announces a public hearing to the whole okrug."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.simulator import Harness
from storage.db import utcnow

if TYPE_CHECKING:
    from bot.demo import Transcript

OKRUG = "krg-bukhar-dubovka-okrug"  # Dubovka and three sample villages, Bukhar-Zhyrau District
OKRUG_STAFF_ID = 5003
MARAT, OLGA, BAUYRZHAN = 1011, 1012, 1013
RESIDENTS = {MARAT: "Марат", OLGA: "Ольга", BAUYRZHAN: "Бауыржан"}


async def play_okrug(harness: Harness, transcript: Transcript) -> None:
    """Residents of the okrug (and one beside it) join; the specialist announces a hearing."""
    services = harness.app.bot_data.services
    assert services is not None
    transcript.names.update(RESIDENTS)
    transcript.names[OKRUG_STAFF_ID] = "Сәуле (округ әкімдігі)"
    marat = harness.user(MARAT, RESIDENTS[MARAT], "kk")
    olga = harness.user(OLGA, RESIDENTS[OLGA], "ru")
    bauyrzhan = harness.user(BAUYRZHAN, RESIDENTS[BAUYRZHAN], "kk")
    specialist = harness.user(OKRUG_STAFF_ID, "Сәуле", "kk")

    transcript.scene("Thursday: residents of a rural okrug join, through the okrug's own step")
    await marat.send("/start")
    await marat.tap("Қазақша")
    await marat.tap("Қарағанды облысы")
    await marat.tap("Бұқар жырау ауданы")
    await marat.tap("Дубовка ауылдық округі (үлгі)")
    await marat.tap("Көктөбе (үлгі)")
    await olga.send("/start v_krg-bukhar-dubovka")
    await bauyrzhan.send("/start v_krg-bukhar-botakara")  # beside the okrug, in none

    transcript.scene("The okrug akimat's specialist announces a hearing to the whole okrug")
    tomorrow = (utcnow().astimezone(services.settings.zone) + timedelta(days=2)).date()
    await specialist.send("/newhearing")
    await specialist.send("Округтің 2027 жылғы бюджеті: көше жарығы және балабақша")
    await specialist.tap(", " + str(format_date(tomorrow, "d MMMM", locale="kk")))
    await specialist.tap("18:00")
    await specialist.send("Дубовка ауылдық клубы")
    await specialist.tap("Өткізіп жіберу")
    await specialist.send("1. Көше жарығы\n2. Балабақша жөндеу")
    await specialist.tap("🏘")  # the whole okrug, its four villages, in one tap
    await specialist.tap("Дайын")
    await specialist.tap("📤 Жіберу")
    await harness.broadcasts_finished()
    await marat.tap("✋ Қатысамын")
    await olga.tap("✋ Приду")
