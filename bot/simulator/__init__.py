"""An offline Telegram Bot API and simulated people, for tests, the demo and benchmarks."""

from bot.simulator.api import ApiCall, ApiError, BotApiSimulator
from bot.simulator.harness import Harness
from bot.simulator.people import ButtonNotFound, SimUser

__all__ = ["ApiCall", "ApiError", "BotApiSimulator", "ButtonNotFound", "Harness", "SimUser"]
