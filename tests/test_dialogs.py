"""Every dialog can be re-entered, continued, left; and one dialog at a time, across restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from bot.simulator import Harness, SimUser
from storage import conversations, drafts, hearings
from storage.db import Database, utcnow
from storage.hearings import Hearing, NewHearing
from tests.appeal_helpers import OSAKAROVKA, file_complaint, latest, resident, services
from tests.conftest import STAFF_ID
from tests.poll_helpers import MOLODEZHNY
from tests.poll_helpers import announce as announce_poll

pytestmark = pytest.mark.both_databases

ASK = "Start over? What you have entered so far will be lost."
ASK_BUTTONS = ["🔄 Start over", "▶️ Continue"]
BUSY_BUTTONS = ["▶️ Continue", "✖ Cancel"]
TOPIC = "What is the topic of the public hearing?"
DAY = "Which day?"
QUESTION = "🗳 New poll. Send the question"
OPTIONS = "Send the options, one per line"
NOTICE = "Send the notice: text, or a photo"
VILLAGES = "Choose the villages"
CATEGORY = "What is your complaint about?"
ATTACH = "If you like, add up to 3 photos"
CANCELLED = "Cancelled. Nothing was changed."


def db_of(bot: Harness) -> Database:
    return services(bot).db


async def state_of(bot: Harness, name: str, user_id: int) -> object | None:
    """The stored step of a person's dialog (None: not in it)."""
    return (await conversations.load_all(db_of(bot), name)).get((user_id, user_id))


@dataclass(frozen=True)
class Case:
    """A dialog entered by a command: how a person gets to its second step."""

    command: str
    name: str  # the conversation's name
    draft: str  # the draft's name
    first: str  # the first prompt starts so
    step: str  # the prompt of the step after the first answer starts so
    enter: Callable[[SimUser], Awaitable[None]]  # the first answer
    staff: bool = True


async def _type(user: SimUser, text: str) -> None:
    await user.send(text)


async def _tap(user: SimUser, label: str) -> None:
    await user.tap(label)


async def _complaint_text(user: SimUser) -> None:
    await user.tap("🛣")
    await user.send("A pothole by the bridge, dangerous to drive")


CASES = [
    Case("/newhearing", "new_hearing", "new_hearing", TOPIC, DAY,
         lambda u: _type(u, "Budget 2027")),
    Case("/newpoll", "newpoll", "newpoll", QUESTION, OPTIONS,
         lambda u: _type(u, "Which road first?")),
    Case("/broadcast", "broadcast", "notice", NOTICE, VILLAGES,
         lambda u: _type(u, "No water tomorrow from 10 to 14.")),
    Case("/complaint", "complaint", "complaint", CATEGORY, ATTACH, _complaint_text, staff=False),
    Case("/newbudget", "newbudget", "newbudget", "💰 New participatory budget.",
         "Send the budget's title", lambda u: _tap(u, "Molodezhny")),
]  # fmt: skip
IDS = [case.name for case in CASES]


async def person_for(bot: Harness, case: Case) -> SimUser:
    if case.staff:
        return bot.user(STAFF_ID, "Erlan", "en")
    return await resident(bot, 1101, "Dana", "en")


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_own_command_with_nothing_entered_starts_over_at_once(
    bot: Harness, case: Case
) -> None:
    user = await person_for(bot, case)
    await user.send(case.command)
    shown = len(user.texts)
    await user.send(case.command)
    assert len(user.texts) == shown + 1 and user.last_text.startswith(case.first)
    await case.enter(user)
    assert user.last_text.startswith(case.step)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_own_command_after_typing_asks_and_start_over_forgets(
    bot: Harness, case: Case
) -> None:
    user = await person_for(bot, case)
    await user.send(case.command)
    await case.enter(user)
    kept = await drafts.load(db_of(bot), user.id, case.draft)
    await user.send(case.command)
    assert user.last_text == ASK and user.button_labels() == ASK_BUTTONS
    assert await drafts.load(db_of(bot), user.id, case.draft) == kept  # nothing lost yet
    answer = await user.tap("Start over")
    assert answer is not None and "text" not in answer  # answered once, quietly
    assert user.last_text.startswith(case.first)
    assert not any(v for k, v in (await drafts.load(db_of(bot), user.id, case.draft)).items()
                   if k != "kind")  # fmt: skip
    await case.enter(user)  # taken by the first step again
    assert user.last_text.startswith(case.step)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_continue_resumes_at_the_step_with_what_was_entered(bot: Harness, case: Case) -> None:
    user = await person_for(bot, case)
    await user.send(case.command)
    await case.enter(user)
    kept = await drafts.load(db_of(bot), user.id, case.draft)
    step = await state_of(bot, case.name, user.id)
    await user.send(case.command)
    await user.tap("Continue")
    assert user.last_text.startswith(case.step)
    assert await drafts.load(db_of(bot), user.id, case.draft) == kept
    assert await state_of(bot, case.name, user.id) == step
    assert not any(label in ASK_BUTTONS for label in user.button_labels())


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_re_entry_survives_restarts(bot: Harness, case: Case) -> None:
    user = await person_for(bot, case)
    await user.send(case.command)
    await case.enter(user)
    await bot.restart()
    await user.send(case.command)
    assert user.last_text == ASK
    await bot.restart()
    await user.tap("Continue")
    assert user.last_text.startswith(case.step)
    await user.send(case.command)
    await bot.restart()
    await user.tap("Start over")
    assert user.last_text.startswith(case.first)
    await bot.restart()
    await user.send(case.command)  # nothing entered since: at once
    assert user.last_text.startswith(case.first)


