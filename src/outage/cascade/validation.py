"""Validation of the cascade model against AWS's times it was not fitted to.

Two checks, both computed from the models (nothing here is written in):

- `comparisons`: every milestone of the as-happened run beside AWS's time, with its kind from
  the calibration ledger and the error in minutes. Only the `predicted` rows test the model;
  an `input` or `fitted` row agrees by construction.
- `leave_one_out`: the two fitted times, each predicted from the other. With the held network
  changes left at their unfitted value (`HELD_PRIOR`), the throttle is fitted to one of 5:28
  AM and 10:36 AM and the other is predicted. A fit that no throttle level can meet is
  reported as such (value None), not forced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from outage.cascade import calibration, clock
from outage.cascade.netmgr import NetmgrParams
from outage.cascade.scenarios import CascadeResult

#: The held network changes per unleased droplet-hour before any fit: the normal rate of
#: changes of a leased droplet (Assumption: changes keep arriving while the lease is gone).
HELD_PRIOR = NetmgrParams().changes_per_leased_droplet_h

#: Throttle levels scanned by the leave-one-out check (establishments per host per second):
#: from well below the fitted 0.209 to where the throttled work nears a host's spare workers.
LOO_RATES = tuple(float(r) for r in np.round(np.arange(0.05, 0.3201, 0.01), 3))


@dataclass(frozen=True)
class Comparison:
    """A model milestone beside AWS's time. `error_min` is model minus AWS, in minutes (None
    when the model does not reach the milestone)."""

    milestone: str
    kind: str
    aws_time: str
    event: str
    model_s: float | None
    error_min: float | None
    why: str


def comparisons(as_happened: CascadeResult, ledger: calibration.Ledger | None = None) -> list[Comparison]:
    """Every milestone of `as_happened` that has an AWS time, in AWS's order, with its kind."""
    ledger = calibration.load_ledger() if ledger is None else ledger
    kinds = calibration.milestone_kinds(as_happened.scenario, as_happened.milestones, ledger)
    rows = []
    for name, c in ledger.milestones.items():
        if c.aws_time is None:
            continue
        t = as_happened.milestones[name]
        error = None if t is None else (t - clock.at(c.aws_time)) / 60.0
        rows.append(Comparison(name, kinds[name], c.aws_time, c.event, t, error, c.why))
    return sorted(rows, key=lambda r: clock.at(r.aws_time))


@dataclass(frozen=True)
class Fold:
    """One leave-one-out fold: the throttle fitted to `fitted_to` (None if no level in
    `LOO_RATES` meets it), and the model's time of `predicted` with that throttle."""

    fitted_to: str
    target_s: float  # AWS's time of `fitted_to`
    predicted: str
    throttle: float | None
    held: float
    predicted_s: float | None
    aws_s: float
    reached_s: tuple[float, float]  # earliest and latest `fitted_to` time over the scan

    @property
    def error_min(self) -> float | None:
        return None if self.predicted_s is None else (self.predicted_s - self.aws_s) / 60.0


def _crossing(values: np.ndarray, times: np.ndarray, target_s: float, near: float) -> float | None:
    """The parameter value, interpolated between scanned values, at which `times` meets
    `target_s`; of several crossings the one nearest `near`; None if there is none."""
    found = []
    for i in range(len(values) - 1):
        a, b = times[i], times[i + 1]
        if np.isfinite(a) and np.isfinite(b) and (a - target_s) * (b - target_s) <= 0 and a != b:
            found.append(values[i] + (target_s - a) / (b - a) * (values[i + 1] - values[i]))
    return min(found, key=lambda v: abs(v - near)) if found else None


def leave_one_out(rates: tuple[float, ...] = LOO_RATES, held: float = HELD_PRIOR,
                  ledger: calibration.Ledger | None = None) -> list[Fold]:
    """Fit the throttle to 5:28 AM and predict 10:36 AM, and the reverse, with the held
    changes at `held`. One vectorised DWFM run over `rates` and a Network Manager run per
    rate find each fit, then one more DWFM run checks both predictions. Cost: about as much
    as len(rates) / 4 full DWFM runs plus len(rates) + 2 Network Manager runs."""
    ledger = calibration.load_ledger() if ledger is None else ledger
    leases = ledger.fit_of("throttle_establish_per_host_per_s")
    backlog = ledger.fit_of("held_per_unleased_droplet_h")
    values = np.asarray(rates, float)
    records = calibration._dwfm_runs(values, clock.HORIZON_S)
    inf = np.inf

    def finite(t):
        return inf if t is None else t

    lease_times = np.array([finite(calibration.leases_restored_s(r)) for r in records])
    backlog_times = np.array([finite(calibration._netmgr(r, held)) for r in records])
    fits = {
        "all_leases_restored": _crossing(values, lease_times, leases.target_s, leases.value),
        "network_backlog_cleared": _crossing(values, backlog_times, backlog.target_s, leases.value),
    }
    chosen = [v for v in fits.values() if v is not None]
    checked = dict(zip(chosen, calibration._dwfm_runs(chosen, clock.HORIZON_S))) if chosen else {}

    def span(times):
        ok = times[np.isfinite(times)]
        return (float(ok.min()), float(ok.max())) if len(ok) else (inf, inf)

    folds = []
    for fitted_to, target_s, predicted, aws_s, times in (
        ("all_leases_restored", leases.target_s, "network_backlog_cleared", backlog.target_s, lease_times),
        ("network_backlog_cleared", backlog.target_s, "all_leases_restored", leases.target_s, backlog_times),
    ):
        throttle = fits[fitted_to]
        predicted_s = None
        if throttle is not None:
            record = checked[throttle]
            predicted_s = (calibration.leases_restored_s(record) if predicted == "all_leases_restored"
                           else calibration._netmgr(record, held))
        folds.append(Fold(fitted_to, target_s, predicted, throttle, held, predicted_s, aws_s, span(times)))
    return folds
