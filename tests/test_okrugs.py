"""The rural okrug: a level of the territory that staff, pickers and reports understand."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import callbacks, invites
from bot.context import Services
from bot.i18n import I18n
from bot.reports import data as report_data
from bot.reports import digest, sections, summary
from bot.reports.period import Period
from bot.simulator import Harness
from bot.territory import import_territory, sample_file
from storage import appeals as appeals_repo
from storage import people, territory
from storage import roles as roles_repo
from storage.db import Database, bundled_migrations
from storage.models import Names, Role, Scope, ScopeKind
from tests.appeal_helpers import file_complaint, latest, resident, staff_member, staff_told
from tests.conftest import database_at, make_settings, use_database
from tests.report_helpers import seed_region
from tests.test_hearings import announce, join
from tests.test_reports import _in_thread, by_header, sheet_rows

OKRUG = "krg-bukhar-dubovka-okrug"  # Dubovka and three sample villages (Bukhar-Zhyrau District)
OKRUG_VILLAGES = {"krg-bukhar-dubovka", "krg-bukhar-zhanaaul", "krg-bukhar-karaozek",
                  "krg-bukhar-koktobe"}  # fmt: skip
SHARED_SAMPLE = Path(__file__).parent / "data" / "villages.without-okrugs.csv"
REGION_OF = {"Бейнеуский район": "Мангистауская область",
             "Осакаровский район": "Карагандинская область"}  # fmt: skip


def services(bot: Harness) -> Services:
    found = bot.app.bot_data.services
    assert found is not None
    return found


async def stored_village(bot: Harness, telegram_id: int) -> str | None:
    person = await people.get_by_telegram_id(services(bot).db, telegram_id)
    return person.village_code if person is not None else None


async def test_migration_keeps_an_existing_database(tmp_path: Path) -> None:
    """A database made before okrugs keeps its villages, grants and invites, and takes okrugs."""
    settings = make_settings(tmp_path, database_path=tmp_path / "old.db")  # or PostgreSQL
    old = database_at(settings, [m for m in bundled_migrations() if m[0] < 16])
    await old.open()
    for sql in (
        "INSERT INTO regions VALUES ('krg', 'Қарағанды облысы', 'Карагандинская', 'Karaganda')",
        "INSERT INTO districts VALUES ('krg-bukhar', 'krg', 'Бұқар', 'Бухар', 'Bukhar')",
        "INSERT INTO villages (code, district_code, name_kk, name_ru, name_en) "
        "VALUES ('krg-bukhar-dubovka', 'krg-bukhar', 'Дубовка', 'Дубовка', 'Dubovka')",
    ):
        await old.execute_write(sql)
    await roles_repo.grant(old, 5001, Role.STAFF, Scope(ScopeKind.DISTRICT, "krg-bukhar"), "t")
    await old.execute_write(
        "INSERT INTO invites (token_hash, role, scope_kind, scope_code, created_at, expires_at) "
        "VALUES ('h', 'staff', 'village', 'krg-bukhar-dubovka', '2026-11-01T00:00:00+00:00', "
        "'2099-01-01T00:00:00+00:00')"
    )
    await old.close()
    db = settings.database()
    await db.open()
    try:
        assert [v.code for v in await territory.list_villages(db)] == ["krg-bukhar-dubovka"]
        assert [g.scope for g in await roles_repo.grants_of(db, 5001)] == [
            Scope(ScopeKind.DISTRICT, "krg-bukhar")
        ]
        assert [i.scope.code for i in await roles_repo.list_invites(db)] == ["krg-bukhar-dubovka"]
        village = await territory.get_village(db, "krg-bukhar-dubovka")
        assert village is not None and village.okrug_code is None
        await import_territory(db, SHARED_SAMPLE)  # a file without okrugs, as before
        await import_territory(db, sample_file())  # then one with them
        assert await roles_repo.grant(db, 5001, Role.STAFF, Scope(ScopeKind.OKRUG, OKRUG), "t")
        okrug = Scope(ScopeKind.OKRUG, OKRUG)
        invite = await invites.create(db, make_settings(tmp_path), Role.STAFF, okrug)
        assert (await roles_repo.list_invites(db))[-1].scope == invite.scope
        in_okrug = await territory.list_villages(db, okrug_code=OKRUG)
        assert {v.code for v in in_okrug} == OKRUG_VILLAGES
    finally:
        await db.close()


# --- residents choose their village through the okrug, where it has several ------------------


async def test_onboarding_goes_through_an_okrug_only_where_it_has_several_villages(
    bot: Harness,
) -> None:
    user = bot.user(1201, "Иван", "ru")
    await user.send("/start")
    await user.tap("Русский")
    await user.tap("Карагандинская область")
    await user.tap("Бухар-Жырауский район")
    assert user.last_text == "Бухар-Жырауский район\nВыберите ваш сельский округ или село:"
    assert user.button_labels() == ["Ботакара", "Дубовский сельский округ (пример)", "« Назад"]
    await user.tap("Дубовский сельский округ (пример)")
    assert user.last_text == "Дубовский сельский округ (пример)\nВыберите село:"
    assert user.button_labels() == [
        "Дубовка", "Жанааул (пример)", "Караозек (пример)", "Коктобе (пример)", "« Назад"
    ]  # fmt: skip
    await user.tap("« Назад")  # back to the district's okrugs and villages
    assert user.button_labels()[:2] == ["Ботакара", "Дубовский сельский округ (пример)"]
    await user.tap("Дубовский сельский округ (пример)")
    await user.tap("Коктобе (пример)")
    assert (await stored_village(bot, user.id)) == "krg-bukhar-koktobe"


@pytest.mark.parametrize(
    ("district", "villages"),
    [
        ("Бейнеуский район", ["Бейнеу", "Боранкул"]),  # two okrugs of one village each
        ("Осакаровский район", ["Молодежный", "Осакаровка"]),  # no okrugs
    ],
)
async def test_onboarding_skips_the_okrug_step_where_it_would_offer_one_village(
    bot: Harness, district: str, villages: list[str]
) -> None:
    user = bot.user(1202, "Иван", "ru")
    await user.send("/start")
    await user.tap("Русский")
    await user.tap(REGION_OF[district])
    await user.tap(district)
    assert user.last_text == f"{district}\nВыберите село:"
    assert user.button_labels() == [*villages, "« Назад"]
    await user.tap(villages[-1])
    assert await stored_village(bot, user.id) is not None


async def test_a_forged_or_stale_okrug_button_is_refused(bot: Harness) -> None:
    user = bot.user(1203, "Dana", "en")
    await user.send("/start")
    await user.tap("English")
    answer = await user.tap_data("v1:ob:okr:no-such-okrug:0")
    assert answer is not None and answer["show_alert"] is True
    assert await stored_village(bot, user.id) is None


# --- staff of an okrug: all its villages, nothing else -----------------------------------------

OKRUG_STAFF_ID = 5004
DISTRICT_STAFF_ID = 5005  # staff of Bukhar-Zhyrau District: the okrug and Botakara
OUTSIDE = "krg-bukhar-botakara"  # same district, no okrug


async def grant(bot: Harness, telegram_id: int, scope: Scope) -> None:
    await roles_repo.grant(services(bot).db, telegram_id, Role.STAFF, scope, "test")


async def test_an_invite_at_okrug_scope_grants_the_okrug(bot: Harness) -> None:
    invite = await invites.create(
        services(bot).db, services(bot).settings, Role.STAFF, Scope(ScopeKind.OKRUG, OKRUG)
    )
    staff = bot.user(OKRUG_STAFF_ID, "Сәуле", "en")
    await staff.send(f"/start i_{invite.token}")
    assert staff.texts[-1].startswith(
        "Welcome! You are now akimat staff: Dubovka Rural Okrug (sample)."
    )
    grants = await roles_repo.grants_of(services(bot).db, OKRUG_STAFF_ID)
    assert [(g.role, g.scope) for g in grants] == [(Role.STAFF, Scope(ScopeKind.OKRUG, OKRUG))]


async def test_okrug_staff_work_the_items_of_each_of_its_villages_and_of_no_other(
    bot: Harness,
) -> None:
    await grant(bot, OKRUG_STAFF_ID, Scope(ScopeKind.OKRUG, OKRUG))
    staff = await staff_member(bot, OKRUG_STAFF_ID, "Сәуле", "en")
    filed = {}
    for index, village in enumerate([*sorted(OKRUG_VILLAGES), OUTSIDE]):
        person = await resident(bot, 1300 + index, f"R{index}", "ru", village)
        await file_complaint(person, f"Яма на дороге номер {index} у школы, проехать нельзя")
        filed[village] = await latest(bot)
    await staff.send("/inbox")
    assert "🆕 New (4)" in staff.button_labels()
    for village in OKRUG_VILLAGES:
        answer = await staff.tap_data(f"v1:inb:take:{filed[village].id}")
        assert answer is not None and answer["text"] == "Taken into work."
    stored = {v: await appeals_repo.get(services(bot).db, filed[v].id) for v in filed}
    assert {v for v, a in stored.items() if a is not None and a.status.value == "in_progress"} == (
        OKRUG_VILLAGES
    )
    answer = await staff.tap_data(f"v1:inb:take:{filed[OUTSIDE].id}")  # a forged tap
    assert answer is not None and answer["text"] == "Sorry, this village is outside your area."
    outside = await appeals_repo.get(services(bot).db, filed[OUTSIDE].id)
    assert outside is not None and outside.status.value == "new"
    told = {c.params["chat_id"] for c in bot.sim.calls_to("sendMessage")}
    assert OKRUG_STAFF_ID in told  # the staff notices of its villages reached them


async def test_okrug_staff_announce_a_hearing_to_the_whole_okrug_in_one_tap(bot: Harness) -> None:
    await grant(bot, OKRUG_STAFF_ID, Scope(ScopeKind.OKRUG, OKRUG))
    residents = [await join(bot, 1400 + i, v, "ru") for i, v in enumerate(sorted(OKRUG_VILLAGES))]
    outsider = await join(bot, 1410, OUTSIDE, "ru")
    staff = bot.user(OKRUG_STAFF_ID, "Сәуле", "kk")
    hearing = await announce(bot, staff, "🏘")
    assert set(hearing.village_codes) == OKRUG_VILLAGES
    for person in residents:
        assert "Публичные слушания" in person.last_text
    assert all("Публичные слушания" not in text for text in outsider.texts)


async def test_the_picker_takes_or_leaves_a_whole_okrug_and_nothing_outside(bot: Harness) -> None:
    await grant(bot, DISTRICT_STAFF_ID, Scope(ScopeKind.DISTRICT, "krg-bukhar"))
    staff = bot.user(DISTRICT_STAFF_ID, "Staff", "en")
    await staff.send("/broadcast")
    await staff.send("Water is off tomorrow from 10:00 to 14:00.")
    assert staff.button_labels() == [
        "⬜ Botakara",
        "⬜ 🏘 Dubovka…, all 4 villages",
        "⬜ Dubovka", "⬜ Karaozek (sample)", "⬜ Koktobe (sample)", "⬜ Zhanaaul (sample)",
        "☑️ All", "Done ›", "« Back",
    ]  # fmt: skip
    await staff.tap("🏘")
    assert staff.last_text == "Choose the villages (4 villages chosen):"
    assert staff.button_labels()[:6] == [
        "⬜ Botakara",
        "☑️ 🏘 Dubovka…, all 4 villages",
        "☑️ Dubovka", "☑️ Karaozek (sample)", "☑️ Koktobe (sample)", "☑️ Zhanaaul (sample)",
    ]  # fmt: skip
    await staff.tap("Karaozek")  # one village less: the okrug is no longer whole
    assert staff.button_labels()[1].startswith("⬜ 🏘")
    await staff.tap("🏘")  # whole again
    await staff.tap("🏘")  # and left whole
    assert staff.last_text == "Choose the villages (0 villages chosen):"
    for forged in ("v1:ntc:vo:mng-beineu-beineu-okrug:0", "v1:ntc:vt:mng-beineu-beineu:0"):
        answer = await staff.tap_data(forged)
        assert answer is not None and answer["text"] == "Sorry, this village is outside your area."
    assert staff.last_text == "Choose the villages (0 villages chosen):"


async def test_okrug_staff_see_only_its_villages_in_the_picker(bot: Harness) -> None:
    await grant(bot, OKRUG_STAFF_ID, Scope(ScopeKind.OKRUG, OKRUG))
    staff = bot.user(OKRUG_STAFF_ID, "Staff", "en")
    await staff.send("/newpoll")
    await staff.send("What first?")
    await staff.send("Road\nWater")
    await staff.tap("One")
    labels = staff.button_labels()
    assert "⬜ Botakara" not in labels and labels[0].startswith("⬜ 🏘 Dubovka")
    answer = await staff.tap_data(f"v1:npl:vt:{OUTSIDE}:0")
    assert answer is not None and answer["text"] == "Sorry, this village is outside your area."


async def test_the_inbox_narrows_to_a_whole_okrug_in_one_tap(bot: Harness) -> None:
    await grant(bot, DISTRICT_STAFF_ID, Scope(ScopeKind.DISTRICT, "krg-bukhar"))
    staff = await staff_member(bot, DISTRICT_STAFF_ID, "Staff", "en")
    for index, village in enumerate(("krg-bukhar-koktobe", OUTSIDE)):
        person = await resident(bot, 1500 + index, f"R{index}", "ru", village)
        await file_complaint(person, f"Фонарь на улице номер {index} не горит неделю")
    await staff_told(bot)
    await staff.send("/inbox")
    assert staff.button_labels()[0] == "🆕 New (2)"
    assert staff.button_labels()[-1] == "📍 Area: all your villages"
    await staff.tap("📍")
    assert staff.button_labels() == [
        "all your villages", "Botakara", "🏘 Dubovka…, all 4 villages",
        "Dubovka", "Karaozek (sample)", "Koktobe (sample)", "Zhanaaul (sample)", "« Inbox",
    ]  # fmt: skip
    await staff.tap("🏘")
    assert staff.button_labels()[0] == "🆕 New (1)"
    assert staff.button_labels()[-1] == "📍 Area: Dubovka Rural Okrug (sample)"
    await staff.tap("🆕 New (1)")
    items = [label for label in staff.button_labels() if "#2026-" in label]
    assert len(items) == 1 and items[0].endswith(" Koktobe…")
    answer = await staff.tap_data("v1:inb:in:o:mng-beineu-beineu-okrug")
    assert answer is not None and answer["text"] == "Sorry, this village is outside your area."
    await staff.send("/inbox")
    await staff.tap("📍")
    await staff.tap("all your villages")
    assert staff.button_labels()[0] == "🆕 New (2)"


async def test_an_item_sent_up_to_the_district_leaves_the_okrug_staff(bot: Harness) -> None:
    await grant(bot, OKRUG_STAFF_ID, Scope(ScopeKind.OKRUG, OKRUG))
    await grant(bot, DISTRICT_STAFF_ID, Scope(ScopeKind.DISTRICT, "krg-bukhar"))
    staff = await staff_member(bot, OKRUG_STAFF_ID, "Staff", "en")
    person = await resident(bot, 1600, "R", "ru", "krg-bukhar-zhanaaul")
    await file_complaint(person, "Мост через ручей разрушен, нужен ремонт районом")
    appeal = await latest(bot)
    answer = await staff.tap_data(f"v1:inb:fwdd:{appeal.id}")  # up to the district akimat
    await staff.tap("↪️ Forward without a note")
    assert staff.last_text == f"↪️ #{appeal.number} forwarded."
    answer = await staff.tap_data(f"v1:inb:take:{appeal.id}")
    assert answer is not None and answer["text"] == "Sorry, this village is outside your area."
    district = await staff_member(bot, DISTRICT_STAFF_ID, "Staff", "en")
    answer = await district.tap_data(f"v1:inb:take:{appeal.id}")
    assert answer is not None and answer["text"] == "Taken into work."


@pytest.mark.parametrize(
    ("feature", "action", "args"),
    [
        ("ob", "okr", ("x" * 40, 999)),  # onboarding: the okrug's villages, a page
        ("ntc", "vo", ("x" * 40, 999)),  # a picker's whole okrug (broadcast; hearing, poll alike)
        ("npl", "vo", ("x" * 40, 999)),
        ("inb", "in", ("o", "x" * 40)),  # the inbox narrowed to an okrug
        ("inb", "where", (999,)),
    ],
)
def test_okrug_callback_data_fits_telegrams_64_bytes_with_the_longest_codes(
    feature: str, action: str, args: tuple[str | int, ...]
) -> None:
    """Codes are at most 40 characters (the territory file's rule): the data stays in bounds."""
    assert len(callbacks.build(feature, action, *args).encode()) <= 64


# --- reports: totals per okrug that reconcile with the villages' rows --------------------------

W48 = Period.week(2026, 48)
ZONE = ZoneInfo("Asia/Almaty")
NO_NAMES = Names("", "", "")
SUMMED_COLUMNS = ("Registered in the bot", "Joined", "Left", "Active", "Complaints",
                  "Suggestions", "Answered", "Overdue at the period's end", "Will come",
                  "Notices delivered", "Poll votes")  # fmt: skip


def okrug_rows_of(path: Path) -> list[dict[str, object]]:
    """The rural okrugs' rows of the Totals sheet, in its order."""
    return [r for r in by_header(sheet_rows(path, "Totals")) if r["Level"] == "Rural okrug"]


async def test_okrug_totals_of_the_summary_reconcile_with_its_village_rows(
    db: Database, tmp_path: Path
) -> None:
    await seed_region(db)
    tr = I18n("kk", ZONE).get("en")
    files = await summary.build(db, tr, [Scope(ScopeKind.REGION, "krg")], W48, tmp_path / "w.xlsx")
    villages = {v.names.en: v for v in await territory.list_villages(db)}
    overview = by_header(sheet_rows(files.workbook, "Overview"))[:-1]
    okrug_rows = okrug_rows_of(files.workbook)
    assert [row["Name"] for row in okrug_rows] == [
        "Dubovka Rural Okrug (sample)", "Egindybulak Rural Okrug", "Aksu-Ayuly Rural Okrug",
    ]  # each after its district  # fmt: skip
    for row in okrug_rows:
        members = [r for r in overview if (villages[str(r["Village"])].okrug_names or NO_NAMES).en
                   == row["Name"]]  # fmt: skip
        assert row["Villages"] == len(members)
        for column in SUMMED_COLUMNS:
            assert row[column] == sum(int(str(r[column])) for r in members), column
        registered = int(str(row["Registered in the bot"]))
        assert row["Active, %"] == sections.share(int(str(row["Active"])), registered)
    dubovka = okrug_rows[0]
    assert dubovka["Villages"] == 4 and int(str(dubovka["Registered in the bot"])) > 0

    participation = by_header(sheet_rows(files.workbook, "Participation"))
    for row in participation[:-1]:
        okrug = villages[str(row["Village"])].okrug_names
        assert row["Rural okrug"] == (okrug.en if okrug else None)
    assert participation[-1]["Village"] == "Total" and participation[-1]["Rural okrug"] is None
    assert participation[-1]["Registered in the bot"] == sum(
        int(str(r["Registered in the bot"])) for r in overview
    )


async def test_a_summary_of_one_okrug_covers_its_villages_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path, database_path=tmp_path / "cli.db")  # PostgreSQL in its run
    database = settings.database()
    await database.open()
    await seed_region(database)
    await database.close()
    monkeypatch.chdir(tmp_path)
    use_database(monkeypatch, settings)
    out = tmp_path / "okrug.xlsx"
    code, printed, _ = await _in_thread(
        capsys, "report", "weekly", "--week", "2026-W48", "--scope", f"okrug:{OKRUG}", "--out",
        str(out), "--language", "en",
    )  # fmt: skip
    assert code == 0, printed
    assert f"Weekly summary 2026-W48 (okrug:{OKRUG}) written to {out}" in printed
    overview = by_header(sheet_rows(out, "Overview"))
    assert {str(r["Village"]) for r in overview[:-1]} == {
        "Dubovka", "Zhanaaul (sample)", "Karaozek (sample)", "Koktobe (sample)"
    }  # fmt: skip
    okrug_rows = okrug_rows_of(out)
    assert [r["Name"] for r in okrug_rows] == ["Dubovka Rural Okrug (sample)"]
    for column in SUMMED_COLUMNS:
        assert okrug_rows[0][column] == overview[-1][column], column
    code, _, error = await _in_thread(capsys, "report", "weekly", "--scope", "okrug:nowhere",
                                      "--out", str(out))  # fmt: skip
    assert code == 1 and "no okrug with code 'nowhere'" in error


async def test_the_digest_totals_each_okrug_of_several_villages(db: Database) -> None:
    await seed_region(db)
    villages = await territory.list_villages(db, "krg-bukhar")
    figures = await report_data.load(db, villages, W48, ZONE)
    tr = I18n("kk", ZONE).get("en")
    text = "\n\n".join(digest.render(tr, figures, digest.news_by_village(figures, [])))
    own = [f for f in figures.villages if f.village.okrug_code == OKRUG]
    registered = sum(f.registered for f in own)
    line = (
        f"Dubovka Rural Okrug (sample) (4 villages): 👥 {registered} resident"
        f"{'' if registered == 1 else 's'}, {sum(f.new for f in own)} joined, "
        f"{sum(f.departed for f in own)} left · 📨 {sum(f.complaints for f in own)} · "
        f"💡 {sum(f.suggestions for f in own)} · ⏰ {sum(f.overdue for f in own)}"
    )
    assert "🏘 Totals per rural okrug:\n" + line in text
    alone = await report_data.load(db, villages[:1], W48, ZONE)  # Botakara: no okrug, no total
    assert "🏘" not in "".join(digest.render(tr, alone, digest.news_by_village(alone, [])))
