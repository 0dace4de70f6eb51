"""Test ordering for two workers: the longest files first, so no worker is left with a long
tail at the end (xdist hands out whole files, in collection order).

Also: a run started in the background of a non-interactive shell (``scripts/test &``, nohup, some
CI runners) inherits SIGINT as ignored, and so would every program a test starts. The lab's tests
interrupt it as a terminal's Ctrl-C would, so the test processes take SIGINT back: a handler is
reset to the default by exec, so programs they start see Ctrl-C as usual."""

import signal

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _weight(item) -> int:
    if item.get_closest_marker("browser"):
        return 0
    if item.path.suffix == ".ipynb":
        return 1
    return 2


def pytest_collection_modifyitems(config, items):
    # A stable sort: a file's tests (a notebook's cells) keep their order.
    items.sort(key=_weight)
