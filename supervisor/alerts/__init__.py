"""Alerts: warning / yellow / red / anomaly, one per cause, with a lifecycle and a history."""
