"""data/assumptions/race.yaml lists every modelling assumption with the code's values."""

import dataclasses
from pathlib import Path

import yaml

from outage.race.model import Params
from outage.race.montecarlo import SimParams

PATH = Path(__file__).resolve().parents[2] / "data" / "assumptions" / "race.yaml"
DATA = yaml.safe_load(PATH.read_text(encoding="utf-8"))
DEFAULTS = {f.name: f.default for f in dataclasses.fields(Params)
            if f.default is not dataclasses.MISSING}
SIM_DEFAULTS = {f.name: f.default for f in dataclasses.fields(SimParams)
                if f.default is not dataclasses.MISSING}
# Parameters that are sourced facts, not assumptions: three Enactors, one per AZ [S]; the
# fixes and the lock are switches; a day is the unit asked about.
SOURCED_OR_SWITCH = {"enactors", "lock", "horizon_s"}


def test_shape():
    assert DATA["model"] == "race"
    names = [a["name"] for a in DATA["assumptions"]]
    assert len(names) == len(set(names))
    for a in DATA["assumptions"]:
        assert set(a) == {"name", "value", "unit", "why"}, a["name"]
        assert a["why"].strip()


def test_values_equal_the_code_defaults():
    listed = {a["name"]: a["value"] for a in DATA["assumptions"]}
    for name, default in DEFAULTS.items():
        if name not in SOURCED_OR_SWITCH:
            assert listed[name] == default, name
    for name, default in SIM_DEFAULTS.items():
        if name in SOURCED_OR_SWITCH:
            continue
        key = "sim_keep" if name == "keep" else name
        if name == "endpoints":
            assert default == DEFAULTS["endpoints"]  # shares the model checker's entry
            continue
        assert listed[key] == default, name
