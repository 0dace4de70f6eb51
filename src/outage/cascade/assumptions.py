"""The cascade models' assumptions file, `data/assumptions/cascade.yaml`, as data, and the
code defaults it must match."""

from dataclasses import fields
from pathlib import Path

import yaml

from outage.cascade import scenarios
from outage.cascade.dwfm_params import DwfmControls, DwfmParams
from outage.cascade.netmgr import NetmgrControls, NetmgrParams
from outage.cascade.nlb import NlbParams

ASSUMPTIONS_PATH = Path(__file__).resolve().parents[3] / "data" / "assumptions" / "cascade.yaml"

# Control fields that are inputs (times of stated actions, switches), not assumptions.
_INPUTS = {"dynamodb_restored_s", "restart_at_s", "throttle_from_s", "queue_admission", "load_reduction_from_s"}


def load_assumptions(path: Path = ASSUMPTIONS_PATH) -> list[dict]:
    """Each assumption as a dict with `name`, `value`, `unit` and `why`."""
    data = yaml.safe_load(path.read_text())
    if data.get("model") != "cascade":
        raise ValueError(f"{path.name} is not the cascade models' assumptions file")
    return data["assumptions"]


def code_defaults() -> dict[str, float]:
    """Every assumed number in the code, by the name the file uses."""
    values: dict[str, float] = {}
    for default in (DwfmParams(), DwfmControls(), NetmgrParams(), NetmgrControls(), NlbParams()):
        for f in fields(default):
            if f.name not in _INPUTS:
                if f.name in values:
                    raise ValueError(f"assumption name {f.name} is used twice")
                values[f.name] = getattr(default, f.name)
    values["netmgr_relief_s"] = scenarios.NETMGR_RELIEF_S
    values["velocity_cap_fraction"] = scenarios.VELOCITY_CAP_FRACTION
    return values
