"""Small populations shared by the DNS tests (fast enough for every test run)."""

import pytest

from outage.dns.population import Params

# 10 clients per resolver cache, as in the default population, but fewer of both.
SMALL = Params(n_clients=300, n_resolvers=30, warmup_s=300.0)


@pytest.fixture
def small() -> Params:
    return SMALL
