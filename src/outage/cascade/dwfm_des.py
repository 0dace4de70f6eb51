"""DWFM lease congestion, one droplet and one attempt at a time: the check on the fluid model.

Claim: the same mechanism as `dwfm_fluid`, simulated event by event with explicit FIFO queues,
whole workers and random check timers, reproduces the fluid model's curves on small fleets
(tests/cascade/test_agreement.py states the tolerance). It is the ground truth the mean-field
shortcuts are judged against, and it is too slow for the full fleet (about 10^5 events per
1,000 droplet-hours).

    droplet --TICK (Erlang check timer)--> host FIFO --K workers, fixed work--> DONE
       ^                                        ^                                |
       |                                        +---- late: re-queued -----------+
       +------------- in time (lease granted) or DynamoDB down (failed) ---------+
    LAPSE: exponential clock started by a leased droplet's first failed check,
           cancelled by its next success.

Assumptions are those of `DwfmParams`; in addition, attempt work is exactly `renew_work_s` or
`establish_work_s` (no spread), and the operators' throttle is a token bucket
`throttle_bucket_tokens` deep. Event loop: a heap of (time, seq, kind, ...) tuples; seq breaks ties in schedule
order, so a run is a pure function of its seed.
"""

import heapq
from collections import deque

import numpy as np

from outage.cascade.dwfm_params import DwfmControls, DwfmParams
from outage.cascade.records import DwfmRecord, rates

TICK, DONE, LAPSE, RESTART, SAMPLE = range(5)
IDLE, WAITING, SERVING = range(3)


