"""The assumptions file lists every assumed number of the cascade models, with the code's values."""

import pytest
import yaml

from outage.cascade.assumptions import ASSUMPTIONS_PATH, code_defaults, load_assumptions


def test_file_shape():
    data = yaml.safe_load(ASSUMPTIONS_PATH.read_text())
    assert data["model"] == "cascade"
    names = [a["name"] for a in data["assumptions"]]
    assert len(names) == len(set(names))
    for a in data["assumptions"]:
        assert set(a) == {"name", "value", "unit", "why"} and a["why"].strip() and a["unit"].strip()


def test_every_code_default_is_listed_with_its_value():
    listed = {a["name"]: a["value"] for a in load_assumptions()}
    defaults = code_defaults()
    assert set(listed) == set(defaults)
    for name, value in defaults.items():
        assert listed[name] == pytest.approx(value), name
