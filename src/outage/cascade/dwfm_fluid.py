"""DWFM lease congestion, mean-field: once enough leases lapse, re-leasing them collapses DWFM.

Claim: a DWFM host that queues lease attempts first-in first-out, does each attempt's work even
after the attempt has timed out, and re-queues the timed-out attempt has two stable states at
the same load. With few leases to rebuild the queue stays short and every attempt succeeds;
after a long DynamoDB outage the re-lease work overfills the queue, every attempt waits past
its timeout, and goodput stays at zero after the trigger is gone. Emptying the queue and
throttling new work (the 4:14 AM action) moves it back; admitting work by queue size never
lets it leave.

    every droplet, every ~check_interval_s:
        idle --check--> [ FIFO queue of one host, workers_per_host workers ] --done in time--> leased
          ^     (DynamoDB down: fails fast)        |  wait = queued work / workers
          |                                        +--wait > attempt_timeout_s: work wasted,
          |                                           attempt queued again (still failing)
          +-- leases whose checks keep failing lapse at rate 1/lease_mean_ttl_s

State per host (columns are hosts; the model is vectorised over them, so cost is linear in the
number of hosts): idle droplets by lease class x (0 leased and checked, 1 leased but its last
check failed, 2 no lease) and check-timer stage j (Erlang stages), queued attempts by class,
the wait S that the attempts completing now saw when they joined, and three cumulative
counters. With W the queued work and K workers, a class-x attempt completes at rate
Q_x * min(K / W, 1 / work_x) and succeeds when S + work_x <= timeout. In a FIFO queue S is the
wait delayed by one sojourn; Assumption: a first-order lag with time constant S + mean work
stands in for that delay (exact while the wait grows or shrinks linearly).
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from outage.cascade.dwfm_params import DwfmControls, DwfmParams
from outage.cascade.records import DwfmRecord, rates
from outage.cascade.solver import integrate

OK, FAILING, UNLEASED = 0, 1, 2  # lease classes of a droplet
N_COUNTERS = 3  # cumulative: established, renewed, timed out


def layout(p: DwfmParams) -> tuple[int, int, int]:
    """Row offsets in the state matrix: (idle rows, queued rows start, wait-seen row); the
    counters follow the wait-seen row."""
    idle_rows = 3 * p.check_interval_stages
    return idle_rows, idle_rows, idle_rows + 3


def initial_state(p: DwfmParams, droplets_per_host: np.ndarray) -> np.ndarray:
    """Every droplet leased and idle, check timers in their stationary (uniform) stages."""
    k = p.check_interval_stages
    idle_rows, q0, c0 = layout(p)
    y = np.zeros((c0 + 1 + N_COUNTERS, len(droplets_per_host)))
    y[OK * k:(OK + 1) * k] = droplets_per_host / k
    return y


def queue_work_s(p: DwfmParams, y: np.ndarray) -> np.ndarray:
    """Worker-seconds of work queued at each host."""
    _, q0, _ = layout(p)
    return p.renew_work_s * (y[q0 + OK] + y[q0 + FAILING]) + p.establish_work_s * y[q0 + UNLEASED]


@dataclass(frozen=True)
class Columns:
    """Operator inputs column by column. Several sets of controls can share one integration,
    each owning a block of host columns: a step costs about the same for one block as for
    five, because the number of numpy calls, not their size, sets the cost. A value that is
    the same in every column is kept as a scalar, which keeps the one-scenario case cheap.
    """

    restored_s: float | np.ndarray
    throttle_from_s: float | np.ndarray  # inf: never throttled
    throttle_until_s: float | np.ndarray
    throttle_rate: float | np.ndarray  # establishments per host per second
    queue_admission: bool | np.ndarray
    queue_admission_wait_s: float | np.ndarray
    restarts: tuple[tuple[float, np.ndarray], ...]  # (time, mask of the columns restarted)

    @classmethod
    def of(cls, controls: Sequence[DwfmControls], hosts: int) -> "Columns":
        """Block i (columns i * hosts ... (i + 1) * hosts - 1) follows controls[i]."""

        def column(values) -> float | np.ndarray:
            v = np.concatenate([np.broadcast_to(np.asarray(x, float), hosts) for x in values])
            return float(v[0]) if np.all(v == v[0]) else v

        block = np.repeat(np.arange(len(controls)), hosts)
        times = sorted({c.restart_at_s for c in controls if c.restart_at_s is not None})
        admission = column([c.queue_admission for c in controls])
        return cls(
            restored_s=column([c.dynamodb_restored_s for c in controls]),
            throttle_from_s=column([np.inf if c.throttle_from_s is None else c.throttle_from_s for c in controls]),
            throttle_until_s=column([c.throttle_until_s for c in controls]),
            throttle_rate=column([c.throttle_establish_per_host_per_s for c in controls]),
            queue_admission=bool(admission) if isinstance(admission, float) else admission.astype(bool),
            queue_admission_wait_s=column([c.queue_admission_wait_s for c in controls]),
            restarts=tuple(
                (t, np.isin(block, [i for i, c in enumerate(controls) if c.restart_at_s == t])) for t in times
            ),
        )


def rhs(t: float, y: np.ndarray, p: DwfmParams, c: Columns) -> np.ndarray:
    """dy/dt of the state matrix y (rows as in `layout`, one column per host). Pure.

    Written as whole-matrix operations (about 40 numpy calls whatever the number of hosts),
    because the call count, not the arithmetic, dominates the cost at fleet scale; for the
    same reason the common case, DynamoDB up at every host, skips the terms that vanish.
    """
    k = p.check_interval_stages
    idle_rows, q0, c0 = layout(p)
    idle = y[:idle_rows].reshape(3, k, -1)
    queued = y[q0:c0]
    restored = c.restored_s
    # up: 1 where DynamoDB answers. A scalar when every host shares one restore time.
    if isinstance(restored, np.ndarray):
        up = (t >= restored).astype(float)
        all_up = bool(up.all())
    else:
        up = float(t >= restored)
        all_up = up == 1.0
    dy = np.zeros_like(y)
    d_idle = dy[:idle_rows].reshape(3, k, -1)
    d_queued = dy[q0:c0]

    # Check timers advance one Erlang stage at rate k / interval; the last stage fires a check.
    flow = idle * (k / p.check_interval_s)
    d_idle -= flow
    d_idle[:, 1:] += flow[:, :-1]
    fire = flow[:, -1]

    work_of = work_per_class(p)
    work = (work_of * queued).sum(axis=0)
    wait_s = work / p.workers_per_host
    # A new attempt waits for the work ahead of it; the attempts in service are on average
    # half done, so the wait is W / K less half a mean attempt (none while workers are free).
    count = queued.sum(axis=0)
    join_wait_s = wait_s * np.maximum(1.0 - p.workers_per_host / np.maximum(2.0 * count, 1e-12), 0.0)
    # Establishment admission: the queue-size rule (remediation) and the operators' throttle.
    demand = fire[UNLEASED]
    admitted = demand
    if np.any(c.queue_admission):
        limited = admitted * np.clip(1.0 - wait_s / c.queue_admission_wait_s, 0.0, 1.0)
        admitted = np.where(c.queue_admission, limited, admitted)
    throttled = (c.throttle_from_s <= t) & (t < c.throttle_until_s)
    if np.any(throttled):
        admitted = np.where(throttled, np.minimum(admitted, c.throttle_rate), admitted)
    # Checks of leased droplets always queue when DynamoDB is up; when it is down the check
    # fails fast, costs nothing, and a held lease starts failing.
    d_queued[OK:UNLEASED] += up * fire[OK:UNLEASED]
    d_queued[UNLEASED] += up * admitted
    d_idle[UNLEASED, 0] += demand - up * admitted

    # FIFO service: classes share the workers in proportion to their queued counts.
    per_worker = p.workers_per_host / np.maximum(work, 1e-12)
    served = queued * np.minimum(per_worker, 1.0 / work_of)
    seen_s = y[c0]
    in_time = seen_s + work_of <= p.attempt_timeout_s
    done = served * (in_time if all_up else up * in_time)  # success: lease (re)granted
    late = (served if all_up else served * up) - done  # timed out: work wasted, queued again
    d_queued -= served
    d_queued[FAILING] += late[OK] + late[FAILING]
    d_queued[UNLEASED] += late[UNLEASED]
    d_idle[OK, 0] += done.sum(axis=0)
    if not all_up:
        down = 1.0 - up
        failed = served * down  # DynamoDB down: fails, droplet waits for its next check
        d_idle[FAILING, 0] += down * (fire[OK] + fire[FAILING]) + failed[OK] + failed[FAILING]
        d_idle[UNLEASED, 0] += failed[UNLEASED]
    mean_work_s = np.where(count > 0, work / np.maximum(count, 1e-12), p.renew_work_s)
    dy[c0] = (join_wait_s - seen_s) / (seen_s + mean_work_s)
    dy[c0 + 1] = done[UNLEASED]
    dy[c0 + 2] = done[OK] + done[FAILING]
    dy[c0 + 3] = late.sum(axis=0)

    # Failing leases lapse; a queued renewal then becomes an establishment.
    lapse_idle = idle[FAILING] / p.lease_mean_ttl_s
    d_idle[FAILING] -= lapse_idle
    d_idle[UNLEASED] += lapse_idle
    lapse_queued = queued[FAILING] / p.lease_mean_ttl_s
    d_queued[FAILING] -= lapse_queued
    d_queued[UNLEASED] += lapse_queued
    return dy


@functools.cache
def work_per_class(p: DwfmParams) -> np.ndarray:
    """Work of one attempt of each lease class, as a column (built once per parameter set)."""
    work = np.array([p.renew_work_s, p.renew_work_s, p.establish_work_s])[:, None]
    work.flags.writeable = False
    return work


def restart_congested(p: DwfmParams, t: float, y: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
    """Restart the hosts whose queue wait is past the timeout (among `columns`, a mask; all
    by default): their queued attempts are dropped and those droplets go back to waiting for
    their next check. O(hosts)."""
    k = p.check_interval_stages
    _, q0, c0 = layout(p)
    congested = queue_work_s(p, y) / p.workers_per_host > p.attempt_timeout_s
    if columns is not None:
        congested &= columns
    y = y.copy()
    for x in (OK, FAILING, UNLEASED):
        y[x * k] += np.where(congested, y[q0 + x], 0.0)
        y[q0 + x] = np.where(congested, 0.0, y[q0 + x])
    y[c0] = np.where(congested, 0.0, y[c0])
    return y


def busy_workers(p: DwfmParams, y: np.ndarray) -> np.ndarray:
    """Workers of each host doing an attempt: every queued attempt is in service while there
    are free workers, else all workers are busy (the service rule of `rhs`)."""
    _, q0, c0 = layout(p)
    queued = y[q0:c0]
    work_of = work_per_class(p)
    per_worker = p.workers_per_host / np.maximum(queue_work_s(p, y), 1e-12)
    return (queued * work_of * np.minimum(per_worker, 1.0 / work_of)).sum(axis=0)


def observe(p: DwfmParams, controls: Sequence[DwfmControls], t: float, y: np.ndarray) -> np.ndarray:
    """Totals of each block of columns per sample (a row per block): leased, queued, mean
    wait, congested hosts, busy workers, admission limit, counters."""
    k = p.check_interval_stages
    idle_rows, q0, c0 = layout(p)
    blocks = len(controls)
    hosts = y.shape[1] // blocks
    by_block = y.reshape(y.shape[0], blocks, hosts).sum(axis=2)
    leased = by_block[:2 * k].sum(axis=0) + by_block[q0 + OK] + by_block[q0 + FAILING]
    wait_s = (queue_work_s(p, y) / p.workers_per_host).reshape(blocks, hosts)
    busy = busy_workers(p, y).reshape(blocks, hosts).sum(axis=1)
    limit = [c.throttle_establish_per_host_per_s * hosts if c.throttled(t) else np.inf for c in controls]
    return np.column_stack([
        leased, by_block[q0:c0].sum(axis=0), wait_s.mean(axis=1), (wait_s > p.attempt_timeout_s).sum(axis=1),
        busy, limit, by_block[c0 + 1:].T,
    ])


def _integrate(p, columns, y0, horizon_s, dt_s, record_every_s, observe_row):
    # Explicit steps must resolve the fastest rate, a renewal served by a free worker.
    if not 0 < dt_s <= p.renew_work_s:
        raise ValueError(f"dt_s must be in (0, renew_work_s = {p.renew_work_s} s] for a stable step")
    jumps = [
        (at_s, lambda t, y, mask=mask: restart_congested(p, t, y, mask)) for at_s, mask in columns.restarts
    ]
    return integrate(
        lambda t, y: rhs(t, y, p, columns), y0, horizon_s, dt_s, record_every_s,
        observe=observe_row, jumps=jumps,
    )


def simulate_many(
    p: DwfmParams,
    controls: Sequence[DwfmControls],
    horizon_s: float,
    dt_s: float = 5.0,
    record_every_s: float = 60.0,
    droplets_per_host: np.ndarray | None = None,
) -> list[DwfmRecord]:
    """Run the mean-field model once per set of `controls`, all in one integration, from the
    trigger (t = 0, DynamoDB down) to `horizon_s`; one record per set, in order.

    `droplets_per_host` overrides the even split (one column per host). Cost
    O(sets * hosts * horizon_s / dt_s), dominated by a fixed number of numpy calls per step up
    to a few thousand columns: 100,000 droplets over 15 h take a few seconds, and five sets
    of controls about 1.5 times as long as one (benchmarks/cascade_bench.py).
    """
    if not controls:
        raise ValueError("need at least one set of controls")
    per_host = p.droplets_per_host() if droplets_per_host is None else np.asarray(droplets_per_host, float)
    columns = Columns.of(controls, len(per_host))
    y0 = initial_state(p, np.tile(per_host, len(controls)))
    t_s, rows = _integrate(
        p, columns, y0, horizon_s, dt_s, record_every_s, lambda t, y: observe(p, controls, t, y)
    )
    return [
        DwfmRecord(
            t_s=t_s,
            fleet_droplets=int(round(per_host.sum())),
            leased=rows[:, b, 0],
            queued=rows[:, b, 1],
            queue_wait_s=rows[:, b, 2],
            congested_hosts=rows[:, b, 3],
            established_per_s=rates(rows[:, b, 6], t_s),
            renewed_per_s=rates(rows[:, b, 7], t_s),
            timeouts_per_s=rates(rows[:, b, 8], t_s),
            workers=len(per_host) * p.workers_per_host,
            busy_workers=rows[:, b, 4],
            admission_limit_per_s=rows[:, b, 5],
        )
        for b in range(len(controls))
    ]


def simulate(
    p: DwfmParams,
    c: DwfmControls,
    horizon_s: float,
    dt_s: float = 5.0,
    record_every_s: float = 60.0,
    droplets_per_host: np.ndarray | None = None,
) -> DwfmRecord:
    """Run the mean-field model with one set of controls (see `simulate_many`)."""
    return simulate_many(p, [c], horizon_s, dt_s, record_every_s, droplets_per_host)[0]


def final_leased_fraction(
    p: DwfmParams, c: DwfmControls, horizon_s: float, droplets_per_host: np.ndarray, dt_s: float = 5.0
) -> np.ndarray:
    """Leased fraction of every column (host) at `horizon_s`: the sweep's per-point outcome.
    One integration for all columns (the step is shortened to divide `horizon_s` evenly),
    cost O(columns * horizon_s / dt_s)."""
    k = p.check_interval_stages
    _, q0, _ = layout(p)
    per_host = np.asarray(droplets_per_host, float)
    step_s = horizon_s / np.ceil(horizon_s / dt_s)
    _, rows = _integrate(
        p, Columns.of([c], len(per_host)), initial_state(p, per_host), horizon_s, step_s, horizon_s,
        lambda t, y: (y[:2 * k].sum(axis=0) + y[q0 + OK] + y[q0 + FAILING]) / per_host,
    )
    return rows[-1]
