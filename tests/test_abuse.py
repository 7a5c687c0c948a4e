"""Abuse: each case is answered politely and changes nothing stored."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.simulator import Harness, SimUser
from handlers import flood
from tests.appeal_helpers import (
    VIDEO,
    file_complaint,
    latest,
    resident,
    send_raw,
    services,
    staff_member,
)
from tests.conftest import COORDINATOR_ID, OTHER_STAFF_ID, STAFF_ID, make_settings, seed

# Everything a person's actions can change (processed_updates aside: it only grows).
TABLES = (
    "people", "role_grants", "invites", "drafts", "conversations", "broadcasts", "outbox",
    "appeals", "appeal_photos", "appeal_events", "appeal_notices", "hearings", "hearing_rsvps",
)  # fmt: skip
STALE = "This button is out of date. Send /start."
OUT_OF_SCOPE = "Sorry, this village is outside your area."
ONLY_STAFF = "Sorry, this is only for akimat staff."
WATER = "No water in the pump on Lenin street since Monday"


async def snapshot(bot: Harness) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row a person could change."""
    db = services(bot).db
    return {
        table: [tuple(row) for row in await db.fetch_all(f"SELECT * FROM {table} ORDER BY 1")]  # noqa: S608
        for table in TABLES
    }


async def tap_refused(user: SimUser, data: str, expected: str) -> None:
    answer = await user.tap_data(data)
    assert answer is not None, data
    assert answer["text"] == expected, (data, answer)
    assert answer.get("show_alert") is True, data


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Harness]:
    """The bot without its flood guard: these tests tap far faster than a person."""
    settings = make_settings(tmp_path, flood_updates=0)
    await seed(settings)
    async with Harness(settings) as harness:
        yield harness


@pytest.fixture
async def scene(bot: Harness) -> dict[str, Any]:
    """A resident of Osakarovka with a complaint, one of Beineu, staff of both, a broadcast."""
    ivan = await resident(bot, 1102, "Ivan", "en")
    await file_complaint(ivan, WATER)
    appeal = await latest(bot)
    beineu = await resident(bot, 1201, "Aruzhan", "en", village="mng-beineu-beineu")
    district_staff = await staff_member(bot, STAFF_ID, "Erlan", "en")
    other_staff = await staff_member(bot, OTHER_STAFF_ID, "Bolat", "en")
    broadcast_id = await services(bot).engine.submit(
        kind="notice", payload={"text": "Roads closed"}, created_by=STAFF_ID,
        village_codes=("krg-osakarovka-osakarovka",),
    )  # fmt: skip
    await bot.broadcasts_finished()
    return {
        "ivan": ivan, "beineu": beineu, "appeal": appeal, "staff": district_staff,
        "other_staff": other_staff, "broadcast_id": broadcast_id,
    }  # fmt: skip


async def test_forged_callback_data_is_refused_and_changes_nothing(
    bot: Harness, scene: dict[str, Any]
) -> None:
    appeal_id, broadcast_id = scene["appeal"].id, scene["broadcast_id"]
    before = await snapshot(bot)
    other_staff, beineu, ivan = scene["other_staff"], scene["beineu"], scene["ivan"]
    # Another village's item, tapped by staff of Beineu.
    for action in ("open", "take", "ans", "res", "rej", "fwd", "ext"):
        await tap_refused(other_staff, f"v1:inb:{action}:{appeal_id}", OUT_OF_SCOPE)
    # Another staff member's broadcast; another resident's complaint.
    await tap_refused(
        other_staff,
        f"v1:bc:stop:{broadcast_id}",
        "Only its sender, or staff and coordinators responsible for all its villages, can stop "
        "this broadcast.",
    )
    await tap_refused(beineu, f"v1:my:open:{appeal_id}", STALE)
    await tap_refused(beineu, f"v1:my:solved:{appeal_id}:n", STALE)
    # Staff buttons from a resident.
    await tap_refused(ivan, f"v1:inb:take:{appeal_id}", ONLY_STAFF)
    await tap_refused(ivan, f"v1:bc:stop:{broadcast_id}", ONLY_STAFF)
    # Ids that do not exist.
    for data in ("v1:inb:open:999999", "v1:my:open:999999", "v1:my:solved:999999:y",
                 "v1:ob:vil:nowhere", "v1:ob:reg:xx:0", "v1:inb:list:bogus:all:0"):  # fmt: skip
        answer = await scene["staff"].tap_data(data)
        assert answer is not None and answer["text"] in (STALE, OUT_OF_SCOPE), (data, answer)
    # Malformed and oversized data, from a resident and from staff.
    for data in ("", "garbage", "v1:inb:open:abc", "v1:inb:open:-1", "v1:inb:open:" + "9" * 13,
                 "v1:inb:open", "v1:inb:extd:1:x", "v1:my:solved:1", "v1:ob:reg:krg:z",
                 "v1:" + "a" * 61, "x" * 65, "v1:" + "ж" * 40, "v1:inb:open:1\x00",
                 "v1:cmp:cat:roads", "v2:inb:open:1"):  # fmt: skip
        # Before: staff got "something went wrong" for arguments that did not parse.
        await tap_refused(scene["staff"], data, STALE)
        answer = await ivan.tap_data(data)
        assert answer is not None and answer["text"] in (STALE, ONLY_STAFF), (data, answer)
    await tap_refused(scene["staff"], "", STALE)  # before: staff got "something went wrong"
    assert await snapshot(bot) == before


