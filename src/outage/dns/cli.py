"""`python -m outage dns ...`: the DNS caching and recovery-tail model from the command line."""

import argparse
import json
import math
import textwrap

from outage.cli import (EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_UNWRITABLE,
                        CliError, shown_count, whole_or_infinite)
from outage.dns.assumptions import observed_tail_comparison
from outage.dns.population import Params, recovery_bound_s, simulate
from outage.dns.recovery import summarize
from outage.dns.resolution import OBSERVED_TAIL_S, RETRY_POLICIES, AnswerMode

_DEFAULTS = Params()
# Cost, measured on the 2-core reference machine: a run simulates every client from the
# warm-up to the TTL-chain bound, then once more without an outage over the warm-up for the
# normal load. With the default back-off a client costs 0.35 to 0.7 microseconds per simulated
# second (10,000 clients over the default 1,650 s: 6 to 12 s, depending on the machine's other
# load); with --retry fixed and no client cache a failing client looks up every second, about
# 2.4 microseconds per client-second (10,000 clients over 1,920 s: 46 s). Memory stays under
# 100 MB. The bounds below keep a run under about a minute.
MAX_CLIENTS = 10_000
MAX_CLIENT_SECONDS = 2e7
# Before the run each resolver replays the outage with the cache rules, one step per refetch:
# a step every negative TTL (or every record TTL with --last-known-good), about 3 microseconds
# each (100 resolvers replaying 9,420 s at a 1 s TTL: 942,000 steps in 3 s).
MAX_REPLAY_STEPS = 5e6
# The run starts this long before the fix; the normal load is measured over it.
WARMUP_S = _DEFAULTS.warmup_s
# The largest negative-caching time of any resolver: BIND truncates max-ncache-ttl to 7 days.
MAX_NEGATIVE_TTL_S = 604_800.0
MAX_SEED = 2**32 - 1
# Each TTL flag: (attribute, smallest allowed, whether the smallest is excluded, largest, why).
TTL_BOUNDS: dict[str, tuple[str, float, bool, float, str]] = {
    "--record-ttl": ("record_ttl", 0.0, True, WARMUP_S,
                     f"the normal authoritative load is measured over the {WARMUP_S:.0f} s "
                     "before the fix and a resolver asks the authority about once per record "
                     "TTL, so with a longer one that baseline can hold no query and the load "
                     "ratio is undefined"),
    "--soa-ttl": ("soa_ttl", 0.0, False, MAX_NEGATIVE_TTL_S,
                  "the negative TTL is min(--soa-ttl, --soa-minimum, "
                  "--resolver-max-negative-ttl) and that cap is at most 604,800, so a larger "
                  "value changes nothing"),
    "--soa-minimum": ("soa_minimum", 0.0, False, MAX_NEGATIVE_TTL_S,
                      "the negative TTL is min(--soa-ttl, --soa-minimum, "
                      "--resolver-max-negative-ttl) and that cap is at most 604,800, so a "
                      "larger value changes nothing"),
    "--resolver-max-negative-ttl": ("resolver_max_negative_ttl", 0.0, False, MAX_NEGATIVE_TTL_S,
                                    "no resolver caps negative answers higher: BIND truncates "
                                    "max-ncache-ttl to 7 days (Unbound's default cap is 1 h)"),
    "--client-ttl": ("client_ttl", 0.0, False, WARMUP_S,
                     f"the clients' first lookups are spread over one client TTL from the "
                     f"start of the run, {WARMUP_S:.0f} s before the fix; a longer one leaves "
                     "clients that have not looked up by the fix (they would count as "
                     "recovering at their first lookup, past the TTL-chain bound) and can "
                     "leave the normal-load baseline without queries"),
    "--client-negative-ttl": ("client_negative_ttl", 0.0, False, MAX_NEGATIVE_TTL_S,
                              "the tail grows by it and the run simulates it after the fix; "
                              "the same longest negative caching as for resolvers (BIND "
                              "truncates its cap to 7 days), where the JDK's default is 10 s"),
}
EXIT_CODES = f"""exit status:
  0    run completed (clients still failing at the end are reported)
  {EXIT_BAD_INPUT}    bad input: a parameter out of range or malformed (one line on stderr)
  {EXIT_UNWRITABLE}    the results could not be written, e.g. a full disk (one line on stderr)
  {EXIT_INTERRUPTED}  interrupted by Ctrl-C
  {EXIT_TERMINATED}  stopped by SIGTERM"""


