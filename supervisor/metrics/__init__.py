"""Prometheus metrics: this process's counters, its rules and calendar, and the DB's current state.

`process` holds the counters the supervisor bumps as it works, `runtime` reports the rule set and
calendar this process runs on, `state` reads the open cases and alerts from the database at
scrape time, and `registry` puts them together in a registry of the caller's own.
"""