@pytest.mark.parametrize("command", ["/inbox", "/residents", "/broadcast"])
async def test_staff_commands_from_a_resident_are_refused(
    bot: Harness, scene: dict[str, Any], command: str
) -> None:
    before = await snapshot(bot)
    ivan = scene["ivan"]
    await ivan.send(command)
    assert ivan.last_text == ONLY_STAFF
    await ivan.send(WATER + " again")  # no staff dialog was opened: his words are kept
    assert ivan.last_text.startswith("Send this as a complaint or a suggestion?")
    assert WATER not in scene["staff"].last_text or "again" not in scene["staff"].last_text
    after = await snapshot(bot)
    after["drafts"] = [row for row in after["drafts"] if row[1] not in ("loose", "asked")]
    assert after == before


async def test_a_coordinator_command_from_staff_of_a_village_is_scoped(bot: Harness) -> None:
    other = await staff_member(bot, OTHER_STAFF_ID, "Bolat", "en")
    await other.send("/residents")
    assert "Karaganda" not in other.last_text  # Beineu staff see Beineu only
    coordinator = await staff_member(bot, COORDINATOR_ID, "Dana", "en")
    await coordinator.send("/inbox")  # a coordinator is not staff
    assert coordinator.last_text == ONLY_STAFF


MARKUP = "<b>Road</b> *broken* _badly_ [link](http://evil.example) &amp; <script>x</script> `c`"


async def test_html_and_markdown_reach_staff_exactly_as_typed(bot: Harness) -> None:
    staff = await staff_member(bot, STAFF_ID, "Erlan", "en")
    ivan = await resident(bot, 1102, "Ivan", "en")
    await file_complaint(ivan, MARKUP)
    appeal = await latest(bot)
    assert appeal.text == MARKUP
    assert MARKUP in staff.last_text  # the notice
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    assert MARKUP in staff.last_text  # the card
    for call in bot.sim.calls:
        if call.method in ("sendMessage", "editMessageText", "sendPhoto"):
            assert call.params.get("parse_mode") is None, call
            assert "entities" not in call.params


LONG = "ы" * 4096


