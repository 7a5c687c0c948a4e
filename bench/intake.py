"""Benchmark: complete complaint intake dialogs, Qatysu next to bare python-telegram-bot.

Run: ``.venv/bin/python bench/intake.py [N]`` (default 500). N distinct residents each file a
complaint through the real Application on the Bot API simulator, updates delivered directly:
/complaint → category → text → Next → Send (five updates). Then a bare PTB Application with a
trivial ConversationHandler answers the same five updates per person with the same number of
Bot API calls, in the same run. Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import OFFLINE_TOKEN
from bot.settings import Settings
from bot.simulator import BotApiSimulator, Harness, SimUser
from bot.territory import import_territory, sample_file
from storage import people
from storage import roles as roles_repo
from storage.db import Database
from storage.models import Role, Scope, ScopeKind

STAFF_ID = 5001
VILLAGE = "krg-osakarovka-osakarovka"
FIRST_RESIDENT = 100_000


@dataclass
class Figures:
    """What one run measured."""

    dialogs: int
    updates: int
    calls: int
    seconds: float

    def line(self, name: str) -> str:
        return (
            f"{name:<28} {self.dialogs / self.seconds:9.1f} dialogs/s "
            f"{self.updates / self.seconds:9.1f} updates/s "
            f"{self.calls / self.dialogs:5.1f} Bot API calls/dialog"
        )


async def _prepare(path: Path, residents: int) -> None:
    db = Database(path)
    await db.open()
    await import_territory(db, sample_file())
    await roles_repo.grant(
        db, STAFF_ID, Role.STAFF, Scope(ScopeKind.DISTRICT, "krg-osakarovka"), "b"
    )
    for n in range(residents):
        telegram_id = FIRST_RESIDENT + n
        await people.ensure_person(db, telegram_id, f"R{n}")
        await people.set_language(db, telegram_id, "ru")
        await people.set_village(db, telegram_id, VILLAGE)
    await db.close()


async def dialog(user: SimUser, n: int) -> None:
    """One resident files one complaint: five updates."""
    await user.send("/complaint")
    await user.tap("🛣")
    await user.send(f"Яма на улице номер {n}, машины объезжают по тротуару")
    await user.tap("▶")
    await user.tap("✅")


async def run_qatysu(residents: int, folder: Path) -> Figures:
    """Our Application: session, persistence, drafts, validation, numbering, staff notice."""
    path = folder / "bench.db"
    await _prepare(path, residents)
    # The bot's own cost is measured: Telegram's 30 messages a second, which the pacer keeps
    # every reply within, would cap the figure at about 15 dialogs a second.
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_path=path, bot_token=None, appeals_per_day=5,
        sends_per_second=1_000_000,
    )  # fmt: skip
    async with Harness(settings) as harness:
        # Processing speed is measured here; Telegram's flood limits are bench/broadcast.py's.
        harness.sim.throttle = None
        harness.user(STAFF_ID, "Staff", "ru")  # so that the staff notice is really delivered
        harness.sim.started.add(STAFF_ID)  # staff wrote to the bot before
        users = [harness.user(FIRST_RESIDENT + n, f"R{n}", "ru") for n in range(residents)]
        calls_before = len(harness.sim.calls)
        started = time.perf_counter()
        for n, user in enumerate(users):
            await dialog(user, n)
        seconds = time.perf_counter() - started
        calls = len(harness.sim.calls) - calls_before
        services = harness.app.bot_data.services
        assert services is not None
        row = await services.db.fetch_one("SELECT COUNT(*) FROM appeals")
        stored = int(row[0]) if row else 0
    if stored != residents:
        print(f"warning: {stored} of {residents} complaints stored")
    return Figures(dialogs=residents, updates=residents * 5, calls=calls, seconds=seconds)


def bare_application(sim: BotApiSimulator) -> Application[Any, Any, Any, Any, Any, Any]:
    """A trivial conversation making the same Bot API calls as ours, per update."""
    labels = (("🛣 Roads", "cat"), ("▶ Next", "next"), ("✅ Send", "send"))
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data)] for label, data in labels]
    )

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Category?", reply_markup=keyboard)
        return 0

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"step {query.data}", reply_markup=keyboard)
        if query.data == "send":
            await context.bot.send_message(STAFF_ID, "new complaint")
            return ConversationHandler.END
        return 1

    async def text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Next?", reply_markup=keyboard)
        return 1

    app = Application.builder().token(OFFLINE_TOKEN).request(sim).get_updates_request(sim).build()
    warnings.simplefilter("ignore")  # per_message=False is intended, as in Qatysu
    app.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("complaint", start)],
            states={
                0: [CallbackQueryHandler(tapped)],
                1: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, text),
                    CallbackQueryHandler(tapped),
                ],
            },
            fallbacks=[],
        )
    )
    return app


async def run_bare(residents: int) -> Figures:
    """The python-telegram-bot floor: the same updates, no storage, no checks."""
    sim = BotApiSimulator(flood_limits=False)  # as for Qatysu: processing speed only
    app = bare_application(sim)
    await app.initialize()
    await app.start()

    async def deliver(update: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(update, app.bot))

    SimUser(sim, deliver, STAFF_ID, "Staff", "ru")
    sim.started.add(STAFF_ID)
    users = [SimUser(sim, deliver, FIRST_RESIDENT + n, f"R{n}", "ru") for n in range(residents)]
    calls_before = len(sim.calls)
    started = time.perf_counter()
    for n, user in enumerate(users):
        await dialog(user, n)
    seconds = time.perf_counter() - started
    calls = len(sim.calls) - calls_before
    await app.stop()
    await app.shutdown()
    return Figures(dialogs=residents, updates=residents * 5, calls=calls, seconds=seconds)


async def main(residents: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="qatysu-bench-") as folder:
        bare = await run_bare(residents)
        ours = await run_qatysu(residents, Path(folder))
    print(f"Complaint intake, {residents} residents, 5 updates each, direct delivery")
    print(bare.line("bare python-telegram-bot"))
    print(ours.line("Qatysu (SQLite, real app)"))
    print(f"ratio Qatysu / bare: {ours.dialogs / ours.seconds / (bare.dialogs / bare.seconds):.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
