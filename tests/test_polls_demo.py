"""The demo runs a poll: announced, voted in Kazakh and Russian, paper votes, closed, charted."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo import run_demo


async def test_the_demo_runs_a_poll_to_its_results_and_chart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = await run_demo(tmp_path / "demo")
    transcript = (folder / "transcript.txt").read_text(encoding="utf-8")
    assert "🗳 Әкімдіктің сауалнамасы" in transcript and "🗳 Опрос акимата" in transcript
    assert "✅ Сіздің дауысыңыз: Сумен жабдықтау" in transcript
    assert "✅ Ваш голос: Сумен жабдықтау" in transcript
    assert "📝 Сақталды. Осакаровка, қағазбен берілген дауыстар: 9 · 14 · 3." in transcript
    assert "2. Сумен жабдықтау — 17 (56,7%), на бумаге: 14" in transcript  # Kulpash apa typed 2
    assert "Қатысу деңгейі: 4 тұрғыннан 4 адам дауыс берді (100%)" in transcript
    for language in ("kk", "ru"):
        (chart,) = (folder / "charts").glob(f"poll-1-{language}-*.png")
        assert chart.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
