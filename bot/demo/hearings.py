"""The demo's public hearing and notice scenes."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.demo import typing
from bot.hearings import reminders
from bot.simulator import Harness
from storage import hearings
from storage.db import utcnow

if TYPE_CHECKING:
    from bot.demo import Transcript

STAFF_ID = 5001


async def play_hearings(harness: Harness, transcript: Transcript) -> None:
    """Staff announce a hearing; residents answer, ask, get reminded, learn the outcome."""
    services = harness.app.bot_data.services
    assert services is not None
    aigerim = harness.user(1001, "Айгерім", "kk")
    ivan = harness.user(1002, "Иван", "ru")
    staff = harness.user(STAFF_ID, "Ерлан", "kk")
    zone = services.settings.zone

    transcript.scene("Wednesday: the akimat announces a public hearing on the local budget")
    tomorrow = (utcnow().astimezone(zone) + timedelta(days=1)).date()
    await staff.send("/newhearing")
    await staff.send("2027 жылғы жергілікті бюджет: жолдар мен су құбыры")
    await staff.tap(
        ", " + str(format_date(tomorrow, "d MMMM", locale="kk"))
    )  # «Сейсенбі, 1 желтоқсан»
    await staff.tap("18:00")
    await staff.send("Мәдениет үйі, Абай көшесі, 12")
    await staff.share_location(50.5639, 72.5672)
    await staff.send("1. Орталық көшені жөндеу\n2. Су құбырын ауыстыру\n3. Мектеп шатыры")
    # Both state languages: the Russian version, asked for after the Kazakh one.
    await staff.tap("✍️ Орысша нұсқасын қосу")
    await staff.send("Местный бюджет на 2027 год: дороги и водопровод")
    await staff.send("Дом культуры, улица Абая, 12")
    await staff.send("1. Ремонт Центральной улицы\n2. Замена водопровода\n3. Крыша школы")
    await staff.tap("Барлығы")
    await staff.tap("Дайын")
    await staff.tap("📤 Жіберу")
    await harness.broadcasts_finished()

    transcript.scene("Residents answer: I will come, add to calendar, ask a question")
    await aigerim.tap("✋ Қатысамын")
    await ivan.tap("✋ Приду")
    await ivan.tap("📅 В календарь")
    await ivan.tap("❓ Задать вопрос")
    await ivan.send("Будет ли освещение на улице Абая в плане на 2027 год?")
    await typing.answers_the_hearing(harness, transcript)

    transcript.scene("Thursday, two hours before: the reminder to those who will come")
    row = await services.db.fetch_one("SELECT MAX(id) FROM hearings")
    assert row is not None
    hearing = await hearings.get(services.db, int(row[0]))
    assert hearing is not None
    await reminders.send_due_reminders(services, hearing.starts_at - timedelta(minutes=110))
    await harness.broadcasts_finished()

    transcript.scene("Staff print the notice for the village board and share it to WhatsApp")
    await staff.tap_data(f"v1:ha:open:{hearing.id}")
    await staff.tap("📄 Хабарландыру тақтасына")  # papers/hearing-<id>.pdf, kk and ru, QR code
    await staff.tap("📤 Бөлісу")  # a text in kk and ru with links tagged -wa

    transcript.scene("After the hearing (the demo's clock jumps): staff record the outcome")
    await hearings.reschedule(services.db, hearing.id, starts_at=utcnow() - timedelta(hours=2))
    await staff.send("/hearings")  # staff without a village: their area's hearings at once
    await staff.tap("· 2027 жылғы")  # the list shows the topic cut to fit a button
    await staff.tap("📝 Қорытындыны енгізу")
    await staff.send("38")
    await staff.send("Орталық көше 2027 жылы жөнделеді; су құбыры — 2028 жылы.")
    await staff.tap("✍️ Орысша нұсқасын қосу")
    await staff.send("Центральную улицу отремонтируют в 2027 году, водопровод — в 2028-м.")
    await staff.tap("📤 Жіберу")
    await harness.broadcasts_finished()

    transcript.scene("Friday: staff send a notice to every resident of their villages")
    await staff.send("/broadcast")
    await staff.send("Ертең 10:00-ден 14:00-ге дейін су болмайды.")
    await staff.tap("✍️ Орысша нұсқасын қосу")
    await staff.send("Завтра с 10:00 до 14:00 не будет воды.")
    await staff.tap("Барлығы")
    await staff.tap("Дайын")
    await staff.tap("📤 Жіберу")
    await harness.broadcasts_finished()