async def test_newpoll_again_takes_the_new_question_as_a_question(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/newpoll")
    await staff.send("Which road first?")
    await staff.send("/newpoll")
    await staff.tap("Start over")
    await staff.send("Which roof first?")
    assert staff.last_text.startswith(OPTIONS)
    assert await drafts.load(db_of(bot), STAFF_ID, "newpoll") == {"question": "Which roof first?"}


async def test_continue_at_the_village_picker_keeps_the_choice(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/broadcast")
    await staff.send("No water tomorrow.")
    await staff.tap("Molodezhny")
    await staff.send("/broadcast")
    await staff.tap("Continue")
    assert staff.last_text == "Choose the villages (1 village chosen):"
    await staff.tap_data("v1:ntc:vok")
    assert staff.last_text.startswith("Send this notice to")


async def test_complaint_start_over_with_another_entry_starts_that_one(bot: Harness) -> None:
    dana = await resident(bot, 1101, "Dana", "en")
    await dana.send("/complaint")
    await _complaint_text(dana)
    await dana.send("/suggestion")
    assert dana.last_text == ASK
    await dana.tap("Start over")
    assert dana.last_text == "What is your suggestion about? Choose a category:"
    assert (await drafts.load(db_of(bot), 1101, "complaint"))["kind"] == "suggestion"


# --- dialogs entered by a button -----------------------------------------------------------
async def future_hearing(bot: Harness) -> Hearing:
    return await hearings.create(db_of(bot), NewHearing(
        topic="Budget 2027", starts_at=utcnow() + timedelta(days=3), place="Club", agenda="1",
        village_codes=(OSAKAROVKA,), created_by=STAFF_ID,
    ))  # fmt: skip


async def test_hearing_change_is_re_entered_by_its_buttons(bot: Harness) -> None:
    hearing = await future_hearing(bot)
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/menu")
    await staff.tap_data(f"v1:ha:time:{hearing.id}")
    assert staff.last_text.startswith(DAY)
    await staff.tap_data(f"v1:ha:place:{hearing.id}")  # nothing chosen yet: at once
    assert staff.last_text.startswith("Where will it take place?")
    await staff.send("School hall")
    assert staff.last_text.startswith("Send a map pin")
    await staff.tap_data(f"v1:ha:place:{hearing.id}")
    assert staff.last_text == ASK
    await bot.restart()
    await staff.tap("Continue")
    assert staff.last_text.startswith("Send a map pin")
    await staff.tap_data(f"v1:ha:place:{hearing.id}")
    answer = await staff.tap("Start over")
    assert answer is not None and "text" not in answer
    assert staff.last_text.startswith("Where will it take place?")
    assert await drafts.load(db_of(bot), STAFF_ID, "hearing_change") == {
        "id": hearing.id, "mode": "place",
    }  # fmt: skip
    await staff.send("School hall")
    await staff.tap_data("v1:ha:nopin")
    assert "School hall" in staff.texts[-2]  # the preview of the change


async def test_hearing_question_is_re_entered_by_its_button(bot: Harness) -> None:
    hearing = await future_hearing(bot)
    dana = await resident(bot, 1101, "Dana", "en")
    await dana.tap_data(f"v1:hr:ask:{hearing.id}")
    prompt = dana.last_text
    assert prompt.startswith("Write your question for the hearing «Budget 2027»")
    await bot.restart()
    await dana.tap_data(f"v1:hr:ask:{hearing.id}")
    assert dana.texts[-2:] == [prompt, prompt]
    await dana.send("Will the road to the school be repaired this year?")
    assert dana.last_text.startswith("✅")


async def test_inbox_typing_is_re_entered_by_another_action(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/menu")
    dana = await resident(bot, 1101, "Dana", "en")
    await file_complaint(dana, "A pothole by the bridge, dangerous to drive")
    appeal = await latest(bot)
    await staff.tap_data(f"v1:inb:ans:{appeal.id}")
    assert staff.last_text.startswith("Type the answer to")
    await bot.restart()
    await staff.tap_data(f"v1:inb:rej:{appeal.id}")
    assert staff.last_text.startswith("Type the reason for rejecting")
    assert (await drafts.load(db_of(bot), STAFF_ID, "inbox"))["action"] == "rej"


async def test_paper_votes_are_re_entered_by_their_button(bot: Harness) -> None:
    poll = await announce_poll(bot, villages=(MOLODEZHNY, OSAKAROVKA))
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.tap_data(f"v1:pst:paper:{poll.id}", staff.messages[-1])
    assert staff.last_text == "Paper votes of which village?"
    await staff.tap("Molodezhny")
    assert staff.last_text.startswith("📝 Protocol of paper votes. When was the meeting?")
    await bot.restart()
    await staff.tap_data(f"v1:pst:paper:{poll.id}", staff.messages[-1])
    assert staff.last_text == "Paper votes of which village?"
    assert await drafts.load(db_of(bot), STAFF_ID, "poll_paper") == {"poll": poll.id}


async def test_onboarding_is_re_entered_by_start_and_village(bot: Harness) -> None:
    user = bot.user(1102, "Ivan", "en")
    await user.send("/start")
    await user.send("/start")
    assert user.texts[-2:] == [user.texts[-1]] * 2 and "Choose your language" in user.last_text
    await bot.restart()
    await user.send("/village")
    assert user.last_text == "Choose your region:"


# --- one dialog at a time --------------------------------------------------------------------
async def test_another_dialogs_command_asks_to_finish_the_open_one_first(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/newhearing")
    await staff.send("Budget 2027")
    await staff.send("/newpoll")
    assert staff.last_text == "First finish announcing the public hearing, or send /cancel."
    assert staff.button_labels() == BUSY_BUTTONS
    assert await state_of(bot, "newpoll", STAFF_ID) is None
    await bot.restart()
    await staff.tap("Continue")
    assert staff.last_text.startswith(DAY)
    await staff.send("/broadcast")
    await staff.tap("Cancel")
    assert staff.last_text == CANCELLED
    assert await drafts.load(db_of(bot), STAFF_ID, "new_hearing") == {}
    await staff.send("/broadcast")
    assert staff.last_text.startswith(NOTICE)
    await staff.send("No water tomorrow.")
    assert staff.last_text.startswith(VILLAGES)  # the notice, not a hearing's day


async def test_another_dialog_starts_at_once_when_nothing_was_entered(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/newhearing")
    await staff.send("/newpoll")
    assert staff.last_text.startswith(QUESTION)
    assert await state_of(bot, "new_hearing", STAFF_ID) is None
    await staff.send("Which road first?")
    assert staff.last_text.startswith(OPTIONS)
    assert await drafts.load(db_of(bot), STAFF_ID, "new_hearing") == {}


async def test_a_button_of_another_dialog_asks_to_finish_the_open_one_first(
    bot: Harness,
) -> None:
    hearing = await future_hearing(bot)
    dana = await resident(bot, 1101, "Dana", "en")
    await dana.send("/complaint")
    await _complaint_text(dana)
    answer = await dana.tap_data(f"v1:hr:ask:{hearing.id}")
    assert answer is not None and "text" not in answer
    assert dana.last_text == "First finish your complaint or suggestion, or send /cancel."
    await dana.tap("Continue")
    assert dana.last_text.startswith(ATTACH)


async def test_start_over_from_an_ended_dialog_is_a_stale_button(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Erlan", "en")
    await staff.send("/newpoll")
    await staff.send("Which road first?")
    await staff.send("/newpoll")
    question = staff.messages[-1]
    await staff.send("/cancel")
    answer = await staff.tap_data("v1:dlg:over:newpoll", question)
    assert answer is not None and answer["text"] == "This button is out of date. Send /start."
    answer = await staff.tap_data("v1:dlg:go:broadcast", question)
    assert answer is not None and answer["text"] == "This button is out of date. Send /start."
