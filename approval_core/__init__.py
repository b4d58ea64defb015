"""The approval core: cases, workflow, the legal clock, receipts, records (no web, no engine)."""
