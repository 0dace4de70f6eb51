"""DWFM lease congestion, one droplet and one attempt at a time: the check on the fluid model.

Claim: the same mechanism as `dwfm_fluid`, simulated event by event with explicit FIFO queues,
whole workers and random check timers, reproduces the fluid model's curves on small fleets
(tests/cascade/test_agreement.py states the tolerance). It is the ground truth the mean-field
shortcuts are judged against. About 2 x 10^4 events happen per 1,000 droplet-hours (a check
every 5 minutes and the attempt it queues, more in congestion); the full fleet, 100,000
droplets over 15 simulated hours, takes seconds (benchmarks/cascade_bench.py).

    droplet --check (Erlang timer)--> host FIFO --K workers, fixed work--> attempt ends
       ^                                  ^                                  |
       |                                  +---- late: queued again ----------+
       +------------- in time (lease granted) or DynamoDB down (failed) -----+
    lapse: a leased droplet's first failed check starts an exponential clock;
           its next success stops it.

The rules, each applied by one method of `_Fleet` to a batch of droplets:
- a check when DynamoDB is down fails at once; a leased droplet's lease starts failing;
- a check when DynamoDB is up queues a lease attempt: always for a leased droplet, for one
  without a lease only if admitted (the operators' token-bucket throttle, or the remediation's
  queue-size rule: admit with probability 1 - wait / limit);
- an attempt starts when a worker is free and the attempts queued before it have started; it
  costs `renew_work_s` if the droplet still holds its lease then, `establish_work_s` if not;
- an attempt ending within `attempt_timeout_s` of joining the queue grants the lease; a later
  one has wasted its work, starts the lease failing and joins the back of the queue again;
- a restart empties the queues of the hosts whose queued work per worker is past the timeout.

Assumptions are those of `DwfmParams`; in addition, attempt work is exactly `renew_work_s` or
`establish_work_s` (no spread), and the operators' throttle is a token bucket
`throttle_bucket_tokens` deep.

How the simulator is fast (this changes no rule). Droplets and hosts are numpy arrays, not
objects. Each droplet has one pending event, its next check or the end of its attempt
(`next_at`). A lapse is not an event: a failing lease's lapse time is drawn once, and the
droplet holds its lease at time t while `lapse_at` > t. An attempt's start is found when it
joins the queue: in a FIFO queue with K workers it starts at max(joined, earliest time a
worker is free), and a worker is next free when the last attempt given to it ends
(`free_at`). Time advances in steps no longer than the shortest attempt (5 s), also cut at
every sample and input time (before DynamoDB returns no attempt can join a queue, and only the
samples cut the steps); the events of a step are handled together, and since no attempt ends
in the step it joined, the attempts joining a host in one step are placed in time order: all
at once when free workers cover them, one by one otherwise (every host side by side).
Every event thus has the effect it would have in a one-at-a-time loop, with two exceptions that
move nothing measurable: a check due in the same step as the event that set its timer (a timer
shorter than the step; Erlang(6) with mean 300 s is under 5 s once in about 10^9) joins its
queue after the attempts already placed in that step, and under queue admission a queued
renewal whose lease lapses in the step of an admission decision is added to the host's queued
work at the end of the step. The seed fixes every draw, so a run is a pure function of it.
"""

import numpy as np

from outage.cascade.dwfm_params import DwfmControls, DwfmParams
from outage.cascade.records import DwfmRecord, rates

# Offset per host in combined (host, time) sort keys: above any model time in seconds.
_HOST_KEY = 1e7
# A step looks for due events among the droplets whose event was due within this many seconds
# when last it scanned them all (a scan of every droplet per step would cost more).
_WINDOW_S = 30.0


