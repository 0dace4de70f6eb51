"""The DNS model's assumptions file, `data/assumptions/dns.yaml`, as data."""

from pathlib import Path

import yaml

ASSUMPTIONS_PATH = Path(__file__).resolve().parents[3] / "data" / "assumptions" / "dns.yaml"


def load_assumptions(path: Path = ASSUMPTIONS_PATH) -> list[dict]:
    """Each assumption as a dict with `name`, `value`, `unit` and `why`."""
    data = yaml.safe_load(path.read_text())
    if data.get("model") != "dns":
        raise ValueError(f"{path.name} is not the DNS model's assumptions file")
    return data["assumptions"]
