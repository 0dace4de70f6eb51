"""Shared small-fleet runs. One DWFM host of 1,000 droplets has exactly the per-host dynamics of
the default 100,000-droplet fleet (the mean-field model depends on droplets per host only), so
scenario outcomes are tested on it in a fraction of the time."""

import pytest

from outage.cascade import clock, dwfm_fluid, scenarios
from outage.cascade.dwfm_params import DwfmParams

ONE_HOST = scenarios.with_fleet(DwfmParams(), 1000)


@pytest.fixture(scope="session")
def runs():
    """Fluid runs of the scenarios the tests need, computed once per session; scenarios with
    the same DWFM inputs share one DWFM record."""
    cache: dict[str, scenarios.CascadeResult] = {}
    dwfm_records: dict = {}

    def get(name: str) -> scenarios.CascadeResult:
        if name not in cache:
            controls = scenarios.SCENARIOS[name].dwfm
            if controls not in dwfm_records:
                dwfm_records[controls] = dwfm_fluid.simulate(ONE_HOST, controls, clock.HORIZON_S)
            cache[name] = scenarios.run(name, ONE_HOST, dwfm=dwfm_records[controls])
        return cache[name]

    return get
