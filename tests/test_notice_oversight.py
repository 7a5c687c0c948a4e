"""Oversight of staff notices: safe attachments, a daily limit, a second pair of eyes, stopping.

Each through the simulator as staff, coordinators and residents would: what they see, what
was sent, what is stored. Every tap is also forged, repeated and sent by the wrong person.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.broadcast import oversight
from bot.simulator import Harness, SimUser
from storage import notice_requests, roles
from storage.db import Database, to_db_time, utcnow
from storage.models import Role, Scope, ScopeKind
from tests.appeal_helpers import staff_member
from tests.conftest import ADMIN_ID, COORDINATOR_ID, OTHER_STAFF_ID, STAFF_ID, make_settings, seed
from tests.test_broadcasts import db_of, received, residents, total_received

MOLODEZHNY = "krg-osakarovka-molodezhny"
APK = "application/vnd.android.package-archive"
ONLY_STAFF = "Sorry, this is only for akimat staff."
STALE = "This button is out of date. Send /start."
NOT_IN_AREA = (
    "Only staff or coordinators responsible for all of this notice's villages can decide on it."
)


def services_of(bot: Harness) -> oversight.Services:
    found = bot.app.bot_data.services
    assert found is not None
    return found


async def compose(staff: SimUser, text: str = "Water off tomorrow 10:00-14:00") -> None:
    """/broadcast, the text, Molodezhny: up to the confirmation."""
    await staff.send("/broadcast")
    await staff.send(text)
    await staff.tap("Molodezhny")
    await staff.tap("Done ›")


async def requests_in(db: Database) -> list[notice_requests.NoticeRequest]:
    rows = await db.fetch_all("SELECT id FROM notice_requests ORDER BY id")
    found = [await notice_requests.get(db, row[0]) for row in rows]
    return [request for request in found if request is not None]


async def notice_broadcasts(db: Database) -> int:
    row = await db.fetch_one("SELECT COUNT(*) FROM broadcasts WHERE kind = 'notice'")
    assert row is not None
    return int(row[0])


# --- attachments -------------------------------------------------------------------------------


async def test_an_app_or_a_renamed_file_cannot_go_out_with_a_notice(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/broadcast")
    for name, mime in (("update.apk", APK), ("update.pdf", APK), ("update.apk", "application/pdf"),
                       ("setup.exe", "application/x-msdownload"), ("clip.mp4", "video/mp4"),
                       ("noname", "application/pdf"), ("page.html", "text/html")):  # fmt: skip
        await staff.send_document(name, mime_type=mime, caption="Install the akimat app")
        assert staff.last_text.startswith("This file cannot go out with a notice."), name
        assert "PDF" in staff.last_text and "DOCX" in staff.last_text
    await staff.send_document("big.pdf", size=21 * 1024 * 1024)
    assert staff.last_text.startswith("This file is over 20 MB")
    await staff.send_sticker()
    assert staff.last_text.startswith("A notice can be text, a photo or a document.")
    assert staff.last_text != "Choose villages (chosen: 0 villages):"
    draft = await db_of(bot).fetch_one("SELECT data FROM drafts WHERE dialog = 'notice'")
    assert draft is not None and "update" not in draft[0]  # nothing of them was kept


async def test_pdf_and_office_documents_and_photos_reach_residents(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    staff = bot.user(STAFF_ID, "Erlan", "en")
    for name, mime in (("budget.pdf", "application/pdf"),
                       ("plan.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml"
                                     ".sheet"),
                       ("map.PNG", "image/png")):  # fmt: skip
        await staff.send("/broadcast")
        await staff.send_document(name, mime_type=mime, caption=f"See {name}")
        await staff.tap("Molodezhny")
        await staff.tap("Done ›")
        await staff.tap("📤 Send")
        await bot.broadcasts_finished()
    await staff.send("/broadcast")
    await staff.send_photo(caption="New bus stop")
    await staff.tap("Molodezhny")
    await staff.tap("Done ›")
    await staff.tap("📤 Send")
    await bot.broadcasts_finished()
    documents = [c for c in bot.sim.calls_to("sendDocument") if c.params["chat_id"] == 101]
    assert [c.params["caption"].split("\n\n")[-1] for c in documents] == [
        "See budget.pdf", "See plan.xlsx", "See map.PNG",
    ]  # fmt: skip
    assert all(c.params["document"].startswith(f"doc-{STAFF_ID}-") for c in documents)
    photos = [c for c in bot.sim.calls_to("sendPhoto") if c.params["chat_id"] == 101]
    assert len(photos) == 1 and photos[0].params["photo"].startswith(f"photo-{STAFF_ID}-")


async def test_a_stored_unsafe_document_is_refused_before_the_engine(bot: Harness) -> None:
    await residents(bot, MOLODEZHNY, range(101, 103))
    services = services_of(bot)
    tr = services.i18n.get("en")
    payload = {"text": "x", "document": "doc-1", "file_name": "a.apk", "mime_type": APK}
    try:
        await oversight.submit(
            services, bot.app.bot, author_id=STAFF_ID, report_to=(STAFF_ID, tr),
            payload=payload, village_codes=(MOLODEZHNY,),
        )  # fmt: skip
    except oversight.NoticeRefused as refused:
        assert refused.key == "notice.unsafe_document"
    else:
        raise AssertionError("an .apk went to the engine")
    assert await notice_broadcasts(db_of(bot)) == 0


# --- the daily limit ---------------------------------------------------------------------------


async def test_the_daily_limit_is_checked_at_the_start_and_at_send(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, broadcasts_per_day=2)
    await seed(settings)
    async with Harness(settings) as bot:
        await residents(bot, MOLODEZHNY, range(101, 103))
        staff = bot.user(STAFF_ID, "Erlan", "en")
        await compose(staff, "First notice of the day")
        await staff.tap("📤 Send")
        await bot.broadcasts_finished()
        await compose(staff, "Second notice of the day")  # a third goes in meanwhile
        await services_of(bot).engine.submit(
            kind="notice", payload={"text": "sent meanwhile"}, created_by=STAFF_ID,
            village_codes=(MOLODEZHNY,),
        )  # fmt: skip
        await bot.broadcasts_finished()
        await staff.tap("📤 Send")
        assert staff.last_text.startswith("You have already sent 2 notices today")
        await bot.broadcasts_finished()
        assert total_received(bot, range(101, 103), "Second notice") == 0
        await staff.send("/broadcast")
        assert staff.last_text.startswith("You have already sent 2 notices today")
        # Another staff member's day is their own; hearing notices and polls do not count.
        other = bot.user(OTHER_STAFF_ID, "Bolat", "en")
        await other.send("/broadcast")
        assert other.last_text.startswith("Send the notice")
        # The next local day starts afresh.
        await db_of(bot).execute_write(
            "UPDATE broadcasts SET created_at = ?", (to_db_time(utcnow() - timedelta(days=1)),)
        )
        await staff.send("/broadcast")
        assert staff.last_text.startswith("Send the notice")


# --- approval ----------------------------------------------------------------------------------


async def approval_scene(tmp_path: Path, **overrides: object) -> Harness:
    settings = make_settings(tmp_path, **{"broadcast_approval_min": 3, **overrides})
    await seed(settings)
    bot = Harness(settings)
    await bot.start()
    await residents(bot, MOLODEZHNY, range(101, 104), "en")
    return bot


async def test_a_large_notice_waits_for_a_coordinator_of_its_area(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path)
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    beineu_staff = await staff_member(bot, OTHER_STAFF_ID, "Bolat", "en")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await compose(staff)
    assert "🛂 A notice to 3 residents or more goes out only after" in staff.last_text
    await staff.tap("🛂 Ask for approval")
    await bot.broadcasts_finished()
    assert staff.last_text.startswith("🛂 Notice #1 waits for approval. Asked: 1 staff member")
    assert total_received(bot, range(101, 104), "Water off") == 0  # nothing went out
    (request,) = await requests_in(db_of(bot))
    assert (request.status, request.recipients, request.created_by) == ("waiting", 3, STAFF_ID)
    # The coordinator sees the notice as residents will, then the request.
    assert coordinator.texts[-2] == "📢 Notice from the akimat\n\nWater off tomorrow 10:00-14:00"
    assert coordinator.last_text.startswith(
        "🛂 Erlan asks to send notice #1 (above) to 3 residents"
    )
    assert not any("🛂" in text for text in beineu_staff.texts)  # not of the area: not asked

    answer = await coordinator.tap("✅ Approve and send")
    assert answer is not None and "text" not in answer
    await bot.broadcasts_finished()
    assert [received(bot, uid, "Water off") for uid in range(101, 104)] == [1, 1, 1]
    assert coordinator.last_text == "✅ You approved notice #1: it is going out to 3 residents."
    assert coordinator.button_labels() == ["⛔ Stop sending"]
    assert staff.last_text.startswith("✅ Approved by Gulnar\n\n✅ Broadcast finished.")
    (request,) = await requests_in(db_of(bot))
    assert (request.status, request.decided_by) == ("approved", COORDINATOR_ID)
    assert request.broadcast_id is not None
    await bot.stop()


async def test_approval_taps_are_checked_forged_and_repeated(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path)
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await compose(staff)
    await staff.tap("🛂 Ask for approval")
    (request,) = await requests_in(db_of(bot))
    ok, no = f"v1:nta:ok:{request.id}", f"v1:nta:no:{request.id}"

    async def refused(person: SimUser, data: str, text: str) -> None:
        answer = await person.tap_data(data)
        assert answer is not None and answer["text"] == text, (data, answer)

    await refused(staff, ok, "You cannot approve your own notice: another staff member or a "
                             "coordinator must.")  # fmt: skip
    beineu_staff = bot.user(OTHER_STAFF_ID, "Bolat", "en")
    await beineu_staff.send("/start")
    await refused(beineu_staff, ok, NOT_IN_AREA)
    await refused(beineu_staff, no, NOT_IN_AREA)
    await refused(beineu_staff, f"v1:nta:wd:{request.id}", STALE)  # only its author withdraws
    await refused(beineu_staff, f"v1:nta:see:{request.id}", NOT_IN_AREA)
    resident = bot.user(101, "R101", "en")
    await refused(resident, ok, ONLY_STAFF)
    for data in ("v1:nta:ok:999", "v1:nta:ok", "v1:nta:ok:x", "v1:nta:ok:-1"):
        await refused(coordinator, data, STALE)
    assert (await requests_in(db_of(bot)))[0].status == "waiting"
    assert await notice_broadcasts(db_of(bot)) == 0

    request_message = coordinator.messages[-1]
    await coordinator.tap_data(ok, request_message)
    await refused(coordinator, ok, "This notice has already been approved.")  # a double tap
    await refused(coordinator, no, "This notice has already been approved.")
    await refused(staff, f"v1:nta:wd:{request.id}", "This notice has already been approved.")
    await bot.broadcasts_finished()
    assert await notice_broadcasts(db_of(bot)) == 1
    assert [received(bot, uid, "Water off") for uid in range(101, 104)] == [1, 1, 1]
    await bot.stop()


async def test_two_approvers_at_once_make_one_broadcast(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path)
    second = 5010
    await roles.grant(db_of(bot), second, Role.STAFF, Scope(ScopeKind.DISTRICT, "krg-osakarovka"),
                      "test")  # fmt: skip
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    colleague = await staff_member(bot, second, "Aidos", "en")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await compose(staff)
    await staff.tap("🛂 Ask for approval")
    assert "Asked: 2 staff members or coordinators" in staff.last_text
    answers = await asyncio.gather(
        coordinator.tap("✅ Approve and send"), colleague.tap("✅ Approve and send")
    )
    texts = sorted(str(answer.get("text")) for answer in answers if answer is not None)
    assert texts == ["None", "This notice has already been approved."]  # one of the two won
    await bot.broadcasts_finished()
    assert await notice_broadcasts(db_of(bot)) == 1
    assert [received(bot, uid, "Water off") for uid in range(101, 104)] == [1, 1, 1]
    await bot.stop()


async def test_a_rejected_or_withdrawn_notice_goes_to_nobody(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path)
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await compose(staff, "Rejected text")
    await staff.tap("🛂 Ask for approval")
    await coordinator.tap("✖ Reject")
    assert coordinator.last_text == "✖ You rejected notice #1. Its author has been told."
    assert staff.last_text == (
        "✖ Your notice #1 to 3 residents was not approved (Gulnar). Nothing was sent."
    )
    await compose(staff, "Withdrawn text")
    await staff.tap("🛂 Ask for approval")
    await staff.tap("↩️ Withdraw")
    assert staff.last_text == "↩️ Notice #2 withdrawn. Nothing was sent."
    answer = await coordinator.tap("✅ Approve and send")  # the request of #2, still on screen
    assert answer is not None and answer["text"] == "Its author has withdrawn this notice."
    answer = await coordinator.tap_data("v1:nta:ok:1")
    assert answer is not None and answer["text"] == "This notice has already been rejected."
    await bot.broadcasts_finished()
    assert await notice_broadcasts(db_of(bot)) == 0
    assert total_received(bot, range(101, 104), "text") == 0
    assert [r.status for r in await requests_in(db_of(bot))] == ["rejected", "withdrawn"]
    await bot.stop()


async def test_an_undecided_request_lapses_after_a_day(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path)
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await compose(staff)
    await staff.tap("🛂 Ask for approval")
    db = db_of(bot)
    await db.execute_write(
        "UPDATE notice_requests SET created_at = ?", (to_db_time(utcnow() - timedelta(hours=25)),)
    )
    # Before the job has run, a tap already sees it lapsed.
    answer = await coordinator.tap("✅ Approve and send")
    assert answer is not None and answer["text"] == (
        "This request has lapsed: nobody approved it within 24 hours."
    )
    assert await oversight.expire(services_of(bot), bot.app.bot) == 1
    assert await oversight.expire(services_of(bot), bot.app.bot) == 0  # once
    assert staff.last_text == (
        "⌛ Your notice #1 to 3 residents was not approved within 24 hours and was not sent."
    )
    await bot.broadcasts_finished()
    assert await notice_broadcasts(db) == 0
    await bot.stop()


async def test_an_approved_notice_a_crash_held_back_goes_out_once(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path)
    await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await compose(staff)
    await staff.tap("🛂 Ask for approval")
    db = db_of(bot)
    # The approval was stored, then the process died before the broadcast was made.
    assert await notice_requests.decide(db, 1, "approved", COORDINATOR_ID, utcnow())
    await bot.restart(crash=True)
    await oversight.expire(services_of(bot), bot.app.bot)
    await oversight.expire(services_of(bot), bot.app.bot)
    await bot.broadcasts_finished()
    assert await notice_broadcasts(db_of(bot)) == 1
    assert [received(bot, uid, "Water off") for uid in range(101, 104)] == [1, 1, 1]
    await bot.stop()


async def test_an_author_who_lost_the_role_is_not_sent_for(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path)
    coordinator = await staff_member(bot, COORDINATOR_ID, "Gulnar", "en")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await compose(staff)
    await staff.tap("🛂 Ask for approval")
    await roles.revoke(db_of(bot), STAFF_ID, Role.STAFF, None)
    answer = await coordinator.tap("✅ Approve and send")
    assert answer is not None and answer["text"] == (
        "Its author is no longer staff of these villages: the notice cannot be sent."
    )
    assert (await requests_in(db_of(bot)))[0].status == "waiting"  # it lapses in time
    await bot.broadcasts_finished()
    assert await notice_broadcasts(db_of(bot)) == 0
    await bot.stop()


async def ask_for_beineu(bot: Harness) -> SimUser:
    """Staff of Beineu ask to send a notice to its three residents."""
    await residents(bot, "mng-beineu-beineu", range(201, 204), "en")
    beineu_staff = bot.user(OTHER_STAFF_ID, "Bolat", "en")
    await beineu_staff.send("/broadcast")
    await beineu_staff.send("Beineu notice")
    await beineu_staff.tap("Beineu")
    await beineu_staff.tap("Done ›")
    await beineu_staff.tap("🛂 Ask for approval")
    return beineu_staff


async def test_nobody_to_approve_sends_nothing(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path, admin_ids=[])
    beineu_staff = await ask_for_beineu(bot)  # Mangystau has no coordinator, no other staff
    assert beineu_staff.last_text.startswith("This notice needs the approval of a second staff")
    assert await requests_in(db_of(bot)) == []
    await bot.broadcasts_finished()
    assert total_received(bot, range(201, 204), "Beineu notice") == 0
    await bot.stop()


async def test_admins_stand_in_when_the_area_has_nobody_else(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path)
    admin = await staff_member(bot, ADMIN_ID, "Admin", "en")
    await ask_for_beineu(bot)
    assert admin.last_text.startswith("🛂 Bolat asks to send notice #1 (above) to 3 residents")
    await admin.tap("✅ Approve and send")
    await bot.broadcasts_finished()
    assert total_received(bot, range(201, 204), "Beineu notice") == 3
    await bot.stop()


async def test_a_small_notice_goes_without_approval(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path, broadcast_approval_min=4)
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await compose(staff)
    assert "🛂" not in staff.last_text
    await staff.tap("📤 Send")
    await bot.broadcasts_finished()
    assert total_received(bot, range(101, 104), "Water off") == 3
    assert await requests_in(db_of(bot)) == []
    await bot.stop()


# --- stopping ----------------------------------------------------------------------------------


async def test_a_coordinator_of_the_area_stops_a_running_notice(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, broadcast_rate=10)
    await seed(settings)
    async with Harness(settings) as bot:
        await residents(bot, MOLODEZHNY, range(200, 240), "en")
        await roles.grant(db_of(bot), 5020, Role.COORDINATOR, Scope(ScopeKind.REGION, "mng"),
                          "test")  # fmt: skip
        coordinator = bot.user(COORDINATOR_ID, "Gulnar", "en")
        other_region = bot.user(5020, "Saule", "en")
        beineu_staff = bot.user(OTHER_STAFF_ID, "Bolat", "en")
        ivan = bot.user(1002, "Ivan", "en")
        for person in (coordinator, other_region, beineu_staff, ivan):
            await person.send("/start")
        staff = bot.user(STAFF_ID, "Erlan", "en", started=True)
        broadcast_id = await services_of(bot).engine.submit(
            kind="notice", payload={"text": "Install our app.apk"}, created_by=STAFF_ID,
            report_to=(STAFF_ID, services_of(bot).i18n.get("en")), village_codes=(MOLODEZHNY,),
        )  # fmt: skip
        await bot.wait_until(lambda: total_received(bot, range(200, 240), "Install") > 4)
        stop = f"v1:bc:stop:{broadcast_id}"
        for person, text in ((other_region, "Only its sender, or staff and coordinators "
                              "responsible for all its villages, can stop this broadcast."),
                             (beineu_staff, "Only its sender, or staff and coordinators "
                              "responsible for all its villages, can stop this broadcast."),
                             (ivan, ONLY_STAFF)):  # fmt: skip
            answer = await person.tap_data(stop)
            assert answer is not None and answer["text"] == text
        await other_region.send("/notices")
        assert other_region.last_text == (
            "No notice of your area is waiting for approval or going out now."
        )
        await coordinator.send("/notices")
        assert coordinator.last_text.startswith(
            f"📋 Notices of your area:\n\n📤 #{broadcast_id} · notice · sent "
        )
        assert coordinator.last_text.endswith("«Install our app.apk»")
        answer = await coordinator.tap(f"⛔ Stop #{broadcast_id}")
        assert answer is not None and answer["text"] == "Stopped."
        await bot.broadcasts_finished()
        assert total_received(bot, range(200, 240), "Install") < 40
        assert staff.last_text.startswith("⛔ Stopped.")
        answer = await coordinator.tap_data(stop)  # again
        assert answer is not None and answer["text"] == "This broadcast is already over."


async def test_notices_lists_what_waits_for_approval(tmp_path: Path) -> None:
    bot = await approval_scene(tmp_path)
    coordinator = bot.user(COORDINATOR_ID, "Gulnar", "en")
    await coordinator.send("/notices")
    assert coordinator.last_text.startswith("No notice of your area")
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await compose(staff)
    await staff.tap("🛂 Ask for approval")
    await staff.send("/notices")
    assert staff.last_text.startswith("📋 Notices of your area:\n\n🛂 #1 · Erlan · 3 residents")
    assert staff.button_labels() == ["↩️ Withdraw #1"]
    await coordinator.send("/notices")
    assert coordinator.button_labels() == ["👁 #1: see and decide"]
    await coordinator.tap("👁 #1: see and decide")
    assert coordinator.texts[-2].endswith("Water off tomorrow 10:00-14:00")
    await coordinator.tap("✅ Approve and send")
    await bot.broadcasts_finished()
    assert total_received(bot, range(101, 104), "Water off") == 3
    resident = bot.user(101, "R101", "en")
    await resident.send("/notices")
    assert resident.last_text == ONLY_STAFF
    await bot.stop()
