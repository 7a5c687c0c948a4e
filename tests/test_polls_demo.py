"""The demo runs a poll (announced, voted in Kazakh and Russian, paper votes, closed, charted),
verifies a resident and runs a poll for verified residents only."""

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
    assert "📋 Хаттама сақталды: Осакаровка. Оның дауыстары нәтижеге қосылды." in transcript
    assert "Мәдениет үйі: присутствовали 28" in transcript  # the results list the protocol
    assert "2. Сумен жабдықтау — 17 (56,7%), на бумаге: 14" in transcript  # Kulpash apa typed 2
    assert "Қатысу деңгейі: 4 тұрғыннан 4 адам дауыс берді (100%)" in transcript
    # A resident verified by staff, then a poll for verified residents only.
    assert "⌨ [📱 Отправить мой номер]" in transcript and "Иван ▸ [contact]" in transcript
    assert "Телефон: +7 701 765 4321" in transcript
    assert "✅ Акимат подтвердил, что вы живёте в селе Осакаровка." in transcript
    assert "Кім дауыс береді: тек расталған тұрғындар" in transcript
    assert "✅ Ваш голос: Проектор" in transcript
    assert "Dana ◂ Чтобы голосовать в опросах для подтверждённых жителей" in transcript
    for language in ("kk", "ru"):
        (chart,) = (folder / "charts").glob(f"poll-1-{language}-*.png")
        assert chart.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