def simulate(
    p: DwfmParams, c: DwfmControls, horizon_s: float, seed: int, record_every_s: float = 60.0
) -> DwfmRecord:
    """Simulate every droplet, attempt and worker from the trigger to `horizon_s`.

    Droplets are split over hosts as in `DwfmParams.droplets_per_host`; `seed` seeds the one
    random generator (check timers, lapse times, admission draws). Cost O(events log events),
    about (droplets * horizon_s / check_interval_s) ticks plus the attempts they cause.
    """
    if np.ndim(c.dynamodb_restored_s) != 0:
        raise ValueError("the discrete-event model takes one DynamoDB restore time")
    if not horizon_s > 0 or not record_every_s > 0:
        raise ValueError("horizon_s and record_every_s must be > 0")
    rng = np.random.default_rng(seed)
    restored_s = float(c.dynamodb_restored_s)
    k, interval_s = p.check_interval_stages, p.check_interval_s
    workers = p.workers_per_host
    per_host = p.droplets_per_host().astype(int)
    n = int(per_host.sum())
    host_of = np.repeat(np.arange(len(per_host)), per_host).tolist()

    leased = [True] * n
    failing = [False] * n
    state = [IDLE] * n
    lapse_token = [0] * n
    queue = [deque() for _ in per_host]  # (droplet, time queued)
    serving = [set() for _ in per_host]
    free = [workers] * len(per_host)
    work = [0.0] * len(per_host)  # worker-seconds queued or in service
    epoch = [0] * len(per_host)
    tokens = [c.throttle_bucket_tokens] * len(per_host)
    refilled_at = [0.0] * len(per_host)
    counts = [0, 0, 0]  # established, renewed, timed out
    events: list[tuple] = []
    seq = 0

    def schedule(time_s: float, kind: int, *args) -> None:
        nonlocal seq
        heapq.heappush(events, (time_s, seq, kind, *args))
        seq += 1

    def cost(d: int) -> float:
        return p.renew_work_s if leased[d] else p.establish_work_s

    def next_check(d: int, now: float) -> None:
        schedule(now + rng.gamma(k, interval_s / k), TICK, d)

    def start_failing(d: int, now: float) -> None:
        if leased[d] and not failing[d]:
            failing[d] = True
            schedule(now + rng.exponential(p.lease_mean_ttl_s), LAPSE, d, lapse_token[d])

    def enqueue(d: int, now: float) -> None:
        h = host_of[d]
        queue[h].append((d, now))
        state[d] = WAITING
        work[h] += cost(d)
        start_service(h, now)

    def start_service(h: int, now: float) -> None:
        while free[h] and queue[h]:
            d, queued_at = queue[h].popleft()
            free[h] -= 1
            state[d] = SERVING
            serving[h].add(d)
            schedule(now + cost(d), DONE, h, epoch[h], d, queued_at, cost(d), leased[d])

    def admit(h: int, now: float) -> bool:
        if c.queue_admission:
            wait_s = work[h] / workers
            if rng.random() >= 1.0 - wait_s / c.queue_admission_wait_s:
                return False
        if c.throttled(now):
            refill = (now - refilled_at[h]) * c.throttle_establish_per_host_per_s
            tokens[h] = min(c.throttle_bucket_tokens, tokens[h] + refill)
            refilled_at[h] = now
            if tokens[h] < 1.0:
                return False
            tokens[h] -= 1.0
        return True

    # Start in the healthy steady state: every lease held, timers in uniform Erlang stages.
    for d in range(n):
        stage = rng.integers(k)
        schedule(rng.gamma(k - stage, interval_s / k), TICK, d)
    if c.restart_at_s is not None:
        schedule(c.restart_at_s, RESTART)
    n_records = int(np.floor(horizon_s / record_every_s + 1e-9)) + 1
    for i in range(n_records):
        schedule(i * record_every_s, SAMPLE)
    rows = []

    while events:
        now, _, kind, *args = heapq.heappop(events)
        if now > horizon_s:
            break
        up = now >= restored_s
        if kind == TICK:
            (d,) = args
            h = host_of[d]
            if not up:  # the check fails fast without DynamoDB
                start_failing(d, now)
                next_check(d, now)
            elif leased[d] or admit(h, now):
                enqueue(d, now)
            else:
                next_check(d, now)
        elif kind == DONE:
            h, host_epoch, d, queued_at, spent, was_leased = args
            if host_epoch != epoch[h]:
                continue  # the host restarted while this attempt ran
            free[h] += 1
            work[h] -= spent
            serving[h].discard(d)
            if not up:
                start_failing(d, now)
                state[d] = IDLE
                next_check(d, now)
            elif now - queued_at <= p.attempt_timeout_s:
                counts[0 if not was_leased else 1] += 1
                leased[d], failing[d] = True, False
                lapse_token[d] += 1  # cancels a pending lapse
                state[d] = IDLE
                next_check(d, now)
            else:  # late: the work is wasted and the attempt goes to the back of the queue
                counts[2] += 1
                start_failing(d, now)
                enqueue(d, now)
            start_service(h, now)
        elif kind == LAPSE:
            d, token = args
            if token == lapse_token[d] and leased[d] and failing[d]:
                leased[d], failing[d] = False, False
                if state[d] == WAITING:
                    work[host_of[d]] += p.establish_work_s - p.renew_work_s
        elif kind == RESTART:
            for h in range(len(per_host)):
                if work[h] / workers > p.attempt_timeout_s:
                    epoch[h] += 1
                    dropped = [d for d, _ in queue[h]] + sorted(serving[h])
                    queue[h].clear()
                    serving[h].clear()
                    free[h], work[h] = workers, 0.0
                    for d in dropped:
                        state[d] = IDLE
                        next_check(d, now)
        elif kind == SAMPLE:
            waits = np.array(work) / workers
            rows.append((
                now,
                sum(leased),
                sum(len(q) for q in queue) + sum(len(s) for s in serving),
                waits.mean(),
                np.sum(waits > p.attempt_timeout_s),
                workers * len(per_host) - sum(free),
                c.throttle_establish_per_host_per_s * len(per_host) if c.throttled(now) else np.inf,
                *counts,
            ))
    data = np.array(rows, dtype=float)
    t_s = data[:, 0]
    return DwfmRecord(
        t_s=t_s,
        fleet_droplets=n,
        leased=data[:, 1],
        queued=data[:, 2],
        queue_wait_s=data[:, 3],
        congested_hosts=data[:, 4],
        established_per_s=rates(data[:, 7], t_s),
        renewed_per_s=rates(data[:, 8], t_s),
        timeouts_per_s=rates(data[:, 9], t_s),
        workers=workers * len(per_host),
        busy_workers=data[:, 5],
        admission_limit_per_s=data[:, 6],
    )
