"""The demo's poll scenes: a poll announced, voted in Kazakh and Russian, a meeting's protocol
of paper votes, results."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.demo import typing
from bot.simulator import Harness

if TYPE_CHECKING:
    from bot.demo import Transcript

STAFF_ID = 5001
NURLAN = 1004


async def play_polls(harness: Harness, transcript: Transcript, folder: Path) -> None:
    """Staff ask Osakarovka what to repair first; residents vote; the poll closes with a chart."""
    transcript.names[NURLAN] = "Нұрлан"
    staff = harness.user(STAFF_ID, "Ерлан", "kk")
    nurlan = harness.user(NURLAN, "Нұрлан", "kk")
    ivan = harness.user(1002, "Иван", "ru")
    dana = harness.user(1003, "Dana", "ru")

    transcript.scene("Saturday: Nurlan joins Osakarovka by the QR code, in Kazakh")
    await nurlan.send("/start v_krg-osakarovka-osakarovka")

    transcript.scene("Staff ask the village what its budget should fix first")
    await staff.send("/newpoll")
    await staff.send("Ауыл бюджетінен бірінші кезекте не жөнделсін?")
    await staff.send("Мектепке баратын жол\nСумен жабдықтау\nМектептің шатыры")
    await staff.tap("Бір нұсқа")
    await staff.tap("Осакаровка")
    await staff.tap("Дайын ›")
    await staff.tap("Ауылдардың барлық тұрғындары")
    await staff.tap("20:00")
    await staff.tap("Жоқ, алғашқы дауыс түпкілікті")
    await staff.tap("Сауалнама жабылған соң")
    await staff.tap("📤 Жариялау")
    await harness.broadcasts_finished()

    transcript.scene("Residents vote: Nurlan in Kazakh, Ivan and Dana in Russian")
    await nurlan.tap("Сумен жабдықтау")
    await ivan.tap("Сумен жабдықтау")
    await dana.tap("Мектепке баратын жол")
    await ivan.send("/polls")  # his vote is marked in the list
    await typing.votes(harness, transcript)

    transcript.scene("Staff enter the village meeting's protocol of paper votes and close the poll")
    await staff.send("/polls")
    await staff.tap("🟢 Ауыл бюджетінен")
    await staff.tap("📝 Қағазбен берілген дауыстар")
    today = next(b["text"] for b in staff.buttons() if b["callback_data"] == "v1:pst:pday:0")
    await staff.tap(today)
    await staff.send("Мәдениет үйі")
    await staff.send("28")
    await staff.send("9\n14\n3")
    await staff.tap("💾 Сақтау")
    await staff.tap("⏹ Қазір жабу")
    await staff.tap("⏹ Иә, жабу")
    await harness.broadcasts_finished()

    transcript.scene('Staff record what the akimat did: the summary\'s "You said, we did"')
    await staff.tap("📝 Не істелді")
    await staff.send("Су құбыры 2027 жылғы ауыл бюджетіне енгізілді, жұмыс мамырда басталады")
    charts = sorted((folder / "charts").glob("poll-*.png"))
    transcript.lines.append("  charts: " + ", ".join(f"charts/{c.name}" for c in charts))
