"""The household register's phones (похозяйственная книга): imported as keyed hashes only.

``qatysu residents import-phones FILE --village CODE`` reads a list of phone numbers (one a
line, or a CSV whose cells hold them; a header or a line without digits is skipped), keeps
each valid Kazakhstan number as the keyed hash of its E.164 form, and nothing else: neither the
numbers nor the file are stored. A resident of the village who then shares a listed number is
verified at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.identity import Identity
from bot.residents.verification import PHONE_PURPOSE, normalise
from storage import verifications
from storage.db import Database, utcnow

_CELLS = re.compile(r"[,;\t]")


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did."""

    numbers: int  # distinct valid numbers in the file
    added: int  # of them, new to the village's register
    refused: tuple[int, ...]  # line numbers with digits but no valid Kazakhstan number


def read_numbers(text: str) -> tuple[set[str], list[int]]:
    """The E.164 numbers of a file's text, and the lines with digits but no valid number."""
    found: set[str] = set()
    refused: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        cells = [cell.strip().strip('"') for cell in _CELLS.split(line)]
        phones = [normalise(cell) for cell in cells if sum(ch.isdigit() for ch in cell) >= 7]
        valid = [phone for phone in phones if phone is not None]
        if valid:
            found.update(valid)
        elif phones:
            refused.append(number)
    return found, refused


async def import_phones(db: Database, identity: Identity, village_code: str, text: str) -> Imported:
    """Add the numbers of a file's ``text`` to the village's register, as keyed hashes."""
    numbers, refused = read_numbers(text)
    hashes = [identity.keyed_hash(PHONE_PURPOSE, number) for number in sorted(numbers)]
    added = await verifications.import_phones(db, village_code, hashes, utcnow())
    return Imported(numbers=len(numbers), added=added, refused=tuple(refused))
