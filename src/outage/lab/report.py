"""Readable accounts of the lab's results: plain functions of the JSON the lab prints.

Kept apart from the lab itself so that the notebook and the tests can format committed or
fresh results without starting (or importing) anything that talks DNS.
"""

import json
from pathlib import Path

# Measurements from a real run, committed so that readers without BIND and Unbound (and the
# notebook) can see them: `python -m outage lab race --json > data/lab/race.json`, and the
# same for `tail`.
COMMITTED_DIR = Path(__file__).resolve().parents[3] / "data" / "lab"


def load_committed(kind: str) -> dict:
    """The committed result of ``lab race`` or ``lab tail`` (``kind``: "race" or "tail")."""
    if kind not in ("race", "tail"):
        raise ValueError(f"kind must be 'race' or 'tail', got {kind!r}")
    return json.loads((COMMITTED_DIR / f"{kind}.json").read_text(encoding="utf-8"))


def replay_outline(result: dict) -> list[dict]:
    """The parts of a race result that do not depend on the machine: per variant, each
    step's actor, lab outcome, answers through the resolver and agreement with the model.
    (The actions' wording is the race model's to change; who acted and what the servers did
    are the replay's.)"""
    keep = ("actor", "lab", "rcodes", "resolver", "generations", "empty", "matches_model")
    return [{"variant": v["variant"], "lock_probe": v["lock_probe"],
             "steps": [{k: st[k] for k in keep} for st in v["steps"]]}
            for v in result["variants"]]


def race_account(result: dict) -> str:
    """The readable account of ``python -m outage lab race``."""
    p = result["params"]
    out = [f"Live lab: the race on {result['software']['named']} and "
           f"Unbound ({result['software']['unbound']}), loopback only",
           f"Model: {p['enactors']} Enactors × {p['plans']} plans × {p['endpoints']} endpoints, "
           f"keep {p['keep']}; each replay follows the model's shortest trace to "
           f"\"{result['property']}\" being violated, with no fix.",
           f"Endpoints: {', '.join(result['endpoints'])} (answers below are what a client gets "
           "through Unbound after each step)."]
    for v in result["variants"]:
        out.append("")
        out.append(f"== {v['variant']} ==")
        for st in v["steps"]:
            mark = "" if st["matches_model"] else "   <-- DIFFERS FROM THE MODEL"
            out.append(f"  {st['n']:>2}. {st['action']}: {st['lab']}{mark}")
            out.append(f"      {' | '.join(st['resolver'])}")
        if v["lock_probe"]:
            pr = v["lock_probe"]
            out.append(f"  probe: {pr['label']}: {pr['rcode']} "
                       f"({'refused' if pr['refused'] else 'ACCEPTED'})")
        verdict = ("the record went EMPTY (NOERROR, no addresses) at "
                   + ", ".join(v["empty_endpoints"]) if v["record_emptied"]
                   else "the record never emptied")
        refusals = (f"; stale writes refused with {', '.join(v['refused_rcodes'])}"
                    if v["refused_rcodes"] else "")
        agree = ("every step matches the model" if v["matches_model"]
                 else "SOME STEPS DIFFER FROM THE MODEL")
        out.append(f"  Result: {verdict}{refusals}; {agree}.")
    out.append("")
    out.append(f"Done in {result['seconds']:.1f} s; every server and Enactor process stopped.")
    return "\n".join(out)


def _resends(load: dict) -> str:
    """One line on what named logged beyond the client questions (Unbound's re-sends)."""
    groups = [load[g] for g in ("cached", "uncached")]
    if "resent" not in groups[0]:
        return "  (counted from named's query log)"
    resent = sum(g["resent"] for g in groups)
    unexplained = sum(g["unexplained"] for g in groups)
    text = (f"  Counted per question from named's query log (each client question spells the "
            f"name in its own letter case, and named logs that spelling): it logged "
            f"{sum(g['authoritative_lines'] for g in groups)} queries, "
            f"{resent} of them Unbound re-sending a question named was slow to answer")
    if unexplained:
        text += f", and {unexplained} that NO CLIENT QUESTION EXPLAINS"
    return text + "."


def tail_account(result: dict) -> str:
    """The readable account of ``python -m outage lab tail``."""
    k = result["scale"]
    out = [f"Live lab: the recovery tail through Unbound ({result['software']['unbound']}) "
           f"and {result['software']['named']}, loopback only",
           f"Time scale 1:{k:g} (lab seconds; × {k:g} for real seconds). {result['resolvers']} "
           f"independent Unbound caches, one client each, retrying every "
           f"{result['poll_lab_s']:g} s; entries fetched at moments spread over one negative "
           "TTL before the fix.", ""]
    out.append(f"  {'negative TTL':>18}  {'measured p50':>12}  {'model p50':>9}  "
               f"{'measured last':>13}  {'model last':>10}  {'queries at named':>16}  agrees")
    for row in result["settings"]:
        m, p = row["measured"], row["model"]
        last = "never" if m["all_s"] is None else f"{m['all_s']:.2f} s"
        out.append(f"  {row['neg_ttl_real_s']:>6} s -> {row['neg_ttl_lab_s']:>2} s lab  "
                   f"{m['p50_s']:>10.2f} s  {p['p50_s']:>7.2f} s  {last:>13}  "
                   f"{p['all_s']:>8.2f} s  {row['authoritative_queries']:>16}  "
                   f"{'yes' if row['agrees'] else 'NO'}")
    load = result["load"]
    out += ["", f"Queries reaching named while the record was empty ({load['window_lab_s']:.1f} "
            f"lab s, negative TTL {load['neg_ttl_lab_s']} s, {load['cached']['resolvers']} "
            "resolvers per group):",
            f"  with negative caching:    {load['cached']['authoritative_queries']:>5} of "
            f"{load['cached']['client_queries']} client queries "
            f"(RFC 2308 expects {load['expected_cached'][0]} to {load['expected_cached'][1]})",
            f"  without negative caching: {load['uncached']['authoritative_queries']:>5} of "
            f"{load['uncached']['client_queries']} client queries (every one)",
            _resends(load),
            "",
            "Model: outage.dns.recovery.predict_recovery with the same TTLs (scaled), one "
            "client per resolver, no client cache, fixed 1 s retry. Tolerance: "
            f"{result['tolerance_lab_s']:.2f} lab s (Unbound's whole-second clock, scheduling, "
            "2 retries).",
            f"Verdict: {'the measurements agree with the model' if result['agrees_with_model'] else 'MEASUREMENTS DISAGREE WITH THE MODEL'}; "
            f"done in {result['seconds']:.1f} s, every server stopped."]
    return "\n".join(out)
