"""Beyond Telegram: notice-board PDFs with the village's QR code, share texts, join channels."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot import cli
from bot.simulator import Harness, SimUser
from bot.simulator.api import BOT_USERNAME
from storage import hearings, people, polls
from storage.db import Database, utcnow
from storage.hearings import Hearing, NewHearing
from storage.polls import NewPoll, Poll
from tests.conftest import OTHER_STAFF_ID, STAFF_ID, make_settings, seed, use_database
from tests.poll_helpers import MOLODEZHNY, OSAKAROVKA, db_of

TOPIC = "Жол, су және жиһаз: 2027 жылғы бюджет"
PLACE = "Мәдениет үйі, Абай к-сі, 12"
OPTIONS = ("Мектепке дейінгі жол", "Су құбыры")
KAZAKH_LETTERS = "әғқңөұүһі"
MakeItem = Callable[[Database], Awaitable[Hearing | Poll]]


async def new_hearing(db: Database, villages: tuple[str, ...] = (MOLODEZHNY,)) -> Hearing:
    return await hearings.create(
        db,
        NewHearing(
            topic=TOPIC,
            starts_at=utcnow() + timedelta(days=2),
            place=PLACE,
            agenda="1. Жол жөндеу\n2. Су құбыры",
            village_codes=villages,
            created_by=1,
        ),
    )


async def new_poll(db: Database) -> Poll:
    return await polls.create(
        db,
        NewPoll(
            question="Не бірінші кезекте?",
            options=OPTIONS,
            max_choices=1,
            may_change=True,
            results_early=False,
            closes_at=utcnow() + timedelta(days=3),
            village_codes=(MOLODEZHNY, OSAKAROVKA),
            created_by=1,
        ),
        utcnow(),
    )


async def staff_member(bot: Harness, user_id: int = STAFF_ID, language: str = "ru") -> SimUser:
    """A staff member with the main menu open (a message to tap buttons on)."""
    staff = bot.user(user_id, f"S{user_id}", language, started=True)
    await staff.send("/menu")
    return staff


def pdf_text(data: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def qr_payloads(data: bytes) -> list[str]:
    """Decode every QR code drawn in the PDF (as a camera would read it)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            found += [result.text for result in zxingcpp.read_barcodes(image.image)]
    return found


def prepare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: MakeItem | None) -> int:
    """A seeded database for the command line, with one item made in it; return its id."""
    settings = make_settings(tmp_path)

    async def work() -> int:
        await seed(settings)
        db = settings.database()
        await db.open()
        try:
            return (await make(db)).id if make else 0
        finally:
            await db.close()

    item_id = asyncio.run(work())
    use_database(monkeypatch, settings)
    monkeypatch.setenv("BOT_USERNAME", "qatysu_bot")
    return item_id


def test_print_hearing_writes_kazakh_and_russian_pages_with_the_village_qr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hearing_id = prepare(
        tmp_path, monkeypatch, lambda db: new_hearing(db, (MOLODEZHNY, OSAKAROVKA))
    )
    out = tmp_path / "papers"

    assert cli.main(["print", "hearing", str(hearing_id), "--out", str(out)]) == 0

    data = (out / f"hearing-{hearing_id}.pdf").read_bytes()
    pages = pdf_text(data)
    assert len(pages) == 4  # two villages, Kazakh then Russian
    assert "ҚОҒАМДЫҚ ТЫҢДАУ" in pages[0] and "ПУБЛИЧНЫЕ СЛУШАНИЯ" in pages[1]
    assert TOPIC in pages[0] and PLACE in pages[1]
    assert "Күн тәртібі:" in pages[0] and "Повестка:" in pages[1]
    assert "Молодежный" in pages[1] and "Осакаровка" in pages[3]
    assert set(KAZAKH_LETTERS) <= set("".join(pages).casefold())  # the font drew them all
    assert qr_payloads(data) == [
        f"https://t.me/qatysu_bot?start=v_{code}-qr"
        for code in (MOLODEZHNY, MOLODEZHNY, OSAKAROVKA, OSAKAROVKA)
    ]


