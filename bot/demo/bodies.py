"""The demo's other bodies: a resident of the rural okrug reports a fallen power line, and the
okrug akimat's specialist hands it to the district's electricity network company (sample data):
the resident gets the company's phone, address and what it handles, in Kazakh."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.demo.okrugs import MARAT, OKRUG_STAFF_ID, RESIDENTS
from bot.simulator import Harness

if TYPE_CHECKING:
    from bot.demo import Transcript


async def play_bodies(harness: Harness, transcript: Transcript) -> None:
    """Marat complains of a fallen wire; Сәуле cannot forward it to a village nobody serves in
    Qatysu (told why), and passes it to the electricity network company."""
    services = harness.app.bot_data.services
    assert services is not None
    marat = harness.user(MARAT, RESIDENTS[MARAT], "kk")
    specialist = harness.user(OKRUG_STAFF_ID, "Сәуле", "kk")

    transcript.scene(
        "Thursday: a power line is down in Koktobe; it is the network company's matter"
    )
    await marat.send("/complaint")
    await marat.tap("⚡")
    await marat.send("Мектеп жанындағы электр сымы үзіліп, жерде жатыр. Балалар өтеді, қауіпті!")
    await marat.tap("Әрі қарай")
    await marat.tap("✅")
    sender = services.staff_notices
    await harness.wait_until(lambda: sender is None or sender.idle, within=10)  # staff are told

    transcript.scene("The okrug specialist hands it to the district's electricity network company")
    await specialist.tap("📂")
    await specialist.tap("↪️ Жолдау")
    await specialist.tap("Ботақара")  # beside the okrug: nobody in Qatysu works its items
    await specialist.tap("« Артқа")
    await specialist.tap("🏢 Басқа ұйым")
    await specialist.tap("Электр желілері")
    await specialist.send("Апаттық бригада шақырылды, сымға жақындамаңыз.")
