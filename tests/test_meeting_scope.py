"""Meetings and forged taps: every staff action re-checks the role, the scope, the kind of
meeting and the theme on the server; residents cannot reach staff's buttons."""

from __future__ import annotations

import pytest

from bot.simulator import Harness
from storage import drafts, hearings, meetings
from storage import roles as roles_repo
from storage.models import Role, Scope, ScopeKind
from tests.conftest import OTHER_STAFF_ID, STAFF_ID
from tests.meeting_helpers import (
    MOLODEZHNY,
    announce,
    begin,
    db_of,
    join,
    settings,  # noqa: F401 (the fixture)
)

OUT_OF_SCOPE = "Sorry, this village is outside your area."
STALE = "This button is out of date."
STAFF_ACTIONS = ("mem", "madd", "mrm", "mdel:{id}:1", "aout", "qs", "qt:{id}:roads",
                 "qa:{id}:roads", "qpub", "qsend:{id}:a")  # fmt: skip


@pytest.mark.parametrize("action", STAFF_ACTIONS)
async def test_staff_of_another_village_are_refused_every_meeting_action(
    bot: Harness, action: str
) -> None:
    hearing = await announce(bot, "assembly")
    await meetings.add_members(db_of(bot), MOLODEZHNY, ["Асқар Н."], STAFF_ID)
    other = bot.user(OTHER_STAFF_ID, "Other", "en")
    await other.send("/start")
    data = action.format(id=hearing.id) if "{id}" in action else f"{action}:{hearing.id}"
    answer = await other.tap_data(f"v1:mt:{data}")
    assert answer is not None and answer["text"] == OUT_OF_SCOPE
    assert len(await meetings.members_of(db_of(bot), (MOLODEZHNY,))) == 1
    assert await drafts.load(db_of(bot), OTHER_STAFF_ID, "meeting_members") == {}


async def test_a_resident_cannot_reach_the_staffs_meeting_buttons(bot: Harness) -> None:
    hearing = await announce(bot, "report")
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    for data in (f"qs:{hearing.id}", f"qpub:{hearing.id}", f"aout:{hearing.id}", "ql"):
        answer = await ivan.tap_data(f"v1:mt:{data}")
        assert answer is not None
        assert answer["text"] == "Извините, это доступно только сотрудникам акимата."


async def test_forged_kinds_themes_and_audiences_are_refused(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/newmeeting")
    answer = await staff.tap_data("v1:hn:kind:senate")
    assert answer is not None and answer["text"].startswith(STALE)
    assert await drafts.load(db_of(bot), STAFF_ID, "new_hearing") == {}

    hearing = await announce(bot, "report", staff=staff)
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    await ivan.tap_data(f"v1:hr:ask:{hearing.id}")
    answer = await ivan.tap_data("v1:hr:qt:weather")
    assert answer is not None and answer["text"].startswith("Эта кнопка устарела")
    await ivan.send("Когда починят водонапорную башню?")
    row = await db_of(bot).fetch_one("SELECT category FROM appeals WHERE hearing_id = ?",
                                     (hearing.id,))  # fmt: skip
    assert row is not None and row[0] == "other"

    answer = await staff.tap_data(f"v1:mt:qt:{hearing.id}:weather")
    assert answer is not None and answer["text"].startswith(STALE)
    await begin(bot, hearing)
    await staff.tap_data(f"v1:mt:qt:{hearing.id}:other")
    await staff.tap("✍️ Answer these questions")
    await staff.send("In 2027.")
    answer = await staff.tap_data(f"v1:mt:qsend:{hearing.id}:everyone")
    assert answer is not None and answer["text"].startswith(STALE)
    stored = await hearings.get(db_of(bot), hearing.id)
    assert stored is not None and stored.answers_sent_at is None


async def test_kind_specific_actions_are_refused_on_another_kind(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    report = await announce(bot, "report", staff=staff)
    assembly = await announce(bot, "assembly", staff=staff)
    await begin(bot, report)
    await begin(bot, assembly)
    for data in (f"v1:mt:aout:{report.id}", f"v1:mt:mem:{report.id}",
                 f"v1:ha:outcome:{assembly.id}"):  # fmt: skip
        answer = await staff.tap_data(data)
        assert answer is not None and answer["text"].startswith(STALE), data
    for meeting in (report, assembly):
        stored = await hearings.get(db_of(bot), meeting.id)
        assert stored is not None and stored.status == "scheduled"


async def test_a_role_revoked_while_typing_members_stores_nothing(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "assembly", staff=staff)
    await staff.tap_data(f"v1:mt:madd:{hearing.id}")
    assert staff.last_text.startswith("Send the names of the members from Molodezhny")
    await roles_repo.revoke(
        db_of(bot), STAFF_ID, Role.STAFF, Scope(ScopeKind.DISTRICT, "krg-osakarovka")
    )
    await staff.send("Асқар Нұрланұлы\nМария Иванова")
    assert staff.last_text == OUT_OF_SCOPE
    assert await meetings.members_of(db_of(bot), (MOLODEZHNY,)) == []


async def test_a_question_typed_after_the_meeting_was_cancelled_is_not_filed(
    bot: Harness,
) -> None:
    from bot.hearings import service

    staff = bot.user(STAFF_ID, "Erlan", "en")
    hearing = await announce(bot, "report", staff=staff)
    ivan = await join(bot, 102, MOLODEZHNY, "ru")
    await ivan.tap_data(f"v1:hr:ask:{hearing.id}")
    services = bot.app.bot_data.services
    assert services is not None
    report_to = (STAFF_ID, services.i18n.get("en"))
    assert await service.cancel(services, hearing, actor=STAFF_ID, report_to=report_to,
                                reason="Illness")  # fmt: skip
    await ivan.send("Когда починят водонапорную башню?")
    assert ivan.last_text == "Это мероприятие отменено."
    assert await db_of(bot).fetch_one("SELECT 1 FROM appeals WHERE hearing_id = ?",
                                      (hearing.id,)) is None  # fmt: skip


async def test_only_residents_of_its_villages_answer_a_meeting(bot: Harness) -> None:
    hearing = await announce(bot, "report")
    outsider = await join(bot, 105, "krg-osakarovka-osakarovka", "ru")
    for action in ("go", "ask"):
        answer = await outsider.tap_data(f"v1:hr:{action}:{hearing.id}")
        assert answer is not None
        assert answer["text"] == (
            "Отвечать на это мероприятие и задавать вопросы могут только жители: Молодежный "
            "(и сотрудники акимата)."
        )
    assert await hearings.rsvp_count(db_of(bot), hearing.id) == 0
    assert await drafts.load(db_of(bot), 105, "hearing_question") == {}
