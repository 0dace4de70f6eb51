"""The assumptions file lists every named default of the DNS model, with equal values."""

import yaml

from outage.dns.assumptions import ASSUMPTIONS_PATH, load_assumptions
from outage.dns.population import Params
from outage.dns.resolution import RETRY_POLICIES, resolver_policy



def _code_value(name: str):
    defaults = Params()
    if hasattr(defaults, name):
        value = getattr(defaults, name)
        return getattr(value, "value", value)  # enums are written by value
    retry = RETRY_POLICIES[defaults.retry]
    extra = {"retry_base_s": retry.base_s, "retry_cap_s": retry.cap_s}
    if name in extra:
        return extra[name]
    return getattr(resolver_policy(), name)


def test_file_shape():
    data = yaml.safe_load(ASSUMPTIONS_PATH.read_text())
    assert data["model"] == "dns"
    names = [a["name"] for a in data["assumptions"]]
    assert len(names) == len(set(names))
    for a in data["assumptions"]:
        assert set(a) == {"name", "value", "unit", "why"} and a["why"].strip()


def test_values_equal_code_defaults():
    for a in load_assumptions():
        assert a["value"] == _code_value(a["name"]), a["name"]
