"""Tests of the rulebook: loading, checking and compiling the rule files."""
