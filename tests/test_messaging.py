"""One way to reach a person: ``bot.messaging.send`` in their language, no retry of its own."""

from __future__ import annotations

from bot import messaging
from bot.simulator import Harness


async def test_send_reaches_a_person_who_wrote_and_not_one_who_never_did(bot: Harness) -> None:
    """A person who never wrote is refused by Telegram (403): logged and ``False``, no raise."""
    aigerim = bot.user(2101, "Айгерім", "kk", started=True)
    stranger = bot.user(2102, "Ivan", "ru")

    assert await messaging.send(bot.app.bot, aigerim.id, "Сәлем") is True
    assert await messaging.send(bot.app.bot, stranger.id, "Привет") is False

    assert aigerim.last_text == "Сәлем"
    assert stranger.texts == []


async def test_a_person_is_told_in_their_own_language(bot: Harness) -> None:
    """The translator of a person is their stored choice, else their Telegram app's language."""
    ivan = bot.user(2103, "Иван", "ru")
    await ivan.send("/start")
    services = bot.app.bot_data.services
    assert services is not None

    assert (await messaging.translator_of(services, ivan.id)).language == "ru"
    assert (await messaging.translator_of(services, 2999)).language == services.i18n.get(
        None
    ).language