def test_print_poll_adds_a_ballot_and_a_tally_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    poll_id = prepare(tmp_path, monkeypatch, new_poll)

    assert cli.main(["print", "poll", str(poll_id), "--out", str(tmp_path)]) == 0

    pages = pdf_text((tmp_path / f"poll-{poll_id}.pdf").read_bytes())
    assert len(pages) == 12  # 2 villages x 2 languages x (notice, ballot, tally sheet)
    notice, ballot, tally = pages[0:3]
    assert "САУАЛНАМА" in notice and all(option in notice for option in OPTIONS)
    assert "БЮЛЛЕТЕНЬ" in ballot and all(option in ballot for option in OPTIONS)
    assert "ДАУЫС САНАУ ПАРАҒЫ" in tally and "Қатысқан тұрғындар саны:" in tally
    assert "ЛИСТ ПОДСЧЁТА ГОЛОСОВ" in pages[5] and "Присутствовало жителей:" in pages[5]


def test_print_village_invites_to_join_with_its_qr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prepare(tmp_path, monkeypatch, None)
    assert cli.main(["print", "village", MOLODEZHNY, "--out", str(tmp_path)]) == 0
    data = (tmp_path / f"village-{MOLODEZHNY}.pdf").read_bytes()
    kazakh, russian = (page.replace("\n", " ") for page in pdf_text(data))
    assert "АУЫЛ ӨМІРІНЕ ҚАТЫСЫҢЫЗ" in kazakh and "УЧАСТВУЙТЕ В ЖИЗНИ СЕЛА" in russian
    assert qr_payloads(data) == [f"https://t.me/qatysu_bot?start=v_{MOLODEZHNY}-qr"] * 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["print", "hearing", "77"], "no hearing 77"),
        (["print", "poll", "abc"], "poll must be given by its number"),
        (["print", "village", "nowhere"], "no village nowhere"),
    ],
)
def test_print_refuses_what_does_not_exist(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    prepare(tmp_path, monkeypatch, None)
    assert cli.main(argv) == cli.EXIT_INPUT
    assert message in capsys.readouterr().err


async def test_staff_get_the_pdf_from_the_hearing_card(bot: Harness) -> None:
    hearing = await new_hearing(db_of(bot))
    staff = await staff_member(bot)
    await staff.tap_data(f"v1:ha:open:{hearing.id}")
    await staff.tap("📄 Для доски объявлений")

    (call,) = [c for c in bot.sim.calls_to("sendDocument") if c.ok]
    assert call.params["caption"].startswith("Для доски объявлений")
    (upload,) = call.files.values()  # uploaded from the bot's disk, as Telegram requires
    pages = pdf_text(upload)
    assert TOPIC in pages[0] and "ПУБЛИЧНЫЕ СЛУШАНИЯ" in pages[1]
    assert qr_payloads(upload) == [f"https://t.me/{BOT_USERNAME}?start=v_{MOLODEZHNY}-qr"] * 2


async def test_the_hearing_card_offers_paper_and_share(bot: Harness) -> None:
    hearing = await new_hearing(db_of(bot))
    staff = await staff_member(bot)
    await staff.tap_data(f"v1:ha:open:{hearing.id}")
    assert {"📄 Для доски объявлений", "📤 Поделиться"} <= set(staff.button_labels())


@pytest.mark.parametrize("data", ["v1:ppr:pr:h:{id}", "v1:ppr:sh:h:{id}"])
async def test_staff_of_another_area_are_refused(bot: Harness, data: str) -> None:
    hearing = await new_hearing(db_of(bot))
    outsider = await staff_member(bot, OTHER_STAFF_ID)
    answer = await outsider.tap_data(data.format(id=hearing.id))
    assert answer is not None and answer.get("show_alert")
    assert not bot.sim.calls_to("sendDocument")
    assert all(TOPIC not in message.get("text", "") for message in outsider.messages)


@pytest.mark.parametrize("data", ["v1:ppr:pr:h:999", "v1:ppr:pr:x:1", "v1:ppr:sh:p:abc"])
async def test_forged_or_stale_taps_are_answered_and_do_nothing(bot: Harness, data: str) -> None:
    staff = await staff_member(bot)
    answer = await staff.tap_data(data)
    assert answer is not None and answer.get("text")
    assert not bot.sim.calls_to("sendDocument")


async def test_share_text_stands_alone_in_both_languages_with_tagged_links(bot: Harness) -> None:
    hearing = await new_hearing(db_of(bot))
    staff = await staff_member(bot, language="kk")
    await staff.tap_data(f"v1:ppr:sh:h:{hearing.id}")
    text = staff.last_text
    kazakh, russian = text.index("Қоғамдық тыңдау"), text.index("Публичные слушания")
    assert kazakh < russian
    assert text.count(TOPIC) == 2 and text.count(PLACE) == 2
    assert "🗓 Уақыты: " in text and "🗓 Когда: " in text
    assert f"https://t.me/{BOT_USERNAME}?start=v_{MOLODEZHNY}-wa" in text


async def test_share_of_a_closed_poll_carries_its_result(bot: Harness) -> None:
    db = db_of(bot)
    poll = await new_poll(db)
    await polls.close(db, poll.id, utcnow(), by=None)
    staff = await staff_member(bot)
    await staff.tap_data(f"v1:ppr:sh:p:{poll.id}")
    text = staff.last_text
    assert "Сауалнама: Не бірінші кезекте?" in text and "Опрос: Не бірінші кезекте?" in text
    assert f"• {OPTIONS[0]} — голосов: 0" in text
    assert "Голосование завершено: " in text


async def test_residents_joining_by_tagged_links_are_counted_by_channel(bot: Harness) -> None:
    for user_id, tag in ((201, "-wa"), (202, "-wa"), (203, "-qr"), (204, "")):
        await bot.user(user_id, f"R{user_id}", "ru").send(f"/start v_{MOLODEZHNY}{tag}")
    rejoined = bot.user(201, "R201", "ru")
    await rejoined.send(f"/start v_{MOLODEZHNY}-qr")  # a later link does not change the channel

    db = db_of(bot)
    assert await people.count_by_source(db, [MOLODEZHNY]) == {"wa": 2, "qr": 1, "link": 1}
    person = await people.get_by_telegram_id(db, 203)
    assert person is not None and person.village_code == MOLODEZHNY

    staff = await staff_member(bot)
    await staff.send("/residents")
    assert "ссылка из WhatsApp: 2" in staff.last_text
    assert "QR-код на бумаге: 1" in staff.last_text


async def test_the_summary_counts_residents_by_join_channel(bot: Harness) -> None:
    from zoneinfo import ZoneInfo

    from bot.reports import data as report_data
    from bot.reports.period import Period
    from bot.reports.sections import joined_from

    for user_id, tag in ((301, "-wa"), (302, "-qr"), (303, "")):
        await bot.user(user_id, f"R{user_id}", "ru").send(f"/start v_{MOLODEZHNY}{tag}")
    db = db_of(bot)
    names = (await report_data.load(db, [], Period.week(2026, 48), ZoneInfo("Asia/Almaty"))).names
    villages = [names[MOLODEZHNY], names[OSAKAROVKA]]
    data = await report_data.load(db, villages, Period.week(2026, 48), ZoneInfo("Asia/Almaty"))
    tr = bot.app.bot_data.services.i18n.get("en")  # type: ignore[union-attr]
    table = joined_from(tr, data)
    assert table is not None and table.headers[2:] == [
        "QR code on paper", "WhatsApp link", "Other link", "Found it themselves", "Total",
    ]  # fmt: skip
    by_village = {row[0]: row[2:] for row in table.rows}
    assert by_village["Molodezhny"] == [1, 1, 1, 0, 3]
    assert by_village["Total"] == [1, 1, 1, 0, 3]
