"""Hiding one's name: a voice note and a location can still tell staff who wrote.

The summary of a complaint filed with a hidden name says so and offers to take them out;
hearing questions get the same choice of hiding the name. Taps are checked as they come:
a second tap, an old button or forged data change nothing.
"""

from __future__ import annotations

from bot.simulator import Harness, SimUser
from storage import drafts
from tests.appeal_helpers import latest, resident, services, staff_member
from tests.conftest import STAFF_ID
from tests.test_hearings import announce, join

WARNING = "⚠️ A voice note and a location can tell staff who you are"
REMOVE_VOICE = "🗑 Remove the voice note"
REMOVE_PIN = "🗑 Remove the location"
STALE = "This button is out of date. Send /start."
TEXT = "The bridge railing on Abay street is broken"


async def summary_with_voice_and_pin(bot: Harness) -> SimUser:
    """A resident at the summary of a complaint with a photo, a voice note and a location."""
    dana = await resident(bot, 1101, "Dana", "en")
    await dana.send("/complaint")
    await dana.tap("🛣")
    await dana.send(TEXT)
    await dana.send_photo()
    await dana.send_voice()
    await dana.share_location(50.56, 72.57)
    await dana.tap("Next")
    return dana


async def test_hiding_the_name_warns_of_the_voice_note_and_the_location(bot: Harness) -> None:
    dana = await summary_with_voice_and_pin(bot)
    assert "👤 Staff will see your name." in dana.last_text
    assert WARNING not in dana.last_text  # named anyway: nothing to warn of
    assert REMOVE_VOICE not in dana.button_labels()

    await dana.tap("🙈 Hide my name from staff")
    assert "🙈 Your name is hidden from staff." in dana.last_text
    assert WARNING in dana.last_text
    assert {REMOVE_VOICE, REMOVE_PIN} <= set(dana.button_labels())

    answer = await dana.tap(REMOVE_VOICE)
    assert answer is not None and answer["text"] == "Removed."
    assert "🎤 voice note" not in dana.last_text and "📍 location" in dana.last_text
    assert WARNING in dana.last_text  # the location still tells
    assert REMOVE_VOICE not in dana.button_labels()

    await dana.tap(REMOVE_PIN)
    assert "📍 location" not in dana.last_text and WARNING not in dana.last_text
    assert "📷 1 photo" in dana.last_text  # the photo stays: only what was offered goes
    await dana.tap("✅ Send")

    appeal = await latest(bot)
    assert appeal.hide_name and appeal.voice_file_id is None
    assert (appeal.latitude, appeal.longitude) == (None, None) and len(appeal.photos) == 1
    staff = await staff_member(bot, STAFF_ID, "Erlan", "en")
    await staff.tap_data(f"v1:inb:open:{appeal.id}")
    card = next(text for text in reversed(staff.texts) if TEXT in text)
    assert "From: name hidden" in card and "Dana" not in card


async def test_showing_the_name_again_keeps_the_voice_note(bot: Harness) -> None:
    dana = await summary_with_voice_and_pin(bot)
    await dana.tap("🙈 Hide my name from staff")
    await dana.tap("👤 Show my name to staff")
    assert WARNING not in dana.last_text and REMOVE_VOICE not in dana.button_labels()
    await dana.tap("✅ Send")
    appeal = await latest(bot)
    assert not appeal.hide_name and appeal.voice_file_id is not None
    assert appeal.latitude == 50.56


async def test_double_taps_old_buttons_and_forged_data_change_nothing(bot: Harness) -> None:
    dana = await summary_with_voice_and_pin(bot)
    summary = dana.messages[-1]
    hide = dana.find_button("🙈 Hide my name from staff")[1]["callback_data"]
    await dana.tap_data(hide, summary)
    await dana.tap_data(hide, summary)  # the same button twice: still hidden, not shown again
    assert "🙈 Your name is hidden from staff." in dana.last_text
    db = services(bot).db
    assert (await drafts.load(db, 1101, "complaint"))["hide_name"] is True

    summary = dana.messages[-1]
    remove = dana.find_button(REMOVE_VOICE)[1]["callback_data"]
    await dana.tap_data(remove, summary)
    answer = await dana.tap_data(remove, summary)  # the old button, tapped again
    assert answer is not None and answer["text"] == STALE
    for forged in ("v1:cmp:rm:photo", "v1:cmp:rm", "v1:cmp:rm:loc:x:" + "9" * 12):
        answer = await dana.tap_data(forged, summary)
        assert answer is not None and answer["text"] == STALE, forged
    draft = await drafts.load(db, 1101, "complaint")
    assert draft["voice"] is None and draft["latitude"] == 50.56 and len(draft["photos"]) == 1


async def test_a_removal_tapped_after_the_item_was_sent_is_out_of_date(bot: Harness) -> None:
    dana = await summary_with_voice_and_pin(bot)
    await dana.tap("🙈 Hide my name from staff")
    summary = dana.messages[-1]
    remove = dana.find_button(REMOVE_PIN)[1]["callback_data"]
    await dana.tap("✅ Send")
    answer = await dana.tap_data(remove, summary)
    assert answer is not None and answer["text"] == STALE
    appeal = await latest(bot)
    assert appeal.latitude == 50.56  # what was sent stays as it was sent


async def test_a_hearing_question_can_be_asked_without_the_name(bot: Harness) -> None:
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "en")
    await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    await ivan.tap("❓")
    assert ivan.last_text.endswith("👤 Staff will see your name.")
    prompt = ivan.messages[-1]
    hide = ivan.find_button("🙈 Hide my name from staff")[1]["callback_data"]
    await ivan.tap_data(hide, prompt)
    await ivan.tap_data(hide, prompt)  # a double tap hides it once
    assert ivan.last_text.endswith("🙈 Your name is hidden from staff.")
    assert "👤 Show my name to staff" in ivan.button_labels()
    await ivan.send("When will the road to the cemetery be repaired?")
    assert ivan.last_text.startswith("✅ Your question is registered as #")

    question = await latest(bot)
    assert question.kind.value == "question" and question.hide_name
    staff = await staff_member(bot, STAFF_ID, "Erlan", "en")
    await staff.tap_data(f"v1:inb:open:{question.id}")
    card = next(text for text in reversed(staff.texts) if "cemetery" in text)
    assert "From: name hidden" in card and "R102" not in card


async def test_a_hearing_question_shows_the_name_unless_hidden(bot: Harness) -> None:
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "en")
    await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    await ivan.tap("❓")
    await ivan.tap("🙈 Hide my name from staff")
    await ivan.tap("👤 Show my name to staff")
    await ivan.send("Will the meeting be streamed for those abroad?")
    question = await latest(bot)
    assert not question.hide_name
    staff = await staff_member(bot, STAFF_ID, "Erlan", "en")
    await staff.tap_data(f"v1:inb:open:{question.id}")
    card = next(text for text in reversed(staff.texts) if "streamed" in text)
    assert "From: R102" in card


async def test_the_name_choice_outside_the_question_dialog_is_out_of_date(bot: Harness) -> None:
    ivan = await join(bot, 102, "krg-osakarovka-molodezhny", "en")
    await announce(bot, bot.user(STAFF_ID, "Ерлан", "kk"))
    await ivan.tap("❓")
    prompt = ivan.messages[-1]
    hide = ivan.find_button("🙈 Hide my name from staff")[1]["callback_data"]
    await ivan.tap("✖ Cancel")
    answer = await ivan.tap_data(hide, prompt)
    assert answer is not None and answer["text"] == STALE
    assert await drafts.load(services(bot).db, 102, "hearing_question") == {}
