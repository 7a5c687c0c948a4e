"""The demo's meetings of local self-government: the akim's report with questions asked in
advance, answered together after it; and the community assembly that approves the priorities
the village voted for (members, quorum, votes per item, the signed protocol)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.simulator import Harness, SimUser
from storage import hearings
from storage.db import utcnow
from storage.hearings import Hearing

if TYPE_CHECKING:
    from bot.demo import Transcript

STAFF_ID = 5001
MEMBERS = (
    "Асқар Нұрланұлы\nМария Иванова\nЕржан Бекұлы\nГүлнар Серікқызы\nОлег Ким\nДана Әлиева\n"
    "Бақыт Омаров"
)


async def _latest(harness: Harness) -> Hearing:
    services = harness.app.bot_data.services
    assert services is not None
    row = await services.db.fetch_one("SELECT MAX(id) FROM hearings")
    assert row is not None
    hearing = await hearings.get(services.db, int(row[0]))
    assert hearing is not None
    return hearing


async def _announce(
    harness: Harness, staff: SimUser, kind: str, topic: str, agenda: str, villages: tuple[str, ...]
) -> Hearing:
    """Staff announce a meeting of ``kind`` the day after tomorrow at 18:00 (/newmeeting)."""
    services = harness.app.bot_data.services
    assert services is not None
    day = (utcnow().astimezone(services.settings.zone) + timedelta(days=2)).date()
    await staff.send("/newmeeting")
    await staff.tap(kind)
    await staff.send(topic)
    await staff.tap(", " + str(format_date(day, "d MMMM", locale="kk")))  # «Сәрсенбі, 2 желтоқсан»
    await staff.tap("18:00")
    await staff.send("Мәдениет үйі, Абай көшесі, 12")
    await staff.tap("Өткізіп жіберу")
    await staff.send(agenda)
    for village in villages:
        await staff.tap(village)
    await staff.tap("Дайын")
    await staff.tap("📤 Жіберу")
    await harness.broadcasts_finished()
    return await _latest(harness)


async def _begins(harness: Harness, hearing: Hearing) -> None:
    """The demo's clock jumps to half an hour after the meeting began."""
    services = harness.app.bot_data.services
    assert services is not None
    await hearings.reschedule(services.db, hearing.id, starts_at=utcnow() - timedelta(minutes=30))


async def play_report_meeting(harness: Harness, transcript: Transcript) -> None:
    """The akim reports to two villages; residents ask in advance by theme; the answers go out
    in one message after the meeting."""
    aigerim = harness.user(1001, "Айгерім", "kk")
    ivan = harness.user(1002, "Иван", "ru")
    dana = harness.user(1003, "Dana", "en")
    staff = harness.user(STAFF_ID, "Ерлан", "kk")

    transcript.scene("Thursday: the akim will report to residents; the akimat announces it")
    meeting = await _announce(
        harness, staff, "🎤", "Ауыл әкімінің 2026 жылғы жұмысы туралы есебі",
        "1. Әкімнің есебі\n2. Тұрғындардың сұрақтарына жауаптар", ("Молодежный", "Осакаровка"),
    )  # fmt: skip

    transcript.scene("Residents ask the akim in advance, each question under its theme")
    await aigerim.tap("✋ Қатысамын")
    await aigerim.tap("❓ Сұрақ қою")
    await aigerim.tap("🛣")
    await aigerim.send("Молодежныйдағы мектепке баратын жол қашан жөнделеді?")
    await ivan.tap("❓ Задать вопрос")
    await ivan.tap("🛣")
    await ivan.send("Когда отремонтируют дорогу к школе в Молодежном?")
    await dana.tap("❓ Задать вопрос")
    await dana.tap("💧")
    await dana.send("Когда в Осакаровке заменят водонапорную башню?")
    notices = harness.app.bot_data.services
    assert notices is not None and notices.staff_notices is not None
    sender = notices.staff_notices
    await harness.wait_until(lambda: sender.idle, 15)  # staff hear of the questions (merged)

    transcript.scene("Staff find the questions in the inbox, by theme, and prepare the answers")
    await staff.send("/inbox")
    await staff.tap("❓")
    await staff.tap("🎤")
    await staff.tap("🛣")
    await staff.tap("✍️")
    await staff.send(
        "Мектепке баратын жол 2027 жылғы мамырда ауыл бюджетінен жөнделеді. "
        "Дорогу к школе отремонтируют в мае 2027 года из бюджета села."
    )
    await staff.tap("« Артқа")
    await staff.tap("💧")
    await staff.tap("✍️")
    await staff.send(
        "Су мұнарасы 2027 жылы ауыстырылады, конкурс — наурызда. "
        "Водонапорную башню заменят в 2027 году, конкурс — в марте."
    )

    transcript.scene("After the meeting (the clock jumps): the outcome, then all answers at once")
    await _begins(harness, meeting)
    await staff.tap_data(f"v1:ha:open:{meeting.id}")
    await staff.tap("📝 Қорытындыны енгізу")
    await staff.send("52")
    await staff.send("Әкім жыл қорытындысын баяндады; тұрғындар 14 сұрақ қойды.")
    await staff.tap("📤 Жіберу")
    await harness.broadcasts_finished()
    await staff.tap("❓ Алдын ала сұрақтар")
    await staff.tap("📤 Жауаптарды жіберу")
    await staff.tap("📤 Барлық тұрғындарға да")
    await harness.broadcasts_finished()


async def play_assembly(harness: Harness, transcript: Transcript) -> None:
    """The local community assembly of Osakarovka approves the priorities its residents voted
    for: members listed, quorum met, each item voted, the signed protocol sent with the
    decisions."""
    staff = harness.user(STAFF_ID, "Ерлан", "kk")

    transcript.scene("Sunday: the community assembly is called to approve the village's priorities")
    assembly = await _announce(
        harness, staff, "🤝", "Осакаровка ауылының 2027 жылғы басымдықтары",
        "1. Сауалнама бойынша басымдықтарды бекіту\n2. Ауыл бюджетінің жобасын мақұлдау",
        ("Осакаровка",),
    )  # fmt: skip
    await staff.tap_data(f"v1:ha:open:{assembly.id}")
    await staff.tap("👥")
    await staff.tap("➕")
    await staff.send(MEMBERS)

    transcript.scene("After the assembly: members present, the votes on each item, the protocol")
    await _begins(harness, assembly)
    await staff.tap_data(f"v1:ha:open:{assembly.id}")
    await staff.tap("📝 Қорытындыны енгізу")
    await staff.send("6")
    await staff.send("31")
    await staff.send("6 0 0")
    await staff.send(
        "Басымдықтар бекітілді: 1) сумен жабдықтау, 2) мектепке баратын жол, 3) мектептің шатыры"
    )
    await staff.send("5 0 1")
    await staff.send("Ауыл бюджетінің 2027 жылғы жобасы мақұлданды")
    await staff.send_document("hattama-2027.pdf")
    await staff.tap("📤 Жіберу")
    await harness.broadcasts_finished()
