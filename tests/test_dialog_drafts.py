"""Dialog drafts are typed, and the drafts stored before they were still load.

Each shape below is what a dialog stored while its draft was a plain dict (the keys and JSON
types it wrote at its last step): a person mid-dialog across the upgrade keeps their work.
"""

from __future__ import annotations

from typing import Any

import pytest

from handlers.appeals.inbox_typing import TypingDraft
from handlers.hearings.create import NewHearingDraft
from handlers.hearings.manage import ChangeDraft
from handlers.hearings.resident import QuestionDraft
from handlers.notices import NoticeDraft
from handlers.polls.create import NewPollDraft
from handlers.widgets.dialogs import DialogDraft

STORED: list[tuple[type[DialogDraft], dict[str, Any]]] = [
    (NewHearingDraft, {"topic": "Бюджет", "day": "2026-12-01",
                       "starts_at": "2026-12-01T13:00:00+00:00", "place": "Клуб",
                       "pin": [50.56, 72.56], "agenda": "1. Жол",
                       "villages": ["krg-osakarovka-molodezhny"]}),
    (ChangeDraft, {"id": 7, "mode": "place", "place": "Мектеп", "pin": [50.5, 72.5]}),
    (ChangeDraft, {"id": 7, "mode": "outcome", "attendance": 45, "decisions": "Жөндеу"}),
    (QuestionDraft, {"hearing": 7}),
    (TypingDraft, {"appeal_id": 3, "action": "extd", "days": 5}),
    (NoticeDraft, {"text": "Су болмайды", "photo": "AgAD",
                   "villages": ["krg-osakarovka-osakarovka"]}),
    (NewPollDraft, {"question": "Қай жол?", "options": ["А", "Б", "В"], "max_choices": 2,
                    "villages": ["krg-osakarovka-molodezhny"],
                    "closes_at": "2026-12-04T15:00:00+00:00", "may_change": True,
                    "results_early": False}),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "stored"), STORED)
def test_a_draft_stored_before_loads_and_is_stored_alike(
    kind: type[DialogDraft], stored: dict[str, Any]
) -> None:
    """Every stored key becomes a field and is written back with the same value and type."""
    assert kind.from_dict(stored).to_dict() == stored


def test_a_stored_null_or_an_unknown_key_is_dropped() -> None:
    """A ``null`` the dict dialogs stored reads as unset; a key no field knows is ignored."""
    draft = NewHearingDraft.from_dict({"topic": "Бюджет", "pin": None, "gone": 1})
    assert draft == NewHearingDraft(topic="Бюджет")
    assert draft.to_dict() == {"topic": "Бюджет"}


def test_a_hearing_draft_describes_its_hearing() -> None:
    """The typed draft hands the service a whole hearing, the pin as latitude and longitude."""
    draft = NewHearingDraft.from_dict(STORED[0][1])
    hearing = draft.hearing(5001, ("krg-osakarovka-molodezhny",))
    assert (hearing.topic, hearing.latitude, hearing.longitude) == ("Бюджет", 50.56, 72.56)
    with pytest.raises(ValueError, match="not complete"):
        NewHearingDraft(topic="Бюджет").hearing(5001, ())
