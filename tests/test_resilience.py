"""Trouble at Telegram, in process: broadcasts and replies ride it out, nothing is lost."""

from __future__ import annotations

from pathlib import Path

from bot.simulator import Harness
from bot.simulator.api import Outage
from storage import broadcasts as repo
from tests.conftest import STAFF_ID, make_settings, seed


async def test_a_broadcast_outlasts_an_outage_longer_than_its_retries(tmp_path: Path) -> None:
    """Before: three network errors in a row marked a resident 'failed', never sent."""
    settings = make_settings(tmp_path)
    await seed(settings)
    async with Harness(settings) as bot:
        for user_id in range(400, 420):
            await bot.user(user_id, f"R{user_id}", "ru").send("/start v_krg-nura-nura")
        services = bot.app.bot_data.services
        assert services is not None
        bot.sim.fault = Outage(2.5, ("502", "500", "reset", "timeout"), frozenset({"sendMessage"}))
        broadcast_id = await services.engine.submit(
            kind="notice", payload={"text": "После сбоя"}, created_by=STAFF_ID,
            village_codes=("krg-nura-nura",),
        )  # fmt: skip
        await bot.broadcasts_finished(within=40)
        tally = await repo.tally(services.db, broadcast_id)
        assert (tally.sent, tally.failed) == (20, 0)
        got = [
            sum(
                1
                for c in bot.sim.calls_to("sendMessage")
                if c.ok and c.params["chat_id"] == uid and "После сбоя" in c.params["text"]
            )
            for uid in range(400, 420)
        ]
        assert got == [1] * 20


async def test_a_reply_that_meets_a_429_or_a_5xx_is_sent_once_it_passes(bot: Harness) -> None:
    dana = bot.user(1004, "Dana", "en")
    bot.sim.fault = Outage(1.2, ("429", "502"), frozenset({"sendMessage"}))
    await dana.send("/start v_krg-nura-nura")
    assert "Your village: Nura" in dana.texts[0]
    statuses = [c.status for c in bot.sim.calls_to("sendMessage")]
    assert 429 in statuses and 502 in statuses and statuses[-1] == 200


async def test_a_bad_request_is_not_tried_again(bot: Harness) -> None:
    dana = bot.user(1004, "Dana", "en")
    await dana.send("/start v_krg-nura-nura")
    before = len(bot.sim.calls_to("sendMessage"))
    del bot.sim.users[1004]  # "chat not found" from now on
    await dana.send("/mydata")
    assert len(bot.sim.calls_to("sendMessage")) - before == 2  # the reply, the apology: once each
