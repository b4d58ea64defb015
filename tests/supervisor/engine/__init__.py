"""Tests of the durable-rules adapter and the plain-Python evaluator, always run side by side."""
