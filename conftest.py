"""Test ordering for two workers: the longest files first, so no worker is left with a long
tail at the end (xdist hands out whole files, in collection order).

Also: a run started in the background of a non-interactive shell (``scripts/test &``, nohup, some
CI runners) inherits SIGINT as ignored, and so would every program a test starts. The lab's tests
interrupt it as a terminal's Ctrl-C would, so the test processes take SIGINT back: a handler is
reset to the default by exec, so programs they start see Ctrl-C as usual."""

import signal

import pytest

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


@pytest.fixture
def refused_in_one_line(capsys):
    """``refused_in_one_line(*argv)`` runs ``python -m outage ARGV`` in this process with
    arguments it must refuse: status 2 and exactly one line on stderr, no traceback (whether
    the argument parser or the command refuses them). Returns that line."""
    from outage.cli import main

    def refused(*argv: str) -> str:
        try:
            status = main(list(argv))
        except SystemExit as stop:  # refused by the argument parser, also in one line
            status = stop.code
        assert status == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err
        return err

    return refused