def _seconds(x: float) -> str:
    return f"{x:,.0f}" if math.isfinite(x) and x.is_integer() and abs(x) < 1e15 else repr(x)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `dns` subcommand and its `recovery` action."""
    dns = subparsers.add_parser("dns", help="DNS caching and the 2:25-2:40 AM PDT recovery tail",
                                epilog="exit statuses: see python -m outage dns recovery --help")
    actions = dns.add_subparsers(dest="dns_command", required=True)
    rec = actions.add_parser(
        "recovery",
        help="simulate clients recovering after the records return at 2:25 AM PDT",
        description=textwrap.fill(
            "Simulate a seeded client population recovering after the DynamoDB records were "
            "restored; times are seconds after 2:25 AM PDT. The tail is one negative TTL long; "
            "its match with AWS's 15 minutes follows from the assumed 900 s TTL "
            "(observed_tail_kind: input), not from the model."),
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )

    def ttl_range(flag: str) -> str:
        _, low, exclusive, high, _ = TTL_BOUNDS[flag]
        return (f"{'more than' if exclusive else 'at least'} {low:g}, at most {_seconds(high)}; "
                "default %(default)s")

    rec.add_argument("--answer", choices=[m.value for m in AnswerMode],
                     default=_DEFAULTS.answer.value,
                     help="what the authority returned during the outage (default: empty)")
    rec.add_argument("--serve-stale", action="store_true", help="resolvers serve stale (RFC 8767)")
    rec.add_argument("--last-known-good", action="store_true",
                     help="resolvers never replace an address with an empty answer")
    rec.add_argument("--failure-caching", action="store_true",
                     help="resolvers cache resolution failures (RFC 9520)")
    rec.add_argument("--record-ttl", type=float, default=_DEFAULTS.record_ttl_s, metavar="S",
                     help="positive TTL of the address records (s; "
                          f"{ttl_range('--record-ttl')})")
    rec.add_argument("--soa-ttl", type=float, default=_DEFAULTS.soa_ttl_s, metavar="S",
                     help=f"TTL of the SOA record (s; {ttl_range('--soa-ttl')})")
    rec.add_argument("--soa-minimum", type=float, default=_DEFAULTS.soa_minimum_s, metavar="S",
                     help="SOA MINIMUM field (s); negative TTL = min(SOA TTL, MINIMUM) "
                          f"({ttl_range('--soa-minimum')})")
    rec.add_argument("--resolver-max-negative-ttl", type=float, metavar="S",
                     default=_DEFAULTS.resolver_max_negative_ttl_s,
                     help="resolver cap on negative TTLs (s); 0 disables negative caching "
                          f"({ttl_range('--resolver-max-negative-ttl')})")
    rec.add_argument("--client-ttl", type=float, default=_DEFAULTS.client_positive_ttl_s,
                     metavar="S", help="JVM-like client positive TTL (s; "
                                       f"{ttl_range('--client-ttl')})")
    rec.add_argument("--client-negative-ttl", type=float, metavar="S",
                     default=_DEFAULTS.client_negative_ttl_s,
                     help=f"JVM-like client negative TTL (s; {ttl_range('--client-negative-ttl')})")
    rec.add_argument("--retry", choices=sorted(RETRY_POLICIES), default=_DEFAULTS.retry,
                     help="client retry policy")
    rec.add_argument("--clients", type=whole_or_infinite, default=_DEFAULTS.n_clients, metavar="N",
                     help=f"clients, 1 to {MAX_CLIENTS:,} (default %(default)s)")
    rec.add_argument("--resolvers", type=whole_or_infinite, default=_DEFAULTS.n_resolvers, metavar="N",
                     help="resolver caches the clients share, 1 to --clients (default %(default)s)")
    rec.add_argument("--entry-ages", choices=["uniform", "synchronized"],
                     default=_DEFAULTS.entry_ages.value,
                     help="ages of resolver cache entries at the start (default: uniform)")
    rec.add_argument("--seed", type=whole_or_infinite, default=0, metavar="SEED",
                     help=f"seed of the client population, 0 to {MAX_SEED:,} (default 0)")
    rec.add_argument("--json", action="store_true", help="print one JSON object")
    rec.set_defaults(func=run_recovery)


def _check_ttls(args: argparse.Namespace) -> None:
    """Each TTL flag within its range; the message names the flag, the bound and its reason."""
    for flag, (attr, low, exclusive, high, why) in TTL_BOUNDS.items():
        value = getattr(args, attr)
        if math.isnan(value):
            raise CliError(f"{flag} must be a number of seconds, got {value}")
        if value < low or (exclusive and value == low):
            raise CliError(f"{flag} must be {'more than' if exclusive else 'at least'} "
                           f"{low:g}, got {_seconds(value)}")
        if value > high:
            raise CliError(f"{flag} must be at most {_seconds(high)}: {why}; "
                           f"got {_seconds(value)}")


def _replay_steps(p: Params) -> tuple[float, float, str]:
    """Steps of the resolvers' replay of the outage before the run, the refetch interval, and
    the flags that set it (see MAX_REPLAY_STEPS). Only an empty answer makes the interval a
    parameter: a timed-out authority is re-asked at fixed intervals (30 s and up)."""
    if p.answer is not AnswerMode.EMPTY:
        return 0.0, 0.0, ""
    if p.last_known_good:
        interval, which = p.record_ttl_s, "--record-ttl, with --last-known-good"
    else:
        interval = p.resolver_negative_ttl_s
        which = "the negative TTL, min(--soa-ttl, --soa-minimum, --resolver-max-negative-ttl)"
    if interval <= 0:  # nothing cached: the replay stops at once
        return 0.0, interval, which
    return p.n_resolvers * p.outage_s / interval, interval, which


def _params(args: argparse.Namespace) -> Params:
    _check_ttls(args)
    if args.seed < 0:
        raise CliError(f"--seed must be at least 0, got {shown_count(args.seed)}")
    if args.seed > MAX_SEED:
        raise CliError(f"--seed must be at most {MAX_SEED:,}: the seed picks one client "
                       "population (numpy's generator), and a 32-bit range of distinct runs is "
                       f"plenty; got {shown_count(args.seed)}")
    if not 1 <= args.clients <= MAX_CLIENTS:
        raise CliError(f"--clients must be between 1 and {MAX_CLIENTS:,} ({MAX_CLIENTS:,} clients take 6 "
                       "to 12 s of computing at the defaults, about 30 s with --retry fixed), got "
                       f"{shown_count(args.clients)}")
    if not 1 <= args.resolvers <= args.clients:
        raise CliError(f"--resolvers must be between 1 and --clients ({args.clients:,}): a resolver "
                       f"cache without clients does nothing; got {shown_count(args.resolvers)}")
    p = Params(answer=args.answer, serve_stale=args.serve_stale,
               last_known_good=args.last_known_good, failure_caching=args.failure_caching,
               record_ttl_s=args.record_ttl, soa_ttl_s=args.soa_ttl,
               soa_minimum_s=args.soa_minimum,
               resolver_max_negative_ttl_s=args.resolver_max_negative_ttl,
               client_positive_ttl_s=args.client_ttl,
               client_negative_ttl_s=args.client_negative_ttl, retry=args.retry,
               n_clients=args.clients, n_resolvers=args.resolvers,
               entry_ages=args.entry_ages)
    simulated_s = p.warmup_s + recovery_bound_s(p) + 120.0
    if p.n_clients * simulated_s > MAX_CLIENT_SECONDS:
        raise CliError(f"--clients {p.n_clients:,} over the {simulated_s:,.0f} s the run simulates "
                       f"({p.warmup_s:.0f} s before the fix, the {recovery_bound_s(p):,.0f} s "
                       "TTL-chain bound the TTL flags make, and 120 s) is "
                       f"{p.n_clients * simulated_s:.2g} client-seconds; "
                       f"the bound is {MAX_CLIENT_SECONDS:.0g} (7 to 15 s of computing with the "
                       "default retry, about 50 s with --retry fixed): use fewer clients or "
                       "shorter TTLs")
    steps, interval, which = _replay_steps(p)
    if steps > MAX_REPLAY_STEPS:
        raise CliError(f"--resolvers {p.n_resolvers:,} each re-asking the authority every "
                       f"{interval:g} s ({which}) through the {p.outage_s:,.0f} s outage make "
                       f"{steps:.2g} cache steps before the run; the bound is "
                       f"{MAX_REPLAY_STEPS:.0g} (about 15 s of computing): use fewer resolvers or "
                       "a longer TTL")
    return p


def _fmt(seconds) -> str:
    return "not all recovered" if seconds is None else f"{seconds:7.1f} s ({seconds / 60:4.1f} min)"


def run_recovery(args: argparse.Namespace) -> int:
    """Simulate, then print the summary as JSON or as a short report. Returns 0."""
    p = _params(args)
    summary = summarize(simulate(p, args.seed))
    # With few resolvers and long TTLs the normal-load baseline can hold no query at all; the
    # ratio is then undefined (null), not a division by zero.
    ratio = (summary.outage_authoritative_qps / summary.normal_authoritative_qps
             if summary.normal_authoritative_qps > 0 else None)
    result = {
        "p50_recovery_s": summary.p50_recovery_s,
        "p99_recovery_s": summary.p99_recovery_s,
        "all_recovered_s": summary.all_recovered_s,
        "recovered_share": summary.recovered_share,
        "authoritative_qps_ratio": ratio,
        "outage_authoritative_qps": summary.outage_authoritative_qps,
        "normal_authoritative_qps": summary.normal_authoritative_qps,
        "resolver_negative_ttl_s": p.resolver_negative_ttl_s,
        "recovery_bound_s": recovery_bound_s(p),
        "observed_tail_s": OBSERVED_TAIL_S,
        "observed_tail_kind": observed_tail_comparison()["kind"],
        "all_recovered_minus_negative_ttl_s": (None if summary.all_recovered_s is None
                                               else summary.all_recovered_s - p.resolver_negative_ttl_s),
        "answer": p.answer.value,
        "serve_stale": p.serve_stale,
        "last_known_good": p.last_known_good,
        "failure_caching": p.failure_caching,
        "retry": p.retry,
        "seed": args.seed,
    }
    if args.json:
        print(json.dumps(result, sort_keys=True))
        return 0
    features = [name for name, on in (("serve-stale", p.serve_stale),
                                      ("last-known-good", p.last_known_good),
                                      ("failure caching", p.failure_caching)) if on]
    print(f"DNS recovery after the records returned at 2:25 AM PDT (seed {args.seed})")
    print(f"  authority during outage : {p.answer.value}; resolver features: "
          f"{', '.join(features) or 'none'}; client retry: {p.retry}")
    print(f"  resolver negative TTL   : {p.resolver_negative_ttl_s:.0f} s "
          f"= min(SOA TTL {p.soa_ttl_s:.0f}, MINIMUM {p.soa_minimum_s:.0f}, "
          f"cap {p.resolver_max_negative_ttl_s:.0f})")
    print(f"  half of clients back    : {_fmt(summary.p50_recovery_s)}")
    print(f"  99% of clients back     : {_fmt(summary.p99_recovery_s)}")
    print(f"  all clients back        : {_fmt(summary.all_recovered_s)}"
          f"   (bound {recovery_bound_s(p):.0f} s)")
    print(f"  AWS's tail              : 900 s (2:40 AM PDT); an {observed_tail_comparison()['kind']} "
          "comparison: it equals the assumed negative TTL")
    if ratio is None:
        print(f"  authoritative load      : {summary.outage_authoritative_qps:.3g} queries/s; "
              f"no query in the {p.warmup_s:.0f} s normal baseline, so no ratio")
    else:
        print(f"  authoritative load      : {ratio:.3g}x normal "
              f"({summary.outage_authoritative_qps:.3g} vs {summary.normal_authoritative_qps:.3g} "
              "queries/s)")
    return 0
