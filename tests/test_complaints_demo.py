"""The demo plays a complaint with a photo to the end, and a suggestion."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.demo import run_demo


async def test_the_demo_works_a_complaint_to_the_end_and_files_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = await run_demo(tmp_path / "demo")
    transcript = (folder / "transcript.txt").read_text(encoding="utf-8")
    scenes = transcript.split("=== ")
    complaint = next(s for s in scenes if s.startswith("Next Monday: Ivan sends a complaint"))
    assert "Иван ▸ [photo]" in complaint
    assert "Ваша жалоба зарегистрирована под номером #" in complaint
    assert "📥 Жаңа: Шағым #" in complaint  # staff were told, in their language
    assert "акимат взял в работу." in transcript
    assert "💬 Ответ акимата — Жалоба #" in transcript
    assert "Иван ▸ taps [👍 Да, решено]" in transcript
    assert "житель подтвердил, что решено" in transcript
    assert "Ваше предложение зарегистрировано под номером #" in transcript
    capsys.readouterr()
