"""Tests of notifications against real peers."""
