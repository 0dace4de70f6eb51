"""Shared small-fleet runs. One DWFM host of 1,000 droplets has exactly the per-host dynamics of
the default 100,000-droplet fleet (the mean-field model depends on droplets per host only), so
scenario outcomes are tested on it in a fraction of the time."""

import pytest

from outage.cascade import scenarios
from outage.cascade.dwfm_params import DwfmParams

ONE_HOST = scenarios.with_fleet(DwfmParams(), 1000)


@pytest.fixture(scope="session")
def runs():
    """Fluid runs of every scenario, computed once per session."""
    results = scenarios.run_all(dwfm_params=ONE_HOST)
    return results.__getitem__
