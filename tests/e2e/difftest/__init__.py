"""Differential testing of keel-server against redis-server: a seeded generator of random command
streams built from per-family modules (families/), a raw RESP client (resp.py), reply checks
(checks.py) and a runner that drives both servers and compares every reply and the final keyspaces
(runner.py, dump.py)."""
