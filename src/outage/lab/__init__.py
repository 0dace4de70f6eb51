"""The live lab: the incident's two DNS halves on real BIND 9 and Unbound, on loopback.

``race``: the race model's shortest counterexample replayed with Enactor processes writing
RFC 2136 UPDATEs (incident, conditional-write fix, TXT lock). ``tail``: the negative-caching
tail measured through Unbound and compared with the DNS model. ``servers``/``config`` start
and configure the servers; ``enactor`` is the Enactor process; ``cli`` adds ``lab``.
"""
