"""Staff and coordinators: roles checked on the server for commands and button taps alike."""

from __future__ import annotations

import logging

import pytest

from bot.simulator import Harness
from storage import roles as roles_repo
from storage.db import Database
from tests.conftest import ADMIN_ID, COORDINATOR_ID, OTHER_STAFF_ID, STAFF_ID


def services_db(bot: Harness) -> Database:
    services = bot.app.bot_data.services
    assert services is not None
    return services.db


async def join(bot: Harness, user_id: int, village: str, language: str = "ru") -> None:
    await bot.user(user_id, f"R{user_id}", language).send(f"/start v_{village}")


async def test_resident_is_refused_a_staff_command_politely(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    with caplog.at_level(logging.WARNING, logger="bot.auth"):
        await ivan.send("/residents")
    assert ivan.last_text == "Извините, это доступно только сотрудникам акимата."
    services = bot.app.bot_data.services
    assert services is not None
    who = "p:" + services.identity.short_key(1002)
    assert any(f"Refused {who}" in record.getMessage() for record in caplog.records)
    assert not any("1002" in record.getMessage() for record in caplog.records)


async def test_staff_see_residents_of_their_district_only(bot: Harness) -> None:
    await join(bot, 1, "krg-osakarovka-osakarovka")
    await join(bot, 2, "krg-osakarovka-osakarovka", "kk")
    await join(bot, 3, "krg-osakarovka-molodezhny")
    await join(bot, 4, "krg-nura-nura")  # another district of the same region
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/residents")
    assert staff.last_text.splitlines()[:2] == [
        "На вашей территории зарегистрировано: 3 жителя",
        "Осакаровский район: 3 жителя",
    ]
    await staff.tap("Осакаровский район")
    assert staff.last_text.splitlines() == [
        "Осакаровский район",
        "Молодежный: 1 житель",
        "Осакаровка: 2 жителя",
    ]


async def test_coordinator_sees_the_whole_region(bot: Harness) -> None:
    await join(bot, 3, "krg-osakarovka-molodezhny")
    await join(bot, 4, "krg-nura-nura")
    await join(bot, 5, "mng-beineu-beineu")  # another region
    coordinator = bot.user(COORDINATOR_ID, "Coordinator", "en")
    await coordinator.send("/residents")
    assert coordinator.last_text.startswith("Registered residents in your area: 2 residents")


async def test_forged_tap_on_a_district_outside_the_scope_is_refused(bot: Harness) -> None:
    await join(bot, 5, "mng-beineu-beineu")
    staff = bot.user(STAFF_ID, "Ерлан", "ru")
    await staff.send("/residents")
    before = staff.last_text
    answer = await staff.tap_data("v1:res:dis:mng-beineu")
    assert (
        answer is not None
        and answer["text"] == "Извините, это село не относится к вашей территории."
    )
    assert answer["show_alert"] is True
    assert staff.last_text == before


async def test_forged_staff_tap_from_a_resident_is_refused(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-osakarovka-osakarovka")
    answer = await ivan.tap_data("v1:res:dis:krg-osakarovka")
    assert (
        answer is not None
        and answer["text"] == "Извините, это доступно только сотрудникам акимата."
    )


async def test_village_staff_see_only_their_village(bot: Harness) -> None:
    await join(bot, 5, "mng-beineu-beineu")
    await join(bot, 6, "mng-beineu-borankul")
    staff = bot.user(OTHER_STAFF_ID, "Staff", "en")
    await staff.send("/residents")
    await staff.tap("Beineu District")
    assert staff.last_text.splitlines() == ["Beineu District", "Beineu: 1 resident"]


async def test_admin_from_settings_holds_every_role(bot: Harness) -> None:
    await join(bot, 5, "mng-beineu-beineu")
    admin = bot.user(ADMIN_ID, "Admin", "en")
    await admin.send("/residents")
    assert admin.last_text.startswith("Registered residents in your area: 1 resident")


async def test_staff_menu_and_help_show_staff_commands(bot: Harness) -> None:
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    await staff.send("/help")
    assert "/residents — Ауылдарымда тіркелген тұрғындар" in staff.last_text
    assert "👥 Тұрғындар" in staff.button_labels()
    resident = bot.user(1002, "Иван", "kk")
    await resident.send("/help")
    assert "/residents" not in resident.last_text
    assert "👥 Тұрғындар" not in resident.button_labels()


async def test_command_menus_are_published_per_language_and_role(bot: Harness) -> None:
    menus = {
        (scope, lang): [c["command"] for c in cmds]
        for (scope, lang), cmds in bot.sim.commands.items()
    }
    default = '{"type": "default"}'
    for language in ("", "kk", "ru", "en"):
        assert "residents" not in menus[(default, language)]
        assert "start" in menus[(default, language)]
    ru = bot.sim.commands[(default, "ru")]
    assert ru[0] == {"command": "start", "description": "Начать и выбрать село"}
    # Role holders who never wrote to the bot have no chat yet: nothing is set, nothing fails.
    staff = bot.user(STAFF_ID, "Ерлан", "kk")
    await staff.send("/start")
    await bot.restart()
    chat_menu = bot.sim.commands[(f'{{"chat_id": {STAFF_ID}, "type": "chat"}}', "")]
    assert "residents" in [c["command"] for c in chat_menu]


async def test_invite_link_grants_the_role_once(bot: Harness) -> None:
    from bot import invites
    from storage.models import Role, Scope, ScopeKind

    db = services_db(bot)
    settings = bot.settings
    invite = await invites.create(
        db, settings, Role.STAFF, Scope(ScopeKind.VILLAGE, "krg-nura-nura")
    )
    newcomer = bot.user(6001, "Жанар", "kk")
    await newcomer.send(f"/start i_{invite.token}")
    assert newcomer.last_text == "Қош келдіңіз! Енді сіз — әкімдік қызметкері: Нұра."
    grants = await roles_repo.grants_of(db, 6001)
    assert [(g.role.value, g.scope.code) for g in grants] == [("staff", "krg-nura-nura")]
    other = bot.user(6002, "Someone", "en")
    await other.send(f"/start i_{invite.token}")
    assert other.last_text.startswith("This invitation link has been used or has expired")
    assert await roles_repo.grants_of(db, 6002) == []
