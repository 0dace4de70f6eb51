"""The EC2/NLB cascade: a metastable failure that outlived its trigger.

After DynamoDB's DNS record was restored at 2:25 AM PDT on 20 Oct 2025, EC2 stayed broken for
hours. This package models why, in three coupled stages, each fed by the one before:

    DynamoDB outage --> DWFM leases lapse --> re-lease storm --> congestive collapse (dwfm_*)
                                                   |
                              leases return ------> Network Manager backlog (netmgr)
                                                   |
                          slow propagation -------> NLB health-check flapping, failover (nlb)

`dwfm_fluid` is the fleet-scale mean-field model, `dwfm_des` the seeded discrete-event
simulation it is checked against; `scenarios` names the operator actions (inputs) and the
counterfactuals; `milestones` turns records into PDT clock times; `phase` sweeps outage length
against fleet size. Nothing runs at import.
"""
