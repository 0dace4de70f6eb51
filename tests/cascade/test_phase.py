"""The phase diagram finds the known things: the incident sits in the needs-help region, the
regions are ordered, the overload edge is where the closed-loop arithmetic puts it, and the
simulated boundary never undercuts the open-loop capacity estimate."""

import numpy as np
import pytest

from outage.cascade import phase
from outage.cascade.dwfm_params import DwfmParams


@pytest.fixture(scope="module")
def diagram():
    return phase.sweep()


@pytest.mark.slow
def test_the_incident_needs_help_and_a_short_outage_heals(diagram):
    row = list(diagram.droplets_per_host).index(DwfmParams().fleet_droplets / DwfmParams().dwfm_hosts)
    incident = np.argmin(np.abs(diagram.outage_hours - 157 / 60))  # 11:48 PM to 2:25 AM
    assert diagram.region[row, incident] == phase.NEEDS_HELP
    assert diagram.region[row, 0] == diagram.region[row, 1] == phase.HEALS


@pytest.mark.slow
def test_regions_are_ordered_along_both_axes(diagram):
    rank = {phase.HEALS: 0, phase.NEEDS_HELP: 1, phase.OVERLOADED: 2}
    ranks = np.vectorize(rank.get)(diagram.region)
    assert np.all(np.diff(ranks, axis=0) >= 0)  # bigger fleet, never better
    assert np.all(np.diff(ranks, axis=1) >= 0)  # longer outage, never better
    assert {0, 1, 2} <= set(ranks.ravel())


@pytest.mark.slow
def test_overload_edge_matches_the_closed_loop_arithmetic(diagram):
    edge = phase.overload_droplets_per_host(DwfmParams())
    overloaded = diagram.droplets_per_host[(diagram.region == phase.OVERLOADED).all(axis=1)]
    assert overloaded.min() - 100 <= edge <= overloaded.min()


@pytest.mark.slow
def test_boundary_lies_beyond_the_open_loop_estimate(diagram):
    estimate = phase.capacity_boundary_hours(DwfmParams(), diagram.droplets_per_host)
    for i, hours in enumerate(estimate):
        failed = diagram.outage_hours[diagram.region[i] != phase.HEALS]
        if np.isfinite(hours) and len(failed):
            assert failed.min() >= hours - 0.25


def test_sweep_rejects_a_grid_without_the_zero_outage():
    with pytest.raises(ValueError):
        phase.sweep(outage_hours=(0.5, 1.0))
