"""The supervisor: turns the core's facts into warning / yellow / red / anomaly alerts."""