def simulate(
    p: DwfmParams, c: DwfmControls, horizon_s: float, seed: int, record_every_s: float = 60.0
) -> DwfmRecord:
    """Simulate every droplet, attempt and worker from the trigger to `horizon_s`.

    Droplets are split over hosts as in `DwfmParams.droplets_per_host`; `seed` seeds the one
    random generator (check timers, lapse times, admission draws). Cost O(events), about
    droplets * horizon_s / check_interval_s checks plus the attempts they cause, plus a fixed
    cost per step (horizon_s / 5 s of them) and a scan of every droplet every 30 simulated
    seconds; memory O(droplets).
    """
    if np.ndim(c.dynamodb_restored_s) != 0:
        raise ValueError("the discrete-event model takes one DynamoDB restore time")
    if not horizon_s > 0 or not record_every_s > 0:
        raise ValueError("horizon_s and record_every_s must be > 0")
    fleet = _Fleet(p, c, seed)
    samples = np.arange(int(np.floor(horizon_s / record_every_s + 1e-9)) + 1) * record_every_s
    end_s = samples[-1]
    step_s = min(p.renew_work_s, p.establish_work_s)
    inputs = [float(c.dynamodb_restored_s), c.restart_at_s, c.throttle_from_s, c.throttle_until_s]
    cuts = [t for t in inputs if t is not None and 0 < t < end_s]
    # Before DynamoDB returns no attempt joins a queue (checks fail fast), so only the samples
    # cut the steps there.
    grid = np.arange(0.0, end_s, step_s)
    edges = np.unique(np.concatenate([grid[grid >= fleet.restored_s], samples, cuts]))
    is_sample = np.isin(edges, samples)
    rows = []
    for i, t0 in enumerate(edges):
        if t0 == c.restart_at_s:
            fleet.restart(t0)
        if is_sample[i]:
            rows.append(fleet.observe(t0))
        if i + 1 < len(edges):
            fleet.step(t0, edges[i + 1])
    data = np.array(rows, dtype=float)
    t_s = data[:, 0]
    workers = p.workers_per_host * fleet.hosts
    return DwfmRecord(
        t_s=t_s,
        fleet_droplets=fleet.droplets,
        leased=data[:, 1],
        queued=data[:, 2],
        queue_wait_s=data[:, 3],
        congested_hosts=data[:, 4],
        established_per_s=rates(data[:, 7], t_s),
        renewed_per_s=rates(data[:, 8], t_s),
        timeouts_per_s=rates(data[:, 9], t_s),
        workers=workers,
        busy_workers=data[:, 5],
        admission_limit_per_s=data[:, 6],
    )


