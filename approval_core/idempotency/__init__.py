"""Idempotency keys: a retried request returns its first answer instead of acting twice."""
