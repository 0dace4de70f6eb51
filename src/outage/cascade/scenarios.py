"""Named scenarios: the operators' actions as they happened, and the counterfactuals.

A scenario is data: which inputs (operator actions, design changes) are switched on and when.
Everything else (the collapse, the recovery time, the backlog's tail, the capacity NLB loses)
comes out of the models. `run()` chains them: DWFM record -> Network Manager -> NLB.
"""

from dataclasses import dataclass, field, replace

from outage.cascade import clock, dwfm_des, dwfm_fluid, milestones, netmgr, nlb
from outage.cascade.netmgr import NetmgrControls, NetmgrParams
from outage.cascade.nlb import NlbControls, NlbParams
from outage.cascade.dwfm_params import DwfmControls, DwfmParams
from outage.cascade.records import DwfmRecord, NetmgrRecord, NlbRecord

# Assumption: AWS does not say when engineers reduced Network Manager's load; we take 7:00 AM,
# after the latency rise reported at 6:21 AM and the NLB alarm at 6:52 AM.
NETMGR_RELIEF_S = clock.at("07:00")

# Assumption: the velocity control lets health checks remove at most one AZ of three; AWS
# describes the control but not its limit.
VELOCITY_CAP_FRACTION = 1 / 3

AS_HAPPENED_DWFM = DwfmControls(
    restart_at_s=clock.DWFM_THROTTLE_AND_RESTART_S, throttle_from_s=clock.DWFM_THROTTLE_AND_RESTART_S
)
AS_HAPPENED_NETMGR = NetmgrControls(load_reduction_from_s=NETMGR_RELIEF_S)
AS_HAPPENED_NLB = NlbControls(failover_disabled_from_s=clock.NLB_FAILOVER_DISABLED_S)


@dataclass(frozen=True)
class Scenario:
    """One combination of inputs, with a sentence saying what it asks."""

    question: str
    dwfm: DwfmControls = field(default_factory=DwfmControls)
    netmgr: NetmgrControls = field(default_factory=NetmgrControls)
    nlb: NlbControls = field(default_factory=NlbControls)


SCENARIOS: dict[str, Scenario] = {
    "as-happened": Scenario(
        "The operators' actions as AWS reports them: throttle and restart DWFM hosts at 4:14 AM, "
        "reduce Network Manager load (assumed 7:00 AM), disable NLB automatic failover at 9:36 AM.",
        AS_HAPPENED_DWFM, AS_HAPPENED_NETMGR, AS_HAPPENED_NLB,
    ),
    "no-intervention": Scenario(
        "DynamoDB returns at 2:25 AM and nobody acts: does DWFM recover on its own?",
    ),
    "queue-admission": Scenario(
        "AWS's remediation: DWFM admits new work by the size of its waiting queue. No restarts, "
        "no throttle; Network Manager and NLB actions as happened.",
        DwfmControls(queue_admission=True), AS_HAPPENED_NETMGR, AS_HAPPENED_NLB,
    ),
    "velocity-control": Scenario(
        "AWS's remediation: health checks may remove at most a third of an NLB's capacity, and "
        "automatic failover is never disabled. DWFM and Network Manager as happened.",
        AS_HAPPENED_DWFM, AS_HAPPENED_NETMGR, NlbControls(velocity_cap_fraction=VELOCITY_CAP_FRACTION),
    ),
    "restart-only": Scenario(
        "Restart the congested DWFM hosts at 4:14 AM without throttling new work.",
        DwfmControls(restart_at_s=clock.DWFM_THROTTLE_AND_RESTART_S), AS_HAPPENED_NETMGR, AS_HAPPENED_NLB,
    ),
    "throttle-only": Scenario(
        "Throttle new lease work at 4:14 AM without restarting hosts (queues stay full).",
        DwfmControls(throttle_from_s=clock.DWFM_THROTTLE_AND_RESTART_S), AS_HAPPENED_NETMGR, AS_HAPPENED_NLB,
    ),
    "no-netmgr-relief": Scenario(
        "As happened, but nobody reduces Network Manager's load.",
        AS_HAPPENED_DWFM, NetmgrControls(), AS_HAPPENED_NLB,
    ),
    "failover-kept": Scenario(
        "As happened, but NLB automatic failover is never disabled.",
        AS_HAPPENED_DWFM, AS_HAPPENED_NETMGR, NlbControls(),
    ),
}


