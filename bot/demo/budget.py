"""The demo's participatory budget: the Dubovka okrug's akimat shares out 5 mln ₸ with residents.

The okrug's specialist opens a cycle by buttons; residents of its villages propose projects;
she screens them (a refined cost, a duplicate merged, one rejected with its reason); residents
vote within the budget, a village meeting's paper ballots are added; the Method of Equal Shares
decides; the assembly gets its workbook and PDF; a funded project's first photo reaches those
who voted for it. Weeks pass in a moment: each phase is dated to begin now, then the phase
change runs as its scheduled job would.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.budget import service
from bot.demo.okrugs import MARAT, OKRUG_STAFF_ID, OLGA
from bot.simulator import Harness, SimUser
from storage import budget as repo
from storage.budget import PHASES, Phase
from storage.db import utcnow

if TYPE_CHECKING:
    from bot.demo import Transcript

ZHANAR, SERIK = 1021, 1022
RESIDENTS = {ZHANAR: "Жанар", SERIK: "Серік"}


async def begin_now(harness: Harness, cycle_id: int, phase: Phase) -> None:
    """Move the cycle's dates back by whole days until ``phase`` has begun, and make the change
    as its scheduled job would (the phases keep their lengths and their 20:00)."""
    services = harness.app.bot_data.services
    assert services is not None
    cycle = await repo.get(services.db, cycle_id)
    assert cycle is not None
    days = timedelta(days=max(0, (cycle.starts(phase) - utcnow()).days + 1))
    await repo.redate(services.db, cycle_id, [cycle.starts(p) - days for p in PHASES])
    await service.advance(services, cycle_id)  # as the job does
    await harness.broadcasts_finished()


async def open_card(staff: SimUser) -> None:
    """Staff open the cycle from /budget."""
    await staff.send("/budget")
    await staff.tap("🛠")
    await staff.tap("Қатысу бюджеті 2027")


async def play_budget(harness: Harness, transcript: Transcript) -> None:
    """An okrug budget cycle end to end."""
    services = harness.app.bot_data.services
    assert services is not None
    transcript.names.update(RESIDENTS)
    specialist = harness.user(OKRUG_STAFF_ID, "Сәуле", "kk")
    marat = harness.user(MARAT, "Марат", "kk")
    olga = harness.user(OLGA, "Ольга", "ru")
    zhanar = harness.user(ZHANAR, RESIDENTS[ZHANAR], "kk")
    serik = harness.user(SERIK, RESIDENTS[SERIK], "kk")

    transcript.scene("The okrug akimat opens a participatory budget of 5 mln ₸")
    await zhanar.send("/start v_krg-bukhar-karaozek")
    await serik.send("/start v_krg-bukhar-karaozek")
    await specialist.send("/newbudget")
    await specialist.tap("🏘")
    await specialist.send("Қатысу бюджеті 2027")
    await specialist.send("5 млн")
    await specialist.tap("⚖️ Тең үлестер")
    await specialist.tap("💰 Бюджет шегіндегі жобалар")
    await specialist.tap("👥")
    await specialist.tap("14 + 7 + 14 + 14 күн")
    await specialist.tap("📤 Жариялау")
    await harness.broadcasts_finished()
    (cycle,) = await repo.of_village(services.db, "krg-bukhar-dubovka", 1)

    transcript.scene("Residents of three villages propose projects")
    for person, title, description, cost in (  # each taps Propose on the announcement
        (marat, "Көктөбедегі көше жарығы", "Мектепке баратын көшеде 20 шам.", "1,5 млн"),
        (olga, "Детская площадка в Дубовке", "Площадка у школы, качели и горка.", "2 млн"),
        (zhanar, "Қараөзек клубының шатыры", "Шатыр ағады, клуб жабық тұр.", "2,5 млн"),
        (serik, "Қараөзекке жол белгілері", "Мектеп алдындағы жаяу жүргінші өткелі.", "300 мың"),
        (olga, "Освещение улицы в Коктобе", "То же, что фонари в Коктобе.", "1,4 млн"),
    ):
        await person.tap("💡")
        await person.send(title)
        await person.send(description)
        await person.send(cost)
        await person.tap("⏭")
        await person.tap("⏭")
        await person.tap("📤")

    transcript.scene("Two weeks later: proposals close; the specialist screens them")
    await begin_now(harness, cycle.id, Phase.SCREENING)
    await specialist.tap("🛠 Ашу")
    await specialist.tap("🔎 Ұсыныстарды қарау")
    await specialist.tap("1. Көктөбедегі")
    await specialist.tap("✅ Қабылдау")
    await specialist.tap("🔎 Ұсыныстарды қарау")
    await specialist.tap("2. Детская")
    await specialist.tap("✏️ Басқа құнмен қабылдау")
    await specialist.send("1,8 млн")
    await specialist.tap("🔎 Ұсыныстарды қарау")
    await specialist.tap("3. Қараөзек…")
    await specialist.tap("✅ Қабылдау")
    await specialist.tap("🔎 Ұсыныстарды қарау")
    await specialist.tap("4. Қараөзекке")
    await specialist.tap("❌")
    await specialist.send("Жол белгілері аудандық бюджеттен биыл орнатылады.")
    await specialist.tap("🔎 Ұсыныстарды қарау")
    await specialist.tap("5. Освещение")
    await specialist.tap("🔗")
    await specialist.tap("1. Көктөбедегі")
    await harness.broadcasts_finished()

    transcript.scene("A week later: the ballot; each resident picks within 5 mln ₸")
    await begin_now(harness, cycle.id, Phase.VOTING)
    await marat.tap("1. Көктөбедегі")
    await marat.tap("2. Детская")
    refused = await marat.tap("3. Қараөзек")  # over the budget
    assert refused is not None
    transcript.lines.append(f"  bot → Марат (alert) {refused['text']}")
    await marat.tap("✅ Дауыс беру")
    await olga.tap("2. Детская")
    await olga.tap("✅ Голосовать")
    await zhanar.tap("3. Қараөзек")
    await zhanar.tap("✅ Дауыс беру")
    await serik.tap("3. Қараөзек")
    await serik.tap("✅ Дауыс беру")

    transcript.scene("Karaozek's village meeting votes on paper; each ballot is recorded")
    await open_card(specialist)
    await specialist.tap("📝 Қағаз хаттама")
    await specialist.tap("Қараөзек")
    await specialist.send("4")
    await specialist.send("3\n3\n1 3\n2")

    transcript.scene("Two weeks later: Equal Shares decides; the results and the assembly's files")
    await begin_now(harness, cycle.id, Phase.RESULTS)
    await open_card(specialist)
    await specialist.tap("📥")
    await specialist.tap("📄")

    transcript.scene("Work begins: those who voted for the playground see the first photo")
    await begin_now(harness, cycle.id, Phase.IMPLEMENTATION)
    await open_card(specialist)
    await specialist.tap("🏗")
    await specialist.tap("2. Детская")
    await specialist.tap("🚧")
    await specialist.send_photo("Алаң тегістелді, әткеншектер келесі аптада қойылады.")
    await harness.broadcasts_finished()
    await olga.send("/budget")
    await olga.tap("Қатысу бюджеті 2027")
