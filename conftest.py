"""Test ordering for two workers: the longest files first, so no worker is left with a long
tail at the end (xdist hands out whole files, in collection order)."""


def _weight(item) -> int:
    if item.get_closest_marker("browser"):
        return 0
    if item.path.suffix == ".ipynb":
        return 1
    return 2


def pytest_collection_modifyitems(config, items):
    # A stable sort: a file's tests (a notebook's cells) keep their order.
    items.sort(key=_weight)