class _Fleet:
    """Every droplet and host of one run, as arrays; each method handles a batch of events."""

    def __init__(self, p: DwfmParams, c: DwfmControls, seed: int) -> None:
        self.p, self.c = p, c
        self.rng = np.random.default_rng(seed)
        self.restored_s = float(c.dynamodb_restored_s)
        per_host = p.droplets_per_host().astype(int)
        self.hosts, self.droplets = len(per_host), int(per_host.sum())
        self.host = np.repeat(np.arange(self.hosts), per_host)
        k, n = p.check_interval_stages, self.droplets
        # Droplets start in the healthy steady state: every lease held, timers in uniform stages.
        self.next_at = self.rng.gamma(k - self.rng.integers(k, size=n), p.check_interval_s / k)
        self.attempting = np.zeros(n, bool)  # the pending event ends an attempt (else: a check)
        self.lapse_at = np.full(n, np.inf)  # leased while > t; failing while also finite
        self.joined_at = np.zeros(n)  # the attempt's last time joining the queue
        self.renewal = np.zeros(n, bool)  # the attempt started with the lease held
        self.attempt_work = np.zeros(n)  # worker-seconds the attempt takes
        # Hosts.
        self.free_at = np.zeros((self.hosts, p.workers_per_host))  # rows kept sorted
        self.work = np.zeros(self.hosts)  # worker-seconds queued or in service
        self.tokens = np.full(self.hosts, float(c.throttle_bucket_tokens))
        self.refilled_at = np.zeros(self.hosts)
        # Queued renewals whose lease lapses before they start: (time, host), added to `work`.
        self.lapsing_t, self.lapsing_h = np.empty(0), np.empty(0, int)
        self.counts = np.zeros(3)  # established, renewed, timed out
        self.window, self.window_end = np.arange(n), -np.inf  # droplets that may be due before window_end

    # --- the mechanism's rules ---------------------------------------------------------

    def next_check(self, d: np.ndarray, t: np.ndarray) -> None:
        k = self.p.check_interval_stages
        self.next_at[d] = t + self.rng.gamma(k, self.p.check_interval_s / k, size=len(d))

    def start_failing(self, d: np.ndarray, t: np.ndarray) -> None:
        """Leased droplets whose lease was not already failing draw their lapse time."""
        fresh = self.lapse_at[d] == np.inf
        self.lapse_at[d[fresh]] = t[fresh] + self.rng.exponential(self.p.lease_mean_ttl_s, int(fresh.sum()))

    def checks(self, d: np.ndarray, up: bool, rules: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Checks due: (droplets joining a queue, when, whether each needs admitting)."""
        t = self.next_at[d]
        if not up:  # the check fails fast without DynamoDB
            self.start_failing(d, t)
            self.next_check(d, t)
            return d[:0], t[:0], d[:0].astype(bool)
        unleased = self.lapse_at[d] <= t
        return d, t, (unleased if rules else np.zeros(len(d), bool))

    def attempts_end(self, d: np.ndarray, up: bool) -> tuple[np.ndarray, np.ndarray]:
        """Attempts ending: in time grants the lease, late rejoins the queue (returned)."""
        p, t = self.p, self.next_at[d]
        self.attempting[d] = False
        self.work -= np.bincount(self.host[d], weights=self.attempt_work[d], minlength=self.hosts)
        if not up:
            self.start_failing(d, t)
            self.next_check(d, t)
            return d[:0], t[:0]
        in_time = t - self.joined_at[d] <= p.attempt_timeout_s
        ok, renewed = d[in_time], self.renewal[d[in_time]]
        self.counts += [np.sum(~renewed), np.sum(renewed), np.sum(~in_time)]
        self.lapse_at[ok] = np.inf
        self.next_check(ok, t[in_time])
        late, late_t = d[~in_time], t[~in_time]
        self.start_failing(late, late_t)
        return late, late_t

    def restart(self, t: float) -> None:
        """Restart the hosts whose queued work per worker is past the timeout."""
        congested = self.work / self.p.workers_per_host > self.p.attempt_timeout_s
        if not congested.any():
            return
        dropped = np.flatnonzero(self.attempting & congested[self.host])
        self.attempting[dropped] = False
        self.next_check(dropped, np.full(len(dropped), t))
        self.free_at[congested] = t
        self.work[congested] = 0.0
        self.window_end = -np.inf  # dropped attempts' droplets may be due sooner now
        keep = ~congested[self.lapsing_h]
        self.lapsing_t, self.lapsing_h = self.lapsing_t[keep], self.lapsing_h[keep]

    # --- the simulator ----------------------------------------------------------------

    def step(self, t0: float, t1: float) -> None:
        """Handle every event in [t0, t1); t1 - t0 is at most the shortest attempt."""
        up, throttled = t0 >= self.restored_s, self.c.throttled(t0)
        rules = throttled or self.c.queue_admission
        if t1 > self.window_end:
            self.window_end = max(t1, t0 + _WINDOW_S)
            self.window = np.flatnonzero(self.next_at < self.window_end)
        due = self.window[self.next_at[self.window] < t1]
        while len(due):
            ending = self.attempting[due]
            ended = due[ending]
            # Queue admission counts back the work of attempts ending after each decision.
            ended_hwt = (self.host[ended], self.next_at[ended], self.attempt_work[ended]) if self.c.queue_admission else None
            late, late_t = self.attempts_end(ended, up)
            d, t, decide = self.checks(due[~ending], up, rules)
            self.join(np.concatenate([late, d]), np.concatenate([late_t, t]),
                      np.concatenate([np.zeros(len(late), bool), decide]), throttled, ended_hwt)
            due = due[self.next_at[due] < t1]  # set within this step (rare)
        if len(self.lapsing_t):
            now = self.lapsing_t < t1
            p = self.p
            self.work += (p.establish_work_s - p.renew_work_s) * np.bincount(self.lapsing_h[now], minlength=self.hosts)
            self.lapsing_t, self.lapsing_h = self.lapsing_t[~now], self.lapsing_h[~now]

    def join(self, d: np.ndarray, t: np.ndarray, decide: np.ndarray, throttled: bool, ended) -> None:
        """Droplets `d` join their host's queue at times `t` (those with `decide` only if
        admitted); each attempt is given its worker and start time."""
        if not len(d):
            return
        p = self.p
        order = np.argsort(self.host[d] * _HOST_KEY + t, kind="stable")
        d, t, decide = d[order], t[order], decide[order]
        if decide.any():
            admitted = self.decide(d, t, decide, throttled, ended)
            self.next_check(d[~admitted], t[~admitted])
            d, t = d[admitted], t[admitted]
        h = self.host[d]
        self.place(d, t, h)
        held = self.lapse_at[d] > t
        joining_work = np.where(held, p.renew_work_s, p.establish_work_s)
        self.work += np.bincount(h, weights=joining_work, minlength=self.hosts)
        self.attempting[d] = True
        self.joined_at[d] = t
        lapses_waiting = held & ~self.renewal[d]
        if lapses_waiting.any():
            self.lapsing_t = np.concatenate([self.lapsing_t, self.lapse_at[d[lapses_waiting]]])
            self.lapsing_h = np.concatenate([self.lapsing_h, h[lapses_waiting]])

    def decide(self, d, t, decide, throttled, ended) -> np.ndarray:
        """Admission of the attempts with `decide` (arrays sorted by host, then time), in
        time order at each host, hosts side by side; True where the attempt joins."""
        p, c = self.p, self.c
        h = self.host[d]
        admitted = np.ones(len(d), bool)
        i = np.flatnonzero(decide)
        if throttled and not c.queue_admission:
            ok = self.take_tokens(h[i], t[i])
            if ok is not None:
                admitted[i] = ok
                return admitted
        rank = _rank_in_group(h[i])
        i = i[np.argsort(rank, kind="stable")]
        bounds = np.searchsorted(np.sort(rank), np.arange(rank.max() + 2))
        if c.queue_admission:
            # Work at each decision: this step's earlier arrivals at the host that need no
            # decision, and its attempts ending later (already taken off), counted back in.
            u = self.rng.random(len(d))
            joining = np.where(self.lapse_at[d] > t, p.renew_work_s, p.establish_work_s) * ~decide
            before = np.cumsum(joining) - joining
            before -= before[np.searchsorted(h, h)]  # from the host's first arrival
            seen_work = self.work[h] + before + _sum_after(*ended, h, t)
            admitted_work = np.zeros(self.hosts)
        for j in range(len(bounds) - 1):
            s = i[bounds[j]:bounds[j + 1]]
            hs, ok = h[s], np.ones(len(s), bool)
            if c.queue_admission:
                wait_s = (seen_work[s] + admitted_work[hs]) / p.workers_per_host
                ok = u[s] < 1.0 - wait_s / c.queue_admission_wait_s
            if throttled:
                k = np.flatnonzero(ok)
                hk, tk = hs[k], t[s[k]]
                tokens = np.minimum(c.throttle_bucket_tokens,
                                    self.tokens[hk] + (tk - self.refilled_at[hk]) * c.throttle_establish_per_host_per_s)
                self.refilled_at[hk] = tk
                has = tokens >= 1.0
                self.tokens[hk] = tokens - has
                ok[k[~has]] = False
            if c.queue_admission:
                admitted_work[hs[ok]] += p.establish_work_s
            admitted[s[~ok]] = False
        return admitted

    def take_tokens(self, h: np.ndarray, t: np.ndarray) -> np.ndarray | None:
        """The throttle's token buckets for establishment attempts (sorted by host, then
        time), all at once: True where admitted. While a bucket stays below its depth, the
        n-th attempt at a host is admitted iff the tokens refilled by then, x, leave one
        beyond the n - 1 already taken, so the count taken after attempt i is
        i + 1 + min(0, min over j <= i of floor(x_j) - (j + 1)). None (nothing changed) if a
        bucket would reach its depth during the step: the caller then goes one at a time."""
        c = self.c
        x = self.tokens[h] + (t - self.refilled_at[h]) * c.throttle_establish_per_host_per_s
        if np.any(x > c.throttle_bucket_tokens):
            return None
        rank = _rank_in_group(h)
        slack = np.floor(x) - (rank + 1)
        # Running minimum of slack within each host's run (offset so runs do not mix).
        offset = np.cumsum(rank == 0) * (2.0 * (np.abs(slack).max() + 1.0))
        low = np.minimum.accumulate(slack - offset) + offset
        taken = rank + 1 + np.minimum(0.0, low)
        ok = np.diff(np.concatenate([[0.0], taken])) > 0
        ok[rank == 0] = taken[rank == 0] > 0
        last = np.append(h[1:] != h[:-1], True)
        self.tokens[h[last]] = x[last] - taken[last]
        self.refilled_at[h[last]] = t[last]
        return ok

    def place(self, d: np.ndarray, t: np.ndarray, h: np.ndarray) -> None:
        """Give each joining attempt (sorted by host, then time) its worker and start time.

        In time order, an attempt takes the worker free earliest. The r-th attempt joining a
        host in this step takes the worker that was r-th free before the step, unless an
        attempt placed before it in the step ends earlier still; that is checked for every
        host at once, and the hosts where it fails (or more attempts than workers join) are
        placed one attempt at a time."""
        p, workers = self.p, self.p.workers_per_host
        rank = _rank_in_group(h)
        slot = np.minimum(rank, workers - 1)
        lapse_at, slot_free = self.lapse_at[d], self.free_at[h, slot]
        begin = np.maximum(t, slot_free)
        end = begin + np.where(lapse_at > begin, p.renew_work_s, p.establish_work_s)
        # Earliest end of the attempts before each one at its host (inf for the first).
        earlier = np.full((self.hosts, rank.max() + 2), np.inf)
        earlier[h, rank + 1] = end
        earlier = np.minimum.accumulate(earlier, axis=1)[h, rank]
        wrong = (rank >= workers) | (slot_free > earlier)
        one_by_one = np.zeros(self.hosts, bool)
        one_by_one[h[wrong]] = True
        slow = one_by_one[h]
        fast = ~slow
        self.free_at[h[fast], slot[fast]] = end[fast]
        if slow.any():
            i = np.flatnonzero(slow)
            i = i[np.argsort(rank[i], kind="stable")]
            bounds = np.searchsorted(np.sort(rank[i]), np.arange(rank[i].max() + 2))
            for j in range(len(bounds) - 1):
                s = i[bounds[j]:bounds[j + 1]]
                hs = h[s]
                w = np.argmin(self.free_at[hs], axis=1)
                begin[s] = np.maximum(t[s], self.free_at[hs, w])
                end[s] = begin[s] + np.where(self.lapse_at[d[s]] > begin[s], p.renew_work_s, p.establish_work_s)
                self.free_at[hs, w] = end[s]
        touched = np.zeros(self.hosts, bool)
        touched[h] = True
        self.free_at[touched] = np.sort(self.free_at[touched], axis=1)
        renewal = lapse_at > begin
        self.renewal[d] = renewal
        self.attempt_work[d] = np.where(renewal, p.renew_work_s, p.establish_work_s)
        self.next_at[d] = end

    def observe(self, t: float) -> tuple:
        """One record row at time t: the state after every event before t."""
        p, c = self.p, self.c
        waits = self.work / p.workers_per_host
        return (
            t,
            np.sum(self.lapse_at > t),
            np.sum(self.attempting),
            waits.mean(),
            np.sum(waits > p.attempt_timeout_s),
            np.sum(self.free_at > t),
            c.throttle_establish_per_host_per_s * self.hosts if c.throttled(t) else np.inf,
            *self.counts,
        )


def _rank_in_group(g: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal values of sorted `g`."""
    return np.arange(len(g)) - np.searchsorted(g, g)


def _sum_after(host_e: np.ndarray, t_e: np.ndarray, w_e: np.ndarray, host_q: np.ndarray, t_q: np.ndarray) -> np.ndarray:
    """For each query (host_q, t_q): the sum of weights w_e of events at the same host later
    than t_q. O((events + queries) log events)."""
    key = host_e * _HOST_KEY + t_e
    order = np.argsort(key)
    key, cum = key[order], np.r_[0.0, np.cumsum(w_e[order])]
    upto = cum[np.searchsorted(key, host_q * _HOST_KEY + t_q, side="right")]
    host_end = cum[np.searchsorted(key, (host_q + 1) * _HOST_KEY, side="left")]
    return host_end - upto
