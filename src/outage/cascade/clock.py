"""Model clock: seconds since the trigger, 11:48 PM PDT on 19 Oct 2025 (06:48 UTC on 20 Oct).

Every model in this package runs on this clock; `pdt()` turns a model time into the PDT wall
clock "HH:MM" (24-hour) that milestones are reported in.
"""

from datetime import datetime, timedelta, timezone

PDT = timezone(timedelta(hours=-7), "PDT")
TRIGGER = datetime(2025, 10, 19, 23, 48, tzinfo=PDT)


def at(hhmm: str) -> float:
    """Model time in seconds of the next PDT wall-clock time "HH:MM" (24-hour) at or after the
    trigger; "02:25" is 2:25 AM on 20 Oct, 9420 s. O(1)."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(f"not a 24-hour clock time: {hhmm!r}")
    moment = TRIGGER.replace(hour=hours, minute=minutes)
    if moment < TRIGGER:
        moment += timedelta(days=1)
    return (moment - TRIGGER).total_seconds()


def pdt(t_s: float | None) -> str | None:
    """PDT wall clock "HH:MM" of model time `t_s` (seconds since the trigger), rounded to the
    nearest minute; None stays None (a milestone not reached). O(1)."""
    if t_s is None:
        return None
    moment = TRIGGER + timedelta(seconds=round(float(t_s) / 60.0) * 60)
    return moment.strftime("%H:%M")


# Times stated in the AWS summary (PDT, 20 Oct), as model seconds. Operator actions among them
# are inputs to the scenarios; the others are only compared against, never fed in.
DYNAMODB_DNS_RESTORED_S = at("02:25")
DWFM_THROTTLE_AND_RESTART_S = at("04:14")
ALL_LEASES_RESTORED_OBSERVED_S = at("05:28")
NETMGR_LATENCY_RISING_OBSERVED_S = at("06:21")
NLB_ERRORS_START_OBSERVED_S = at("05:30")
NLB_FAILOVER_DISABLED_S = at("09:36")
NETMGR_BACKLOG_CLEARED_OBSERVED_S = at("10:36")
EC2_THROTTLE_RELAXATION_S = at("11:23")

# The observed milestones, named as the CLI and the notebook report them.
OBSERVED_MILESTONES_S: dict[str, float] = {
    "dynamodb_restored": DYNAMODB_DNS_RESTORED_S,
    "all_leases_restored": ALL_LEASES_RESTORED_OBSERVED_S,
    "nlb_errors_start": NLB_ERRORS_START_OBSERVED_S,
    "propagation_latency_elevated": NETMGR_LATENCY_RISING_OBSERVED_S,
    "nlb_errors_end": NLB_FAILOVER_DISABLED_S,
    "network_backlog_cleared": NETMGR_BACKLOG_CLEARED_OBSERVED_S,
}

HORIZON_S = 15 * 3600.0
