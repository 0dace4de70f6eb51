"""A fixed-step integrator for the fluid models: Heun's method (second-order Runge-Kutta).

The right-hand sides here switch (timeouts, throttles, outages), so an adaptive step would
chase every switch and higher order buys little across a switch; a fixed step with jumps
applied exactly at their times is simpler to reason about and to test. Cost: 2
right-hand-side calls per step.
"""

from collections.abc import Callable, Sequence

import numpy as np

Rhs = Callable[[float, np.ndarray], np.ndarray]
Jump = tuple[float, Callable[[float, np.ndarray], np.ndarray]]


def integrate(
    rhs: Rhs,
    y0: np.ndarray,
    t_end_s: float,
    dt_s: float,
    record_every_s: float,
    observe: Callable[[float, np.ndarray], np.ndarray] = lambda t, y: y.copy(),
    jumps: Sequence[Jump] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate dy/dt = rhs(t, y) from t = 0 to `t_end_s` with fixed Heun steps of `dt_s`.

    `jumps` are (time, function) pairs applied to the state exactly at their time (a step is
    shortened to land on it), e.g. restarting hosts. `observe(t, y)` reduces the state to the
    row recorded every `record_every_s` (a multiple of `dt_s`). Returns (times, rows).
    Cost O(t_end_s / dt_s) right-hand-side calls; memory O(rows recorded).
    """
    if not (dt_s > 0 and record_every_s >= dt_s and t_end_s > 0):
        raise ValueError("need 0 < dt_s <= record_every_s and t_end_s > 0")
    ratio = record_every_s / dt_s
    if abs(ratio - round(ratio)) > 1e-9:
        raise ValueError("record_every_s must be a whole number of steps")
    pending = sorted(jumps, key=lambda jump: jump[0])
    n_records = int(np.floor(t_end_s / record_every_s + 1e-9)) + 1
    times = np.arange(n_records) * record_every_s
    rows = None
    y = np.array(y0, dtype=float)
    t = 0.0
    for index, t_record in enumerate(times):
        while t < t_record - 1e-9:
            t_next = min(t + dt_s, t_record)
            if pending and pending[0][0] < t_next - 1e-9:
                t_next = max(pending[0][0], t)
            h = t_next - t
            if h > 0:
                k1 = rhs(t, y)
                k2 = rhs(t + h, y + h * k1)
                y = y + h / 2 * (k1 + k2)
                t = t_next
            while pending and pending[0][0] <= t + 1e-9:
                y = pending.pop(0)[1](t, y)
        while pending and pending[0][0] <= t + 1e-9:
            y = pending.pop(0)[1](t, y)
        row = observe(t, y)
        if rows is None:
            rows = np.empty((n_records,) + np.shape(row))
        rows[index] = row
    return times, rows
