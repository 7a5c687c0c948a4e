"""The demo ends with the staff digest and the weekly summary files in its folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.demo import run_demo


def test_demo_writes_the_digest_and_the_weekly_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = asyncio.run(run_demo(tmp_path / "demo"))
    transcript = (folder / "transcript.txt").read_text(encoding="utf-8")
    assert "bot → Ерлан (әкімдік) ◂ 📊 Ауылдарыңыздың апталық шолуы" in transcript
    assert "📨 2 жаңа шағым: Жолдар 1, Электр және газ 1" in transcript  # Kulpash apa: ⚡
    assert "Дина (үйлестіруші) ▸ taps [Осы апта" in transcript
    digest = (folder / "staff-digest.txt").read_text(encoding="utf-8")
    assert "🏡 Осакаровка (Осакаров ауданы)" in digest
    workbooks = list(folder.glob("qatysu-*-krg.xlsx"))
    assert len(workbooks) == 1
    stem = workbooks[0].with_suffix("")
    for suffix in ("cover.csv", "totals.csv", "trend.csv", "said.csv", "overview.csv",
                   "appeals.csv", "handed_on.csv", "polls.csv", "hearings.csv", "meetings.csv",
                   "participation.csv", "joined.csv", "channels.csv", "projects.csv",
                   "participation.png",
                   "categories.png",
                   "trend.png"):  # fmt: skip
        assert Path(f"{stem}-{suffix}").exists(), suffix
    book = load_workbook(workbooks[0], read_only=True)
    assert book.sheetnames == ["Титулдық парақ", "Аумақтар бойынша жиын", "Динамика",
                               "Сіз айттыңыз — біз істедік", "Шолу", "Шағымдар мен ұсыныстар",
                               "Жолданған шағымдар", "Сауалнамалар", "Қоғамдық тыңдаулар",
                               "Жиындар", "Қатысу", "Қайдан қосылды", "Арналар бойынша өтініштер",
                               "Қатысу бюджетінің жобалары"]  # fmt: skip
    sent_on = list(book["Жолданған шағымдар"].iter_rows(values_only=True))
    assert sent_on[1][6] == "Электр желілері компаниясы (үлгі)"  # the demo's hand-off
    levels = [row[0] for row in book["Аумақтар бойынша жиын"].iter_rows(values_only=True)]
    assert {"Облыс", "Аудан", "Ауылдық округ"} <= set(levels)  # the demo's okrug has its total
    said = list(book["Сіз айттыңыз — біз істедік"].iter_rows(values_only=True))
    # A row's empty cells at its end are not read (Zaure apa's village: an item, no poll).
    assert any("Су құбыры 2027 жылғы ауыл бюджетіне" in str(row[6:7]) for row in said)
    assert sorted(p.name for p in (folder / "open-data").iterdir()) == [
        "datapackage.json", "villages.csv", "villages.json"
    ]  # fmt: skip
    for path in folder.glob("qatysu-*.csv"):
        assert "Иван" not in path.read_text(encoding="utf-8-sig")
    capsys.readouterr()