async def test_4096_characters_where_short_text_is_expected(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Ivan", "en")
    staff = await staff_member(bot, STAFF_ID, "Erlan", "en")
    await ivan.send("/complaint")
    await ivan.tap("🛣")
    before = await snapshot(bot)
    await ivan.send(LONG)
    assert ivan.last_text.startswith("That is too long (4096 characters): please keep within 2000.")
    assert await snapshot(bot) == before
    await ivan.send(WATER)  # the dialog goes on
    assert "📎" in ivan.last_text
    await ivan.tap("▶")
    await ivan.tap("✅")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:ans:{appeal.id}")
    before = await snapshot(bot)
    await staff.send(LONG)
    assert "too long" in staff.last_text
    assert await snapshot(bot) == before
    newcomer = bot.user(1301, "New", "en")
    await newcomer.send("/start")
    await newcomer.send(LONG)  # during onboarding
    assert newcomer.last_text == "Please choose with the buttons above, or send /cancel to stop."
    other = await resident(bot, 1302, "Other", "en")
    await other.send(LONG)  # outside any dialog
    assert other.last_text.startswith("That is too long (4096 characters)")
    assert all(len(t) <= 4096 for c in bot.sim.calls if (t := str(c.params.get("text", ""))))
    assert all(c.ok for c in bot.sim.calls_to("sendMessage"))


async def send_each_wrong_thing(bot: Harness, user: SimUser) -> None:
    """A sticker, a document, a video: each gets the same answer."""
    await user.send_sticker()
    first = user.last_text
    await user.send_document()
    assert user.last_text == first
    await send_raw(bot, user, video=VIDEO)
    assert user.last_text == first


async def test_stickers_documents_and_videos_where_they_do_not_belong(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Ivan", "en")
    await ivan.send("/complaint")
    before = await snapshot(bot)
    await send_each_wrong_thing(bot, ivan)  # the category step wants a button
    assert ivan.last_text == "Please use the buttons above, or /cancel to stop."
    await ivan.tap("🛣")
    await send_each_wrong_thing(bot, ivan)  # the text step wants text
    assert ivan.last_text.startswith("Please write the text first.")
    await ivan.send(WATER)
    before = await snapshot(bot)
    await send_each_wrong_thing(bot, ivan)  # attachments: photos, voice, location only
    assert ivan.last_text.startswith("Only photos, a voice note or a location can be attached")
    assert await snapshot(bot) == before
    newcomer = bot.user(1301, "New", "en")
    await newcomer.send("/start")
    await send_each_wrong_thing(bot, newcomer)
    assert newcomer.last_text == "Please choose with the buttons above, or send /cancel to stop."
    other = await resident(bot, 1302, "Other", "en")
    await send_each_wrong_thing(bot, other)
    assert other.last_text == "I did not understand that. Please choose from the menu:"


async def test_a_deep_link_to_a_village_that_does_not_exist(bot: Harness) -> None:
    ivan = await resident(bot, 1102, "Ivan", "en")
    before = await snapshot(bot)
    del before["conversations"]  # the bot does ask for the village: onboarding's state
    for payload in ("v_no-such-village", "v_" + "x" * 62, "v_%3Cb%3E", "v_", "v_krg"):
        await ivan.send(f"/start {payload}")
        assert ivan.texts[-2].startswith("This link points to a village that is not in Qatysu.")
        assert ivan.last_text == "Choose your region:"
    after = await snapshot(bot)
    del after["conversations"]
    # The picker's place (for a typed «back») is the dialog's state too.
    after["drafts"] = [row for row in after["drafts"] if row[1] != "onboarding"]
    assert after == before  # still in Osakarovka
    stranger = bot.user(1301, "New", "en")
    await stranger.send("/start v_no-such-village")
    assert stranger.last_text == "Choose your region:"
    await stranger.tap("Karaganda Region")  # and can pick one by buttons
    assert "district" in stranger.last_text


async def test_a_flood_from_one_resident_is_dropped_with_one_polite_answer(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, flood_updates=20, flood_window_seconds=2)
    await seed(settings)
    async with Harness(settings) as bot:
        ivan = await resident(bot, 1102, "Ivan", "ru")
        calm = await resident(bot, 1103, "Calm", "en")
        db = services(bot).db
        handled = await db.fetch_one("SELECT COUNT(*) FROM processed_updates")
        assert handled is not None
        shown = len(ivan.texts)
        for n in range(60):
            await ivan.send(f"spam {n}")
        slow_down = (
            "Вы отправляете сообщения слишком часто. Подождите несколько секунд и попробуйте снова."
        )
        assert ivan.texts.count(slow_down) == 1  # once per window, whatever the flood
        answered = len(ivan.texts) - shown - 1
        assert 15 <= answered < 20  # up to 20 updates in the window (joining counted too)
        after = await db.fetch_one("SELECT COUNT(*) FROM processed_updates")
        assert after is not None and after[0] - handled[0] == answered  # the rest cost nothing
        await calm.send("/mydata")  # others are not slowed
        assert "Osakarovka" in calm.last_text
        answer = await ivan.tap_data("v1:menu:my")
        assert answer is None and ivan.texts.count(slow_down) == 1  # dropped, told once
        guard = flood.guard_of(bot.app)
        assert guard is not None
        guard.clock = lambda: time.monotonic() + 2.1  # the window slides past
        await ivan.send("/mydata")
        assert "Осакаровка" in ivan.last_text
