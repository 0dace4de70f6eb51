"""Hypothesis as a second, independent explorer of the race model."""

from functools import cache

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from outage.checker import HOLDS, VIOLATED, explore, replay
from outage.race.model import (
    ACTIVE_NEVER_DELETED,
    FIXES,
    NO_REGRESSION,
    RECORD_NEVER_EMPTY,
    Params,
    actions,
    active_never_deleted,
    init_states,
    model,
    no_regression,
    record_never_empty,
    step,
)

STATE_CHECKS = {RECORD_NEVER_EMPTY: record_never_empty, ACTIVE_NEVER_DELETED: active_never_deleted}


@st.composite
def small_params(draw):
    plans = draw(st.integers(2, 4))
    return Params(
        enactors=draw(st.integers(1, 3)),
        plans=plans,
        endpoints=draw(st.integers(1, 2)),
        keep=draw(st.integers(0, plans - 1)),
        fixes=frozenset(draw(st.sets(st.sampled_from(FIXES)))),
        lock=draw(st.booleans()),
    )


@cache
def explored(p: Params):
    return explore(model(p))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=small_params(), choices=st.lists(st.integers(0, 10**6), max_size=40))
def test_random_walks_agree_with_the_explorer(p, choices):
    """A walk never breaks a property the explorer says holds, and every violation a walk
    finds, the explorer finds too, with a trace no longer than the walk's."""
    result = explored(p)
    s = init_states(p)[0]
    for n, choice in enumerate(choices, 1):
        enabled = actions(p, s)
        if not enabled:
            break
        a = enabled[choice % len(enabled)]
        s2 = step(p, s, a)
        broken = [name for name, ok in STATE_CHECKS.items() if not ok(s2)]
        if not no_regression(s, a, s2):
            broken.append(NO_REGRESSION)
        for name in broken:
            r = result.result(name)
            assert r.verdict == VIOLATED, (name, p)
            assert r.trace_length <= n
        s = s2


@settings(max_examples=30, deadline=None)
@given(p=small_params())
def test_each_counterexample_replays_to_its_violation(p):
    result = explored(p)
    m = model(p)
    for r in result.results:
        if r.verdict != VIOLATED or r.trace is None:
            continue
        states = replay(m, r.trace, result.initial[0])
        if r.name in STATE_CHECKS:
            assert not STATE_CHECKS[r.name](states[-1])
            assert all(STATE_CHECKS[r.name](s) for s in states[:-1])
        elif r.name == NO_REGRESSION:
            assert not no_regression(states[-2], r.trace[-1], states[-1])


def race_machine(p: Params):
    """A RuleBasedStateMachine whose rule takes any enabled action of the model."""

    class Race(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.s = init_states(p)[0]

        @precondition(lambda self: bool(actions(p, self.s)))
        @rule(choice=st.integers(0, 10**6))
        def act(self, choice):
            enabled = actions(p, self.s)
            a = enabled[choice % len(enabled)]
            s2 = step(p, self.s, a)
            assert no_regression(self.s, a, s2), "an endpoint moved to an older plan"
            self.s = s2

        @precondition(lambda self: not actions(p, self.s))
        @rule()
        def stutter(self):
            """A final state (the Planner is done, every Enactor idle) just stutters."""

        @invariant()
        def record_never_empty(self):
            assert record_never_empty(self.s), "an endpoint's record is empty"

        @invariant()
        def active_plan_never_deleted(self):
            assert active_never_deleted(self.s), "an active plan was deleted"

    return Race


FIXED = Params(fixes=frozenset({"conditional-write"}))


def test_fixed_variant_passes_the_stateful_test():
    assert explored(FIXED).verdict == HOLDS
    run_state_machine_as_test(race_machine(FIXED), settings=settings(
        max_examples=40, stateful_step_count=40, deadline=None, derandomize=True))


def test_hypothesis_finds_the_race_without_a_fix():
    p = Params(enactors=2, plans=3, endpoints=1, keep=1)
    try:
        run_state_machine_as_test(race_machine(p), settings=settings(
            max_examples=300, stateful_step_count=20, deadline=None, derandomize=True,
            database=None, report_multiple_bugs=False, phases=[Phase.generate]))
    except AssertionError as error:
        assert "older plan" in str(error) or "empty" in str(error) or "deleted" in str(error)
    else:
        raise AssertionError("Hypothesis did not find the race")
