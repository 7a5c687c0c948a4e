"""Labels built from data fit a phone's button (30 characters), and keep what matters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.appeals import texts
from bot.i18n import BUTTON_WIDTH, I18n
from handlers.widgets.village_picker import CHOSEN, Row, row_label
from storage.appeals import Appeal, Kind, Status

I18N = I18n("kk", ZoneInfo("Asia/Almaty"))
TODAY = date(2026, 11, 30)
LONG_VILLAGE = "Қасым Қайсенов атындағы ауыл"


def appeal(status: Status, due: date) -> Appeal:
    moment = datetime(2026, 11, 1, tzinfo=UTC)
    return Appeal(
        id=1, number="2026-00042", kind=Kind("complaint"), person_id=1, village_code="v",
        handler_village_code="v", level="village", category="water", text="", language="kk",
        hide_name=False, voice_file_id=None, latitude=None, longitude=None, hearing_id=None,
        hearing_topic=None, status=status, confirm_pending=False, due_on=due, created_at=moment,
        updated_at=moment, resident_telegram_id=None, resident_name=None, resident_language=None,
    )  # fmt: skip


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("status", list(Status))
def test_inbox_and_my_lines_fit_and_keep_number_and_status(language: str, status: Status) -> None:
    tr = I18N.get(language)
    item = appeal(status, due=date(2026, 11, 1))  # overdue unless closed
    staff_line = texts.list_label(tr, item, TODAY, LONG_VILLAGE)
    own_line = texts.own_label(tr, item, TODAY)
    assert len(staff_line) <= BUTTON_WIDTH and len(own_line) <= BUTTON_WIDTH
    assert "#2026-00042" in staff_line and "#2026-00042" in own_line
    assert texts.icon(texts.status(tr, item, TODAY)) in staff_line
    if item.is_overdue(TODAY):
        assert staff_line.startswith("⚠️") and tr.t("appeal.status.overdue") in own_line
    else:
        assert tr.t(f"appeal.status.{status.value}") in own_line


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_long_okrug_name_is_cut_and_the_village_count_stays(language: str) -> None:
    tr = I18N.get(language)
    row = Row("Дубовка ауылдық округі (үлгі)", "dub", frozenset("abcd"), okrug=True)
    label = row_label(tr, row)
    assert len(CHOSEN + label) <= BUTTON_WIDTH
    assert "Дубовка…" in label and label.endswith(tr.nt("picker.count", 4))
