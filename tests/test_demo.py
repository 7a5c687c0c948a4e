"""`python -m bot demo` plays the scenario offline and writes its files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pypdf import PdfReader

from bot.settings import Settings

pytestmark = pytest.mark.both_databases


def test_demo_runs_offline_from_the_command_line(settings: Settings) -> None:
    tmp_path = settings.database_path.parent
    names = {"BOT_TOKEN", "DATABASE_PATH", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in names}
    if settings.database_url is not None:  # PostgreSQL: a schema of its own
        env["DATABASE_URL"] = settings.database_url.get_secret_value()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(tmp_path / "demo")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    transcript = (tmp_path / "demo" / "transcript.txt").read_text(encoding="utf-8")
    assert transcript in result.stdout
    # Kazakh onboarding by buttons, Russian by QR deep link, English switched to Russian.
    assert "Сіздің ауылыңыз: Молодежный (Осакаров ауданы, Қарағанды облысы)" in transcript
    assert "Ваше село: Осакаровка (Осакаровский район, Карагандинская область)" in transcript
    assert "Язык: русский." in transcript
    # A resident is refused a staff command; staff see their district.
    assert "Извините, это доступно только сотрудникам акимата." in transcript
    assert "Молодежный: 1 тұрғын" in transcript
    assert "Деректеріңіз жойылды." in transcript
    # A public hearing announced, answered, reminded and concluded; a notice to all.
    assert "bot → Айгерім ◂ 🏛 Қоғамдық тыңдау" in transcript
    assert "Айгерім ▸ taps [✋ Қатысамын]" in transcript
    assert "bot → Иван ◂ ⏰ Напоминание: публичные слушания" in transcript
    assert "bot → Dana ◂ 📝 Итоги публичных слушаний" in transcript
    assert "bot → Dana ◂ 📢 Объявление акимата" in transcript
    # A rural okrug: chosen by buttons on its own step; its specialist's hearing reaches its
    # four villages in one tap, and not the village beside it; the digest totals the okrug.
    assert "Марат ▸ taps [Дубовка ауылдық округі (үлгі)]" in transcript
    assert "Сәуле (округ әкімдігі) ▸ taps [⬜ 🏘 Дубовка…, барлық 4 ауыл]" in (transcript)
    assert "bot → Марат ◂ 🏛 Қоғамдық тыңдау" in transcript
    assert "bot → Ольга ◂ 🏛 Публичные слушания" in transcript
    assert "bot → Бауыржан ◂ 🏛" not in transcript
    assert "Дубовка ауылдық округі (үлгі) (4 ауыл): 👥 4 тұрғын" in transcript
    # An okrug specialist cannot forward to a village nobody serves (told why), and hands a
    # fallen power line to the district's electricity network company: its contacts reach Marat.
    assert "жолдау мүмкін емес — Ботақара: онда Qatysu жүйесінде" in transcript
    assert "Марат ◂ ↪️ Шағым #" in transcript
    assert "әкімдік өтінішіңізді соған жолдады" in transcript
    assert "🏢 Электр желілері компаниясы (үлгі)\n        📞 +7 (72154) 2-00-01" in transcript
    # The akim's report with questions asked in advance by theme, answered in one message;
    # the community assembly approves the priorities, item by item, with the signed protocol.
    assert "bot → Иван ◂ 🎤 Отчётная встреча акима с населением" in transcript
    assert "Иван ▸ taps [🛣 Дороги]" in transcript
    assert "bot → Dana ◂ 💬 Ответы на вопросы, заданные заранее" in transcript
    assert "bot → Нұрлан ◂ 📝 Жергілікті қоғамдастық жиналысының шешімдері" in transcript
    assert "👥 Присутствовало членов собрания: 6 из 7 (кворум 4)" in transcript
    assert "bot → Иван ◂ 📎 Подписанный протокол" in transcript
    digest = (tmp_path / "demo" / "staff-digest.txt").read_text(encoding="utf-8")
    assert "Жергілікті қоғамдастық жиналысы 1" in digest
    # The okrug's participatory budget: announced, proposed, screened (a reason published),
    # voted within the budget, decided by Equal Shares; a funded project's photo reaches voters.
    assert "bot → Ольга ◂ 💰 Бюджет участия: акимат ждёт ваши проекты" in transcript
    assert "bot → Серік ◂ №4 «Қараөзекке жол белгілері» жобаңыз" in transcript
    assert "bot → Марат (alert) Бюджетке сыймайды: 5,8 / 5 млн ₸." in transcript
    assert "✅ 3. Қараөзек клубының шатыры — 2,5 млн ₸, 5 голосов" in transcript
    assert "bot → Ольга ◂ 🏗 Проект №2 «Детская площадка в Дубовке», за который вы" in transcript
    assert (tmp_path / "demo" / "budget" / "budget-1.pdf").read_bytes().startswith(b"%PDF")
    # Paper for the notice board and a text to share in WhatsApp, both in Kazakh and Russian.
    (paper,) = (tmp_path / "demo" / "papers").glob("hearing-*.pdf")
    assert paper.read_bytes().startswith(b"%PDF")
    assert "start=v_krg-osakarovka-molodezhny-wa" in transcript
    # An older resident who only types (taps nothing but ✅), and a hearing in both languages.
    assert "Күлпаш апа ▸ осакаровко" in transcript and "Күлпаш апа ▸ жарық жоқ" in transcript
    taps = [line for line in transcript.splitlines() if line.startswith("Күлпаш апа ▸ taps [")]
    assert taps and all(line.startswith("Күлпаш апа ▸ taps [✅") for line in taps), taps
    assert "Күлпаш апа ▸ иә" in transcript and "Күлпаш апа ▸ 2" in transcript
    assert "⌨ [📝 Шағым] [🏛 Жиындар]" in transcript  # the reply menu under the input field
    assert "bot → Иван ◂ 🏛 Публичные слушания\n        «Местный бюджет на 2027 год" in transcript
    assert "bot → Айгерім ◂ 🏛 Қоғамдық тыңдау\n        «2027 жылғы жергілікті бюджет" in transcript
    pages = "".join(page.extract_text() for page in PdfReader(paper).pages)
    assert "Местный бюджет на 2027 год" in pages and "2027 жылғы жергілікті бюджет" in pages
    assert f"Demo files are in {tmp_path / 'demo'}" in result.stdout
