import pytest
from lab_helpers import Lab, skip_without_tools as _skip_without_tools


@pytest.fixture
def tools():
    """Skip when BIND 9 or Unbound is not installed (`scripts/setup --system` installs both)."""
    _skip_without_tools()


@pytest.fixture
def lab():
    """A lab runner; fails the test if anything it started is still alive afterwards."""
    _skip_without_tools()
    runner = Lab()
    yield runner
    left = runner.describe(runner.processes())
    assert left == [], f"the lab left processes behind: {left}"


@pytest.fixture(scope="module")
def module_lab():
    """As ``lab``, shared by one module's tests (for one expensive run)."""
    _skip_without_tools()
    runner = Lab()
    yield runner
    left = runner.describe(runner.processes())
    assert left == [], f"the lab left processes behind: {left}"
