"""Totals per rural okrug: the sums of its villages' figures, for the summary and the digest.

An okrug's total is the sum of the rows of its villages in the report, nothing else, so the two
always reconcile; villages of no okrug (of district significance, towns) are in no total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.reports.data import VillageFigures
from storage.models import Names

# The figures of a village that add up over an okrug (shares are recomputed from the sums).
SUMMED = ("registered", "new", "departed", "active", "complaints", "suggestions", "overdue",
          "hearings", "coming", "delivered", "poll_votes")  # fmt: skip


@dataclass(slots=True)
class OkrugTotal:
    """One okrug: its names, how many of its villages the report has, their summed figures."""

    code: str
    names: Names
    district_names: Names
    villages: int = 0
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMMED, 0))


def totals(villages: Iterable[VillageFigures]) -> list[OkrugTotal]:
    """The total of each okrug with a village among ``villages``, in the order first met."""
    found: dict[str, OkrugTotal] = {}
    for figures in villages:
        village = figures.village
        if village.okrug_code is None or village.okrug_names is None:
            continue
        total = found.setdefault(
            village.okrug_code,
            OkrugTotal(village.okrug_code, village.okrug_names, village.district_names),
        )
        total.villages += 1
        for name in SUMMED:
            total.sums[name] += getattr(figures, name)
    return list(found.values())
