"""The demo's resident who only types: Күлпаш апа, on an old phone, taps nothing but ✅.

She joins by typing her language and her village, complains in two words, says she will come
to the hearing with «иә» and votes with the option's number (issue 17).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.simulator import Harness

if TYPE_CHECKING:
    from bot.demo import Transcript

KULPASH = 1005


async def joins_and_complains(harness: Harness, transcript: Transcript) -> None:
    """She types her way in, then writes «жарық жоқ» at the menu: kept, asked, filed."""
    transcript.names[KULPASH] = "Күлпаш апа"
    kulpash = harness.user(KULPASH, "Күлпаш", None)  # an old phone: no app language

    transcript.scene("Tuesday: Kulpash apa, on an old phone, only types: her language, her village")
    await kulpash.send("/start")
    await kulpash.send("қазақша")
    await kulpash.send("осакаровко")  # a typo: found anyway, and asked
    await kulpash.send("иә")

    transcript.scene("She writes two words at the menu: kept, and asked what it is")
    await kulpash.send("жарық жоқ")
    await kulpash.tap("✅ Шағым")
    await kulpash.send("3")  # the third category: electricity and gas
    await kulpash.tap("✅ Жіберу")


async def answers_the_hearing(harness: Harness, transcript: Transcript) -> None:
    """«иә» after the hearing's notice: she will come."""
    kulpash = harness.user(KULPASH, "Күлпаш", None)
    transcript.scene("Kulpash apa answers the notice by typing «иә»")
    await kulpash.send("иә")


async def votes(harness: Harness, transcript: Transcript) -> None:
    """«2» after the poll's announcement, then ✅."""
    kulpash = harness.user(KULPASH, "Күлпаш", None)
    transcript.scene("Kulpash apa votes by typing the option's number")
    await kulpash.send("2")
    await kulpash.tap("✅ Дауыс беру")
