"""DNS caching and the recovery tail of 2:25 to 2:40 AM PDT on 20 October 2025.

Modules: `cache` (the cache rules), `resolution` (authoritative, retry policies, layer
policies), `population` (the seeded simulation), `recovery` (summaries, scenarios, sweeps,
`predict_recovery`), `amplification` (authoritative load during the outage), `cli`.
"""
