"""`python -m outage dns ...`: the DNS caching and recovery-tail model from the command line."""

import argparse
import json
import math

from outage.cli import CliError, whole_number
from outage.dns.assumptions import observed_tail_comparison
from outage.dns.population import Params, recovery_bound_s, simulate
from outage.dns.recovery import summarize
from outage.dns.resolution import OBSERVED_TAIL_S, RETRY_POLICIES, AnswerMode

_DEFAULTS = Params()
# A run simulates every client from the warm-up to the TTL-chain bound, and then once more
# without an outage for the normal load: about 1 microsecond of CPU per client per simulated
# second, and memory a few kilobytes per client. 600 clients over the default 1,750 s take about
# a second; these bounds keep a run under about 20 s and 200 MB.
MAX_CLIENTS = 10_000
MAX_CLIENT_SECONDS = 2e7
EXIT_CODES = "exit status: 0 run completed, 2 bad parameter"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `dns` subcommand and its `recovery` action."""
    dns = subparsers.add_parser("dns", help="DNS caching and the 2:25-2:40 AM PDT recovery tail")
    actions = dns.add_subparsers(dest="dns_command", required=True)
    rec = actions.add_parser(
        "recovery",
        help="simulate clients recovering after the records return at 2:25 AM PDT",
        description="Simulate a seeded client population recovering after the DynamoDB "
                    "records were restored; times are seconds after 2:25 AM PDT. The tail is "
                    "one negative TTL long; its match with AWS's 15 minutes follows from the "
                    "assumed 900 s TTL (observed_tail_kind: input), not from the model.",
        epilog=EXIT_CODES,
    )
    rec.add_argument("--answer", choices=[m.value for m in AnswerMode],
                     default=_DEFAULTS.answer.value,
                     help="what the authority returned during the outage (default: empty)")
    rec.add_argument("--serve-stale", action="store_true", help="resolvers serve stale (RFC 8767)")
    rec.add_argument("--last-known-good", action="store_true",
                     help="resolvers never replace an address with an empty answer")
    rec.add_argument("--failure-caching", action="store_true",
                     help="resolvers cache resolution failures (RFC 9520)")
    rec.add_argument("--record-ttl", type=float, default=_DEFAULTS.record_ttl_s, metavar="S",
                     help="positive TTL of the address records (s)")
    rec.add_argument("--soa-ttl", type=float, default=_DEFAULTS.soa_ttl_s, metavar="S",
                     help="TTL of the SOA record (s)")
    rec.add_argument("--soa-minimum", type=float, default=_DEFAULTS.soa_minimum_s, metavar="S",
                     help="SOA MINIMUM field (s); negative TTL = min(SOA TTL, MINIMUM)")
    rec.add_argument("--resolver-max-negative-ttl", type=float, metavar="S",
                     default=_DEFAULTS.resolver_max_negative_ttl_s,
                     help="resolver cap on negative TTLs (s); 0 disables negative caching")
    rec.add_argument("--client-ttl", type=float, default=_DEFAULTS.client_positive_ttl_s,
                     metavar="S", help="JVM-like client positive TTL (s)")
    rec.add_argument("--client-negative-ttl", type=float, metavar="S",
                     default=_DEFAULTS.client_negative_ttl_s,
                     help="JVM-like client negative TTL (s)")
    rec.add_argument("--retry", choices=sorted(RETRY_POLICIES), default=_DEFAULTS.retry,
                     help="client retry policy")
    rec.add_argument("--clients", type=whole_number, default=_DEFAULTS.n_clients, metavar="N",
                     help=f"clients, 1 to {MAX_CLIENTS:,} (default %(default)s)")
    rec.add_argument("--resolvers", type=whole_number, default=_DEFAULTS.n_resolvers, metavar="N",
                     help="resolver caches the clients share, 1 to --clients (default %(default)s)")
    rec.add_argument("--entry-ages", choices=["uniform", "synchronized"],
                     default=_DEFAULTS.entry_ages.value,
                     help="ages of resolver cache entries at the start (default: uniform)")
    rec.add_argument("--seed", type=int, default=0)
    rec.add_argument("--json", action="store_true", help="print one JSON object")
    rec.set_defaults(func=run_recovery)


def _params(args: argparse.Namespace) -> Params:
    values = [args.record_ttl, args.soa_ttl, args.soa_minimum, args.resolver_max_negative_ttl,
              args.client_ttl, args.client_negative_ttl]
    if not all(math.isfinite(v) for v in values):
        raise CliError("TTLs must be finite numbers of seconds")
    if args.seed < 0:
        raise CliError(f"--seed must be >= 0, got {args.seed}")
    if not 1 <= args.clients <= MAX_CLIENTS:
        raise CliError(f"--clients must be between 1 and {MAX_CLIENTS:,} (about 2 ms of computing per "
                       f"client at the default TTLs), got {args.clients:,}")
    if not 1 <= args.resolvers <= args.clients:
        raise CliError(f"--resolvers must be between 1 and --clients ({args.clients:,}): a resolver "
                       f"cache without clients does nothing; got {args.resolvers:,}")
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
        raise CliError(f"--clients {p.n_clients:,} over the {simulated_s:,.0f} s these TTLs make the run "
                       f"simulate is {p.n_clients * simulated_s:.2g} client-seconds; the bound is "
                       f"{MAX_CLIENT_SECONDS:.0g} (about 20 s of computing): use fewer clients or shorter TTLs")
    return p


def _fmt(seconds) -> str:
    return "not all recovered" if seconds is None else f"{seconds:7.1f} s ({seconds / 60:4.1f} min)"


def run_recovery(args: argparse.Namespace) -> int:
    """Simulate, then print the summary as JSON or as a short report. Returns 0."""
    p = _params(args)
    summary = summarize(simulate(p, args.seed))
    result = {
        "p50_recovery_s": summary.p50_recovery_s,
        "p99_recovery_s": summary.p99_recovery_s,
        "all_recovered_s": summary.all_recovered_s,
        "recovered_share": summary.recovered_share,
        "authoritative_qps_ratio": summary.authoritative_qps_ratio,
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
    print(f"  authoritative load      : {summary.authoritative_qps_ratio:.3g}x normal "
          f"({summary.outage_authoritative_qps:.3g} vs {summary.normal_authoritative_qps:.3g} "
          "queries/s)")
    return 0
