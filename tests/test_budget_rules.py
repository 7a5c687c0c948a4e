"""The budget cycle's rules: greedy by votes and the Method of Equal Shares, as published.

Worked examples whose outcome is argued in the comments, and random instances checked against
pabutools, the reference implementation of the participatory-budgeting rules (same tie-breaking).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

import pytest

from bot.budget.rules import (
    COMPLETION_STEPS,
    Ballot,
    Rule,
    decide,
    equal_shares,
    greedy,
    tie_key,
    votes_per_project,
)

A, B, C, D, E = 1, 2, 3, 4, 5


def test_greedy_lets_the_larger_village_take_all_and_equal_shares_does_not() -> None:
    # Village X (6 voters) wants A and B, village Y (4 voters) wants C; each costs 50 of 100.
    costs = {A: 50, B: 50, C: 50}
    ballots = [{A, B}] * 6 + [{C}] * 4
    # Greedy: A and B have 6 votes each and fit; C (4 votes) no longer does.
    assert greedy(100, costs, ballots).funded == (A, B)
    # MES: each voter holds 10. X's 60 buys A (8.33 each); X has 10 left, short of B; Y's 40 is
    # short of C. Raising the shares to 12.5 lets Y buy C, and the 100 is spent: A and C.
    assert equal_shares(100, costs, ballots, complete=False).funded == (A,)
    outcome = equal_shares(100, costs, ballots)
    assert (set(outcome.funded), outcome.spent, outcome.left) == ({A, C}, 100, 0)


def test_a_project_over_the_budget_is_passed_over_by_both_rules() -> None:
    costs = {D: 150, E: 30}
    ballots = [{D}] * 4 + [{D, E}]
    assert greedy(100, costs, ballots).funded == (E,)
    # Under MES, E's one supporter holds 20 of its 30; raised to 30, they buy it.
    assert equal_shares(100, costs, ballots).funded == (E,)


def test_ties_go_to_more_votes_then_the_cheaper_then_the_first_proposed() -> None:
    costs = {A: 5, B: 5, C: 4}
    ballots = [{A, B, C}, {A, B, C}]
    assert tie_key(C, costs, votes_per_project(costs, ballots)) < tie_key(
        A, costs, votes_per_project(costs, ballots)
    )
    assert greedy(9, costs, ballots).funded == (C, A)  # C is cheaper; then A before B
    assert greedy(10, {A: 5, B: 5, C: 5}, ballots).funded == (A, B)


def test_a_project_nobody_chose_is_never_funded() -> None:
    costs = {A: 10, B: 10}
    ballots = [{A}]
    assert greedy(100, costs, ballots).funded == (A,)
    assert equal_shares(100, costs, ballots).funded == (A,)
    assert equal_shares(100, costs, []).funded == ()


def test_the_published_rule_decides() -> None:
    costs = {A: 50, B: 50, C: 50}
    ballots = [{A, B}] * 6 + [{C}] * 4
    assert decide(Rule.GREEDY, 100, costs, ballots).funded == (A, B)
    assert set(decide(Rule.EQUAL_SHARES, 100, costs, ballots).funded) == {A, C}


# --- against the reference -----------------------------------------------------------------


def random_instance(seed: int) -> tuple[int, dict[int, int], list[Ballot]]:
    """A village-sized cycle: 3-9 projects, 5-40 voters in two or three camps, ties likely."""
    rng = random.Random(seed)
    projects = rng.randint(3, 9)
    costs = {p: rng.choice([50, 100, 150, 200, 300, 600]) * 1000 for p in range(1, projects + 1)}
    budget = rng.choice([300, 500, 800]) * 1000
    camps = [set(rng.sample(sorted(costs), rng.randint(1, projects))) for _ in range(3)]
    ballots: list[Ballot] = []
    for _ in range(rng.randint(5, 40)):
        camp = rng.choice(camps)
        ballots.append(frozenset(p for p in camp if rng.random() < 0.8) or frozenset(camp))
    return budget, costs, ballots


def reference(
    rule: Rule, budget: int, costs: Mapping[int, int], ballots: Sequence[Ballot]
) -> set[int]:
    """The outcome pabutools computes, with this module's tie-breaking.

    pabutools' greedy also funds a project nobody voted for when money is left; a cycle never
    does, so such projects are left out of the instance given to it.
    """
    election = pytest.importorskip("pabutools.election")
    rules = pytest.importorskip("pabutools.rules")
    fractions = pytest.importorskip("pabutools.fractions")
    tiebreaking = pytest.importorskip("pabutools.tiebreaking")
    votes = votes_per_project(costs, ballots)
    projects = {p: election.Project(str(p), cost) for p, cost in costs.items() if votes[p]}
    instance = election.Instance(projects.values(), budget_limit=budget)
    profile = election.ApprovalProfile(
        [election.ApprovalBallot([projects[p] for p in ballot]) for ballot in ballots]
    )
    ties = tiebreaking.TieBreakingRule(
        lambda _instance, _profile, project: tie_key(int(project.name), costs, votes)
    )
    greedy_params = {"sat_class": election.Cost_Sat, "tie_breaking": ties}
    if rule is Rule.GREEDY:
        outcome = rules.greedy_utilitarian_welfare(instance, profile, **greedy_params)
    else:
        step = fractions.frac(budget, len(ballots) * COMPLETION_STEPS)
        mes_params = {**greedy_params, "voter_budget_increment": step}
        outcome = rules.completion_by_rule_combination(
            instance,
            profile,
            [rules.method_of_equal_shares, rules.greedy_utilitarian_welfare],
            [mes_params, greedy_params],
        )
    return {int(project.name) for project in outcome}


@pytest.mark.parametrize("rule", list(Rule))
@pytest.mark.parametrize("seed", range(40))
def test_outcome_equals_the_reference_implementation(rule: Rule, seed: int) -> None:
    budget, costs, ballots = random_instance(seed)
    ours = decide(rule, budget, costs, ballots)
    assert set(ours.funded) == reference(rule, budget, costs, ballots)
    assert ours.spent == sum(costs[p] for p in ours.funded) <= budget


@pytest.mark.parametrize("rule", list(Rule))
def test_worked_examples_equal_the_reference_too(rule: Rule) -> None:
    examples = [
        (100, {A: 50, B: 50, C: 50}, [{A, B}] * 6 + [{C}] * 4),
        (100, {D: 150, E: 30}, [{D}] * 4 + [{D, E}]),
        (9, {A: 5, B: 5, C: 4}, [{A, B, C}] * 2),
        (10, {A: 5, B: 5, C: 5}, [{A, B, C}] * 2),
    ]
    for budget, costs, ballots in examples:
        assert set(decide(rule, budget, costs, ballots).funded) == reference(
            rule, budget, costs, ballots
        )
