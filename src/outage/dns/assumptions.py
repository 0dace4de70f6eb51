"""The DNS model's assumptions file, `data/assumptions/dns.yaml`, as data."""

from pathlib import Path

import yaml

ASSUMPTIONS_PATH = Path(__file__).resolve().parents[3] / "data" / "assumptions" / "dns.yaml"
LEDGER_PATH = Path(__file__).resolve().parents[3] / "data" / "calibration.yaml"


def load_assumptions(path: Path = ASSUMPTIONS_PATH) -> list[dict]:
    """Each assumption as a dict with `name`, `value`, `unit` and `why`."""
    data = yaml.safe_load(path.read_text())
    if data.get("model") != "dns":
        raise ValueError(f"{path.name} is not the DNS model's assumptions file")
    return data["assumptions"]


def observed_tail_comparison(path: Path = LEDGER_PATH) -> dict:
    """How the model's tail compares with AWS's 15 minutes, from the calibration ledger: a dict
    with `kind` (input, fitted or predicted), `aws_time` and `why`."""
    entry = yaml.safe_load(path.read_text())["others"]["dns_recovery_tail"]
    return {key: entry[key] for key in ("kind", "aws_time", "why")}
