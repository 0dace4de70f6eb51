"""Executable postmortem of the AWS us-east-1 outage of 19-20 October 2025.

Subpackages hold one model each (the DNS race, the EC2/NLB cascade, DNS caching),
the incident timeline, and the machinery that turns notebooks into site pages.
"""
