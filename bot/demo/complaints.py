"""The demo's complaints scenes: a complaint with a photo worked to the end, and a suggestion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.simulator import Harness

if TYPE_CHECKING:
    from bot.demo import Transcript

STAFF_ID = 5001


async def play_complaints(harness: Harness, transcript: Transcript) -> None:
    """Ivan complains with a photo; staff take, answer, resolve; Ivan confirms. Dana suggests."""
    ivan = harness.user(1002, "Иван", "ru")
    dana = harness.user(1003, "Dana", "ru")
    staff = harness.user(STAFF_ID, "Ерлан", "kk")

    transcript.scene("Next Monday: Ivan sends a complaint about a pothole, with a photo")
    await ivan.send("/complaint")
    await ivan.tap("🛣 Дороги")
    await ivan.send("Большая яма на улице Абая у школы, машины объезжают по тротуару.")
    await ivan.send_photo()
    await ivan.tap("Далее")
    await ivan.tap("✅ Отправить")
    sender = harness.app.bot_data.services.staff_notices if harness.app.bot_data.services else None
    await harness.wait_until(lambda: sender is None or sender.idle, within=10)  # staff are told

    transcript.scene("Staff open the inbox, take the complaint into work and answer it")
    await staff.send("/inbox")
    await staff.tap("🆕 Жаңа")
    await staff.tap("🛣")  # the pothole, not the question asked before the hearing
    await staff.tap("🛠 Жұмысқа алу")
    await staff.tap("💬 Жауап беру")
    await staff.send("Здравствуйте! Яму засыплют щебнем в четверг, асфальт положат весной.")

    transcript.scene("Thursday: staff mark it resolved; Ivan confirms")
    await staff.tap("📂 Ашу")
    await staff.tap("✅ Шешілді")
    await staff.send("Яма засыпана щебнем и утрамбована 3 декабря.")
    await ivan.tap("👍 Да, решено")
    await ivan.send("/my")
    await ivan.tap("#")

    transcript.scene("Dana sends a suggestion")
    await dana.send("/suggestion")
    await dana.tap("🚌 Транспорт")
    await dana.send("Предлагаю пустить утренний автобус до райцентра на полчаса раньше.")
    await dana.tap("Далее")
    await dana.tap("✅ Отправить")