def scenario_named(name: str) -> Scenario:
    """The scenario called `name`; a ValueError listing the choices otherwise."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    return SCENARIOS[name]


@dataclass(frozen=True)
class CascadeResult:
    """Records of the three models for one scenario, and the milestones found in them
    (model seconds since the trigger; None when not reached)."""

    scenario: str
    dwfm: DwfmRecord
    netmgr: NetmgrRecord
    nlb: NlbRecord
    milestones: dict[str, float | None]

    @property
    def nlb_min_capacity_fraction(self) -> float:
        return float(self.nlb.capacity_fraction.min())


def run(
    name: str,
    dwfm_params: DwfmParams = DwfmParams(),
    netmgr_params: NetmgrParams = NetmgrParams(),
    nlb_params: NlbParams = NlbParams(),
    horizon_s: float = clock.HORIZON_S,
    model: str = "fluid",
    seed: int = 0,
    dwfm: DwfmRecord | None = None,
) -> CascadeResult:
    """Run scenario `name` through DWFM (fluid, or the discrete-event model with `seed`),
    Network Manager and NLB. Pass `dwfm` to reuse a DWFM record made with this scenario's
    DWFM controls (scenarios that differ only downstream share one). Cost: about a second
    for the fluid model at 100,000 droplets."""
    scenario = scenario_named(name)
    if not 0 < horizon_s <= 48 * 3600:
        raise ValueError("horizon must be between 0 and 48 hours")
    if model not in ("fluid", "des"):
        raise ValueError(f"unknown model {model!r}; choose fluid or des")
    if dwfm is None and model == "fluid":
        dwfm = dwfm_fluid.simulate(dwfm_params, scenario.dwfm, horizon_s)
    elif dwfm is None:
        dwfm = dwfm_des.simulate(dwfm_params, scenario.dwfm, horizon_s, seed)
    nm = netmgr.simulate(netmgr_params, scenario.netmgr, dwfm)
    lb = nlb.simulate(nlb_params, scenario.nlb, nm)
    found = {"dynamodb_restored": float(scenario.dwfm.dynamodb_restored_s)}
    found |= milestones.dwfm_milestones(dwfm, float(scenario.dwfm.dynamodb_restored_s))
    found |= milestones.netmgr_milestones(nm, netmgr_params.latency_elevated_s, netmgr_params.latency_normal_s)
    found |= milestones.nlb_milestones(lb, nlb_params.error_threshold)
    return CascadeResult(name, dwfm, nm, lb, found)


def run_all(
    names: list[str] | None = None,
    dwfm_params: DwfmParams = DwfmParams(),
    horizon_s: float = clock.HORIZON_S,
) -> dict[str, CascadeResult]:
    """Fluid runs of the scenarios `names` (default: all). Scenarios with the same DWFM
    controls share one DWFM record, and the distinct ones (5 for all 8 scenarios) are
    integrated together, which costs about 1.5 times one of them."""
    names = list(SCENARIOS) if names is None else names
    distinct = list(dict.fromkeys(scenario_named(name).dwfm for name in names))
    records = dict(zip(distinct, dwfm_fluid.simulate_many(dwfm_params, distinct, horizon_s)))
    return {
        name: run(name, dwfm_params, horizon_s=horizon_s, dwfm=records[SCENARIOS[name].dwfm]) for name in names
    }


def with_fleet(p: DwfmParams, fleet_droplets: int) -> DwfmParams:
    """The same hosts' sizing at another fleet size, keeping droplets per host: hosts scale
    with the fleet (Assumption: AWS adds DWFM hosts as the fleet grows)."""
    per_host = p.fleet_droplets / p.dwfm_hosts
    return replace(p, fleet_droplets=fleet_droplets, dwfm_hosts=max(1, round(fleet_droplets / per_host)))
