"""The bot as a process: real polling, repeated updates, errors, stray input."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.simulator import Harness
from tests.conftest import seed


async def test_polling_through_get_updates_with_offsets(settings: Settings) -> None:
    await seed(settings)
    async with Harness(settings, polling=True) as bot:
        ivan = bot.user(1002, "Иван", "ru")
        await ivan.send("/start v_krg-nura-nura")
        await ivan.send("/mydata")
        assert "Село: Нура" in ivan.last_text
        offsets = [call.params.get("offset") for call in bot.sim.calls_to("getUpdates")]
        assert max(o for o in offsets if o is not None) >= 3  # both updates were confirmed
        assert bot.sim.pending_updates == 0


async def test_an_update_delivered_twice_has_one_effect(bot: Harness) -> None:
    ivan = bot.user(1002, "Иван", "ru")
    update = bot.sim.make_update(
        {
            "message": {
                "message_id": 1, "date": 0, "text": "/start v_krg-nura-nura",
                "chat": {"id": 1002, "type": "private", "first_name": "Иван"},
                "from": ivan.as_json(),
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            }
        }
    )  # fmt: skip
    await bot.deliver(update)
    await bot.restart(crash=True)
    await bot.deliver(update)
    sent = [c for c in bot.sim.calls_to("sendMessage") if c.params["chat_id"] == 1002]
    assert len(sent) == 1


async def test_an_unexpected_error_is_logged_and_the_person_told(
    bot: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage import people

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    ivan = bot.user(1002, "Иван", "ru")
    await ivan.send("/start v_krg-nura-nura")
    monkeypatch.setattr(people, "count_by_village", broken)
    monkeypatch.setattr("handlers.privacy.privacy.personal_data", broken)
    with caplog.at_level(logging.ERROR):
        await ivan.send("/mydata")
    assert ivan.last_text == "Извините, что-то пошло не так. Попробуйте чуть позже."
    record = next(
        r for r in caplog.records if r.getMessage().startswith("Error while handling update")
    )
    assert record.exc_info is not None and "disk on fire" in str(record.exc_info[1])


async def test_stray_text_and_stickers_get_the_menu(bot: Harness) -> None:
    dana = bot.user(1004, "Dana", "en")
    await dana.send("/start v_krg-nura-nura")
    await dana.send("hello?")
    assert dana.last_text == "I did not understand that. Please choose from the menu:"
    await dana.send_sticker()
    assert dana.last_text == "I did not understand that. Please choose from the menu:"
    assert "❓ Help" in dana.button_labels()


@pytest.mark.parametrize("data", ["v9:ob:vil:x", "garbage", "v1:ob:vil:" + "z" * 40, "v1:nope:x"])
async def test_forged_or_foreign_callback_data_is_answered_politely(
    bot: Harness, data: str
) -> None:
    dana = bot.user(1004, "Dana", "en")
    await dana.send("/start v_krg-nura-nura")
    answer = await dana.tap_data(data)
    assert answer is not None and answer["text"] == "This button is out of date. Send /start."


@pytest.mark.sqlite_only  # SQLite's file
async def test_database_file_is_created_where_configured(tmp_path: Path) -> None:
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, database_path=tmp_path / "nested" / "dir" / "q.db")
    async with Harness(settings):
        pass
    assert (tmp_path / "nested" / "dir" / "q.db").exists()


async def test_messages_in_groups_are_ignored(bot: Harness) -> None:
    from bot.simulator.api import now

    bot.sim.users[-100500] = {"id": -100500, "first_name": "group"}
    before = len(bot.sim.calls)
    await bot.deliver(
        bot.sim.make_update(
            {
                "message": {
                    "message_id": 5, "date": now(), "text": "/start",
                    "chat": {"id": -100500, "type": "supergroup", "title": "Akimat staff"},
                    "from": {"id": 1002, "is_bot": False, "first_name": "Иван"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                }
            }
        )
    )  # fmt: skip
    assert [c.method for c in bot.sim.calls[before:]] == []
