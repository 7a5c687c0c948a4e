"""Who gets funded: the published rules of a budget cycle, in exact arithmetic.

Two rules, chosen per cycle:

- **greedy** by votes: projects in order of votes, each funded if it still fits in what is
  left; a project that does not fit is passed over and the next one is tried.
- **Method of Equal Shares** (MES, equalshares.net) with cost utilities: the budget is split
  equally among the voters; a project is bought by its supporters, each paying at most an equal
  share of its cost from what they have left; among affordable projects the one whose supporters
  pay the least per tenge of the project is bought first. Smaller groups of villages get a share
  of the budget in proportion to their number, instead of the largest village taking all. MES
  alone may leave money unspent, so it is completed as equalshares.net recommends: the voters'
  equal shares are raised step by step (:data:`COMPLETION_STEPS` steps up to the whole budget
  each) while the outcome still fits, and any money still left goes greedily by votes.

Ties (the same votes, or the same price per tenge under MES) go to the project with more votes,
then the cheaper one, then the one proposed first (the lower number): :func:`tie_key`.

A ballot is a set of approved project numbers: a budget ballot (projects whose costs fit in the
budget together) and an approval ballot (up to K projects) are counted alike.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

# The equal shares are raised in steps of 1/COMPLETION_STEPS of the budget per voter.
COMPLETION_STEPS = 100

Ballot = Collection[int]


class Rule(StrEnum):
    """The rule a cycle publishes before the vote."""

    GREEDY = "greedy"
    EQUAL_SHARES = "mes"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The funded projects, in the order they were bought, and what is left of the budget."""

    funded: tuple[int, ...]
    spent: int
    left: int


def votes_per_project(costs: Mapping[int, int], ballots: Sequence[Ballot]) -> dict[int, int]:
    """How many ballots approve each project (projects nobody chose count 0)."""
    votes = dict.fromkeys(costs, 0)
    for ballot in ballots:
        for project in set(ballot):
            if project in votes:
                votes[project] += 1
    return votes


def tie_key(
    project: int, costs: Mapping[int, int], votes: Mapping[int, int]
) -> tuple[int, int, int]:
    """Order among tied projects: more votes, then cheaper, then proposed first."""
    return (-votes[project], costs[project], project)


def greedy(
    budget: int,
    costs: Mapping[int, int],
    ballots: Sequence[Ballot],
    already: Sequence[int] = (),
) -> Outcome:
    """Fund projects in order of votes while they fit (after those ``already`` funded)."""
    votes = votes_per_project(costs, ballots)
    funded = list(already)
    left = budget - sum(costs[p] for p in funded)
    candidates = [p for p in costs if p not in funded and votes[p] > 0]
    for project in sorted(candidates, key=lambda p: tie_key(p, costs, votes)):
        if costs[project] <= left:
            funded.append(project)
            left -= costs[project]
    return Outcome(tuple(funded), budget - left, left)


def _price(cost: int, shares: list[Fraction]) -> Fraction | None:
    """What each supporter pays at most so that together they pay ``cost`` (None: they can't).

    Supporters with less than the price pay all they have; the rest pay the price.
    """
    if sum(shares, Fraction(0)) < cost:
        return None
    remaining, count = Fraction(cost), len(shares)
    for index, share in enumerate(sorted(shares)):
        payers = count - index
        if share * payers >= remaining:
            return remaining / payers
        remaining -= share
    return None  # not reached: the sum covered the cost


def _equal_shares_round(
    per_voter: Fraction, costs: Mapping[int, int], ballots: Sequence[Ballot]
) -> list[int]:
    """One run of MES with cost utilities and ``per_voter`` to spend each."""
    votes = votes_per_project(costs, ballots)
    supporters = {p: [i for i, b in enumerate(ballots) if p in b] for p in costs if votes[p] > 0}
    money = [per_voter] * len(ballots)
    funded: list[int] = []
    while True:
        best: tuple[Fraction, tuple[int, int, int], int, Fraction] | None = None
        for project, voters in supporters.items():
            if project in funded:
                continue
            price = _price(costs[project], [money[i] for i in voters])
            if price is None:
                continue
            # Cost utilities: a supporter's gain is the project's cost, so the price per unit
            # of gain is price / cost (what equalshares.net calls the project's rho).
            rank = (price / costs[project], tie_key(project, costs, votes), project, price)
            if best is None or rank[:2] < best[:2]:
                best = rank
        if best is None:
            return funded
        _, _, project, price = best
        funded.append(project)
        for i in supporters[project]:
            money[i] -= min(money[i], price)


def _exhausted(
    budget: int, costs: Mapping[int, int], votes: Mapping[int, int], funded: Sequence[int]
) -> bool:
    """Whether no project with a vote that is not funded fits in what is left."""
    left = budget - sum(costs[p] for p in funded)
    return all(costs[p] > left for p in costs if votes[p] > 0 and p not in funded)


def equal_shares(
    budget: int,
    costs: Mapping[int, int],
    ballots: Sequence[Ballot],
    *,
    complete: bool = True,
) -> Outcome:
    """The Method of Equal Shares; with ``complete``, raised shares and then greedy fill-up."""
    if not ballots:
        return Outcome((), 0, budget)
    votes = votes_per_project(costs, ballots)
    per_voter = Fraction(budget, len(ballots))
    funded = _equal_shares_round(per_voter, costs, ballots)
    if complete:
        step = Fraction(budget, len(ballots) * COMPLETION_STEPS)
        while not _exhausted(budget, costs, votes, funded):
            per_voter += step
            more = _equal_shares_round(per_voter, costs, ballots)
            if sum(costs[p] for p in more) > budget:
                break
            funded = more
        return greedy(budget, costs, ballots, already=funded)
    spent = sum(costs[p] for p in funded)
    return Outcome(tuple(funded), spent, budget - spent)


def decide(rule: Rule, budget: int, costs: Mapping[int, int], ballots: Sequence[Ballot]) -> Outcome:
    """The outcome of a cycle under its published rule."""
    if rule is Rule.GREEDY:
        return greedy(budget, costs, ballots)
    return equal_shares(budget, costs, ballots)
