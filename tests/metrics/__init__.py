"""Tests of the watch screens: /metrics, the deploy/ files, and a real Prometheus scraping us."""
