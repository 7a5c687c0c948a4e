"""The local community assembly: members kept by staff, the quorum, votes per item, the signed
protocol sent to residents with the decisions (Telegram's file id reused, as Telegram wants)."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest

from bot.simulator import Harness, SimUser
from storage import hearings, meetings
from storage.hearings import Hearing
from tests.conftest import STAFF_ID
from tests.meeting_helpers import (
    MOLODEZHNY,
    OSAKAROVKA,
    announce,
    begin,
    db_of,
    join,
    settings,  # noqa: F401 (the fixture)
)

MEMBERS = "Асқар Нұрланұлы\nМария Иванова\nЕржан Бекұлы\nГүлнар Серікқызы\nОлег Ким"


async def add_members(staff: SimUser, hearing: Hearing, names: str = MEMBERS) -> None:
    await staff.tap_data(f"v1:ha:open:{hearing.id}")
    await staff.tap("👥")
    await staff.tap("➕")
    await staff.send(names)


async def test_staff_keep_the_members_and_see_the_quorum(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "assembly", staff=staff)
    await add_members(staff, hearing)
    assert staff.texts[-2] == "✅ 5 members added."
    assert staff.last_text.startswith(
        "👥 Members of the local community assembly\n«2027 жылғы бюджет»\n👥 5 members · quorum: 3"
    )
    assert "1. Асқар Нұрланұлы (Molodezhny)" in staff.last_text
    await staff.tap("➕")
    await staff.send("Мария Иванова\nАйгүл Т.")  # one already listed: skipped
    assert staff.texts[-2] == "✅ 1 member added."
    await staff.tap("➖")
    await staff.tap("✖️ Олег Ким")
    assert "👥 5 members · quorum: 3" in staff.last_text and "Олег Ким" not in staff.last_text
    names = [m.name for m in await meetings.members_of(db_of(bot), (MOLODEZHNY,))]
    assert names == ["Асқар Нұрланұлы", "Мария Иванова", "Ержан Бекұлы", "Гүлнар Серікқызы",
                     "Айгүл Т."]  # fmt: skip


async def test_assembly_records_quorum_votes_per_item_and_sends_the_protocol(bot: Harness) -> None:
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    dana = await join(bot, 103, MOLODEZHNY, "en")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(
        bot, "assembly", staff=staff, agenda="1. Приоритеты села на 2027 год\n2. Перенос рынка"
    )
    await add_members(staff, hearing)
    await begin(bot, hearing)
    await staff.tap_data(f"v1:ha:open:{hearing.id}")
    await staff.tap("📝 Record the outcome")
    assert staff.last_text.startswith("How many members of the assembly were present? It has 5")
    await staff.send("6")  # more than there are
    assert staff.last_text.startswith("How many members of the assembly were present?")
    await staff.send("4")
    await staff.send("25")
    assert staff.last_text.startswith("Item 1 of 2: «Приоритеты села на 2027 год»")
    await staff.send("3 2 1")  # six votes, four members present
    assert staff.last_text.startswith("Please send three numbers")
    await staff.send("4 0 0")
    await staff.send("Утвердить приоритеты: дорога к школе, водопровод")
    await staff.send("за 1, против 2, воздержался 1")
    await staff.send("Рынок оставить на месте")
    assert staff.last_text == "Send the signed protocol: a photo of it, or a PDF file."
    await staff.send("here it is")
    assert staff.last_text == "Send the signed protocol: a photo of it, or a PDF file."
    await staff.send_document("protocol.pdf")
    shown = next(m for m in reversed(staff.messages) if "document" in m)  # the staff's preview
    protocol_id = shown["document"]["file_id"]
    assert protocol_id.startswith(f"doc-{STAFF_ID}-")  # the file staff sent, not a new upload
    assert staff.texts[-3].startswith("📝 Decisions of the local community assembly")
    await staff.tap("📤 Send")
    await bot.broadcasts_finished()

    outcome = ivan.texts[-2]
    assert outcome.startswith("📝 Решения собрания местного сообщества\n«2027 жылғы бюджет»")
    assert "👥 Присутствовало членов собрания: 4 из 5 (кворум 3) · всего участников: 25" in outcome
    assert (
        "1. Приоритеты села на 2027 год\n"
        "   ✅ Принято: Утвердить приоритеты: дорога к школе, водопровод\n"
        "   🗳 За 4 · против 0 · воздержались 0\n"
        "2. Перенос рынка\n"
        "   ❌ Не принято: Рынок оставить на месте\n"
        "   🗳 За 1 · против 2 · воздержались 1"
    ) in outcome
    protocol = ivan.messages[-1]
    assert protocol["document"]["file_id"] == protocol_id  # Telegram's file, sent on by its id
    assert protocol["caption"].startswith("📎 Подписанный протокол\nСобрание местного сообщества")
    assert dana.texts[-2].startswith("📝 Decisions of the local community assembly")
    assert "   ✅ Adopted: Утвердить приоритеты" in dana.texts[-2]
    assert bot.sim.calls_to("sendDocument")[-1].params["document"] == protocol_id

    stored = await hearings.get(db_of(bot), hearing.id)
    assert stored is not None
    assert (stored.status, stored.members_total, stored.members_present, stored.attendance) == (
        "held", 5, 4, 25,
    )  # fmt: skip
    assert (stored.protocol_file_id, stored.protocol_kind) == (protocol_id, "document")
    items = await meetings.items_of(db_of(bot), hearing.id)
    assert [(i.votes_for, i.votes_against, i.votes_abstained) for i in items] == [
        (4, 0, 0), (1, 2, 1),
    ]  # fmt: skip
    await staff.tap_data(f"v1:ha:open:{hearing.id}")  # the card keeps the record
    assert "✅ Adopted: Утвердить приоритеты" in staff.last_text


async def test_a_photographed_protocol_goes_as_a_photo(bot: Harness) -> None:
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "assembly", staff=staff, agenda="Приоритеты села")
    await add_members(staff, hearing, "Асқар Н.\nМария И.\nЕржан Б.")
    await begin(bot, hearing)
    await staff.tap_data(f"v1:mt:aout:{hearing.id}")
    for answer in ("3", "3", "3 0 0", "Утвердить"):
        await staff.send(answer)
    await staff.send_photo()
    photo_id = next(m for m in reversed(staff.messages) if "photo" in m)["photo"][0]["file_id"]
    assert photo_id.startswith(f"photo-{STAFF_ID}-")
    await staff.tap("📤 Send")
    await bot.broadcasts_finished()
    assert ivan.messages[-1]["photo"][0]["file_id"] == photo_id
    assert ivan.messages[-1]["caption"].startswith("📎 Подписанный протокол")


async def test_without_a_quorum_the_assembly_decides_nothing(bot: Harness) -> None:
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "assembly", staff=staff)
    await add_members(staff, hearing)
    await begin(bot, hearing)
    await staff.tap_data(f"v1:mt:aout:{hearing.id}")
    await staff.send("2")
    assert staff.last_text.startswith("That is fewer than the quorum")
    await staff.tap("📝 No quorum: record it")
    await staff.send("14")
    await staff.tap("📤 Send")
    await bot.broadcasts_finished()
    assert ivan.last_text.startswith("📝 Собрание местного сообщества не смогло принять решения")
    assert "👥 Присутствовало членов собрания: 2 из 5; нужно не меньше 3." in ivan.last_text
    assert not [c for c in bot.sim.calls_to("sendDocument") if c.params["chat_id"] == 102]
    stored = await hearings.get(db_of(bot), hearing.id)
    assert stored is not None and (stored.members_present, stored.protocol_file_id) == (2, None)
    assert all(i.decision is None for i in await meetings.items_of(db_of(bot), hearing.id))


async def test_an_assembly_without_members_cannot_be_recorded(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "assembly", staff=staff)
    await begin(bot, hearing)
    answer = await staff.tap_data(f"v1:mt:aout:{hearing.id}")
    assert answer is not None and answer["text"].startswith("List the assembly's members first")


async def test_the_simulator_refuses_a_document_id_sent_as_a_photo(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send_document("protocol.pdf")
    (document_id,) = [fid for fid, kind in bot.sim.files.items() if kind == "document"]
    with pytest.raises(BadRequest, match="Can't use file of type document as photo"):
        await bot.app.bot.send_photo(STAFF_ID, document_id)
    sent = await bot.app.bot.send_document(STAFF_ID, document_id)
    assert sent.document is not None and sent.document.file_id == document_id


async def test_members_of_another_village_cannot_be_removed_by_a_forged_tap(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await meetings.add_members(db_of(bot), OSAKAROVKA, ["Иван Петров"], STAFF_ID)
    (stranger,) = await meetings.members_of(db_of(bot), (OSAKAROVKA,))
    hearing = await announce(bot, "assembly", staff=staff)
    answer = await staff.tap_data(f"v1:mt:mdel:{hearing.id}:{stranger.id}")
    assert answer is not None and answer["text"].startswith("This button is out of date.")
    assert await meetings.get_member(db_of(bot), stranger.id) is not None
